"""Reads of satisfaction: what the citizen's dossier page shows about rating it, and feedback (PAKN): the
agency's queue, one feedback with its history, the sender's list, the public questions and answers."""

import datetime as dt

from django.db.models import BooleanField, Case, Count, DateTimeField, F, Prefetch, Q, QuerySet, Value, When
from django.utils import timezone

from procedures.models import Agency

from .feedback import feedback_contact_matches
from .feedback_workflow import FEEDBACK_OPEN, FeedbackState
from .models import Criterion, Feedback, FeedbackEvent, Level, Rating
from .ratings import RATEABLE, rating_window_ends


def rating_panel(dossier, user) -> dict | None:
    """The rating section of the applicant's dossier page (None: the dossier cannot be rated yet)."""
    if dossier.state not in RATEABLE or not dossier.is_applicant(user):
        return None
    rating = Rating.objects.filter(dossier=dossier).first()
    ends = rating_window_ends(rating) if rating else None
    return {
        "rating": rating,
        "can_change": ends is None or timezone.now() <= ends,  # ends is None exactly when rating is None
        "window_ends": ends,
        "levels": Level.choices,
        "criteria": [(code, label, (rating.criteria.get(code) if rating else None)) for code, label in Criterion.choices],
    }


def staff_rating(dossier) -> dict | None:
    """The rating an official sees on the dossier's page, with its criteria named and its follow-ups."""
    rating = Rating.objects.filter(dossier=dossier).prefetch_related("follow_ups__closed_by").first()
    if rating is None:
        return None
    names = dict(Criterion.choices)
    levels = dict(Level.choices)
    return {
        "rating": rating,
        "criteria": [(names.get(code, code), levels.get(value, value)) for code, value in sorted(rating.criteria.items())],
        "follow_ups": list(rating.follow_ups.all()),
    }


# --- Feedback (phản ánh, kiến nghị) ----------------------------------------------------------------------

FEEDBACK_FILTERS = ("open", "overdue", *FeedbackState.values, "all")


def feedback_current_due(feedback: Feedback) -> dt.datetime | None:
    """The deadline the feedback is working towards now: accepting or rejecting it while it waits, the answer
    while it is handled; none while the agency waits on the sender, nor once it is answered or rejected."""
    if feedback.state == FeedbackState.SUBMITTED:
        return feedback.accept_due_at
    if feedback.state == FeedbackState.ACCEPTED:
        return feedback.answer_due_at
    return None


def feedback_is_overdue(feedback: Feedback, now: dt.datetime | None = None) -> bool:
    """Overdue is computed, never stored: past the deadline of the step it waits for."""
    due = feedback_current_due(feedback)
    return due is not None and (now or timezone.now()) > due


def feedback_was_late(feedback: Feedback) -> bool:
    """Whether a step already taken came after its deadline: accepted late, or answered or rejected late (as
    the Decision 766 index counts it, ``index766.fb_late``)."""
    if feedback.accepted_at is not None and feedback.accepted_at > feedback.accept_due_at:
        return True
    if feedback.finished_at is None:
        return False
    due = feedback.answer_due_at if feedback.state == FeedbackState.ANSWERED else feedback.accept_due_at
    return feedback.finished_at > due


def _overdue(now: dt.datetime) -> Q:
    return Q(state=FeedbackState.SUBMITTED, accept_due_at__lt=now) | Q(state=FeedbackState.ACCEPTED, answer_due_at__lt=now)


def _feedback_filter(name: str, now: dt.datetime) -> Q:
    if name == "open":
        return Q(state__in=FEEDBACK_OPEN)
    if name == "overdue":
        return _overdue(now)
    if name in FeedbackState.values:
        return Q(state=name)
    return Q()


def _staff_agencies(user) -> list[int]:
    if not getattr(user, "is_authenticated", False):
        return []
    return list(user.staff_memberships.values_list("agency_id", flat=True))


def feedback_queue(user, state: str = "open", *, search: str = "", now: dt.datetime | None = None) -> QuerySet[Feedback]:
    """The feedback of the agencies ``user`` works for, filtered (open, overdue, a state, all): overdue first,
    then by the deadline it works towards, then the newest. Each row carries ``due`` and ``late``."""
    now = now or timezone.now()
    due = Case(
        When(state=FeedbackState.SUBMITTED, then=F("accept_due_at")),
        When(state=FeedbackState.ACCEPTED, then=F("answer_due_at")),
        default=Value(None), output_field=DateTimeField(),
    )
    qs = (
        Feedback.objects.filter(agency_id__in=_staff_agencies(user))
        .filter(_feedback_filter(state, now))
        .select_related("agency", "procedure__current_version", "dossier")
        .annotate(due=due, late=Case(When(_overdue(now), then=Value(True)), default=Value(False), output_field=BooleanField()))
    )
    if search:
        term = search.strip()
        qs = qs.filter(Q(code__icontains=term) | Q(title__icontains=term) | Q(sender_name__icontains=term))
    return qs.order_by("-late", F("due").asc(nulls_last=True), "-submitted_at", "-pk")


def feedback_queue_counts(user, *, now: dt.datetime | None = None) -> dict[str, int]:
    """How many each filter of the queue holds, in one query."""
    now = now or timezone.now()
    return Feedback.objects.filter(agency_id__in=_staff_agencies(user)).aggregate(
        **{name: Count("pk", filter=_feedback_filter(name, now)) for name in FEEDBACK_FILTERS}
    )


def _feedback_with_history() -> QuerySet[Feedback]:
    return Feedback.objects.select_related(
        "agency", "procedure__current_version", "dossier", "sender__citizen_profile", "handled_by"
    ).prefetch_related(Prefetch("events", queryset=FeedbackEvent.objects.order_by("seq")))


def feedback_for_staff(user, code: str) -> Feedback | None:
    """One feedback of the user's agencies with its history, else None (the page answers 404)."""
    return _feedback_with_history().filter(agency_id__in=_staff_agencies(user), code=code).first()


def feedback_for_sender(user, code: str, *, contact: str = "") -> Feedback | None:
    """One feedback for its sender: the signed-in sender, or anyone with the code and the phone number or
    e-mail address the sender left; else None (404)."""
    feedback = _feedback_with_history().filter(code=code).first()
    if feedback is None:
        return None
    if feedback.is_sender(user) or (contact and feedback_contact_matches(feedback, contact)):
        return feedback
    return None


def own_feedback(user) -> QuerySet[Feedback]:
    """The feedback ``user`` sent while signed in, newest first."""
    if not getattr(user, "is_authenticated", False):
        return Feedback.objects.none()
    return Feedback.objects.filter(sender=user).select_related("agency", "procedure__current_version", "dossier").order_by(
        "-submitted_at", "-pk")


# "state": the state machine reads it when a row is loaded (a deferred field would cost a query per row).
PUBLIC_FIELDS = ("state", "kind", "public_question", "public_answer", "published_at", "agency__name", "agency__code",
                 "procedure__code", "procedure__current_version__name")


def published_feedback(*, search: str = "", agency: str = "", procedure: str = "") -> QuerySet[Feedback]:
    """The published questions and answers, newest first: their public wording only, never the sender's
    details (the query does not even read them). Filtered by words of the text, an agency's or a procedure's
    code."""
    qs = (
        Feedback.objects.filter(published_at__isnull=False)
        .select_related("agency", "procedure__current_version")
        .only(*PUBLIC_FIELDS)
    )
    for word in (search or "").split()[:8]:
        qs = qs.filter(Q(public_question__icontains=word) | Q(public_answer__icontains=word))
    if agency:
        qs = qs.filter(agency__code=agency)
    if procedure:
        qs = qs.filter(procedure__code=procedure)
    return qs.order_by("-published_at", "-pk")


def published_feedback_agencies() -> list:
    """The agencies that have published answers (for the public page's filter)."""
    return list(Agency.objects.filter(feedback__published_at__isnull=False).distinct().order_by("name").only("code", "name"))
