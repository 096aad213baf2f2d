"""The officials' workspace: queues, the dossier page with the actions open to them now, counter intake."""


from django.contrib import messages
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

from accounts.access import staff_required
from core.hooks import merged
from procedures.deadlines import appointment
from procedures.models import FilingChannel, StaffRole
from procedures.working_calendar import WorkingCalendar

from .. import declaration_forms, extensions, services
from ..actions import ACTIONS, TAKEN, available_actions
from ..clock import Clock
from ..inputs import as_validation_error
from ..models import DossierDocument, ResultDelivery
from ..selectors import QUEUES, dossier_for, staff_queue, staff_queue_counts
from ..staff_forms import IntakeForm, IntakeProcedureForm, QueueSearchForm
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


def _dossier_or_404(user, pk):
    dossier = dossier_for(user, pk)
    if dossier is None:
        raise Http404
    return dossier


def _render_dossier(request, dossier, *, bound=None, status=200):
    forms = []
    for name in available_actions(dossier, request.user):
        action = ACTIONS[name]
        if action.form is None:
            continue
        form = bound if bound is not None and bound[0] == name else None
        forms.append({
            "action": name,
            "label": action.staff_label,
            "form": form[1] if form else action.form(dossier=dossier, prefix=name),
            "open": form is not None,
            "danger": action.danger,
        })
    clock = Clock()
    calendar = clock.calendar(dossier.agency)
    per_day = calendar.minutes_per_day or 480
    events = list(dossier.events.order_by("seq"))
    for event in events:
        declared = ACTIONS.get(event.action)
        event.label = declared.staff_label if declared else event.action
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
            "declared": declaration_forms.for_dossier(dossier, events),
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
    declared = TAKEN.get(action)
    if declared is None or declared.form is None:
        raise Http404
    form = declared.form(request.POST, request.FILES, dossier=dossier, prefix=action)
    if not form.is_valid():
        return _render_dossier(request, dossier, bound=(action, form))
    # The page's form asks; the action's input validates what it asked, as it does an API body.
    given = declared.input(data=form.service_data())
    if not given.is_valid():
        _add_service_errors(form, as_validation_error(given.errors))
        return _render_dossier(request, dossier, bound=(action, form))
    try:
        if action == "supplement":
            _supplement_at_counter(dossier=dossier, clerk=request.user, form=form, inputs=given.validated_data)
        else:
            declared.service(dossier=dossier, actor=request.user, **given.validated_data)
    except ValidationError as error:
        _add_service_errors(form, error)
        return _render_dossier(request, dossier, bound=(action, form))
    except services.ActionRefused as refused:
        messages.error(request, str(refused))
        return _render_dossier(request, dossier_for(request.user, pk) or dossier, status=409)
    except PermissionDenied as denied:
        messages.error(request, str(denied) or _("You may not take this action on this dossier."))
        return _render_dossier(request, dossier, status=403)
    messages.success(request, _("Done: %(action)s.") % {"action": declared.staff_label})
    if dossier_for(request.user, pk) is None:  # transferred out of this official's reach
        return redirect("cases:workspace")
    return redirect("cases:staff-dossier", pk=pk)


def _supplement_at_counter(*, dossier, clerk, form, inputs) -> None:
    """The scans of what the applicant brought and the supplement action, in one transaction: if the
    action is refused, no document row stays behind."""
    with transaction.atomic():
        for requirement, uploaded in form.scans():
            services.dossier_document_add(
                dossier=dossier, actor=clerk, requirement=requirement, uploaded=uploaded, source=DossierDocument.Source.SCAN
            )
        services.dossier_supplement(dossier=dossier, actor=clerk, **inputs)


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
    valid = request.method == "POST" and form.is_valid()
    # A row added to or removed from a repeatable group of the declaration: the page again, nothing received.
    adding, removing = request.POST.get(declaration_forms.ADD), request.POST.get(declaration_forms.REMOVE)
    extra_rows = {}
    if adding:
        kept = len(declaration_forms.value_at(form.form_data, adding) or [])
        extra_rows[adding] = max(0, declaration_forms.posted_rows(request.POST, adding) - kept) + 1
    if valid and not (adding or removing):
        data = form.cleaned_data
        try:
            dossier = services.dossier_intake(
                clerk=request.user, procedure=procedure, agency=agency,
                applicant={"name": data["full_name"], "id_number": data["id_number"], "phone": data["phone"],
                           "address": data["address"]},
                form_data=form.form_data if form.schema else None,
                delivery=data["delivery"], delivery_address=data["delivery_address"] if data["delivery"] == ResultDelivery.POST else "",
                scans=form.scans(),
            )
        except ValidationError as error:
            form.declaration_errors = declaration_forms.merge_errors(form.declaration_errors,
                                                                     getattr(error, "paths", None))
            _add_intake_errors(form, error)
        else:
            messages.success(request, _("Dossier %(code)s is received. Appointment: %(due)s.") % {
                "code": dossier.code, "due": _format_moment(dossier.due_at)})
            return redirect("cases:staff-dossier", pk=dossier.pk)
    expected = appointment(WorkingCalendar.for_agency(agency), version.times.all(), channel=FilingChannel.COUNTER,
                           start=timezone.now()) if agency else None
    return render(
        request, "cases/staff/intake.html",
        {"chooser": chooser, "procedure": procedure, "version": version, "agency": agency, "form": form,
         "expected": expected, "declaration": form.declaration(extra_rows=extra_rows),
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

