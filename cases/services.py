"""Every write to a dossier: drafts, documents, codes, and the actions of the state machine.

Each action locks the dossier row, checks the actor's permission and the state, applies the
transition, saves, and appends one event, in one transaction: two officials acting at once cannot
both succeed, and a refused action changes nothing.
"""

import datetime as dt
import hashlib
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_fsm import ConcurrentTransition, TransitionNotAllowed, can_proceed, has_transition_perm

from accounts import population
from digitization.selectors import reusable_documents  # moves to digitization with the reuse service
from procedures.models import Agency, Procedure, ProcedureVersion, StaffRole
from procedures.working_calendar import WorkingCalendar

from . import extensions
from .models import Dossier, DossierDocument, DossierEvent, DossierSequence, FilingChannel, ResultDelivery
from .uploads import check_upload, photo_to_pdf
from .workflow import WAITING_ON_CITIZEN, State


class ActionRefused(Exception):
    """The dossier's state does not allow the action now (HTTP 409): nothing changed."""


ACTIONS = (
    "receive", "request_supplement", "supplement", "refuse", "forward", "complete_step", "transfer",
    "request_payment", "confirm_payment", "approve", "deny", "extend", "suspend", "withdraw", "return_result",
)


@dataclass
class ActionInput:
    """What an action carries: a reason, and action-specific details (validated per action)."""

    reason: str = ""
    data: dict[str, Any] = field(default_factory=dict)


def dossier_code_allocate(*, agency: Agency, day: dt.date) -> str:
    """The next code ``{agency}-{YYMMDD}-{NNNN}`` for this agency and day: no gap, no duplicate.

    Must run inside the transaction that stores the code: the sequence row stays locked until commit,
    so concurrent submissions queue here and each gets the next number.
    """
    DossierSequence.objects.get_or_create(agency=agency, day=day)
    sequence = DossierSequence.objects.select_for_update().get(agency=agency, day=day)
    sequence.last += 1
    sequence.save(update_fields=["last"])
    return f"{agency.code}-{day:%y%m%d}-{sequence.last:04d}"


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
        documents = documents.filter(uploaded_at__gte=requested.at, uploaded_by=user)
    elif dossier.state != State.DRAFT:
        raise PermissionDenied(_("You may not take this action on this dossier."))
    document = documents.first()
    if document is None:
        return False
    storage, name = document.file.storage, document.file.name
    with transaction.atomic():
        document.delete()
        if document.reused_from_id is None:  # a reused file is the store's, not this dossier's
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


def dossier_document_reuse(*, dossier: Dossier, user, requirement, stored_id: int) -> DossierDocument:
    """Give a document of the applicant's data store for ``requirement`` instead of an upload ("provide
    once"): the dossier records which stored document it reused; the owner's access log says so when
    the dossier is sent (``reuses_record``), with its code.

    The stored document must be the applicant's, digitized, in force, not revoked, and of the type the
    requirement asks for. Giving the same one twice for the same requirement returns the first.
    """
    if not dossier.is_applicant(user):
        raise PermissionDenied(_("You may not take this action on this dossier."))
    if dossier.state not in (State.DRAFT, State.SUPPLEMENT_REQUESTED):
        raise ActionRefused(_("Documents can only be added to a draft or to answer a supplement request."))
    if requirement is None or requirement.version_id != dossier.version_id:
        raise ValidationError({"requirement": _("This document is not part of this procedure.")})
    stored = reusable_documents(dossier).filter(pk=stored_id).first()
    if stored is None:
        raise ValidationError({"document_id": _("This document is not in your data store, or is no longer valid.")})
    if not requirement.document_type_code or stored.document_type != requirement.document_type_code:
        raise ValidationError({"document_id": _("This stored document is not of the type this requirement asks for.")})
    with transaction.atomic():
        existing = dossier.documents.filter(requirement=requirement, reused_from=stored).first()
        if existing is not None:
            return existing
        document = DossierDocument.objects.create(
            dossier=dossier, requirement=requirement, file=stored.file.name, original_name=stored.file_name,
            content_type="application/pdf", size=stored.size, sha256=stored.sha256,
            source=DossierDocument.Source.REUSE, uploaded_by=user, reused_from=stored,
        )
    return document


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
                written.append(document.file.name)
                document.save()
                documents.append(document)
    except Exception:
        for name in written:
            DossierDocument._meta.get_field("file").storage.delete(name)
        raise
    return documents


def _suffix(content_type: str) -> str:
    return {"application/pdf": ".pdf", "image/jpeg": ".jpg", "image/png": ".png", "image/tiff": ".tif"}.get(content_type, "")


def missing_documents(dossier: Dossier) -> list:
    """Mandatory required documents of the dossier's version that have no file yet."""
    present = set(dossier.documents.values_list("requirement_id", flat=True))
    return [r for r in dossier.version.documents.filter(mandatory=True) if r.pk not in present]


def _locked(dossier_id: int) -> Dossier:
    return (
        Dossier.objects.select_for_update(of=("self",))
        .select_related("agency", "version", "current_step")
        .get(pk=dossier_id)
    )


def dossier_submit(*, dossier: Dossier, actor) -> Dossier:
    """Submit a draft online: every mandatory document is there; it gets its code and waits for reception."""
    with transaction.atomic():
        dossier = _locked(dossier.pk)
        _check(dossier, "submit", actor)
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
            document.file.storage.delete(document.file.name)
        raise
    return dossier


def _check(dossier: Dossier, action: str, actor) -> None:
    """Refuse, in this order: someone with no part in the dossier (403), an action its state does not
    offer (409), a role that may not take it (403), a condition not met (409)."""
    if not (dossier.is_applicant(actor) or dossier.staff_role_of(actor, StaffRole.values)):
        raise PermissionDenied(_("You may not take this action on this dossier."))
    method = getattr(dossier, action)
    if not method._django_fsm.has_transition(dossier.state):
        if dossier.is_terminal:
            raise ActionRefused(_("This dossier is closed: no action can be taken on it."))
        raise ActionRefused(
            _("This action is not possible in the dossier's current state (%(state)s).")
            % {"state": dossier.get_state_display()}
        )
    # meta.has_transition_perm checks the role alone (has_transition_perm would also check conditions).
    if not method._django_fsm.has_transition_perm(dossier, dossier.state, actor):
        raise PermissionDenied(_("Your role may not take this action on this dossier."))
    if not has_transition_perm(method, actor) or not can_proceed(method):
        raise ActionRefused(_("This action is not possible at this point of the dossier: %(why)s") % {
            "why": _CONDITION_REASONS.get(action, _("its conditions are not met."))
        })


_CONDITION_REASONS = {
    "request_supplement": gettext_lazy("a dossier gets at most one supplement request."),
    "complete_step": gettext_lazy("this is the last step: the leader approves or denies."),
    "approve": gettext_lazy("only the last step can approve."),
    "extend": gettext_lazy("a dossier can be extended only once."),
}


def _start_clock(dossier: Dossier, now: dt.datetime) -> None:
    dossier.received_at = now
    dossier.due_at = _calendar(dossier).add_working_days(now, dossier.version.processing_days)


def _start_step(dossier: Dossier, now: dt.datetime) -> None:
    """The current step's own deadline: its share of the processing time, in working time from now."""
    step = dossier.current_step
    dossier.step_due_at = _calendar(dossier).add_working_days(now, step.share_days) if step else None


def _pause(dossier: Dossier, now: dt.datetime) -> None:
    dossier.paused_at = now


def _resume(dossier: Dossier, now: dt.datetime) -> None:
    """Time spent waiting on the applicant does not count: the appointment moves by that working time."""
    if dossier.paused_at is None:
        return
    waited = _calendar(dossier).working_minutes_between(dossier.paused_at, now)
    dossier.paused_minutes += waited
    if dossier.due_at is not None and waited:
        dossier.due_at = _calendar(dossier).add_working_minutes(dossier.due_at, waited)
    if dossier.step_due_at is not None and waited:
        dossier.step_due_at = _calendar(dossier).add_working_minutes(dossier.step_due_at, waited)
    dossier.paused_at = None


def dossier_act(*, dossier: Dossier, action: str, actor, payload: ActionInput | None = None) -> DossierEvent:
    """Take ``action`` on ``dossier`` as ``actor``; returns the event it appended.

    Raises PermissionDenied (the actor may not), ActionRefused (not in this state), ValidationError
    (bad details). In each case nothing changes.
    """
    if action not in ACTIONS:
        raise ValidationError({"action": _("Unknown action.")})
    payload = payload or ActionInput()
    try:
        with transaction.atomic():
            dossier = _locked(dossier.pk)
            _check(dossier, action, actor)
            now = timezone.now()
            from_state = dossier.state
            data = dict(payload.data)
            _before(dossier, action, payload, now, data)
            _record_step(dossier, action, now, data)
            getattr(dossier, action)()
            _after(dossier, action, payload, now, data, from_state)
            dossier.save()
            return _event(dossier, action=action, actor=actor, from_state=from_state, reason=payload.reason, data=data)
    except (TransitionNotAllowed, ConcurrentTransition) as error:
        raise ActionRefused(_("Another official changed this dossier at the same moment: reload it and try again.")) from error


def dossier_payment_settle(*, dossier_id: int, payment) -> DossierEvent:
    """The payment gateway confirmed ``payment`` (an ``integrations.models.Payment``, its transaction number
    set): confirm_payment taken by the system, with no actor. Returns the event.

    The workflow's permission for confirm_payment (a reception clerk) is about people; here the gateway's
    check code, verified by ``integrations.services.payment_callback`` before this is called, stands in for
    the clerk and the proof. So the role is not checked (django-fsm does not check it when the transition is
    called); the state is: the dossier must still wait for this very payment request (``payment.event``,
    its latest), else ActionRefused and nothing changes. Locks the dossier, resumes its clock, marks it paid
    online, appends the event (the portal's record and the applicant's "paid" notification go with it).
    Runs in the caller's transaction, so the payment and the dossier are recorded together or not at all.
    """
    try:
        with transaction.atomic():
            dossier = _locked(dossier_id)
            request = dossier.events.filter(action="request_payment").order_by("-seq").values_list("pk", flat=True).first()
            if dossier.state != State.AWAITING_PAYMENT or request != payment.event_id:
                raise ActionRefused(_("This dossier no longer waits for this payment."))
            now = timezone.now()
            from_state = dossier.state
            data = {"proof": payment.transaction_no, "online": True, "reference": payment.reference,
                    "amount": payment.amount}
            dossier.confirm_payment()
            _after(dossier, "confirm_payment", ActionInput(data=data), now, data, from_state)
            dossier.paid_online = True
            dossier.save()
            return _event(dossier, action="confirm_payment", actor=None, from_state=from_state, data=data)
    except (TransitionNotAllowed, ConcurrentTransition) as error:
        raise ActionRefused(_("This dossier no longer waits for this payment.")) from error


def _require_reason(payload: ActionInput, message: str) -> None:
    if not payload.reason.strip():
        raise ValidationError({"reason": message})


def _before(dossier: Dossier, action: str, payload: ActionInput, now, data: dict) -> None:
    """Validate an action's details before the transition runs."""
    if action == "request_supplement":
        items = payload.data.get("items") or []
        if not items or not all(isinstance(i, dict) and str(i.get("guidance", "")).strip() for i in items):
            raise ValidationError(
                {"items": _("List every missing item, each with guidance for the applicant, in one request.")}
            )
    elif action in ("refuse", "deny", "suspend", "withdraw", "transfer"):
        _require_reason(payload, _("Give the reason: it is printed for the applicant."))
    elif action == "approve":
        _require_reason(payload, _("Give the result: the number and symbol of the document issued."))
    elif action == "extend":
        _require_reason(payload, _("Give the reason for the delay: it is printed on the apology letter."))
        new_due = _parse_datetime(payload.data.get("new_due_at"))
        if new_due is None or dossier.due_at is None or new_due <= dossier.due_at:
            raise ValidationError({"new_due_at": _("The new date must be after the current appointment date.")})
        calendar = _calendar(dossier)
        if calendar.working_minutes_between(now, dossier.due_at) < calendar.minutes_per_day:
            raise ValidationError(
                {"new_due_at": _("An extension must be given at least one working day before the appointment date.")}
            )
        data["new_due_at"] = new_due.isoformat()
        data["old_due_at"] = dossier.due_at.isoformat()
    elif action == "request_payment":
        fees = payload.data.get("fees") or []
        if not fees or not all(isinstance(f, dict) and _positive_int(f.get("amount")) for f in fees):
            raise ValidationError({"fees": _("List the fees to pay, each with a positive amount.")})
    elif action == "confirm_payment" and not str(payload.data.get("proof", "")).strip():
        raise ValidationError({"proof": _("Give the receipt or transaction number.")})
    elif action == "return_result":
        delivery = str(payload.data.get("delivery") or dossier.delivery)
        if delivery not in ResultDelivery.values:
            raise ValidationError({"delivery": _("Choose how to receive the result.")})
        if delivery == ResultDelivery.POST and not str(payload.data.get("tracking_number", "")).strip():
            raise ValidationError({"tracking_number": _("Give the postal tracking number.")})
        data["delivery"] = delivery
    if action == "transfer":
        code = str(payload.data.get("agency", ""))
        target = Agency.objects.filter(code=code).first()
        if target is None or target.pk in (dossier.agency_id, dossier.handling_agency_id):
            raise ValidationError({"agency": _("Choose another agency to transfer the dossier to.")})
        data["agency_name"] = target.name
        dossier._transfer_to = target


# Actions by which an official hands a dossier on from the step it is at.
STEP_HANDLING_ACTIONS = ("complete_step", "transfer", "approve", "deny")


def _record_step(dossier: Dossier, action: str, now, data: dict) -> None:
    """On the event of a step-handling action, the step as it was before the transition moves on: which
    one, at which agency, its due time, and whether it was handled late. Written over whatever the caller
    sent under these keys; the accountability report (``satisfaction.accountability``) counts them. With no
    step deadline there is no ``late`` key: neither late nor on time."""
    if action not in STEP_HANDLING_ACTIONS:
        return
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


def _after(dossier: Dossier, action: str, payload: ActionInput, now, data: dict, from_state: str) -> None:
    """Fields an action sets besides the state (clock, dates, delivery)."""
    if action == "receive":
        _start_clock(dossier, now)
    elif action in ("forward", "complete_step"):
        _start_step(dossier, now)
    elif action == "request_supplement":
        _pause(dossier, now)
    elif action == "supplement":
        _resume(dossier, now)
        if dossier.state == State.SUBMITTED:
            dossier.paused_minutes = 0
        elif dossier.step_due_at is None:
            _start_step(dossier, now)  # completed at reception: the first step starts now
    elif action == "request_payment":
        _pause(dossier, now)
    elif action == "confirm_payment":
        _resume(dossier, now)
    elif action == "extend":
        dossier.extended_at = now
        dossier.due_at = _parse_datetime(data["new_due_at"])
    elif action == "transfer":
        dossier.handling_agency = dossier._transfer_to
        dossier.holder = dossier._transfer_to
    elif action in ("approve", "deny"):
        dossier.resolved_at = now
        dossier.current_step = None
        dossier.step_due_at = None
    elif action == "return_result":
        dossier.delivery = data["delivery"]
        dossier.returned_at = now
        dossier.finished_at = now
        dossier.tracking_number = str(payload.data.get("tracking_number", ""))[:60]
    if dossier.state in (State.REFUSED, State.WITHDRAWN, State.SUSPENDED):
        dossier.finished_at = now
        if from_state in WAITING_ON_CITIZEN:
            dossier.paused_at = None


def _positive_int(value) -> bool:
    try:
        return int(value) > 0
    except (TypeError, ValueError):
        return False


def _parse_datetime(value) -> dt.datetime | None:
    if isinstance(value, dt.datetime):
        return value if timezone.is_aware(value) else timezone.make_aware(value)
    if not value:
        return None
    try:
        parsed = dt.datetime.fromisoformat(str(value))
    except ValueError:
        return None
    return parsed if timezone.is_aware(parsed) else timezone.make_aware(parsed)


def dossier_intake(*, clerk, procedure: Procedure, agency: Agency, applicant: dict, form_data: dict | None = None,
                   delivery: str = ResultDelivery.COUNTER, delivery_address: str = "", scans=()) -> Dossier:
    """A walk-in dossier taken at the counter: created, coded and received at once, clock started, with
    the scanned paper components (``scans``: (required document, uploaded file) pairs).

    Every scan is checked before anything is written: a refused file leaves no dossier and no code used.
    """
    version: ProcedureVersion | None = procedure.current_version
    if version is None:
        raise ValidationError({"procedure": _("This procedure is not in force.")})
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
    with transaction.atomic():
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
        _store_documents(dossier=dossier, actor=clerk, files=checked, source=DossierDocument.Source.SCAN)
        _event(dossier, action="intake", actor=clerk, from_state=State.DRAFT, data={"documents": len(checked)})
    return dossier
