"""Feedback (phản ánh, kiến nghị) pages: the public form and its confirmation, the lookup for senders without an
account, the sender's list and page (timeline, more information, rating the answer), the officials' queue and
feedback page with the actions open to them, and the public questions and answers.

Views parse input, check access, call one service or selector and render. A feedback the user may not see is
a 404: a sender sees their own (signed in, or after the lookup by code and contact, which this session
remembers), officials their agencies'.
"""

from django import forms
from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.access import staff_required
from cases.clock import Clock
from cases.selectors import own_dossiers
from cases.services import ActionRefused
from cases.workflow import State
from core import limits
from core.fsm import may_take, transition_from
from procedures.models import Agency, Procedure

from . import feedback as feedback_services
from . import selectors
from .feedback_workflow import FeedbackState
from .models import Feedback, Level
from .ratings import MAX_COMMENT

PAGE_SIZE = 25
SESSION_KEY = "feedback_access"  # {code: the phone or e-mail that opened it}: a sender without an account
SESSION_MAX = 20
LOOKUP_LIMIT = 10  # failed lookups per address in LOOKUP_WINDOW seconds: a code and a phone are not a password
LOOKUP_WINDOW = 15 * 60

EVENT_LABELS = {
    "submit": gettext_lazy("Sent"),
    "accept": gettext_lazy("Accepted for handling"),
    "reject": gettext_lazy("Not accepted"),
    "request_info": gettext_lazy("More information requested"),
    "provide_info": gettext_lazy("More information given"),
    "answer": gettext_lazy("Answered"),
    "rate_answer": gettext_lazy("Answer rated"),
    "publish": gettext_lazy("Published as a public question and answer"),
}
STAFF_ACTIONS = ("accept", "reject", "request_info", "answer", "publish")
ACTION_LABELS = {
    "accept": gettext_lazy("Accept"),
    "reject": gettext_lazy("Reject"),
    "request_info": gettext_lazy("Ask the sender for more information"),
    "answer": gettext_lazy("Answer"),
    "publish": gettext_lazy("Publish as a public question and answer"),
}
FILTER_LABELS = {
    "open": gettext_lazy("To handle"),
    "overdue": gettext_lazy("Overdue"),
    **{state: label for state, label in FeedbackState.choices},
    "all": gettext_lazy("All"),
}


# --- forms ---------------------------------------------------------------------------------------------------

def _mark_invalid(form) -> None:
    for name in form.errors:
        if name in form.fields:
            form.fields[name].widget.attrs["aria-invalid"] = "true"


def _service_errors(form, error: ValidationError, aliases: dict | None = None) -> None:
    """A service's ValidationError on the form: each message at its field, the rest on top."""
    if not hasattr(error, "error_dict"):
        form.add_error(None, error)
    else:
        for field, errors in error.error_dict.items():
            name = (aliases or {}).get(field, field)
            form.add_error(name if name in form.fields else None, errors)
    _mark_invalid(form)


class FeedbackForm(forms.Form):
    kind = forms.ChoiceField(label=gettext_lazy("What do you want to send?"), choices=Feedback.Kind.choices,
                             widget=forms.RadioSelect, initial=Feedback.Kind.FEEDBACK)
    agency = forms.ModelChoiceField(label=gettext_lazy("Agency it is for"), queryset=Agency.objects.none(), required=False,
                                    empty_label=gettext_lazy("Choose an agency"))
    title = forms.CharField(label=gettext_lazy("Title"), max_length=255,
                            help_text=gettext_lazy("In a few words, what it is about."))
    content = forms.CharField(label=gettext_lazy("Content"), max_length=feedback_services.MAX_FEEDBACK_TEXT,
                              widget=forms.Textarea(attrs={"rows": 8}),
                              help_text=gettext_lazy("What happened, when and where, and what you propose. "
                                                     "Do not write your ID number here."))
    name = forms.CharField(label=gettext_lazy("Full name"), max_length=255, required=False,
                           widget=forms.TextInput(attrs={"autocomplete": "name"}))
    phone = forms.CharField(label=gettext_lazy("Phone"), max_length=20, required=False,
                            widget=forms.TextInput(attrs={"autocomplete": "tel", "inputmode": "tel"}))
    email = forms.EmailField(label=gettext_lazy("E-mail"), required=False,
                             widget=forms.EmailInput(attrs={"autocomplete": "email"}))
    address = forms.CharField(label=gettext_lazy("Address"), max_length=500, required=False,
                              widget=forms.TextInput(attrs={"autocomplete": "street-address"}))

    def __init__(self, *args, user=None, procedure=None, dossier=None, **kwargs):
        super().__init__(*args, **kwargs)
        if dossier is not None:
            del self.fields["agency"]  # a dossier's feedback goes to the agency that has it
        else:
            agencies = (procedure.current_version.agencies.filter(is_active=True) if procedure is not None
                        else Agency.objects.filter(is_active=True))
            agencies = list(agencies.order_by("name"))
            self.fields["agency"].queryset = Agency.objects.filter(pk__in=[a.pk for a in agencies]).order_by("name")
            self.fields["agency"].required = True
            self.fields["agency"].error_messages["required"] = _("Choose the agency your feedback is for.")
            if len(agencies) == 1:
                self.fields["agency"].initial = agencies[0].pk
        self.fields["title"].error_messages["required"] = _("Give your feedback a short title.")
        self.fields["content"].error_messages["required"] = _("Describe your feedback.")
        if user is not None:
            profile = getattr(user, "citizen_profile", None)
            self.fields["name"].initial = profile.full_name if profile else user.display_name
            self.fields["phone"].initial = profile.phone if profile else ""
            self.fields["email"].initial = user.email
            self.fields["address"].initial = profile.address if profile else ""
            for name in ("name", "phone", "email", "address"):
                self.fields[name].help_text = _("From your profile; change it for this feedback only if needed.")
        else:
            self.fields["name"].required = True
            self.fields["name"].error_messages["required"] = _("Give your full name.")
            self.fields["phone"].help_text = _("A phone number or an e-mail address is needed: the agency answers you there.")
        _mark_invalid(self)


class LookupForm(forms.Form):
    code = forms.CharField(label=gettext_lazy("Feedback code"), max_length=30,
                           help_text=gettext_lazy("As on the confirmation, e.g. PAKN-2026-000123."))
    contact = forms.CharField(label=gettext_lazy("The phone number or e-mail address you gave"), max_length=254)

    def clean_code(self):
        return self.cleaned_data["code"].strip().upper()


class TextForm(forms.Form):
    text = forms.CharField(label=gettext_lazy("Text"), max_length=feedback_services.MAX_FEEDBACK_TEXT,
                           widget=forms.Textarea(attrs={"rows": 5}))

    def __init__(self, *args, label=None, **kwargs):
        super().__init__(*args, **kwargs)
        if label:
            self.fields["text"].label = label
        _mark_invalid(self)


class RateForm(forms.Form):
    level = forms.TypedChoiceField(label=gettext_lazy("Your rating"), choices=Level.choices,
                                   coerce=int, widget=forms.RadioSelect)
    comment = forms.CharField(label=gettext_lazy("Comment"), max_length=MAX_COMMENT, required=False,
                              widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["level"].error_messages["required"] = _("Choose how satisfied you are with the answer.")
        _mark_invalid(self)


class PublishForm(forms.Form):
    question = forms.CharField(label=gettext_lazy("Question as published"), widget=forms.Textarea(attrs={"rows": 6}),
                               help_text=gettext_lazy("Without the sender's personal details."))
    answer = forms.CharField(label=gettext_lazy("Answer as published"), widget=forms.Textarea(attrs={"rows": 6}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _mark_invalid(self)


STAFF_FORMS = {
    "accept": lambda data=None, feedback=None: None,
    "reject": lambda data=None, feedback=None: TextForm(data, label=_("Why it is not accepted (the sender is told)"),
                                                        prefix="reject"),
    "request_info": lambda data=None, feedback=None: TextForm(
        data, label=_("What information is needed (asked once: list everything)"), prefix="request_info"),
    "answer": lambda data=None, feedback=None: TextForm(data, label=_("The answer to the sender"), prefix="answer"),
    "publish": lambda data=None, feedback=None: PublishForm(data, prefix="publish", initial=_publish_initial(feedback)),
}


def _publish_initial(feedback) -> dict:
    if feedback is None:
        return {}
    if feedback.published_at:
        return {"question": feedback.public_question, "answer": feedback.public_answer}
    question, answer = feedback_services.feedback_public_defaults(feedback)
    return {"question": question, "answer": answer}


# --- sending -------------------------------------------------------------------------------------------------

def _grant(request, feedback, contact: str) -> None:
    """Remember in this session that its visitor proved to be the sender of ``feedback`` (no account)."""
    granted = dict(request.session.get(SESSION_KEY, {}))
    granted.pop(feedback.code, None)
    granted[feedback.code] = contact
    request.session[SESSION_KEY] = dict(list(granted.items())[-SESSION_MAX:])


def _granted(request, code: str) -> str:
    return request.session.get(SESSION_KEY, {}).get(code, "")


def _subject_from_query(request):
    """(procedure, dossier) named by ``?thu-tuc=<code>`` or ``?ho-so=<pk>`` (a dossier: the signed-in
    applicant's own, else 404)."""
    dossier_pk = request.GET.get("ho-so", "").strip()
    if dossier_pk:
        if not dossier_pk.isdigit():
            raise Http404
        dossier = own_dossiers(request.user).exclude(state=State.DRAFT).filter(pk=int(dossier_pk)).first()
        if dossier is None:
            raise Http404
        return dossier.procedure, dossier
    code = request.GET.get("thu-tuc", "").strip()
    if code:
        procedure = Procedure.objects.select_related("current_version").filter(code=code, current_version__isnull=False).first()
        if procedure is None:
            raise Http404
        return procedure, None
    return None, None


@require_http_methods(["GET", "POST"])
def feedback_new(request):
    """Gửi phản ánh, kiến nghị: anyone; prefilled from a procedure or (its applicant) a dossier."""
    if request.GET.get("ho-so") and not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    procedure, dossier = _subject_from_query(request)
    user = request.user if request.user.is_authenticated else None
    initial = {}
    if request.GET.get("chu-de") == "dan-cu":
        # From the submission wizard: the population database's record of the citizen looks wrong.
        initial = {"title": _("My record in the national population database is wrong"),
                   "content": _("Which detail is wrong, and what it should be: ")}
    form = FeedbackForm(request.POST or None, user=user, procedure=procedure, dossier=dossier, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            feedback = feedback_services.feedback_submit(
                sender=user, agency=data.get("agency"), procedure=procedure, dossier=dossier, kind=data["kind"],
                title=data["title"], content=data["content"], name=data["name"], phone=data["phone"],
                email=data["email"], address=data["address"],
            )
        except ValidationError as error:
            _service_errors(form, error)
        except PermissionDenied as denied:
            raise Http404 from denied
        else:
            if user is None:
                _grant(request, feedback, feedback.sender_phone or feedback.sender_email)
            return redirect("satisfaction:feedback-sent", code=feedback.code)
    return render(request, "satisfaction/feedback/form.html", {
        "form": form, "procedure": procedure, "dossier": dossier,
        "agency": (dossier.holder or dossier.agency) if dossier else None,
    }, status=400 if form.is_bound else 200)


def _sender_feedback_or_404(request, code: str):
    feedback = selectors.feedback_for_sender(request.user, code, contact=_granted(request, code))
    if feedback is None:
        raise Http404
    return feedback


@require_GET
def feedback_sent(request, code):
    """The confirmation: the code and the deadlines."""
    feedback = _sender_feedback_or_404(request, code)
    return render(request, "satisfaction/feedback/sent.html", {"feedback": feedback})


def _lookup_key(request) -> str:
    return f"feedback-lookup:{request.META.get('REMOTE_ADDR', '')}"


def _count_failed_lookup(request) -> None:
    cache.add(_lookup_key(request), 0, LOOKUP_WINDOW)
    try:
        cache.incr(_lookup_key(request))
    except ValueError:  # expired in between
        cache.set(_lookup_key(request), 1, LOOKUP_WINDOW)


@require_http_methods(["GET", "POST"])
def feedback_lookup(request):
    """A sender without an account follows their feedback by its code and the phone or e-mail they gave
    (posted, so the contact stays out of addresses and logs)."""
    form = LookupForm(request.POST or None)
    status = 200
    if request.method == "POST":
        # Guards a sender's contact against guessing: with the cache down the lookup is refused, not unguarded.
        tries = limits.guarded(lambda: cache.get(_lookup_key(request), 0), what="the feedback lookup", when_down=None)
        if tries is None:
            messages.error(request, _("Looking up feedback is paused for a few minutes: try again later."))
            return render(request, "satisfaction/feedback/lookup.html", {"form": form}, status=503)
        if tries >= LOOKUP_LIMIT:
            messages.error(request, _("Too many attempts: try again in a quarter of an hour."))
            return render(request, "satisfaction/feedback/lookup.html", {"form": form}, status=429)
        if form.is_valid():
            code, contact = form.cleaned_data["code"], form.cleaned_data["contact"]
            feedback = selectors.feedback_for_sender(None, code, contact=contact)
            if feedback is not None:
                _grant(request, feedback, contact)
                return redirect("satisfaction:feedback-detail", code=feedback.code)
            limits.guarded(lambda: _count_failed_lookup(request), what="the feedback lookup", when_down=None)
            form.add_error(None, _("No feedback matches this code with this phone number or e-mail address."))
        status = 400
    return render(request, "satisfaction/feedback/lookup.html", {"form": form}, status=status)


# --- the sender's pages ----------------------------------------------------------------------------------------

def _sender_timeline(feedback) -> list:
    """The history as the sender reads it: officials act for their agency, so the agency is named."""
    events = list(feedback.events.all())
    for event in events:
        event.label = EVENT_LABELS.get(event.action, event.action)
        if event.action in ("submit", "provide_info", "rate_answer"):
            event.who = event.actor_name
        else:
            event.who = feedback.agency.name
        event.level_label = dict(Level.choices).get(event.data.get("level"), "") if event.action == "rate_answer" else ""
    return events


def _sender_actor(request, feedback):
    """(actor, contact) for a sender's action: the signed-in sender, or the contact this session proved."""
    if feedback.is_sender(request.user):
        return request.user, ""
    return None, _granted(request, feedback.code)


def _can_act_as_sender(request, feedback, action) -> bool:
    if transition_from(feedback, action) is None:
        return False
    return feedback.is_sender(request.user) or (feedback.sender_id is None and bool(_granted(request, feedback.code)))


def _render_sender(request, feedback, *, info_form=None, rate_form=None, status=200):
    can_rate = _can_act_as_sender(request, feedback, "rate_answer")
    window_ends = feedback_services.feedback_rating_window_ends(feedback) if feedback.answer_level else None
    if window_ends is not None and timezone.now() > window_ends:
        can_rate = False
    rate_initial = {"level": feedback.answer_level, "comment": feedback.answer_comment} if feedback.answer_level else None
    return render(request, "satisfaction/feedback/detail.html", {
        "feedback": feedback, "events": _sender_timeline(feedback),
        "signed_in_sender": feedback.is_sender(request.user),
        "can_provide_info": _can_act_as_sender(request, feedback, "provide_info"),
        "info_form": info_form or TextForm(label=_("The information the agency asked for")),
        "info_request": next((e for e in reversed(list(feedback.events.all())) if e.action == "request_info"), None),
        "can_rate": can_rate, "window_ends": window_ends,
        "rate_form": rate_form or RateForm(initial=rate_initial),
        "overdue": selectors.feedback_is_overdue(feedback),
    }, status=status)


@require_GET
def feedback_detail(request, code):
    """A feedback's page for its sender: where it stands, its deadlines and history, and what they can do."""
    return _render_sender(request, _sender_feedback_or_404(request, code))


@require_POST
def feedback_provide_info(request, code):
    feedback = _sender_feedback_or_404(request, code)
    form = TextForm(request.POST, label=_("The information the agency asked for"))
    if form.is_valid():
        actor, contact = _sender_actor(request, feedback)
        try:
            feedback_services.feedback_provide_info(feedback=feedback, actor=actor, contact=contact, text=form.cleaned_data["text"])
        except ValidationError as error:
            _service_errors(form, error)
        except (PermissionDenied, ActionRefused) as error:
            messages.error(request, str(error))
            return _render_sender(request, _sender_feedback_or_404(request, code), status=409)
        else:
            messages.success(request, _("Thank you: the agency has your information and goes on with your feedback."))
            return redirect("satisfaction:feedback-detail", code=code)
    return _render_sender(request, feedback, info_form=form, status=400)


@require_POST
def feedback_rate(request, code):
    feedback = _sender_feedback_or_404(request, code)
    form = RateForm(request.POST)
    if form.is_valid():
        actor, contact = _sender_actor(request, feedback)
        try:
            feedback_services.feedback_rate_answer(feedback=feedback, actor=actor, contact=contact,
                                                   level=form.cleaned_data["level"], comment=form.cleaned_data["comment"])
        except ValidationError as error:
            _service_errors(form, error)
        except (PermissionDenied, ActionRefused) as error:
            messages.error(request, str(error))
            return _render_sender(request, _sender_feedback_or_404(request, code), status=409)
        else:
            messages.success(request, _("Thank you: your rating of the answer is recorded."))
            return redirect(reverse("satisfaction:feedback-detail", args=[code]) + "#rate")
    return _render_sender(request, feedback, rate_form=form, status=400)


@require_GET
def my_feedback(request):
    """Phản ánh của tôi: what the signed-in user sent."""
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    page = Paginator(selectors.own_feedback(request.user), PAGE_SIZE).get_page(request.GET.get("page"))
    now = timezone.now()
    for feedback in page.object_list:
        feedback.overdue = selectors.feedback_is_overdue(feedback, now)
    return render(request, "satisfaction/feedback/mine.html", {"page": page})


# --- the officials' pages --------------------------------------------------------------------------------------

def _time_left(feedback, clock: Clock) -> dict:
    """What the queue shows about the deadline the feedback works towards."""
    if feedback.state == FeedbackState.INFO_REQUESTED:
        return {"text": _("paused (waiting on the sender)"), "level": "paused"}
    due = selectors.feedback_current_due(feedback)
    if due is None:
        late = selectors.feedback_was_late(feedback)
        return {"text": _("finished late") if late else "", "level": "late" if late else "done"}
    calendar = clock.calendar(feedback.agency)
    if clock.now > due:
        hours = calendar.working_minutes_between(due, clock.now) // 60 or 1
        return {"text": _("overdue by %(hours)s h") % {"hours": hours}, "level": "late"}
    minutes = calendar.working_minutes_between(clock.now, due)
    days, rest = divmod(minutes, calendar.minutes_per_day or 480)
    hours, mins = divmod(rest, 60)
    if days:
        return {"text": _("%(days)s d %(hours)s h left") % {"days": days, "hours": hours}, "level": "ok"}
    return {"text": _("%(hours)s h %(minutes)s min left") % {"hours": hours, "minutes": mins}, "level": "soon"}


@staff_required
@require_GET
def feedback_workspace(request):
    """The officials' feedback queue: their agencies' feedback with deadlines and late marks, by state."""
    shown = request.GET.get("loc", "open")
    if shown not in selectors.FEEDBACK_FILTERS:
        shown = "open"
    search = request.GET.get("q", "").strip()[:100]
    clock = Clock()
    counts = selectors.feedback_queue_counts(request.user, now=clock.now)
    tabs = [{"name": name, "label": FILTER_LABELS[name], "count": counts[name]} for name in selectors.FEEDBACK_FILTERS]
    page = Paginator(selectors.feedback_queue(request.user, shown, search=search, now=clock.now), PAGE_SIZE).get_page(
        request.GET.get("page"))
    rows = [{"feedback": f, "time": _time_left(f, clock)} for f in page.object_list]
    return render(request, "satisfaction/feedback/queue.html", {
        "tabs": tabs, "shown": shown, "shown_label": FILTER_LABELS[shown], "search": search, "page": page, "rows": rows,
        "overdue_count": counts["overdue"],
    })


def allowed_feedback_actions(feedback, user) -> list[str]:
    """The officials' actions ``user`` may take on ``feedback`` now: the service's own checks, changing nothing."""
    return [action for action in STAFF_ACTIONS if may_take(feedback, action, user)]


def _staff_feedback_or_404(user, code):
    feedback = selectors.feedback_for_staff(user, code)
    if feedback is None:
        raise Http404
    return feedback


def _render_staff(request, feedback, *, bound=None, status=200):
    forms_ = []
    for action in allowed_feedback_actions(feedback, request.user):
        form = bound[1] if bound is not None and bound[0] == action else STAFF_FORMS[action](feedback=feedback)
        forms_.append({"action": action, "label": ACTION_LABELS[action], "form": form,
                       "open": bound is not None and bound[0] == action, "danger": action == "reject"})
    events = list(feedback.events.all())
    states = dict(FeedbackState.choices)
    for event in events:
        event.label = EVENT_LABELS.get(event.action, event.action)
        event.from_label = states.get(event.from_state, "")
        event.to_label = states.get(event.to_state, event.to_state)
        event.level_label = dict(Level.choices).get(event.data.get("level"), "") if event.action == "rate_answer" else ""
    clock = Clock()
    calendar = clock.calendar(feedback.agency)
    return render(request, "satisfaction/feedback/staff.html", {
        "feedback": feedback, "events": events, "forms": forms_, "time": _time_left(feedback, clock),
        "overdue": selectors.feedback_is_overdue(feedback, clock.now),
        "accepted_late": bool(feedback.accepted_at and feedback.accepted_at > feedback.accept_due_at),
        "finished_late": bool(feedback.finished_at and feedback.finished_at > (
            feedback.answer_due_at if feedback.state == FeedbackState.ANSWERED else feedback.accept_due_at)),
        "paused_days": round(feedback.paused_minutes / (calendar.minutes_per_day or 480), 1),
    }, status=status)


@staff_required
@require_GET
def feedback_staff(request, code):
    return _render_staff(request, _staff_feedback_or_404(request.user, code))


@staff_required
@require_POST
def feedback_staff_act(request, code, action):
    feedback = _staff_feedback_or_404(request.user, code)
    if action not in STAFF_ACTIONS:
        raise Http404
    form = STAFF_FORMS[action](request.POST, feedback=feedback)
    if form is not None and not form.is_valid():
        return _render_staff(request, feedback, bound=(action, form), status=400)
    data = form.cleaned_data if form is not None else {}
    try:
        if action == "accept":
            feedback_services.feedback_accept(feedback=feedback, actor=request.user)
        elif action == "reject":
            feedback_services.feedback_reject(feedback=feedback, actor=request.user, reason=data["text"])
        elif action == "request_info":
            feedback_services.feedback_request_info(feedback=feedback, actor=request.user, text=data["text"])
        elif action == "answer":
            feedback_services.feedback_answer(feedback=feedback, actor=request.user, text=data["text"])
        else:
            feedback_services.feedback_publish(feedback=feedback, actor=request.user, question=data["question"], answer=data["answer"])
    except ValidationError as error:
        _service_errors(form, error, aliases={"reason": "text"})
        return _render_staff(request, feedback, bound=(action, form), status=400)
    except ActionRefused as refused:
        messages.error(request, str(refused))
        return _render_staff(request, _staff_feedback_or_404(request.user, code), status=409)
    except PermissionDenied as denied:
        messages.error(request, str(denied))
        return _render_staff(request, feedback, status=403)
    messages.success(request, _("Done: %(action)s.") % {"action": ACTION_LABELS[action]})
    return redirect("satisfaction:feedback-staff", code=code)


# --- public questions and answers --------------------------------------------------------------------------------

@require_GET
def feedback_qa(request):
    """Hỏi đáp: the published questions and answers, searchable, by agency and procedure; no personal data."""
    search = request.GET.get("q", "").strip()[:200]
    agency = request.GET.get("co-quan", "").strip()[:30]
    procedure = request.GET.get("thu-tuc", "").strip()[:30]
    page = Paginator(selectors.published_feedback(search=search, agency=agency, procedure=procedure), 20).get_page(
        request.GET.get("page"))
    return render(request, "satisfaction/feedback/qa.html", {
        "page": page, "search": search, "agency": agency, "procedure": procedure,
        "agencies": selectors.published_feedback_agencies(),
    })
