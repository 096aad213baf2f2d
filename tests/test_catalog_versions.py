"""Procedure versions: an edit is a new version from a date; published versions never change; shares add up."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from procedures.models import ProcedureVersion, WorkflowStep
from procedures.services import (
    procedure_refresh_current_versions,
    procedure_version_new_draft,
    procedure_version_publish,
    workflow_check_shares,
)

from .catalog_data import build_catalog, later, user_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def catalog():
    return build_catalog()


def test_new_draft_copies_everything_and_leaves_the_published_version(catalog):
    v1 = catalog["birth"].current_version
    draft = procedure_version_new_draft(version=v1, note="Sửa lệ phí")
    assert draft.number == 2 and draft.status == ProcedureVersion.Status.DRAFT
    assert draft.documents.count() == v1.documents.count() == 2
    assert draft.steps.count() == 3 and draft.fees.count() == 1
    assert list(draft.levels.all()) == list(v1.levels.all())
    assert list(draft.agencies.all()) == list(v1.agencies.all())
    draft.fees.update(amount=8000)
    v1.refresh_from_db()
    assert v1.fees.get().amount == 0
    catalog["birth"].refresh_from_db()
    assert catalog["birth"].current_version_id == v1.id  # a draft is not in force


def test_a_version_published_for_a_future_date_takes_over_on_that_date(catalog):
    procedure = catalog["birth"]
    v1 = procedure.current_version
    draft = procedure_version_new_draft(version=v1)
    procedure_version_publish(version=draft, valid_from=later(10))
    procedure.refresh_from_db()
    assert procedure.current_version_id == v1.id
    assert procedure_refresh_current_versions(today=later(10)) == 1
    procedure.refresh_from_db()
    assert procedure.current_version_id == draft.id
    assert procedure_refresh_current_versions(today=later(10)) == 0  # idempotent


def test_a_published_version_cannot_be_published_again_or_backdated(catalog):
    v1 = catalog["birth"].current_version
    with pytest.raises(ValidationError):
        procedure_version_publish(version=v1)
    draft = procedure_version_new_draft(version=v1)
    with pytest.raises(ValidationError, match="quá khứ"):
        procedure_version_publish(version=draft, valid_from=timezone.localdate() - dt.timedelta(days=1))
    draft.refresh_from_db()
    assert draft.status == ProcedureVersion.Status.DRAFT


def test_publishing_refuses_shares_that_do_not_add_up(catalog):
    draft = procedure_version_new_draft(version=catalog["birth"].current_version)
    draft.steps.filter(order=2).update(share_percent=Decimal("10"))  # 25 + 10 + 25 = 60%
    with pytest.raises(ValidationError) as error:
        procedure_version_publish(version=draft)
    assert "phải bằng 100%" in error.value.messages[0]
    draft.refresh_from_db()
    assert draft.status == ProcedureVersion.Status.DRAFT


def test_share_rule():
    workflow_check_shares(shares=[Decimal("12.5"), Decimal("75"), Decimal("12.5")])
    with pytest.raises(ValidationError):
        workflow_check_shares(shares=[Decimal("50"), Decimal("49.99")])
    with pytest.raises(ValidationError):
        workflow_check_shares(shares=[])


def test_publishing_refuses_a_version_without_a_processing_time(catalog):
    draft = procedure_version_new_draft(version=catalog["birth"].current_version)
    draft.times.all().delete()
    with pytest.raises(ValidationError, match="thời hạn giải quyết"):
        procedure_version_publish(version=draft)


def _admin(client):
    admin = user_for("administrator")
    admin.is_staff = True
    admin.save()
    client.force_login(admin)
    return admin


def test_admin_refuses_a_workflow_whose_shares_do_not_add_up(client, catalog):
    _admin(client)
    draft = procedure_version_new_draft(version=catalog["birth"].current_version)
    url = reverse("admin:procedures_procedureversion_change", args=[draft.pk])
    page = client.get(url)
    assert page.status_code == 200
    data = _form_data(page.context["adminform"].form, page.context["inline_admin_formsets"])
    steps = [k for k in data if k.startswith("steps-") and k.endswith("-share_percent")]
    data[steps[0]] = "40"  # 40 + 50 + 25 = 115% ≠ 100%
    response = client.post(url, data)
    assert response.status_code == 200
    assert "phải bằng 100%" in response.content.decode()
    assert list(draft.steps.values_list("share_percent", flat=True)) == [Decimal(25), Decimal(50), Decimal(25)]


def test_admin_shows_a_published_version_read_only(client, catalog):
    _admin(client)
    v1 = catalog["birth"].current_version
    url = reverse("admin:procedures_procedureversion_change", args=[v1.pk])
    response = client.get(url)
    assert response.status_code == 200
    assert response.context["has_change_permission"] is False
    client.post(url, {"name": "Đổi tên"})
    v1.refresh_from_db()
    assert v1.name == "Thủ tục đăng ký khai sinh"


@pytest.mark.parametrize("role", ["reception_clerk", "specialist", "leader", "citizen"])
def test_only_administrators_reach_the_catalog_admin(client, catalog, role):
    client.force_login(user_for(role))
    response = client.get(reverse("admin:procedures_procedureversion_changelist"))
    assert response.status_code == 302


def _form_data(form, inline_formsets):
    """The POST data a browser would send back for an admin change form, unchanged."""
    data = {}
    for bound in form:
        value = bound.value()
        if value is None:
            continue
        if isinstance(value, list | tuple):
            data[bound.html_name] = [str(v) for v in value]
        else:
            data[bound.html_name] = value
    for inline in inline_formsets:
        formset = inline.formset
        for key, value in formset.management_form.initial.items():
            data[f"{formset.prefix}-{key}"] = value
        for sub in formset.forms:
            for bound in sub:
                value = bound.value()
                if value is not None and not (isinstance(value, bool) and not value):
                    data[bound.html_name] = value
    return data


def test_steps_are_ordered(catalog):
    steps = list(WorkflowStep.objects.filter(version=catalog["birth"].current_version))
    assert [s.order for s in steps] == [1, 2, 3]


def test_the_periodic_task_switches_versions_whose_date_has_come(catalog, monkeypatch):
    from procedures import services, tasks

    procedure = catalog["birth"]
    draft = procedure_version_new_draft(version=procedure.current_version)
    procedure_version_publish(version=draft, valid_from=later(1))
    assert tasks.refresh_current_versions.delay().get() == 0
    tomorrow = later(1)
    monkeypatch.setattr(services.timezone, "localdate", lambda: tomorrow)
    assert tasks.refresh_current_versions.delay().get() == 1
    procedure.refresh_from_db()
    assert procedure.current_version_id == draft.id


def test_the_beat_schedule_names_real_tasks():
    from django.conf import settings

    from dvc_portal.celery import app

    app.loader.import_default_modules()
    for entry in settings.CELERY_BEAT_SCHEDULE.values():
        assert entry["task"] in app.tasks, entry["task"]
