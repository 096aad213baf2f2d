"""The officials' workspace: queues, the dossier page with the actions open to them now, counter intake."""

import datetime as dt
from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_fsm import can_proceed

from core.hooks import merged
from procedures.models import StaffRole
from procedures.working_calendar import WorkingCalendar

from .. import extensions, services
from ..models import DossierDocument, ResultDelivery
from ..selectors import QUEUES, dossier_for, staff_queue, staff_queue_counts
from ..staff_forms import ACTION_FORMS, IntakeForm, IntakeProcedureForm, QueueSearchForm
from ..workflow import State

PAGE_SIZE = 25

QUEUE_LABELS = {
    "new": gettext_lazy("New dossiers"),
    "due_today": gettext_lazy("Due today"),
    "overdue": gettext_lazy("Overdue"),
    "waiting": gettext_lazy("Waiting on the applicant"),
    "my_step": gettext_lazy("At my step"),
    "all": gettext_lazy("All"),
}

ACTION_LABELS = {
    "submit": gettext_lazy("Submitted online"),
    "intake": gettext_lazy("Received at the counter"),
    "receive": gettext_lazy("Receive"),
    "request_supplement": gettext_lazy("Request a supplement"),
    "supplement": gettext_lazy("Record the supplement"),
    "refuse": gettext_lazy("Refuse"),
    "forward": gettext_lazy("Forward for processing"),
    "complete_step": gettext_lazy("Complete my step"),
    "transfer": gettext_lazy("Transfer to another agency"),
    "request_payment": gettext_lazy("Request payment"),
    "confirm_payment": gettext_lazy("Confirm payment"),
    "approve": gettext_lazy("Approve"),
    "deny": gettext_lazy("Deny"),
    "extend": gettext_lazy("Extend (apology letter)"),
    "suspend": gettext_lazy("Stop processing"),
    "withdraw": gettext_lazy("Withdraw at the applicant's request"),
    "return_result": gettext_lazy("Return the result"),
}
# Actions that end or turn back a dossier: shown apart, in a warning colour.
DANGER = {"refuse", "deny", "suspend", "withdraw"}


def staff_required(view):
    """Logged in (else to the login page) and holding a staff membership (else 403)."""

    @login_required
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not request.user.staff_memberships.exists():
            raise PermissionDenied(_("This page is for officials."))
        return view(request, *args, **kwargs)

    return wrapper


class Clock:
    """Working time left for many dossiers with one calendar per set of office hours.

    ``selectors.working_time_left`` builds a calendar per dossier, which reads the calendar exceptions
    again for each row; a list page shares them so its queries do not grow with its rows.
    """

    def __init__(self, now: dt.datetime | None = None):
        self.now = now or timezone.now()
        self._calendars: dict = {}
        self._exceptions: dict = {}

    def calendar(self, agency) -> WorkingCalendar:
        key = agency.working_periods
        if key not in self._calendars:
            calendar = WorkingCalendar(periods=key)
            calendar._exceptions = self._exceptions  # calendar exceptions are the same for every agency
            self._calendars[key] = calendar
        return self._calendars[key]

    def minutes_left(self, dossier) -> int | None:
        if dossier.due_at is None:
            return None
        calendar = self.calendar(dossier.agency)
        if self.now <= dossier.due_at:
            return calendar.working_minutes_between(self.now, dossier.due_at)
        return -calendar.working_minutes_between(dossier.due_at, self.now)

    def describe(self, dossier) -> dict:
        """What the list shows: the text, and whether the dossier is late, due today, or paused."""
        if dossier.state in (State.RESOLVED, State.RETURNED) or dossier.is_terminal:
            return {"text": "", "level": "done"}
        if dossier.paused_at is not None:
            return {"text": _("paused (waiting on the applicant)"), "level": "paused"}
        minutes = self.minutes_left(dossier)
        if minutes is None:
            return {"text": "", "level": "none"}
        per_day = self.calendar(dossier.agency).minutes_per_day or 480
        if minutes < 0:
            hours = -minutes // 60 or 1
            return {"text": _("overdue by %(hours)s h") % {"hours": hours}, "level": "late"}
        days, rest = divmod(minutes, per_day)
        hours, mins = divmod(rest, 60)
        today = timezone.localdate(self.now) == timezone.localdate(dossier.due_at)
        if today:
            when = date_format(timezone.localtime(dossier.due_at), "H:i")
            text = _("due today at %(time)s (%(hours)s h %(minutes)s min of working time left)") % {
                "time": when, "hours": hours, "minutes": mins}
        elif days:
            text = _("%(days)s d %(hours)s h left") % {"days": days, "hours": hours}
        else:
            text = _("%(hours)s h %(minutes)s min left") % {"hours": hours, "minutes": mins}
        return {"text": text, "level": "today" if today else ("soon" if not days else "ok")}


@staff_required
@require_GET
def workspace(request):
    queue = request.GET.get("queue", "new")
    if queue not in QUEUES:
        queue = "new"
    form = QueueSearchForm(request.GET or None)
    search = form.cleaned_data["q"] if form.is_valid() else ""
    clock = Clock()
    counts = staff_queue_counts(request.user, now=clock.now)
    tabs = [{"name": name, "label": QUEUE_LABELS[name], "count": counts[name]} for name in QUEUES]
    page = Paginator(staff_queue(request.user, queue, search=search, now=clock.now), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    rows = [{"dossier": d, "time": clock.describe(d)} for d in page.object_list]
    is_clerk = request.user.staff_memberships.filter(role=StaffRole.RECEPTION_CLERK).exists()
    return render(
        request,
        "cases/staff/workspace.html",
        {"queue": queue, "queue_label": QUEUE_LABELS[queue], "tabs": tabs, "form": form, "search": search,
         "page": page, "rows": rows, "is_clerk": is_clerk, "overdue_count": counts["overdue"],
         **merged(extensions.workspace_context(user=request.user))},
    )


def allowed_actions(dossier, user) -> list[str]:
    """The actions ``user`` may take on ``dossier`` now: the service's own checks, without changing anything."""
    allowed = []
    for action in services.ACTIONS:
        method = getattr(dossier, action)
        meta = method._django_fsm
        if not meta.has_transition(dossier.state):
            continue
        if not meta.has_transition_perm(dossier, dossier.state, user):
            continue
        if not can_proceed(method):
            continue
        allowed.append(action)
    return allowed


def _dossier_or_404(user, pk):
    dossier = dossier_for(user, pk)
    if dossier is None:
        raise Http404
    return dossier


def _render_dossier(request, dossier, *, bound=None, status=200):
    actions = allowed_actions(dossier, request.user)
    forms = []
    for action in actions:
        form = bound if bound is not None and bound[0] == action else None
        forms.append({
            "action": action,
            "label": ACTION_LABELS[action],
            "form": form[1] if form else ACTION_FORMS[action](dossier=dossier, prefix=action),
            "open": form is not None,
            "danger": action in DANGER,
        })
    clock = Clock()
    calendar = clock.calendar(dossier.agency)
    per_day = calendar.minutes_per_day or 480
    events = list(dossier.events.order_by("seq"))
    for event in events:
        event.label = ACTION_LABELS.get(event.action, event.action)
        event.from_label = State(event.from_state).label if event.from_state in State.values else ""
        event.to_label = State(event.to_state).label if event.to_state in State.values else event.to_state
        # "items" would resolve to dict.items in a template: hand the lists over under plain names.
        event.supplement_items = event.data.get("items") or []
        event.checklist = event.data.get("checklist") or []
    return render(
        request,
        "cases/staff/dossier.html",
        {
            "dossier": dossier,
            "document_rows": _document_rows(dossier),
            "events": events,
            "forms": forms,
            "time": clock.describe(dossier),
            "paused_days": round(dossier.paused_minutes / per_day, 1) if dossier.paused_minutes else 0,
            "steps": dossier.steps(),
            "is_overdue": dossier.is_overdue,
            **merged(extensions.staff_dossier_context(dossier=dossier, user=request.user)),
        },
        status=status,
    )


def _document_rows(dossier) -> list[dict]:
    """Each required document of the version with its files (a mandatory one without a file is flagged),
    then the files attached to no requirement."""
    documents = list(dossier.documents.all())
    rows = []
    for requirement in dossier.version.documents.all():
        files = [d for d in documents if d.requirement_id == requirement.pk]
        rows.append({"requirement": requirement, "files": files, "missing": requirement.mandatory and not files})
    others = [d for d in documents if d.requirement_id is None]
    if others:
        rows.append({"requirement": None, "files": others, "missing": False})
    return rows


@staff_required
@require_GET
def dossier_page(request, pk):
    return _render_dossier(request, _dossier_or_404(request.user, pk))


@staff_required
@require_POST
def dossier_act(request, pk, action):
    dossier = _dossier_or_404(request.user, pk)
    if action not in ACTION_FORMS:
        raise Http404
    form = ACTION_FORMS[action](request.POST, request.FILES, dossier=dossier, prefix=action)
    if not form.is_valid():
        return _render_dossier(request, dossier, bound=(action, form))
    try:
        if action == "supplement":
            _supplement_at_counter(dossier=dossier, clerk=request.user, form=form)
        else:
            services.dossier_act(dossier=dossier, action=action, actor=request.user, payload=form.payload())
    except ValidationError as error:
        _add_service_errors(form, error)
        return _render_dossier(request, dossier, bound=(action, form))
    except services.ActionRefused as refused:
        messages.error(request, str(refused))
        return _render_dossier(request, dossier_for(request.user, pk) or dossier, status=409)
    except PermissionDenied as denied:
        messages.error(request, str(denied) or _("You may not take this action on this dossier."))
        return _render_dossier(request, dossier, status=403)
    messages.success(request, _("Done: %(action)s.") % {"action": ACTION_LABELS[action]})
    if dossier_for(request.user, pk) is None:  # transferred out of this official's reach
        return redirect("cases:workspace")
    return redirect("cases:staff-dossier", pk=pk)


def _supplement_at_counter(*, dossier, clerk, form) -> None:
    """The scans of what the applicant brought and the supplement action, in one transaction: if the
    action is refused, no document row stays behind."""
    with transaction.atomic():
        for requirement, uploaded in form.scans():
            services.dossier_document_add(
                dossier=dossier, actor=clerk, requirement=requirement, uploaded=uploaded, source=DossierDocument.Source.SCAN
            )
        services.dossier_act(dossier=dossier, action="supplement", actor=clerk, payload=form.payload())


def _add_service_errors(form, error: ValidationError) -> None:
    """A service's ValidationError on the form: each message at its field (by the service's name), the rest on top."""
    if not hasattr(error, "error_dict"):
        form.add_error(None, error)
        return
    aliases = {"new_due_at": "new_due_date", "fees": None, "items": None}
    for field, errors in error.error_dict.items():
        name = aliases.get(field, field)
        form.add_error(name if name in form.fields else None, errors)


@staff_required
@require_GET
def document(request, pk, document_pk):
    """A dossier's file, shown in the browser (PDF, image) to an official who may see the dossier."""
    dossier = _dossier_or_404(request.user, pk)
    doc = dossier.documents.filter(pk=document_pk).first()
    if doc is None:
        raise Http404
    try:
        handle = doc.file.open("rb")
    except FileNotFoundError as missing:
        raise Http404 from missing
    extensions.document_opened(document=doc, user=request.user, dossier=dossier)
    response = FileResponse(handle, content_type=doc.content_type, as_attachment=False, filename=doc.original_name)
    response["Cache-Control"] = "private, no-store"
    return response


@staff_required
@require_http_methods(["GET", "POST"])
def intake(request):
    """A walk-in dossier at the counter: procedure, applicant, delivery, one scan per required document."""
    clerk_agencies = list(
        request.user.staff_memberships.filter(role=StaffRole.RECEPTION_CLERK).values_list("agency_id", flat=True)
    )
    if not clerk_agencies:
        raise PermissionDenied(_("Only a reception clerk takes dossiers at the counter."))
    chooser = IntakeProcedureForm(request.GET or None, agencies=clerk_agencies)
    procedure = None
    if request.GET.get("procedure") and chooser.is_valid():
        procedure = chooser.cleaned_data["procedure"]
    if procedure is None:
        if request.method == "POST":
            return redirect("cases:intake")
        return render(request, "cases/staff/intake.html", {"chooser": chooser})
    version = procedure.current_version
    agency = version.agencies.filter(pk__in=clerk_agencies).first()
    form = IntakeForm(request.POST or None, request.FILES or None, version=version)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            dossier = services.dossier_intake(
                clerk=request.user, procedure=procedure, agency=agency,
                applicant={"name": data["full_name"], "id_number": data["id_number"], "phone": data["phone"],
                           "address": data["address"]},
                delivery=data["delivery"], delivery_address=data["delivery_address"] if data["delivery"] == ResultDelivery.POST else "",
                scans=form.scans(),
            )
        except ValidationError as error:
            _add_intake_errors(form, error)
        else:
            messages.success(request, _("Dossier %(code)s is received. Appointment: %(due)s.") % {
                "code": dossier.code, "due": _format_moment(dossier.due_at)})
            return redirect("cases:staff-dossier", pk=dossier.pk)
    return render(
        request, "cases/staff/intake.html",
        {"chooser": chooser, "procedure": procedure, "version": version, "agency": agency, "form": form,
         "action_url": reverse("cases:intake") + f"?procedure={procedure.pk}"},
    )


def _add_intake_errors(form, error: ValidationError) -> None:
    """A refused scan names its file: show it at that document's field when we can tell which."""
    if not hasattr(error, "error_dict"):
        form.add_error(None, error)
        return
    for field, errors in error.error_dict.items():
        target = None
        if field == "applicant":
            target = "full_name"
        elif field in form.fields:
            target = field
        form.add_error(target, errors)


def _format_moment(moment):
    return date_format(timezone.localtime(moment), "SHORT_DATETIME_FORMAT") if moment else ""

