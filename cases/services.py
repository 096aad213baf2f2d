"""Every write to a dossier: drafts, documents, codes, and the actions of the state machine.

Each action locks the dossier row, checks the actor's permission and the state, applies the
transition, saves, and appends one event, in one transaction: two officials acting at once cannot
both succeed, and a refused action changes nothing.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_fsm import ConcurrentTransition, TransitionNotAllowed

from accounts import population
from core.counters import counter_next
from core.moments import aware_moment
from procedures.deadlines import appointment
from procedures.models import Agency, Procedure, ProcedureVersion, TimeUnit
from procedures.working_calendar import WorkingCalendar

from . import extensions
from .declaration_pdf import render_declaration
from .declarations import declaration_check
from .models import Dossier, DossierDocument, DossierEvent, DossierSequence, FilingChannel, ResultDelivery
from .uploads import check_upload, photo_to_pdf
from .workflow import WAITING_ON_CITIZEN, State, refusal

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise  # typing only: django-stubs is a development dependency


class ActionRefused(Exception):
    """The dossier's state does not allow the action now (HTTP 409): nothing changed."""


def dossier_code_allocate(*, agency: Agency, day: dt.date) -> str:
    """The next code ``{agency}-{YYMMDD}-{NNNN}`` for this agency and day: no gap, no duplicate.

    Must run inside the transaction that stores the code: the sequence row stays locked until commit,
    so concurrent submissions queue here and each gets the next number.
    """
    return f"{agency.code}-{day:%y%m%d}-{counter_next(DossierSequence, agency=agency, day=day):04d}"


def _calendar(dossier: Dossier) -> WorkingCalendar:
    return WorkingCalendar.for_agency(dossier.agency)


def _event(dossier: Dossier, *, action: str, actor, from_state: str, reason: str = "", data: dict | None = None):
    """Append the action to the dossier's log and hand it to the apps that consume dossier events
    (``extensions.event_appended``: the outbox, digitization), in the action's transaction."""
    last = dossier.events.aggregate(n=Max("seq"))["n"] or 0
    event = DossierEvent.objects.create(
        dossier=dossier,
        seq=last + 1,
        action=action,
        actor=actor if getattr(actor, "pk", None) else None,
        actor_name=getattr(actor, "display_name", "") if actor is not None else "",
        from_state=from_state,
        to_state=dossier.state,
        reason=reason,
        data=data or {},
    )
    extensions.event_appended(event=event)
    return event


def _applicant(user, business) -> dict:
    """The applicant's snapshot on a dossier: the business (if the user acts for it) or the citizen.

    A citizen whose account is verified with VNeID files with their name and permanent residence as the
    national population database holds them (asked here, not taken from the form), and the dossier records
    that database; if it cannot be reached, the profile's details are used and no database is recorded."""
    profile = getattr(user, "citizen_profile", None)
    verified = bool(profile is not None and profile.is_verified)
    databases = []
    if business is not None:
        if not user.business_memberships.filter(business=business).exists():
            raise PermissionDenied(_("You do not act for this business."))
        name, number, address = business.name, business.tax_code, business.address
    elif profile is not None:
        name, number, address = profile.full_name, profile.id_number, profile.address
        record = population.for_user(user)
        if record is not None:
            name, address = record.full_name or name, record.permanent_residence or address
            databases.append(record.provenance())
    else:
        raise ValidationError(_("Only a citizen or a business can file a dossier: complete your profile first."))
    return {
        "business": business, "applicant_name": name, "applicant_id_number": number, "applicant_address": address,
        "applicant_phone": getattr(profile, "phone", ""), "applicant_email": user.email,
        "applicant_verified": verified, "national_databases": databases,
    }


def _check_delivery(delivery: str, address: str) -> None:
    if delivery not in ResultDelivery.values:
        raise ValidationError({"delivery": _("Choose how to receive the result.")})
    if delivery == ResultDelivery.POST and not (address or "").strip():
        raise ValidationError({"delivery_address": _("Give the address the result should be posted to.")})


def dossier_draft_create(
    *,
    user,
    procedure: Procedure,
    agency: Agency,
    form_data: dict | None = None,
    delivery: str = ResultDelivery.COUNTER,
    delivery_address: str = "",
    business=None,
    channel: int = FilingChannel.ONLINE,
) -> Dossier:
    """A draft for ``procedure`` in force now, with the applicant's data taken from their profile."""
    version = procedure.current_version
    if version is None:
        raise ValidationError({"procedure": _("This procedure is not in force.")})
    if not version.agencies.filter(pk=agency.pk).exists():
        raise ValidationError({"agency": _("This agency does not handle this procedure.")})
    _check_delivery(delivery, delivery_address)
    if version.form_schema and form_data:
        declaration_check(version.form_schema, form_data, complete=False)
    applicant = _applicant(user, business)
    return Dossier.objects.create(
        procedure=procedure,
        version=version,
        owner=user,
        submitted_by=user,
        **applicant,
        channel=channel,
        agency=agency,
        form_data=form_data or {},
        delivery=delivery,
        delivery_address=delivery_address,
    )


def dossier_draft_update(*, dossier: Dossier, user, agency=None, business=..., delivery=None,
                         delivery_address=None, form_data=None) -> Dossier:
    """Change a draft's answers (agency, applicant, delivery, e-form) with the checks of the draft's
    creation. ``business=...`` leaves the applicant as it is; None files as the citizen."""
    if dossier.state != State.DRAFT or not dossier.is_applicant(user):
        raise PermissionDenied(_("You may not take this action on this dossier."))
    fields = []
    if agency is not None:
        if not dossier.version.agencies.filter(pk=agency.pk).exists():
            raise ValidationError({"agency": _("This agency does not handle this procedure.")})
        dossier.agency = agency
        fields.append("agency")
    if business is not ...:
        for name, value in _applicant(user, business).items():
            setattr(dossier, name, value)
            fields.append(name)
    if delivery is not None:
        _check_delivery(delivery, delivery_address or "")
        dossier.delivery = delivery
        dossier.delivery_address = (delivery_address or "") if delivery == ResultDelivery.POST else ""
        fields += ["delivery", "delivery_address"]
    if form_data is not None:
        if dossier.version.form_schema:  # the declaration is answered as a whole, and checked as it is saved
            declaration_check(dossier.version.form_schema, form_data, complete=False)
            dossier.form_data = form_data
        else:
            dossier.form_data = {**dossier.form_data, **form_data}
        fields.append("form_data")
    if fields:
        dossier.save(update_fields=fields)
    return dossier


def dossier_document_remove(*, dossier: Dossier, user, document_pk: int) -> bool:
    """Remove a file the applicant has not sent yet: any file of their draft, or one added to answer the
    open supplement request. The row goes now, the stored file after commit. False if there is none."""
    if not dossier.is_applicant(user):
        raise PermissionDenied(_("You may not take this action on this dossier."))
    documents = dossier.documents.filter(pk=document_pk)
    if dossier.state == State.SUPPLEMENT_REQUESTED:
        requested = dossier.events.filter(action="request_supplement").order_by("-seq").first()
        if requested is None:  # a dossier waiting for a supplement was asked for one: its event is there
            raise ActionRefused(_("This dossier is not waiting for a supplement."))
        documents = documents.filter(uploaded_at__gte=requested.at, uploaded_by=user)
    elif dossier.state != State.DRAFT:
        raise PermissionDenied(_("You may not take this action on this dossier."))
    document = documents.first()
    if document is None:
        return False
    storage, name = document.file.storage, document.file.name
    with transaction.atomic():
        document.delete()
        if document.reused_from_id is None and name:  # a reused file is the store's, not this dossier's
            transaction.on_commit(lambda: storage.delete(name))
    return True


def dossier_document_add(*, dossier: Dossier, actor, requirement, uploaded, source: str = DossierDocument.Source.UPLOAD):
    """Attach a checked file (see ``cases.uploads``) to a draft or to a dossier waiting for a supplement."""
    if dossier.state not in (State.DRAFT, State.SUPPLEMENT_REQUESTED):
        raise ActionRefused(_("Documents can only be added to a draft or to answer a supplement request."))
    if requirement is not None and requirement.version_id != dossier.version_id:
        raise ValidationError({"requirement": _("This document is not part of this procedure.")})
    scan = source == DossierDocument.Source.SCAN
    name, content_type, content = photo_to_pdf(uploaded.name, *check_upload(uploaded, requirement=requirement, scan=scan))
    return _store_documents(
        dossier=dossier, actor=actor, files=[(requirement, name, content_type, content)], source=source
    )[0]


def _store_documents(*, dossier: Dossier, actor, files, source: str) -> list[DossierDocument]:
    """Write checked files and their rows; if the rows cannot be saved, no file stays behind."""
    documents, written = [], []
    try:
        with transaction.atomic():
            for requirement, name, content_type, content in files:
                digest = hashlib.sha256(content).hexdigest()
                document = DossierDocument(
                    dossier=dossier, requirement=requirement, original_name=name[:255], content_type=content_type,
                    size=len(content), sha256=digest, source=source, uploaded_by=actor,
                )
                document.file.save(f"{digest[:16]}{_suffix(content_type)}", ContentFile(content), save=False)
                written.append(str(document.file.name))
                document.save()
                documents.append(document)
    except Exception:
        for name in written:
            DossierDocument._meta.get_field("file").storage.delete(name)
        raise
    return documents


@contextlib.contextmanager
def _files_kept_only_on_success() -> Iterator[list[DossierDocument]]:
    """The documents stored inside the block (append them to the list given): if the block fails, their rows
    roll back with its transaction and their files are deleted, so no file is left without its dossier."""
    written: list[DossierDocument] = []
    try:
        yield written
    except BaseException:
        for document in written:
            document.file.storage.delete(str(document.file.name))
        raise


def _declaration_files(dossier: Dossier) -> list[tuple]:
    """The declaration as the portal prints it (the official layout, with the dossier's code), to file with the
    dossier like any component: under the required document it stands for, if the version names one. Nothing
    for a version without a declaration."""
    if not dossier.version.form_schema:
        return []
    requirement = dossier.version.documents.filter(is_declaration=True).order_by("order", "pk").first()
    return [(requirement, f"to-khai-dien-tu-{dossier.code}.pdf", "application/pdf", render_declaration(dossier=dossier))]


def _suffix(content_type: str) -> str:
    return {"application/pdf": ".pdf", "image/jpeg": ".jpg", "image/png": ".png", "image/tiff": ".tif"}.get(content_type, "")


def missing_documents(dossier: Dossier) -> list:
    """Mandatory required documents of the dossier's version that have no file yet (the one the electronic
    declaration stands for is filed by the portal at submission)."""
    present = set(dossier.documents.values_list("requirement_id", flat=True))
    required = dossier.version.documents.filter(mandatory=True)
    if dossier.version.form_schema:
        required = required.exclude(is_declaration=True)
    return [r for r in required if r.pk not in present]


def _locked(dossier_id: int) -> Dossier:
    return (
        Dossier.objects.select_for_update(of=("self",))
        .select_related("agency", "version", "current_step")
        .get(pk=dossier_id)
    )


def dossier_submit(*, dossier: Dossier, actor) -> Dossier:
    """Submit a draft online: every mandatory document is there; it gets its code and waits for reception.
    The declaration, printed, joins the dossier's files."""
    with _files_kept_only_on_success() as written, transaction.atomic():
        dossier = _locked(dossier.pk)
        _check(dossier, "submit", actor)
        if dossier.version.form_schema:
            declaration_check(dossier.version.form_schema, dossier.form_data, complete=True)
        missing = missing_documents(dossier)
        if missing:
            raise ValidationError(
                {"documents": [_("Missing: %(name)s") % {"name": r.name[:200]} for r in missing]}
            )
        now = timezone.now()
        from_state = dossier.state
        dossier.submit()
        dossier.submitted_at = now
        dossier.code = dossier_code_allocate(agency=dossier.agency, day=timezone.localdate(now))
        dossier.save()
        written += _store_documents(dossier=dossier, actor=actor, files=_declaration_files(dossier),
                                    source=DossierDocument.Source.PRINTED)
        _event(dossier, action="submit", actor=actor, from_state=from_state)
    return dossier


def dossier_national_create(*, reference: str, procedure: Procedure, agency: Agency, applicant: dict, files,
                            submitted_at: dt.datetime, verified: bool, request_details: str, owner=None,
                            business=None, came_by: str = "push") -> Dossier:
    """A dossier submitted through the National Public Service Portal: created as ``submitted`` (waiting for
    the province's reception, like one from its own front door), with its code, the portal's reference and
    the documents the portal forwarded (``files``: checked (requirement, name, content type, bytes)).

    The system acts for the portal (the applicant signed the submission there, with VNeID). All or nothing:
    if anything fails, no dossier, no code, no file is left; a second dossier with the same reference is an
    ``IntegrityError`` (the caller answers with the first one)."""
    version = procedure.current_version
    stored = []
    try:
        with transaction.atomic():
            dossier = Dossier(
                procedure=procedure, version=version, owner=owner, business=business, channel=FilingChannel.ONLINE,
                agency=agency, applicant_name=applicant["name"][:255], applicant_id_number=applicant["id_number"][:14],
                applicant_phone=applicant.get("phone", "")[:20], applicant_email=applicant.get("email", "")[:254],
                applicant_address=applicant.get("address", "")[:500], applicant_verified=verified,
                national_reference=reference, form_data={"request_details": request_details[:4000]} if request_details else {},
            )
            dossier.submit()  # the national portal's submission, not an account's: no role to check
            dossier.submitted_at = submitted_at
            dossier.code = dossier_code_allocate(agency=agency, day=timezone.localdate(submitted_at))
            dossier.save()
            stored = _store_documents(dossier=dossier, actor=None, files=files, source=DossierDocument.Source.UPLOAD)
            _event(dossier, action="submit", actor=None, from_state=State.DRAFT,
                   data={"channel": "national", "national_reference": reference, "came_by": came_by,
                         "documents": len(stored)})
    except Exception:
        for document in stored:
            document.file.storage.delete(str(document.file.name))
        raise
    return dossier


def _check(dossier: Dossier, action: str, actor, *, as_system: bool = False) -> None:
    """Raise PermissionDenied (403) or ActionRefused (409) with ``workflow.refusal``'s reason, if any."""
    refused = refusal(dossier, action, actor, as_system=as_system)
    if refused is not None:
        raise (PermissionDenied if refused.forbidden else ActionRefused)(str(refused.message))


# --- the clock ---------------------------------------------------------------------------------------------


def _start_clock(dossier: Dossier, now: dt.datetime) -> None:
    """Received now: the appointment is the end of the published time of the dossier's channel, counted in
    its own unit on the agency's calendar (``procedures.deadlines``); the time applied is kept with it."""
    found = appointment(_calendar(dossier), dossier.version.times.all(), channel=dossier.channel, start=now)
    if found is None:
        raise ValidationError(_("This procedure publishes no processing time: an administrator must give one "
                                "before its dossiers can be received."))
    dossier.received_at = now
    dossier.due_at = found.due_at
    dossier.time_amount, dossier.time_unit = found.time.amount, found.time.unit


def _start_step(dossier: Dossier, now: dt.datetime) -> None:
    """The current step's own deadline: its share of the dossier's processing time (in working minutes, the
    time waiting on the applicant left out), from now, and never after the appointment."""
    step = dossier.current_step
    if step is None or dossier.received_at is None or dossier.due_at is None:
        dossier.step_due_at = None
        return
    calendar = _calendar(dossier)
    whole = max(0, calendar.working_minutes_between(dossier.received_at, dossier.due_at) - dossier.paused_minutes)
    share = round(whole * step.share_percent / 100)
    dossier.step_due_at = min(calendar.add_working_minutes(now, share), dossier.due_at)


def _pause(dossier: Dossier, now: dt.datetime) -> None:
    """Waiting on the applicant. Before reception there is no appointment yet: nothing to pause."""
    if dossier.received_at is not None:
        dossier.paused_at = now


CALENDAR_UNITS = (TimeUnit.CALENDAR_DAYS, TimeUnit.MONTHS)


def _resume(dossier: Dossier, now: dt.datetime) -> None:
    """Time spent waiting on the applicant does not count: the appointment moves by it, in the unit of the
    dossier's time. Working days and hours: by the working time waited. Calendar days and months: the period
    starts as many calendar days later as were waited (counted by date), and ends as the Civil Code says;
    after an extension the new date moves by those days. The step's own deadline moves by the working time
    waited, never past the appointment."""
    if dossier.paused_at is None:
        return
    calendar = _calendar(dossier)
    waited = calendar.working_minutes_between(dossier.paused_at, now)
    days = (timezone.localdate(now) - timezone.localdate(dossier.paused_at)).days
    dossier.paused_minutes += waited
    dossier.paused_at = None
    if dossier.due_at is None:
        return
    if dossier.time_unit in CALENDAR_UNITS:
        dossier.waited_days += days
        if dossier.extended_at is not None:
            dossier.due_at = calendar.deadline(dossier.due_at, days, TimeUnit.CALENDAR_DAYS) if days else dossier.due_at
        elif dossier.received_at is not None and dossier.time_amount is not None:  # set with due_at
            dossier.due_at = calendar.deadline(dossier.received_at + dt.timedelta(days=dossier.waited_days),
                                               dossier.time_amount, dossier.time_unit)
    elif waited:
        dossier.due_at = calendar.add_working_minutes(dossier.due_at, waited)
    if dossier.step_due_at is not None and waited:
        dossier.step_due_at = min(calendar.add_working_minutes(dossier.step_due_at, waited), dossier.due_at)


# --- the shared core of every action ---------------------------------------------------------------------

# Actions by which an official hands a dossier on from the step it is at.
STEP_HANDLING_ACTIONS = ("complete_step", "transfer", "approve", "deny")

Step = Callable[[Dossier, dt.datetime, dict[str, Any]], None]


def _act(*, dossier: Dossier, action: str, actor, reason: str = "", data: dict[str, Any] | None = None,
         before: Step | None = None, after: Step | None = None, as_system: bool = False) -> DossierEvent:
    """Take ``action``: lock the dossier, check the actor may (``workflow.refusal``), run ``before`` (the
    action's own checks, which may add to the event's ``data``), record the step being handed on, call the
    transition, run ``after`` (the fields it sets besides the state), save, append the event and hand it to
    the consumers, all in one transaction. Raises PermissionDenied, ActionRefused or ValidationError; in each
    case nothing changes."""
    try:
        with transaction.atomic():
            dossier = _locked(dossier.pk)
            _check(dossier, action, actor, as_system=as_system)
            now = timezone.now()
            from_state = dossier.state
            data = dict(data or {})
            if before is not None:
                before(dossier, now, data)
            if action in STEP_HANDLING_ACTIONS:
                _record_step(dossier, now, data)
            getattr(dossier, action)()
            if after is not None:
                after(dossier, now, data)
            if dossier.state in (State.REFUSED, State.WITHDRAWN, State.SUSPENDED):
                dossier.finished_at = now
                if from_state in WAITING_ON_CITIZEN:
                    dossier.paused_at = None
            dossier.save()
            return _event(dossier, action=action, actor=actor, from_state=from_state, reason=reason, data=data)
    except (TransitionNotAllowed, ConcurrentTransition) as error:
        raise ActionRefused(_("Another official changed this dossier at the same moment: reload it and try again.")) from error


def _record_step(dossier: Dossier, now: dt.datetime, data: dict[str, Any]) -> None:
    """On the event of a step-handling action, the step as it was before the transition moves on: which
    one, at which agency, its due time, and whether it was handled late. Written over whatever the caller
    sent under these keys; the accountability report (``satisfaction.accountability``) counts them. With no
    step deadline there is no ``late`` key: neither late nor on time."""
    step, due = dossier.current_step, dossier.step_due_at
    data.pop("late", None)
    data.update({
        "step_id": step.pk if step else None,
        "step_order": step.order if step else None,
        "step_name": step.name if step else "",
        "step_role": step.role if step else "",
        "step_agency": dossier.holder_id,
        "step_due_at": due.isoformat() if due else None,
    })
    if due is not None:
        data["late"] = now > due


def _reason_required(reason: str, message: StrOrPromise) -> Step:
    def check(dossier: Dossier, now: dt.datetime, data: dict[str, Any]) -> None:
        if not reason.strip():
            raise ValidationError({"reason": message})

    return check


PRINTED_REASON = gettext_lazy("Give the reason: it is printed for the applicant.")


# --- one service per action ------------------------------------------------------------------------------


def dossier_receive(*, dossier: Dossier, actor, reason: str = "", checklist: list[str] | None = None) -> DossierEvent:
    """Receive an online dossier (form 01): the processing clock starts and the appointment date is set.
    ``checklist``: the documents the clerk checked, by name, recorded with the event."""
    return _act(dossier=dossier, action="receive", actor=actor, reason=reason,
                data={"checklist": list(checklist)} if checklist else None,
                after=lambda d, now, data: _start_clock(d, now))


def dossier_request_supplement(*, dossier: Dossier, actor, items: list[dict[str, str]], reason: str = "") -> DossierEvent:
    """Ask the applicant for every missing item at once, each with guidance (form 02). Before reception it is
    the clerk's guidance to complete the dossier: as often as needed, and no clock runs (there is no
    appointment yet). After reception the processing agency may ask once (``workflow``); the clock pauses."""
    def before(d: Dossier, now: dt.datetime, data: dict[str, Any]) -> None:
        if not items or not all(str(i.get("guidance", "")).strip() for i in items):
            raise ValidationError(
                {"items": _("List every missing item, each with guidance for the applicant, in one request.")}
            )
        data["items"] = [{"document": str(i.get("document", "")), "guidance": str(i["guidance"])} for i in items]

    return _act(dossier=dossier, action="request_supplement", actor=actor, reason=reason, before=before,
                after=lambda d, now, data: _pause(d, now))


def dossier_supplement(*, dossier: Dossier, actor, reason: str = "", form_data: dict | None = None) -> DossierEvent:
    """The applicant completed the dossier (online, or at the counter through the clerk): the clock resumes
    and the appointment moves by the time waited; a dossier completed at reception goes to its first step.
    ``form_data``: the declaration as corrected, checked whole; the event keeps the answers it replaced
    (``form_data_before``), so the specialist sees what changed, and the corrected declaration is printed
    and filed beside the first."""
    def before(d: Dossier, now: dt.datetime, data: dict[str, Any]) -> None:
        if form_data is None or form_data == d.form_data:
            return
        if d.version.form_schema:
            declaration_check(d.version.form_schema, form_data, complete=True)
        data["form_data_before"] = d.form_data
        d.form_data = form_data

    def after(d: Dossier, now: dt.datetime, data: dict[str, Any]) -> None:
        _resume(d, now)
        if d.state == State.PROCESSING and d.step_due_at is None:
            _start_step(d, now)  # completed at reception: the first step starts now
        if "form_data_before" in data:
            written.extend(_store_documents(dossier=d, actor=actor, files=_declaration_files(d),
                                            source=DossierDocument.Source.PRINTED))

    with _files_kept_only_on_success() as written:
        return _act(dossier=dossier, action="supplement", actor=actor, reason=reason, before=before, after=after)


def dossier_refuse(*, dossier: Dossier, actor, reason: str) -> DossierEvent:
    """Not accepted at reception (form 03), with the reason printed for the applicant."""
    return _act(dossier=dossier, action="refuse", actor=actor, reason=reason,
                before=_reason_required(reason, PRINTED_REASON))


def dossier_forward(*, dossier: Dossier, actor, reason: str = "") -> DossierEvent:
    """Hand a received dossier to the first step of its workflow; the step's own deadline starts."""
    return _act(dossier=dossier, action="forward", actor=actor, reason=reason,
                after=lambda d, now, data: _start_step(d, now))


def dossier_complete_step(*, dossier: Dossier, actor, reason: str = "") -> DossierEvent:
    """The step's holder hands the dossier to the next step, with their opinion."""
    return _act(dossier=dossier, action="complete_step", actor=actor, reason=reason,
                after=lambda d, now, data: _start_step(d, now))


def dossier_transfer(*, dossier: Dossier, actor, agency: str, reason: str) -> DossierEvent:
    """Send the dossier to another agency (by its identifier ``agency``) to be handled there."""
    target = Agency.objects.filter(code=agency).first() if agency else None

    def before(d: Dossier, now: dt.datetime, data: dict[str, Any]) -> None:
        _reason_required(reason, PRINTED_REASON)(d, now, data)
        if target is None or target.pk in (d.agency_id, d.handling_agency_id):
            raise ValidationError({"agency": _("Choose another agency to transfer the dossier to.")})
        data.update(agency=agency, agency_name=target.name)

    def after(d: Dossier, now: dt.datetime, data: dict[str, Any]) -> None:
        d.handling_agency = d.holder = target

    return _act(dossier=dossier, action="transfer", actor=actor, reason=reason, before=before, after=after)


def dossier_request_payment(*, dossier: Dossier, actor, fees: list[dict[str, Any]], reason: str = "") -> DossierEvent:
    """Ask for the fees (whole VND, each positive); the clock pauses until they are paid."""
    def before(d: Dossier, now: dt.datetime, data: dict[str, Any]) -> None:
        if not fees or not all(_positive_int(f.get("amount")) for f in fees):
            raise ValidationError({"fees": _("List the fees to pay, each with a positive amount.")})
        data["fees"] = [{"name": str(f.get("name", "")), "amount": int(f["amount"])} for f in fees]

    return _act(dossier=dossier, action="request_payment", actor=actor, reason=reason, before=before,
                after=lambda d, now, data: _pause(d, now))


def dossier_confirm_payment(*, dossier: Dossier, actor, proof: str, reason: str = "") -> DossierEvent:
    """A reception clerk confirms a payment made at the counter, with its receipt number; the clock resumes.
    (The payment gateway's verified callback confirms through ``dossier_payment_settle``.)"""
    def before(d: Dossier, now: dt.datetime, data: dict[str, Any]) -> None:
        if not proof.strip():
            raise ValidationError({"proof": _("Give the receipt or transaction number.")})
        data["proof"] = proof

    return _act(dossier=dossier, action="confirm_payment", actor=actor, reason=reason, before=before,
                after=lambda d, now, data: _resume(d, now))


def _resolve(dossier: Dossier, now: dt.datetime, data: dict[str, Any]) -> None:
    dossier.resolved_at = now
    dossier.current_step = None
    dossier.step_due_at = None


def dossier_approve(*, dossier: Dossier, actor, reason: str) -> DossierEvent:
    """The leader approves at the last step; ``reason`` is the result (the number and symbol of the document
    issued), and the electronic result is issued from it."""
    return _act(dossier=dossier, action="approve", actor=actor, reason=reason, after=_resolve,
                before=_reason_required(reason, _("Give the result: the number and symbol of the document issued.")))


def dossier_deny(*, dossier: Dossier, actor, reason: str) -> DossierEvent:
    """The leader denies, with the reasons printed in the letter to the applicant."""
    return _act(dossier=dossier, action="deny", actor=actor, reason=reason, after=_resolve,
                before=_reason_required(reason, PRINTED_REASON))


def dossier_extend(*, dossier: Dossier, actor, reason: str, new_due_at: dt.datetime | None) -> DossierEvent:
    """Apologize and set a later appointment (form 04): once, no later than the working day before the
    appointment date, and the new appointment a working moment of the agency's calendar."""
    new_due = aware_moment(new_due_at)

    def before(d: Dossier, now: dt.datetime, data: dict[str, Any]) -> None:
        _reason_required(reason, _("Give the reason for the delay: it is printed on the apology letter."))(d, now, data)
        if new_due is None or d.due_at is None or new_due <= d.due_at:
            raise ValidationError({"new_due_at": _("The new date must be after the current appointment date.")})
        calendar = _calendar(d)
        last = calendar.working_day_before(timezone.localdate(d.due_at))
        if timezone.localdate(now) > last:
            raise ValidationError({"new_due_at": _(
                "An apology letter must be sent no later than the working day before the appointment date "
                "(%(day)s).") % {"day": f"{last:%d/%m/%Y}"}})
        if not calendar.is_working_moment(new_due):
            raise ValidationError({"new_due_at": _(
                "The new appointment must be within the agency's working hours on a working day.")})
        data["new_due_at"] = new_due.isoformat()
        data["old_due_at"] = d.due_at.isoformat()

    def after(d: Dossier, now: dt.datetime, data: dict[str, Any]) -> None:
        d.extended_at = now
        d.due_at = new_due

    return _act(dossier=dossier, action="extend", actor=actor, reason=reason, before=before, after=after)


def dossier_suspend(*, dossier: Dossier, actor, reason: str) -> DossierEvent:
    """Stop processing, with the reason printed on the notice."""
    return _act(dossier=dossier, action="suspend", actor=actor, reason=reason,
                before=_reason_required(reason, PRINTED_REASON))


def dossier_withdraw(*, dossier: Dossier, actor, reason: str) -> DossierEvent:
    """Withdraw at the applicant's request (online, or through the clerk with their written request)."""
    return _act(dossier=dossier, action="withdraw", actor=actor, reason=reason,
                before=_reason_required(reason, PRINTED_REASON))


def dossier_return_result(*, dossier: Dossier, actor, reason: str = "", delivery: str | None = None,
                          tracking_number: str = "") -> DossierEvent:
    """Hand the result back: at the counter, by post (with its tracking number) or online."""
    def before(d: Dossier, now: dt.datetime, data: dict[str, Any]) -> None:
        chosen = str(delivery or d.delivery)
        if chosen not in ResultDelivery.values:
            raise ValidationError({"delivery": _("Choose how to receive the result.")})
        if chosen == ResultDelivery.POST and not tracking_number.strip():
            raise ValidationError({"tracking_number": _("Give the postal tracking number.")})
        data["delivery"] = chosen
        if tracking_number:
            data["tracking_number"] = tracking_number[:60]

    def after(d: Dossier, now: dt.datetime, data: dict[str, Any]) -> None:
        d.delivery = data["delivery"]
        d.returned_at = d.finished_at = now
        d.tracking_number = tracking_number[:60]

    return _act(dossier=dossier, action="return_result", actor=actor, reason=reason, before=before, after=after)


def dossier_payment_settle(*, dossier_id: int, payment) -> DossierEvent:
    """The payment gateway confirmed ``payment`` (an ``integrations.models.Payment``, its transaction number
    set): confirm_payment taken by the system, with no actor. Returns the event.

    The workflow's permission for confirm_payment (a reception clerk) is about people; here the gateway's
    check code, verified by the payments service before this is called, stands in for the clerk and the
    proof. So the role is not checked; the state is: the dossier must still wait for this very payment
    request (``payment.event``, its latest), else ActionRefused and nothing changes. Resumes the clock, marks
    the dossier paid online, appends the event (the portal's record and the applicant's "paid" notification
    go with it). Runs in the caller's transaction, so the payment and the dossier are recorded together or
    not at all.
    """
    def before(d: Dossier, now: dt.datetime, data: dict[str, Any]) -> None:
        request = d.events.filter(action="request_payment").order_by("-seq").values_list("pk", flat=True).first()
        if request != payment.event_id:
            raise ActionRefused(_("This dossier no longer waits for this payment."))

    def after(d: Dossier, now: dt.datetime, data: dict[str, Any]) -> None:
        _resume(d, now)
        d.paid_online = True

    data = {"proof": payment.transaction_no, "online": True, "reference": payment.reference, "amount": payment.amount}
    try:
        return _act(dossier=Dossier(pk=dossier_id), action="confirm_payment", actor=None, data=data, before=before,
                    after=after, as_system=True)
    except ActionRefused as refused:
        raise ActionRefused(_("This dossier no longer waits for this payment.")) from refused


def _positive_int(value: Any) -> bool:
    try:
        return int(value) > 0
    except (TypeError, ValueError):
        return False


def dossier_intake(*, clerk, procedure: Procedure, agency: Agency, applicant: dict, form_data: dict | None = None,
                   delivery: str = ResultDelivery.COUNTER, delivery_address: str = "", scans=()) -> Dossier:
    """A walk-in dossier taken at the counter: created, coded and received at once, clock started, with
    the scanned paper components (``scans``: (required document, uploaded file) pairs).

    Every scan is checked before anything is written: a refused file leaves no dossier and no code used.
    """
    version: ProcedureVersion | None = procedure.current_version
    if version is None:
        raise ValidationError({"procedure": _("This procedure is not in force.")})
    if version.form_schema:
        declaration_check(version.form_schema, form_data or {}, complete=True)
    name = str(applicant.get("name", "")).strip()
    number = str(applicant.get("id_number", "")).strip()
    if not name or not number:
        raise ValidationError({"applicant": _("Give the applicant's full name and ID number.")})
    checked = []
    for requirement, uploaded in scans:
        if requirement is not None and requirement.version_id != version.pk:
            raise ValidationError({"requirement": _("This document is not part of this procedure.")})
        checked.append(
            (requirement, *photo_to_pdf(uploaded.name, *check_upload(uploaded, requirement=requirement, scan=True)))
        )
    with _files_kept_only_on_success() as written, transaction.atomic():
        dossier = Dossier(
            procedure=procedure, version=version, submitted_by=clerk, applicant_name=name[:255],
            applicant_id_number=number[:14], applicant_phone=str(applicant.get("phone", ""))[:20],
            applicant_address=str(applicant.get("address", ""))[:500], channel=FilingChannel.COUNTER, agency=agency,
            form_data=form_data or {}, delivery=delivery, delivery_address=delivery_address,
        )
        _check(dossier, "intake", clerk)
        now = timezone.now()
        dossier.intake()
        dossier.submitted_at = now
        _start_clock(dossier, now)
        dossier.code = dossier_code_allocate(agency=agency, day=timezone.localdate(now))
        dossier.save()
        written += _store_documents(dossier=dossier, actor=clerk, files=checked, source=DossierDocument.Source.SCAN)
        written += _store_documents(dossier=dossier, actor=clerk, files=_declaration_files(dossier),
                                    source=DossierDocument.Source.PRINTED)
        _event(dossier, action="intake", actor=clerk, from_state=State.DRAFT, data={"documents": len(checked)})
    return dossier
