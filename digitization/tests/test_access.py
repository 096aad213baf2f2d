"""Who sees what in the data store: an owner's store holds their own digitized documents (and their
businesses'), never another citizen's; every opening by an official or a reuse is written in the
document's access log, which the owner reads."""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.tests.factories import BusinessFactory
from digitization import selectors, services
from digitization.models import DigitizedDocument, DocumentAccess
from procedures.models import StaffRole

from .factories import AN, MAI, DigitizedDocumentFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def shelf(desk, intake):
    """Documents of An (the `citizen`), of Mai (the `other`), and of a business An represents."""
    business = BusinessFactory(owner=desk["citizen"])
    source = intake(AN)
    return {
        "business": business,
        "source": source,
        "mine": DigitizedDocumentFactory(dossier=source),
        "my_result": DigitizedDocumentFactory(dossier=source, kind="result", document_type="GKS"),
        "my_pending": DigitizedDocumentFactory(dossier=source, status="pending"),
        "my_failed": DigitizedDocumentFactory(dossier=source, status="failed", failure_reason="Tệp bị hỏng"),
        "hers": DigitizedDocumentFactory(dossier=intake(MAI), owner_id_number=MAI["id_number"], owner_name=MAI["name"]),
        "company": DigitizedDocumentFactory(dossier=source, owner_id_number=business.tax_code, owner_name=business.name,
                                            document_type="GCNDKHKD"),
    }


def test_an_owner_store_holds_their_own_and_their_businesses_documents_only(desk, shelf):
    an, mai = desk["citizen"], desk["other"]
    assert set(selectors.store_documents(an)) == {shelf["mine"], shelf["my_result"], shelf["company"]}
    assert list(selectors.store_documents(mai)) == [shelf["hers"]]
    assert list(selectors.store_documents(an, kind="result")) == [shelf["my_result"]]
    assert set(selectors.store_documents(an, kind="component")) == {shelf["mine"], shelf["company"]}
    assert selectors.store_counts(an) == {"component": 2, "result": 1}
    assert selectors.store_counts(mai) == {"component": 1, "result": 0}
    for nobody in (None, AnonymousUser(), desk["clerk"], desk["leader"]):  # officials have no store of their own
        assert list(selectors.store_documents(nobody)) == []
        assert selectors.store_counts(nobody) == {"component": 0, "result": 0}


def test_one_document_of_the_store_is_none_for_anyone_but_its_owner(desk, shelf):
    an, mai = desk["citizen"], desk["other"]
    assert selectors.store_document(an, shelf["mine"].pk) == shelf["mine"]
    assert selectors.store_document(an, shelf["company"].pk) == shelf["company"]
    assert selectors.store_document(mai, shelf["hers"].pk) == shelf["hers"]
    for user, document in [(an, "hers"), (mai, "mine"), (mai, "company"), (an, "my_pending"), (an, "my_failed"),
                           (desk["clerk"], "mine"), (AnonymousUser(), "mine")]:
        assert selectors.store_document(user, shelf[document].pk) is None, (user, document)
    assert selectors.store_document(an, 10**9) is None


def test_the_store_costs_the_same_queries_for_one_document_or_many(desk, shelf):
    an = desk["citizen"]

    def read() -> int:
        with CaptureQueriesContext(connection) as queries:
            for document in selectors.store_documents(an):
                _read = (document.dossier.code, document.access_count, document.last_access)
        return len(queries)

    few = read()
    for _ in range(6):
        DigitizedDocumentFactory(dossier=shelf["source"])
    assert selectors.store_documents(an).count() == 9
    assert read() == few


def test_a_review_by_an_official_of_the_dossier_is_logged_and_others_may_not_review(desk, shelf):
    document, ward = shelf["mine"], desk["ward"]
    data = {"document_type": "XNCT", "number_symbol": "15/XN-CAP", "issue_date": timezone.localdate(),
            "issuer": "Công an phường Hải Châu", "valid_until": None, "summary": "Xác nhận cư trú"}
    for stranger in (desk["citizen"], desk["other"], desk["clerk_elsewhere"]):
        with pytest.raises(PermissionDenied):
            services.document_review(document=document, actor=stranger, data=data)
    assert not DocumentAccess.objects.exists()
    document.refresh_from_db()
    assert document.reviewed_by is None and document.number_symbol == ""

    reviewed = services.document_review(document=document, actor=desk["specialist"], data=data)
    assert (reviewed.number_symbol, reviewed.issuer, reviewed.reviewed_by) == ("15/XN-CAP", data["issuer"], desk["specialist"])
    access = DocumentAccess.objects.get(document=document)
    assert (access.action, access.user, access.who) == ("review", desk["specialist"], "ward-specialist")
    assert access.role == f"{StaffRole.SPECIALIST.label} · {ward.name}"

    log = selectors.store_documents(desk["citizen"]).get(pk=document.pk)
    assert log.access_count == 1 and log.last_access == access.at  # the owner sees who looked, and when


def test_a_review_that_makes_no_sense_is_refused_and_changes_nothing(desk, shelf):
    today = timezone.localdate()
    refused = [
        (shelf["my_result"], {"document_type": "GKS"}),  # a signed result cannot be edited
        (shelf["mine"], {"document_type": "KHONG-CO"}),  # not a known type
        (shelf["mine"], {"issue_date": today, "valid_until": today.replace(year=today.year - 1)}),
    ]
    for document, data in refused:
        with pytest.raises(ValidationError):
            services.document_review(document=document, actor=desk["specialist"], data=data)
    assert not DocumentAccess.objects.exists()
    assert not DigitizedDocument.objects.filter(reviewed_by__isnull=False).exists()


def test_every_opening_is_logged_with_who_and_as_what(desk, shelf):
    document = shelf["mine"]
    public = services.access_record(document=document, user=None, action=DocumentAccess.Action.VERIFY)
    owner = services.access_record(document=document, user=desk["citizen"], action=DocumentAccess.Action.DOWNLOAD)
    official = services.access_record(document=document, user=desk["leader"], action=DocumentAccess.Action.DOWNLOAD,
                                      dossier_code=shelf["source"].code)
    assert public.user is None and public.who and public.role
    assert (owner.who, owner.role) == ("Nguyễn Văn An", "")
    assert official.role == f"{StaffRole.LEADER.label} · {desk['ward'].name}"
    assert official.dossier_code == shelf["source"].code
    assert list(document.accesses.all()) == [official, owner, public]  # newest first
    assert selectors.store_documents(desk["citizen"]).get(pk=document.pk).access_count == 3
    assert selectors.store_documents(desk["other"]).filter(pk=document.pk).count() == 0
