"""Feedback (phản ánh, kiến nghị: PAKN) from its sending to its public answer: every write, its checks,
its history and the e-mails to the sender.

The state machine is the table in ``feedback_workflow``. Every action below locks the feedback row, checks
in the order of the dossiers' ``_check`` (a part in it: 403; the state offers the action: 409; the role may
take it: 403; its conditions hold: 409), validates its text (400), applies the transition and the clock,
saves with ``update_fields`` and appends one ``FeedbackEvent``, all in one transaction: a refused action
changes nothing. The sender is told by e-mail when the agency acts (if an address is known): an outbox delivery
written in the action's transaction, sent after commit and retried until it goes."""

import datetime as dt
import re
from collections.abc import Callable
from typing import Any, overload

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.db.models import Max
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_fsm import ConcurrentTransition, TransitionNotAllowed

from accounts.validators import validate_phone
from cases.services import ActionRefused
from cases.workflow import State
from core.counters import counter_next
from core.fsm import transition_from, unmet_condition
from integrations import outbox
from procedures.models import StaffRole
from procedures.working_calendar import WorkingCalendar

from .feedback_workflow import ACCEPT_DAYS, ANSWER_DAYS, REQUEST_INFO_DAYS
from .models import Feedback, FeedbackEvent, FeedbackSequence, Level
from .ratings import MAX_COMMENT

FEEDBACK_ACTIONS = ("accept", "reject", "request_info", "provide_info", "answer", "rate_answer", "publish")
# What the sender does. A sender without an account proves who they are with the feedback's code and the
# phone number or e-mail address they gave (``contact``): the lookup stands in for the login.
SENDER_ACTIONS = frozenset({"provide_info", "rate_answer"})
MAX_FEEDBACK_TEXT = 5000
_PHONE_IN_TEXT = re.compile(r"(?<!\d)(?:\+84|0)(?:[\s.]?\d){8,10}(?!\d)")
_EMAIL_IN_TEXT = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_ID_IN_TEXT = re.compile(r"(?<!\d)\d{12}(?!\d)")
REDACTED = "***"


def feedback_code_allocate(*, year: int) -> str:
    """The next code ``PAKN-{YYYY}-{NNNNNN}`` of this year: no gap, no duplicate.

    Must run inside the transaction that stores the code: the sequence row stays locked until commit, so
    concurrent senders queue here and each gets the next number; a rolled-back submission gives its number
    back.
    """
    return f"PAKN-{year}-{counter_next(FeedbackSequence, year=year):06d}"


def _compact_phone(value: str) -> str:
    compact = re.sub(r"[\s.\-]", "", value or "")
    return "0" + compact[3:] if compact.startswith("+84") else compact


def _feedback_contact(sender, name: str, phone: str, email: str, address: str) -> dict:
    """Who sent it and how to reach them: a signed-in sender's profile fills what they left empty; anyone
    must leave a name and a phone number or an e-mail address."""
    name, phone, email, address = ((value or "").strip() for value in (name, phone, email, address))
    if getattr(sender, "is_authenticated", False):
        profile = getattr(sender, "citizen_profile", None)
        name = name or (profile.full_name if profile else sender.display_name)
        phone = phone or (profile.phone if profile else "")
        email = email or sender.email or ""
        address = address or (profile.address if profile else "")
    errors: dict[str, list] = {}
    if not name:
        errors["name"] = [_("Give your full name.")]
    if not phone and not email:
        errors["phone"] = [_("Give a phone number or an e-mail address: the agency answers you there.")]
    if phone:
        try:
            validate_phone(phone)
        except ValidationError as error:
            errors["phone"] = error.messages
    if email:
        try:
            validate_email(email)
        except ValidationError:
            errors["email"] = [_("Enter a valid e-mail address.")]
    if errors:
        raise ValidationError(errors)
    return {"sender_name": name[:255], "sender_phone": _compact_phone(phone)[:20], "sender_email": email[:254],
            "sender_address": address[:500]}


def _feedback_subject(sender, agency, procedure, dossier) -> tuple:
    """(agency, procedure, dossier) of new feedback: a dossier's goes to the agency that has it, and only its
    applicant may name it; a procedure's to one of the agencies that handle it; otherwise the agency chosen."""
    if dossier is not None:
        if not dossier.is_applicant(sender):
            raise PermissionDenied(_("Only the applicant of a dossier can send feedback about it."))
        if dossier.state == State.DRAFT:
            raise ValidationError({"dossier": _("This dossier has not been submitted: there is nothing to give feedback on yet.")})
        handler = dossier.holder or dossier.agency
        if agency is not None and agency.pk != handler.pk:
            raise ValidationError({"agency": _("Feedback about a dossier goes to the agency that has it: %(agency)s.")
                                   % {"agency": handler.name}})
        if procedure is not None and procedure.pk != dossier.procedure_id:
            raise ValidationError({"procedure": _("This dossier is not for this procedure.")})
        return handler, dossier.procedure, dossier
    if procedure is not None:
        version = procedure.current_version
        if version is None:
            raise ValidationError({"procedure": _("This procedure is not in force.")})
        agencies = list(version.agencies.filter(is_active=True))
        if agency is None and len(agencies) == 1:
            agency = agencies[0]
        if agency is None:
            raise ValidationError({"agency": _("Choose the agency your feedback is for.")})
        if agency.pk not in {a.pk for a in agencies}:
            raise ValidationError({"agency": _("This agency does not handle this procedure.")})
        return agency, procedure, None
    if agency is None or not agency.is_active:
        raise ValidationError({"agency": _("Choose the agency your feedback is for.")})
    return agency, None, None


def _feedback_text(value: str, field: str, message: str, limit: int = MAX_FEEDBACK_TEXT) -> str:
    value = (value or "").strip()
    if not value:
        raise ValidationError({field: message})
    if len(value) > limit:
        raise ValidationError({field: _("Keep it under %(n)s characters.") % {"n": limit}})
    return value


def feedback_deadlines(agency, sent_at: dt.datetime) -> dict[str, dt.datetime]:
    """The three deadlines of feedback sent at ``sent_at``, in the agency's working time: accept or reject
    within ACCEPT_DAYS, ask for more within REQUEST_INFO_DAYS, answer within ANSWER_DAYS working days, each
    counted from the moment it was sent (as a dossier's appointment is counted from its reception: what is
    sent after hours starts counting when the office opens)."""
    calendar = WorkingCalendar.for_agency(agency)
    return {
        "accept_due_at": calendar.add_working_days(sent_at, ACCEPT_DAYS),
        "request_info_due_at": calendar.add_working_days(sent_at, REQUEST_INFO_DAYS),
        "answer_due_at": calendar.add_working_days(sent_at, ANSWER_DAYS),
    }


def feedback_submit(*, sender=None, agency=None, procedure=None, dossier=None, kind, title, content,
                    name: str = "", phone: str = "", email: str = "", address: str = "") -> Feedback:
    """Send feedback (phản ánh, kiến nghị) about a dossier, a procedure or an agency.

    A signed-in sender's name, phone, e-mail and address come from their profile when not given; anyone must
    leave a name and a phone number or an e-mail address. Only a dossier's applicant may name the dossier,
    and its feedback goes to the agency that has the dossier. Everything is checked before anything is
    written; then the feedback gets its code (``PAKN-{YYYY}-{NNNNNN}``, gapless), its three deadlines and its
    first event, in one transaction.
    """
    if kind not in Feedback.Kind.values:
        raise ValidationError({"kind": _("Choose what kind of feedback this is.")})
    title = _feedback_text(title, "title", _("Give your feedback a short title."), limit=255)
    content = _feedback_text(content, "content", _("Describe your feedback."))
    sender = sender if getattr(sender, "is_authenticated", False) else None
    agency, procedure, dossier = _feedback_subject(sender, agency, procedure, dossier)
    contact = _feedback_contact(sender, name, phone, email, address)
    with transaction.atomic():
        now = timezone.now()
        feedback = Feedback(
            kind=kind, agency=agency, procedure=procedure, dossier=dossier, sender=sender, **contact,
            title=title, content=content, submitted_at=now, **feedback_deadlines(agency, now),
        )
        feedback.code = feedback_code_allocate(year=timezone.localdate(now).year)
        feedback.save()
        _feedback_event(feedback, action="submit", actor=sender, actor_name=contact["sender_name"], from_state="",
                        at=now, data={"agency": agency.code, "procedure": procedure.code if procedure else "",
                                      "dossier": dossier.code if dossier else "", "kind": kind})
    return feedback


def _feedback_event(feedback: Feedback, *, action: str, actor, from_state: str, at: dt.datetime, text: str = "",
                    data: dict | None = None, actor_name: str | None = None) -> FeedbackEvent:
    """Append one line to the feedback's history (the row is locked by the caller, so numbers do not clash)."""
    last = feedback.events.aggregate(n=Max("seq"))["n"] or 0
    person = actor if getattr(actor, "pk", None) else None
    return FeedbackEvent.objects.create(
        feedback=feedback, seq=last + 1, action=action, actor=person,
        actor_name=actor_name if actor_name is not None else (person.display_name if person else ""),
        at=at, from_state=from_state, to_state=feedback.state, text=text, data=data or {},
    )


def feedback_contact_matches(feedback: Feedback, contact: str) -> bool:
    """Whether ``contact`` is the phone number or e-mail address the sender left (for senders without an
    account, who follow their feedback by its code)."""
    contact = (contact or "").strip()
    if not contact:
        return False
    if "@" in contact:
        return bool(feedback.sender_email) and feedback.sender_email.lower() == contact.lower()
    return bool(feedback.sender_phone) and _compact_phone(feedback.sender_phone) == _compact_phone(contact)


def _feedback_locked(pk: int) -> Feedback:
    return Feedback.objects.select_for_update(of=("self",)).select_related("agency").get(pk=pk)


_FEEDBACK_CONDITION_REASONS = {
    "request_info": gettext_lazy("the sender can be asked for more information only once."),
}


def _feedback_check(feedback: Feedback, action: str, actor, contact: str) -> None:
    """Refuse, in this order: someone with no part in the feedback (403), an action its state does not
    offer (409), a role that may not take it (403), a condition not met (409).

    A sender without an account (``actor`` not signed in) is checked by ``contact`` instead, for the
    sender's own actions only: the workflow's permission is about accounts, and the code with the contact
    they left stands in for one (as the gateway's check code stands in for the clerk of a payment)."""
    by_contact = not getattr(actor, "is_authenticated", False)
    if by_contact:
        if action not in SENDER_ACTIONS or feedback.sender_id is not None or not feedback_contact_matches(feedback, contact):
            raise PermissionDenied(_("You may not take this action on this feedback."))
    elif not (feedback.is_sender(actor) or feedback.staff_role_of(actor, StaffRole.values)):
        raise PermissionDenied(_("You may not take this action on this feedback."))
    found = transition_from(feedback, action)
    if found is None:
        raise ActionRefused(_("This action is not possible while the feedback is “%(state)s”.")
                            % {"state": feedback.get_state_display()})
    if not by_contact and not found.has_perm(feedback, actor):
        raise PermissionDenied(_("Your role may not take this action on this feedback."))
    if unmet_condition(found, feedback) is not None:
        raise ActionRefused(_("This action is not possible now: %(why)s") % {
            "why": _FEEDBACK_CONDITION_REASONS.get(action, _("its conditions are not met."))})


# What an action's ``apply`` returns: the fields it set, the event's text and the event's data.
Applied = tuple[list[str], str, dict[str, Any]]


@overload
def _feedback_act(*, feedback: Feedback, action: str, actor, apply: Callable[[Feedback, dt.datetime], Applied],
                  contact: str = "") -> FeedbackEvent: ...


@overload
def _feedback_act(*, feedback: Feedback, action: str, actor, apply: Callable[[Feedback, dt.datetime], Applied | None],
                  contact: str = "") -> FeedbackEvent | None: ...


def _feedback_act(*, feedback: Feedback, action: str, actor, apply: Callable[[Feedback, dt.datetime], Applied | None],
                  contact: str = "") -> FeedbackEvent | None:
    """Lock, check, apply (``apply(feedback, now)`` validates its input, calls the transition and sets the
    fields; it returns (fields, text, data), or None when there is nothing to record), save, append the
    event and schedule the sender's e-mail, in one transaction."""
    try:
        with transaction.atomic():
            feedback = _feedback_locked(feedback.pk)
            _feedback_check(feedback, action, actor, contact)
            now = timezone.now()
            from_state = feedback.state
            applied = apply(feedback, now)
            if applied is None:
                return None
            fields, text, data = applied
            feedback.save(update_fields=["state", *fields])
            person = actor if getattr(actor, "is_authenticated", False) else None
            event = _feedback_event(feedback, action=action, actor=person, from_state=from_state, at=now, text=text,
                                    data=data, actor_name=None if person else feedback.sender_name)
            _feedback_notify(feedback, action, text)
            return event
    except (TransitionNotAllowed, ConcurrentTransition) as error:
        raise ActionRefused(_("Someone changed this feedback at the same moment: reload it and try again.")) from error


def feedback_accept(*, feedback: Feedback, actor) -> FeedbackEvent:
    """The agency accepts the feedback for handling (a clerk, specialist or leader of the agency)."""
    def apply(feedback: Feedback, now: dt.datetime) -> Applied:
        feedback.accept()
        feedback.accepted_at = now
        return ["accepted_at"], "", {"late": now > feedback.accept_due_at, "answer_due_at": timezone.localtime(feedback.answer_due_at).isoformat()}

    return _feedback_act(feedback=feedback, action="accept", actor=actor, apply=apply)


def feedback_reject(*, feedback: Feedback, actor, reason: str) -> FeedbackEvent:
    """The agency does not accept the feedback, with the reason the sender is told."""
    def apply(feedback: Feedback, now: dt.datetime) -> Applied:
        text = _feedback_text(reason, "reason", _("Give the reason: the sender is told."))
        feedback.reject()
        feedback.reject_reason, feedback.finished_at, feedback.handled_by = text, now, actor
        return ["reject_reason", "finished_at", "handled_by"], text, {"late": now > feedback.accept_due_at}

    return _feedback_act(feedback=feedback, action="reject", actor=actor, apply=apply)


def feedback_request_info(*, feedback: Feedback, actor, text: str) -> FeedbackEvent:
    """Ask the sender for more information, once (a specialist or leader): the answer's clock stops until
    the sender replies."""
    def apply(feedback: Feedback, now: dt.datetime) -> Applied:
        asked = _feedback_text(text, "text", _("Say what information is needed."))
        feedback.request_info()
        feedback.paused_at = now
        return ["info_requests", "paused_at"], asked, {"late": now > feedback.request_info_due_at}

    return _feedback_act(feedback=feedback, action="request_info", actor=actor, apply=apply)


def feedback_provide_info(*, feedback: Feedback, actor=None, text: str, contact: str = "") -> FeedbackEvent:
    """The sender gives the information asked for (signed in, or by the code and their ``contact``): the
    clock runs again and the answer's deadline moves by the working time spent waiting."""
    def apply(feedback: Feedback, now: dt.datetime) -> Applied:
        given = _feedback_text(text, "text", _("Write the information the agency asked for."))
        feedback.provide_info()
        waited = 0
        if feedback.paused_at is not None:
            calendar = WorkingCalendar.for_agency(feedback.agency)
            waited = calendar.working_minutes_between(feedback.paused_at, now)
            if waited:
                feedback.answer_due_at = calendar.add_working_minutes(feedback.answer_due_at, waited)
            feedback.paused_minutes += waited
            feedback.paused_at = None
        return (["paused_at", "paused_minutes", "answer_due_at"], given,
                {"waited_minutes": waited, "answer_due_at": timezone.localtime(feedback.answer_due_at).isoformat()})

    return _feedback_act(feedback=feedback, action="provide_info", actor=actor, apply=apply, contact=contact)


def feedback_answer(*, feedback: Feedback, actor, text: str) -> FeedbackEvent:
    """The agency answers (a specialist or leader): the answer goes to the sender."""
    def apply(feedback: Feedback, now: dt.datetime) -> Applied:
        answer = _feedback_text(text, "text", _("Write the answer."))
        feedback.answer()
        feedback.answer_text, feedback.finished_at, feedback.handled_by = answer, now, actor
        return ["answer_text", "finished_at", "handled_by"], answer, {"late": now > feedback.answer_due_at}

    return _feedback_act(feedback=feedback, action="answer", actor=actor, apply=apply)


def feedback_rating_window_ends(feedback: Feedback) -> dt.datetime | None:
    """Until when the sender may change their rating of the answer: ``RATING_CHANGE_DAYS`` after they first
    rated it, as for dossiers (None: not rated yet, so it can be rated at any time)."""
    first = feedback.events.filter(action="rate_answer").order_by("seq").values_list("at", flat=True).first()
    return first + dt.timedelta(days=settings.RATING_CHANGE_DAYS) if first else None


def feedback_rate_answer(*, feedback: Feedback, actor=None, level, comment: str = "", contact: str = "") -> FeedbackEvent | None:
    """The sender rates the answer (three levels, a comment). The first rating can come at any time; it can
    then be changed for ``RATING_CHANGE_DAYS``, each change a new event. The same rating again records
    nothing (returns None)."""
    try:
        level = int(level)
    except (TypeError, ValueError):
        level = None
    if level not in Level.values:
        raise ValidationError({"level": _("Choose how satisfied you are with the answer.")})
    comment = (comment or "").strip()
    if len(comment) > MAX_COMMENT:
        raise ValidationError({"comment": _("Keep the comment under %(n)s characters.") % {"n": MAX_COMMENT}})

    def apply(feedback: Feedback, now: dt.datetime) -> Applied | None:
        if feedback.answer_level is not None:
            ends = feedback_rating_window_ends(feedback)
            if ends is not None and now > ends:
                raise ActionRefused(_("The time to change this rating has passed."))
            if (feedback.answer_level, feedback.answer_comment) == (level, comment):
                return None
        changed = feedback.answer_level is not None
        feedback.rate_answer()
        feedback.answer_level, feedback.answer_comment, feedback.answer_rated_at = level, comment, now
        return ["answer_level", "answer_comment", "answer_rated_at"], comment, {"level": level, "changed": changed}

    return _feedback_act(feedback=feedback, action="rate_answer", actor=actor, apply=apply, contact=contact)


def _personal_values(feedback: Feedback) -> list[str]:
    """What identifies the sender: their name, phone, e-mail, address, ID number, and the dossier's code."""
    values = [feedback.sender_name, feedback.sender_email, feedback.sender_phone]
    if len(feedback.sender_address or "") >= 10:  # a bare "Đà Nẵng" is no one's address
        values.append(feedback.sender_address)
    if feedback.sender_id is not None:
        profile = getattr(feedback.sender, "citizen_profile", None)
        if profile is not None:
            values.append(profile.id_number)
    if feedback.dossier is not None:  # no query when dossier_id is None
        values.append(feedback.dossier.code or "")
    return sorted({v.strip() for v in values if v and len(v.strip()) >= 3}, key=len, reverse=True)


def feedback_redact(feedback: Feedback, text: str) -> str:
    """``text`` without the sender's personal details, nor any phone number, e-mail address or ID number."""
    for value in _personal_values(feedback):
        text = re.sub(re.escape(value), REDACTED, text, flags=re.IGNORECASE)
    if feedback.sender_phone:  # the phone as people write it: 0905 123 456, 0905.123.456
        digits = _compact_phone(feedback.sender_phone)
        text = re.sub(r"[\s.]?".join(re.escape(d) for d in digits), REDACTED, text)
    for pattern in (_EMAIL_IN_TEXT, _PHONE_IN_TEXT, _ID_IN_TEXT):
        text = pattern.sub(REDACTED, text)
    return text


def feedback_public_defaults(feedback: Feedback) -> tuple[str, str]:
    """What a leader is offered to publish: the title and content, and the answer, without personal details."""
    question = f"{feedback.title}\n\n{feedback.content}"
    return feedback_redact(feedback, question), feedback_redact(feedback, feedback.answer_text)


def feedback_publish(*, feedback: Feedback, actor, question: str = "", answer: str = "") -> FeedbackEvent:
    """Publish an answered feedback as a public question and answer (a leader of the agency).

    Left empty, the question is the title and content and the answer the agency's answer, both without the
    sender's personal details; a leader's own wording is refused if it still contains any (the sender's name,
    phone, e-mail, address, ID number, the dossier's code, or any phone number, e-mail address or ID number).
    Publishing again replaces the published wording; the first publication date stays.
    """
    def apply(feedback: Feedback, now: dt.datetime) -> Applied:
        default_question, default_answer = feedback_public_defaults(feedback)
        texts = {"question": (question or "").strip() or default_question, "answer": (answer or "").strip() or default_answer}
        for field, value in texts.items():
            if len(value) > MAX_FEEDBACK_TEXT * 2:
                raise ValidationError({field: _("Keep it under %(n)s characters.") % {"n": MAX_FEEDBACK_TEXT * 2}})
            if feedback_redact(feedback, value) != value:
                raise ValidationError({field: _("Remove the sender's personal details (name, phone, e-mail, address, "
                                                "ID number, dossier code) before publishing.")})
        feedback.publish()
        first = feedback.published_at is None
        feedback.public_question, feedback.public_answer = texts["question"], texts["answer"]
        feedback.published_at = feedback.published_at or now
        return (["public_question", "public_answer", "published_at"], "",
                {"question": texts["question"], "answer": texts["answer"], "first": first})

    return _feedback_act(feedback=feedback, action="publish", actor=actor, apply=apply)


def _feedback_link(feedback: Feedback) -> str:
    base = settings.PORTAL_BASE_URL.rstrip("/")
    if feedback.sender_id is not None:
        return base + reverse("satisfaction:feedback-detail", args=[feedback.code])
    return base + reverse("satisfaction:feedback-lookup")


def _feedback_notify(feedback: Feedback, action: str, text: str) -> None:
    """E-mail the sender when the agency accepts, rejects, asks for more or answers: through the outbox, in the
    action's transaction (sent after commit, retried with backoff, a failure visible among the deliveries)."""
    if not feedback.sender_email or action not in ("accept", "reject", "request_info", "answer"):
        return
    values = {"code": feedback.code, "agency": feedback.agency.name, "title": feedback.title,
              "due": date_format(timezone.localtime(feedback.answer_due_at), "d/m/Y H:i")}
    subject, opening = {
        "accept": (_("Your feedback %(code)s has been accepted"),
                   _("%(agency)s has accepted your feedback “%(title)s” and will answer it by %(due)s.")),
        "reject": (_("Your feedback %(code)s was not accepted"),
                   _("%(agency)s did not accept your feedback “%(title)s”. The reason:")),
        "request_info": (_("More information is needed for your feedback %(code)s"),
                         _("%(agency)s needs more information to answer your feedback “%(title)s”:")),
        "answer": (_("Your feedback %(code)s has been answered"),
                   _("%(agency)s has answered your feedback “%(title)s”:")),
    }[action]
    lines = [opening % values]
    if text:
        lines += ["", text]
    if action == "request_info":
        lines += ["", _("Reply on the portal; the time the agency waits for you does not count towards its deadline.")]
    if action == "answer":
        lines += ["", _("You can rate the answer on the portal.")]
    if feedback.sender_id is None:
        lines += ["", _("Follow it with its code %(code)s and the phone number or e-mail address you gave.") % values]
    lines += ["", _feedback_link(feedback)]
    outbox.email_enqueue(to=feedback.sender_email, subject=subject % values, body="\n".join(lines),
                         topic=f"feedback_{action}")
