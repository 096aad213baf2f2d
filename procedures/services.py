"""Every write to the procedure catalog: versions, publication, workflows, calendar."""

import datetime as dt
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max, OuterRef, Subquery
from django.utils import timezone
from django.utils.translation import gettext as _

from .models import CalendarException, Procedure, ProcedureVersion
from .search import fold


def version_search_text(*, code: str, name: str, field_name: str) -> str:
    """What catalog search matches against: code, name and field, folded (no diacritics)."""
    return fold(f"{code} {name} {field_name}")


def workflow_check_shares(*, processing_days: Decimal, shares: list[Decimal]) -> None:
    """Refuse a workflow whose steps' shares do not add up to the processing time.

    Raises ValidationError (in Vietnamese) naming both figures.
    """
    if not shares:
        raise ValidationError(_("A procedure needs at least one workflow step."), code="no_steps")
    total = sum(shares, Decimal(0))
    if total != Decimal(processing_days):
        raise ValidationError(
            _(
                "The workflow steps' shares add up to %(total)s working days, but the processing time is "
                "%(days)s working days: they must be equal."
            )
            % {"total": _format_days(total), "days": _format_days(Decimal(processing_days))},
            code="shares",
        )


def _format_days(value: Decimal) -> str:
    from .templatetags.portal import days

    return days(value)


def procedure_version_publish(*, version: ProcedureVersion, valid_from: dt.date | None = None) -> ProcedureVersion:
    """Publish a draft version, in force from ``valid_from`` (today by default, never in the past).

    Guarantees: the workflow shares add up; the version is frozen from now on; the procedure's
    version in force is refreshed.
    """
    today = timezone.localdate()
    valid_from = valid_from or today
    with transaction.atomic():
        version = ProcedureVersion.objects.select_for_update().get(pk=version.pk)
        if version.is_published:
            raise ValidationError(_("This version is already published and can no longer change."), code="published")
        if valid_from < today:
            raise ValidationError(_("A new version cannot take effect in the past."), code="past")
        workflow_check_shares(
            processing_days=version.processing_days, shares=list(version.steps.values_list("share_days", flat=True))
        )
        version.status = ProcedureVersion.Status.PUBLISHED
        version.valid_from = valid_from
        version.search_text = version_search_text(
            code=version.procedure.code, name=version.name, field_name=version.field.name
        )
        version.save(update_fields=["status", "valid_from", "search_text"])
        procedure_refresh_current_versions(procedure_ids=[version.procedure_id])
    return version


def procedure_version_new_draft(*, version: ProcedureVersion, note: str = "") -> ProcedureVersion:
    """Copy a version, with its documents, fees, legal basis, results and steps, into a new draft."""
    with transaction.atomic():
        procedure = Procedure.objects.select_for_update().get(pk=version.procedure_id)
        number = (procedure.versions.aggregate(n=Max("number"))["n"] or 0) + 1
        source = ProcedureVersion.objects.get(pk=version.pk)
        levels = list(source.levels.all())
        agencies = list(source.agencies.all())
        children = {
            "documents": list(source.documents.all()),
            "fees": list(source.fees.all()),
            "legal_basis": list(source.legal_basis.all()),
            "results": list(source.results.all()),
            "steps": list(source.steps.all()),
        }
        draft = source
        draft.pk = None
        draft.id = None
        draft.number = number
        draft.status = ProcedureVersion.Status.DRAFT
        draft.valid_from = timezone.localdate()
        draft.content_hash = ""
        draft.note = note
        draft._state.adding = True
        draft.save()
        draft.levels.set(levels)
        draft.agencies.set(agencies)
        for rows in children.values():
            for row in rows:
                row.pk = None
                row.id = None
                row.version = draft
                row._state.adding = True
            if rows:
                type(rows[0]).objects.bulk_create(rows)
    return draft


def procedure_refresh_current_versions(*, procedure_ids: list[int] | None = None, today: dt.date | None = None) -> int:
    """Point each procedure at its latest published version in force on ``today``; returns how many changed."""
    today = today or timezone.localdate()
    in_force = (
        ProcedureVersion.objects.filter(
            procedure=OuterRef("pk"), status=ProcedureVersion.Status.PUBLISHED, valid_from__lte=today
        )
        .order_by("-valid_from", "-number")
        .values("pk")[:1]
    )
    procedures = Procedure.objects.all()
    if procedure_ids is not None:
        procedures = procedures.filter(pk__in=procedure_ids)
    changed = 0
    for pk, current_id, due_id in procedures.annotate(due=Subquery(in_force)).values_list("pk", "current_version_id", "due"):
        if current_id != due_id:
            Procedure.objects.filter(pk=pk).update(current_version_id=due_id)
            changed += 1
    return changed


def calendar_exception_set(*, date: dt.date, kind: str, name: str) -> CalendarException:
    """Record a day off or a make-up working day (replacing what that date had)."""
    if kind not in CalendarException.Kind.values:
        raise ValidationError(_("Unknown kind of calendar day."), code="kind")
    exception, _created = CalendarException.objects.update_or_create(date=date, defaults={"kind": kind, "name": name})
    return exception
