"""Every write to the procedure catalog: versions, publication, workflows, calendar."""

import datetime as dt
import hashlib
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max, Model, OuterRef, Subquery
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from .models import CalendarException, Field, Procedure, ProcedureVersion
from .national_catalog import (
    CURRENCY_USD,
    CatalogFileError,
    FeeItem,
    ImportReport,
    NationalProcedure,
    PublishedTime,
    catalog_records,
    declaration_component,
    parse_catalog,
)
from .national_catalog import LEVELS as NATIONAL_LEVELS
from .search import fold


def version_search_text(*, code: str, name: str, field_name: str) -> str:
    """What catalog search matches against: code, name and field, folded (no diacritics)."""
    return fold(f"{code} {name} {field_name}")


def workflow_check_shares(*, shares: list[Decimal]) -> None:
    """Refuse a workflow whose steps' shares do not add up to 100% of the processing time.

    Raises ValidationError (in Vietnamese) naming the total.
    """
    if not shares:
        raise ValidationError(_("A procedure needs at least one workflow step."), code="no_steps")
    total = sum(shares, Decimal(0))
    if total != HUNDRED:
        raise ValidationError(
            _("The workflow steps' shares add up to %(total)s%%, but they must add up to 100%% of the processing "
              "time.") % {"total": f"{total.normalize():f}".replace(".", ",")},
            code="shares",
        )


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
        if not version.times.exists():
            raise ValidationError(_("Give the processing time of at least one channel."), code="no_time")
        workflow_check_shares(shares=list(version.steps.values_list("share_percent", flat=True)))
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
        children: dict[str, list[Any]] = {  # rows of six models, copied alike
            "times": list(source.times.all()),
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


# --- Catalog import (the national catalog's shape, see docs/catalog-format.md) ----------------------

HUNDRED = Decimal(100)
RECEPTION_SHARE = Decimal(10)  # percent
LEADER_SHARE = Decimal(20)
# The default internal workflow's steps, as the catalog stores them (Vietnamese: the catalog's language).
STEP_RECEIVE = "Tiếp nhận hồ sơ, chuyển xử lý"
STEP_APPRAISE = "Thẩm định hồ sơ, đề xuất kết quả"
STEP_RECEIVE_APPRAISE = "Tiếp nhận, thẩm định hồ sơ, đề xuất kết quả"
STEP_APPROVE = "Phê duyệt, ký kết quả"
STEP_ALL = "Tiếp nhận, giải quyết và trả kết quả"


def workflow_default_steps(*, short: bool = False) -> list[tuple[str, str, Decimal]]:
    """The internal workflow a new procedure starts with, as (name, role, share in percent of the time).

    Reception 10%, the specialist 70%, the leader 20%. ``short`` (a procedure done within half a working
    day on every channel): the specialist receives and appraises (80%), the leader approves (20%).
    """
    from .models import StaffRole

    if short:
        return [(STEP_RECEIVE_APPRAISE, StaffRole.SPECIALIST, HUNDRED - LEADER_SHARE), (STEP_APPROVE, StaffRole.LEADER, LEADER_SHARE)]
    return [
        (STEP_RECEIVE, StaffRole.RECEPTION_CLERK, RECEPTION_SHARE),
        (STEP_APPRAISE, StaffRole.SPECIALIST, HUNDRED - RECEPTION_SHARE - LEADER_SHARE),
        (STEP_APPROVE, StaffRole.LEADER, LEADER_SHARE),
    ]


def _is_short(times: list[PublishedTime]) -> bool:
    """Every channel's time within half a working day (0, "in the day", included)."""
    return bool(times) and all(
        (t.unit == "working_days" and t.amount <= Decimal("0.5")) or (t.unit == "working_hours" and t.amount <= 4)
        or (t.unit == "calendar_days" and t.amount == 0)
        for t in times
    )


def field_code_for(name: str) -> str:
    """A field's code when the catalog gives none: the slug of its name, at most 40 characters."""
    slug = slugify(fold(name)) or "linh-vuc"
    if len(slug) <= 40:
        return slug
    return f"{slug[:31].rstrip('-')}-{hashlib.sha1(slug.encode()).hexdigest()[:8]}"  # noqa: S324 - a name, not a secret


def catalog_import(
    *, records: list[dict[str, Any]] | dict[str, Any], source: str = "", dry_run: bool = False,
    today: dt.date | None = None,
) -> ImportReport:
    """Import procedures in the national catalog's shape (a list of records, or ``{"data": [...]}``).

    Guarantees, all or nothing in one transaction:
    - if any record is bad, nothing is written and the report lists every error with its position;
    - a new MATTHC gets its procedure, its field if new, and a published version 1 in force from
      ``today`` with documents, fees, legal basis, results, levels and a default workflow whose shares
      add up to the processing time;
    - a known MATTHC whose record changed (sha256 of its canonical JSON differs from the latest
      published version's ``content_hash``) gets a new published version (number + 1, from ``today``)
      that keeps the previous version's workflow when its shares still add up (else the default) and
      its implementing agencies; earlier versions stay as they are, so dossiers keep theirs;
    - an unchanged record writes nothing, so importing the same file twice changes nothing;
    - touched procedures point at their version in force.
    ``dry_run`` does all of it and rolls it back: the report says what would happen.
    """
    try:
        total = len(catalog_records(records))
    except CatalogFileError:
        total = 0
    parsed, errors = parse_catalog(records)
    report = ImportReport(source=source, total=total, dry_run=dry_run, errors=errors)
    if errors:
        return report
    with transaction.atomic():
        _catalog_write(parsed, report=report, today=today or timezone.localdate())
        if dry_run:
            transaction.set_rollback(True)
    return report


def _catalog_write(parsed: list[NationalProcedure], *, report: ImportReport, today: dt.date) -> None:
    from .models import (
        Fee,
        ImplementationLevel,
        LegalDocument,
        ProcessingTime,
        RequiredDocument,
        ResultDocument,
        WorkflowStep,
    )

    existing = {
        p.code: p for p in Procedure.objects.select_for_update().filter(code__in=[p.code for p in parsed]).only("id", "code")
    }
    latest: dict[int, ProcedureVersion] = {}
    if existing:
        published = (
            ProcedureVersion.objects.filter(
                procedure_id__in=[p.id for p in existing.values()], status=ProcedureVersion.Status.PUBLISHED
            )
            .order_by("procedure_id", "-number")
            .only("id", "procedure_id", "number", "content_hash")
        )
        for version in published:
            latest.setdefault(version.procedure_id, version)
    new, changed = [], []
    for item in parsed:
        procedure = existing.get(item.code)
        if procedure is None:
            new.append(item)
        elif (previous := latest.get(procedure.id)) is None or previous.content_hash != item.content_hash:
            changed.append(item)
    report.unchanged = len(parsed) - len(new) - len(changed)
    if not new and not changed:
        return

    fields = _catalog_fields(new + changed)
    levels = {level.code: level for level in ImplementationLevel.objects.all()}
    for code in {c for item in new + changed for c in item.levels} - levels.keys():
        levels[code] = ImplementationLevel.objects.create(code=code, name=NATIONAL_LEVELS[code])

    created = Procedure.objects.bulk_create([Procedure(code=item.code) for item in new], batch_size=500)
    procedures = {**existing, **{p.code: p for p in created}}
    numbers = dict(
        ProcedureVersion.objects.filter(procedure_id__in=[existing[i.code].id for i in changed])
        .values("procedure_id")
        .annotate(n=Max("number"))
        .values_list("procedure_id", "n")
    ) if changed else {}
    previous_ids = [latest[existing[i.code].id].id for i in changed if existing[i.code].id in latest]
    previous_steps: dict[int, list[WorkflowStep]] = {}
    previous_agencies: dict[int, list[int]] = {}
    agency_link = ProcedureVersion.agencies.through
    if previous_ids:
        for step in WorkflowStep.objects.filter(version_id__in=previous_ids).order_by("version_id", "order"):
            previous_steps.setdefault(step.version_id, []).append(step)
        for version_id, agency_id in agency_link.objects.filter(procedureversion_id__in=previous_ids).values_list(
            "procedureversion_id", "agency_id"
        ):
            previous_agencies.setdefault(version_id, []).append(agency_id)

    note = (_("Imported from %(source)s") % {"source": report.source} if report.source else _("Imported"))[:500]
    versions = []
    for item in new + changed:
        procedure = procedures[item.code]
        field = fields[item.code]
        versions.append(
            ProcedureVersion(
                procedure=procedure,
                number=numbers.get(procedure.id, 0) + 1,
                status=ProcedureVersion.Status.PUBLISHED,
                valid_from=today,
                content_hash=item.content_hash,
                note=note,
                name=item.name,
                search_text=version_search_text(code=item.code, name=item.name, field_name=field.name),
                field=field,
                authority_text=item.authority or "; ".join(item.agencies),
                decision_no=item.decision_no,
                target=item.target,
                online_level=item.online_level,
                steps_text=item.steps_text,
                requirements=item.requirements,
                form_schema=item.form_schema,
                form_ui=item.form_ui,
            )
        )
    ProcedureVersion.objects.bulk_create(versions, batch_size=500)

    times: list[ProcessingTime] = []
    documents, fees, legal, results, steps, level_links, agency_links = [], [], [], [], [], [], []
    level_link = ProcedureVersion.levels.through
    for item, version in zip(new + changed, versions, strict=True):
        previous = latest.get(version.procedure_id)  # None for a new procedure
        item_times = item.times()
        times += [
            ProcessingTime(version=version, channel=t.channel, order=i, amount=t.amount, unit=t.unit,
                           description=t.description)
            for i, t in enumerate(item_times, start=1)
        ]
        documents += [
            RequiredDocument(
                version=version, order=i, name=d.name, case=d.case, originals=d.originals, copies=d.copies,
                mandatory=d.mandatory, form_name=d.form_name, document_type_code=d.type_code,
                is_declaration=declaration_component(d.name, item.form_schema, item.form_ui),
            )
            for i, d in enumerate(item.documents, start=1)
        ]
        fees += [
            Fee(version=version, order=i, **fields)
            for i, fields in enumerate(
                (f for fee, kinds in item.fees() for f in _fee_rows(fee, kinds, all_kinds=item.channel_kinds)), start=1)
        ]
        legal += [LegalDocument(version=version, order=i, number=x.number, title=x.title)
                  for i, x in enumerate(item.legal_basis, start=1)]
        results += [ResultDocument(version=version, order=i, code=x.code, name=x.name)
                    for i, x in enumerate(item.results, start=1)]
        level_links += [level_link(procedureversion_id=version.id, implementationlevel_id=levels[c].id) for c in item.levels]
        # A new version keeps the workflow its agency configured (shares are percentages of whatever time the
        # catalog now publishes); a new procedure starts with the default one.
        kept = previous_steps.get(previous.id, []) if previous else []
        if kept:
            version_steps = [
                WorkflowStep(version=version, order=s.order, name=s.name, role=s.role, unit_id=s.unit_id,
                             share_percent=s.share_percent)
                for s in kept
            ]
        else:
            version_steps = [
                WorkflowStep(version=version, order=i, name=name, role=role, share_percent=share)
                for i, (name, role, share) in enumerate(workflow_default_steps(short=_is_short(item_times)), start=1)
            ]
        workflow_check_shares(shares=[s.share_percent for s in version_steps])
        steps += version_steps
        if previous:
            agency_links += [agency_link(procedureversion_id=version.id, agency_id=a) for a in previous_agencies.get(previous.id, [])]
    batches: list[tuple[type[Model], list[Any]]] = [
        (ProcessingTime, times), (RequiredDocument, documents), (Fee, fees), (LegalDocument, legal), (ResultDocument, results),
        (WorkflowStep, steps), (level_link, level_links), (agency_link, agency_links),
    ]
    for model, rows in batches:
        model._default_manager.bulk_create(rows, batch_size=1000)

    procedure_refresh_current_versions(procedure_ids=[procedures[i.code].id for i in new + changed], today=today)
    report.created, report.updated = len(new), len(changed)
    report.created_codes = [i.code for i in new]
    report.updated_codes = [i.code for i in changed]


def _fee_rows(fee: FeeItem, kinds: tuple[str, ...], *, all_kinds: tuple[str, ...]) -> list[dict]:
    """The Fee rows of one published fee: one for every channel when it is the same on all of them, else one
    per channel it applies to. A fee in USD keeps its amount in the name (Fee.amount is in đồng)."""
    name = fee.kind
    amount = fee.amount
    if fee.currency == CURRENCY_USD:
        name = f"{fee.kind} {fee.amount} USD"
        amount = 0
    row = {"name": name[:500], "amount": amount, "note": fee.description}
    if set(kinds) == set(all_kinds):
        return [{**row, "channel": None}]
    return [{**row, "channel": int(kind)} for kind in kinds]


def _catalog_fields(items: list[NationalProcedure]) -> dict[str, Field]:
    """Each record's Field: by MALINHVUC, else by name, else a new one coded by ``field_code_for``."""
    by_code: dict[str, Field] = {}
    by_name: dict[str, Field] = {}
    for existing in Field.objects.all():
        by_code[existing.code] = existing
        by_name.setdefault(existing.name.casefold(), existing)
    new: list[Field] = []
    chosen = {}
    for item in items:
        field = by_code.get(item.field_code) if item.field_code else by_name.get(item.field_name.casefold())
        if field is None:
            code = item.field_code or field_code_for(item.field_name)
            field = by_code.get(code)
            if field is None:
                field = Field(code=code, name=item.field_name)
                new.append(field)
                by_code[code] = field
            by_name.setdefault(item.field_name.casefold(), field)
        chosen[item.code] = field
    Field.objects.bulk_create(new)
    return chosen
