"""The citizen's pages: the submission wizard, "my dossiers", a dossier's page and its actions, the lookup."""

from dataclasses import dataclass

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts import population
from core.hooks import merged
from procedures.models import Procedure

from .. import declaration_forms, declarations, extensions, services
from ..actions import ACTIONS, refused
from ..forms import SELF, ApplicantForm, DetailsForm, LookupForm, SupplementNoteForm, WithdrawForm
from ..models import Dossier, DossierDocument
from ..selectors import dossier_for, own_dossiers, public_lookup
from ..workflow import State

PAGE_SIZE = 20

STEPS = [
    ("applicant", "cases:draft", gettext_lazy("Applicant")),
    ("details", "cases:draft-details", gettext_lazy("Request")),
    ("documents", "cases:draft-documents", gettext_lazy("Documents")),
    ("review", "cases:draft-review", gettext_lazy("Check and submit")),
]

NEXT_STEPS = {
    State.SUBMITTED: gettext_lazy(
        "The agency checks your dossier. When it is accepted you get an appointment date for the result; if "
        "something is missing you are asked, once, for everything at the same time."),
    State.RECEIVED: gettext_lazy("The agency has accepted your dossier and will process it by the appointment date."),
    State.PROCESSING: gettext_lazy("Your dossier is being processed. Nothing is needed from you for now."),
    State.SUPPLEMENT_REQUESTED: gettext_lazy(
        "The agency needs more from you: see what is asked below, attach the documents and send them. The clock "
        "is stopped until you do."),
    State.AWAITING_PAYMENT: gettext_lazy("Pay the fees below; processing resumes when the payment is confirmed."),
    State.RESOLVED: gettext_lazy("The result is ready: it will be handed to you as you chose."),
    State.RETURNED: gettext_lazy("The result has been handed to you. This dossier is complete."),
    State.REFUSED: gettext_lazy("The agency did not accept this dossier: see the reason in the history."),
    State.WITHDRAWN: gettext_lazy("You withdrew this dossier. It is closed."),
    State.SUSPENDED: gettext_lazy("Processing was stopped: see the notice in the history."),
}


# --- helpers ------------------------------------------------------------------------------------------

def _own(user):
    """The user's dossiers as an applicant (their own, their businesses'): not what a staff role shows."""
    return own_dossiers(user)


def _own_or_404(user, pk) -> Dossier:
    dossier = _own(user).filter(pk=pk).first()
    if dossier is None:
        raise Http404
    return dossier


def _draft_or_redirect(request, pk):
    """The user's draft, or (if it was submitted meanwhile) a redirect to its page."""
    dossier = _own_or_404(request.user, pk)
    if dossier.state != State.DRAFT:
        return None, redirect("cases:dossier", pk=dossier.pk)
    return dossier, None


def _steps(dossier, current):
    done = {
        "applicant": True,
        "details": bool(dossier.form_data.get("request_details")) or (
            declaration_forms.has_declaration(dossier.version) and bool(dossier.form_data)),
        "documents": False,
        "review": False,
    }
    return [
        {"name": name, "url": reverse(url, args=[dossier.pk]), "label": label, "number": i,
         "current": name == current, "done": done[name] and name != current}
        for i, (name, url, label) in enumerate(STEPS, start=1)
    ]


def _error_messages(error: ValidationError) -> list[str]:
    return list(error.messages)


def _upload_files(request, dossier, requirements) -> dict[int | None, list[str]]:
    """Add every file chosen on the page, each on its own: a refused file is reported at its document,
    the others are kept. Returns the messages per requirement pk (None: "other document")."""
    errors: dict[int | None, list[str]] = {}
    targets = [(r, f"file_{r.pk}") for r in requirements] + [(None, "file_other")]
    for requirement, key in targets:
        for uploaded in request.FILES.getlist(key):
            try:
                services.dossier_document_add(dossier=dossier, actor=request.user, requirement=requirement,
                                              uploaded=uploaded)
            except ValidationError as error:
                errors.setdefault(getattr(requirement, "pk", None), []).extend(_error_messages(error))
            except services.ActionRefused as refused:
                errors.setdefault(getattr(requirement, "pk", None), []).append(str(refused))
    return errors


def _document_rows(dossier, documents, errors=None, *, since=None, requested=()):
    """One row per required document (its files, refused-file messages, whether it is missing or was asked
    for in a supplement request), then "other documents"; requested rows first."""
    errors = errors or {}
    requested = {str(name).strip() for name in requested}
    rows = []
    online_form = bool(dossier.version.form_schema)
    for requirement in dossier.version.documents.all():
        files = [d for d in documents if d.requirement_id == requirement.pk]
        # The declaration filled in at step 2 stands for it: printed and filed by the portal at submission.
        declared = online_form and requirement.is_declaration and not files
        rows.append({
            "requirement": requirement, "files": files, "errors": errors.get(requirement.pk, []),
            "declared": declared, "missing": requirement.mandatory and not files and not declared,
            "new_files": [d for d in files if since and d.uploaded_at >= since],
            "accept": ",".join(f".{t}" for t in requirement.accepted_type_list),
            "types": ", ".join(requirement.accepted_type_list).upper(),
            "requested": requirement.name.strip() in requested,
        })
    others = [d for d in documents if d.requirement_id is None]
    rows.append({"requirement": None, "files": others, "errors": errors.get(None, []), "missing": False,
                 "new_files": [d for d in others if since and d.uploaded_at >= since],
                 "accept": ".pdf,.jpg,.jpeg,.png", "requested": False})
    if requested:
        rows.sort(key=lambda row: not row["requested"])
    return rows


# --- the wizard ---------------------------------------------------------------------------------------

def _procedure_open_or_404(code):
    procedure = get_object_or_404(Procedure.objects.select_related("current_version"), code=code, is_active=True)
    version = procedure.current_version
    if version is None or not version.online_submission_open:
        raise Http404
    return procedure, version


def _applicant_form(request, version, data=None, initial=None):
    profile = getattr(request.user, "citizen_profile", None)
    businesses = [m.business for m in request.user.business_memberships.select_related("business")]
    form = ApplicantForm(data, version=version, profile=profile, businesses=businesses, initial=initial)
    return form, profile, businesses


def _render_applicant(request, *, procedure, version, form, profile, businesses, dossier=None, status=200):
    # A VNeID-verified citizen's details come from the population database, shown as such and not editable.
    record = population.for_user(request.user) if profile is not None and profile.is_verified else None
    context = {
        "population": record, "population_missing": bool(profile and profile.is_verified and record is None),
        "procedure": procedure, "version": version, "form": form, "profile": profile, "businesses": businesses,
        "dossier": dossier, "steps": _steps(dossier, "applicant") if dossier else _new_steps(),
        "can_apply": profile is not None or bool(businesses),
    }
    return render(request, "cases/citizen/step_applicant.html", context, status=status)


def _new_steps():
    return [{"name": name, "url": "", "label": label, "number": i, "current": name == "applicant", "done": False}
            for i, (name, _url, label) in enumerate(STEPS, start=1)]


@login_required
@require_http_methods(["GET", "POST"])
def submit_start(request, code):
    """Start (or resume) a dossier for a procedure: step 1, which creates the draft when answered."""
    procedure, version = _procedure_open_or_404(code)
    draft = _own(request.user).filter(procedure=procedure, state=State.DRAFT).order_by("-created_at").first()
    if draft is not None:
        messages.info(request, _("You already have a draft of this procedure: continue where you left off."))
        return redirect("cases:draft", pk=draft.pk)
    form, profile, businesses = _applicant_form(request, version, request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            dossier = services.dossier_draft_create(
                user=request.user, procedure=procedure, agency=data["agency"], delivery=data["delivery"],
                delivery_address=data["delivery_address"].strip(), business=form.business,
            )
        except ValidationError as error:
            _form_errors(form, error)
        else:
            messages.success(request, _("Your draft is saved: you can come back to it at any time from “My dossiers”."))
            return redirect("cases:draft-details", pk=dossier.pk)
    return _render_applicant(request, procedure=procedure, version=version, form=form, profile=profile,
                             businesses=businesses)


def _form_errors(form, error: ValidationError) -> None:
    if not hasattr(error, "error_dict"):
        form.add_error(None, error)
        return
    for field, errors in error.error_dict.items():
        form.add_error(field if field in form.fields else None, errors)


@login_required
@require_http_methods(["GET", "POST"])
def draft_applicant(request, pk):
    dossier, gone = _draft_or_redirect(request, pk)
    if gone:
        return gone
    initial = {
        "applicant": f"business:{dossier.business_id}" if dossier.business_id else SELF,
        "agency": dossier.agency_id, "delivery": dossier.delivery, "delivery_address": dossier.delivery_address,
    }
    form, profile, businesses = _applicant_form(request, dossier.version, request.POST or None, initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.dossier_draft_update(
                dossier=dossier, user=request.user, agency=data["agency"], business=form.business,
                delivery=data["delivery"], delivery_address=data["delivery_address"].strip(),
            )
        except ValidationError as error:
            _form_errors(form, error)
        else:
            return redirect("cases:draft-details", pk=dossier.pk)
    return _render_applicant(request, procedure=dossier.procedure, version=dossier.version, form=form,
                             profile=profile, businesses=businesses, dossier=dossier)


@login_required
@require_http_methods(["GET", "POST"])
def draft_details(request, pk):
    dossier, gone = _draft_or_redirect(request, pk)
    if gone:
        return gone
    if declaration_forms.has_declaration(dossier.version):
        return _declaration_step(request, dossier)
    form = DetailsForm(request.POST or None, initial={"request_details": dossier.form_data.get("request_details", "")})
    if request.method == "POST" and form.is_valid():
        services.dossier_draft_update(
            dossier=dossier, user=request.user,
            form_data={"request_details": form.cleaned_data["request_details"].strip()},
        )
        return redirect("cases:draft-documents", pk=dossier.pk)
    if form.errors:
        form.fields["request_details"].widget.attrs["aria-invalid"] = "true"
    return render(request, "cases/citizen/step_details.html",
                  {"dossier": dossier, "form": form, "steps": _steps(dossier, "details")})


@dataclass
class _Posted:
    """A posted declaration: its answers, the typing errors, what was typed (to show again) and what is known."""

    data: dict
    typed: dict
    raw: dict
    known: dict


def _declaration_parse(request, dossier, refill) -> _Posted:
    """The answers posted; when an answer some prefill depends on changed (who the applicant is to the child),
    parsed again with what is known for the new answer."""
    schema, ui = dossier.version.form_schema, dossier.version.form_ui or {}
    known = declarations.prefill(schema, user=request.user, business=dossier.business, data=dossier.form_data)
    data, typed, raw = declaration_forms.parse(schema, ui, request.POST, prefilled=known)
    if any(declaration_forms.value_at(data, path) != declaration_forms.value_at(dossier.form_data, path)
           for path in refill):
        known = declarations.prefill(schema, user=request.user, business=dossier.business, data=data)
        data, typed, raw = declaration_forms.parse(schema, ui, request.POST, prefilled=known)
    return _Posted(data, typed, raw, known)


def _declaration_redisplay(request, dossier, posted: _Posted, refill, codes):
    """For "add a row", "remove a row" and "fill in" (the applicant has not finished): the page again, with
    only what they typed wrongly pointed out, and where the focus goes; None for any other button."""
    adding, removing = request.POST.get(declaration_forms.ADD), request.POST.get(declaration_forms.REMOVE)
    refilling = request.POST.get(declaration_forms.REFILL)
    if not (adding or removing or refilling):
        return None
    extra = {}
    if adding:
        kept = len(declaration_forms.value_at(posted.data, adding) or [])
        extra[adding] = max(0, declaration_forms.posted_rows(request.POST, adding) - kept) + 1
    version = dossier.version
    declaration = declaration_forms.build(version.form_schema, version.form_ui or {}, data=posted.data, raw=posted.raw,
                                          errors=posted.typed, prefilled=posted.known, codes=codes, extra_rows=extra,
                                          refill=refill)
    if adding:
        focus = _new_row_focus(declaration, adding)
    elif removing:
        focus = declaration_forms.parent_path(removing)
    else:  # back at the answer just given, the page filled in below it
        focus = declaration.nodes[refilling].id if refilling in declaration.nodes else ""
    return {"declaration": declaration, "focus": focus}


def _declaration_step(request, dossier):
    """Step 2 with the procedure's declaration: saved on every POST (what is valid so far: a draft may be
    incomplete), every error shown at its field; "continue" goes on only when nothing is left to correct.
    "Add" / "remove" buttons of a repeatable group save and show the page again with a row more or less."""
    version = dossier.version
    schema, ui = version.form_schema, version.form_ui or {}
    codes = declaration_forms.Codes(schema)
    refill = declarations.prefill_triggers(schema)
    context = {"dossier": dossier, "steps": _steps(dossier, "details")}
    if request.method != "POST":
        known = declarations.prefill(schema, user=request.user, business=dossier.business, data=dossier.form_data)
        context["declaration"] = declaration_forms.build(schema, ui, data=dossier.form_data, prefilled=known,
                                                         codes=codes, refill=refill)
        return render(request, "cases/citizen/step_details.html", context)
    posted = _declaration_parse(request, dossier, refill)
    errors = declaration_forms.merge_errors(posted.typed, declarations.declaration_errors(schema, posted.data))
    try:
        services.dossier_draft_update(dossier=dossier, user=request.user,
                                      form_data=declaration_forms.without(posted.data, errors))
    except ValidationError as error:  # what is left still refused: nothing saved, everything shown
        errors = declaration_forms.merge_errors(errors, getattr(error, "paths", None) or {"": error.messages})
    again = _declaration_redisplay(request, dossier, posted, refill, codes)
    if again is not None:
        return render(request, "cases/citizen/step_details.html", {**context, **again})
    if not errors:
        if request.POST.get("action") == "save":
            messages.success(request, _("Saved. You can come back to it at any time from “My dossiers”."))
            return redirect("cases:draft-details", pk=dossier.pk)
        return redirect("cases:draft-documents", pk=dossier.pk)
    context["declaration"] = declaration_forms.build(schema, ui, data=posted.data, raw=posted.raw, errors=errors,
                                                     prefilled=posted.known, codes=codes, refill=refill)
    return render(request, "cases/citizen/step_details.html", context)


def _new_row_focus(declaration, path) -> str:
    """The id of the first input of the blank row just added (the page opens there)."""
    node = declaration.nodes.get(path)
    blank = [item for item in (node.items if node else []) if item.blank]
    if blank and blank[-1].children:
        return declaration_forms.first_input(blank[-1].children[0])
    return node.id if node else ""


@login_required
@require_http_methods(["GET", "POST"])
def draft_documents(request, pk):
    dossier, gone = _draft_or_redirect(request, pk)
    if gone:
        return gone
    requirements = list(dossier.version.documents.all())
    errors = {}
    if request.method == "POST":
        removed = request.POST.get("remove")
        if removed and removed.isdigit() and services.dossier_document_remove(
            dossier=dossier, user=request.user, document_pk=int(removed)
        ):
            messages.success(request, _("The file was removed."))
        errors = _upload_files(request, dossier, requirements)
        if not errors:
            if "continue" in request.POST:
                return redirect("cases:draft-review", pk=dossier.pk)
            return redirect("cases:draft-documents", pk=dossier.pk)
    documents = list(dossier.documents.all())
    rows = _document_rows(dossier, documents, errors)
    # The data store's offers (``reuse_offers``: requirement pk → a stored document), from its app.
    panels = merged(extensions.draft_documents_context(dossier=dossier, requirements=requirements, user=request.user))
    offers = panels.get("reuse_offers") or {}
    for row in rows:  # offered only while the requirement has no file
        offer = offers.get(getattr(row["requirement"], "pk", None))
        row["offers"] = [offer] if offer is not None and not row["files"] else []
    return render(request, "cases/citizen/step_documents.html", {
        **panels, "dossier": dossier, "rows": rows, "steps": _steps(dossier, "documents"),
        "has_errors": bool(errors),
    })


@login_required
@require_http_methods(["GET", "POST"])
def draft_review(request, pk):
    dossier, gone = _draft_or_redirect(request, pk)
    if gone:
        return gone
    submit_errors = []
    if request.method == "POST":
        try:
            services.dossier_submit(dossier=dossier, actor=request.user)
        except ValidationError as error:
            submit_errors = _error_messages(error)
        except (services.ActionRefused, PermissionDenied) as refused:
            submit_errors = [str(refused)]
        else:
            return redirect("cases:receipt", pk=dossier.pk)
    documents = list(dossier.documents.all())
    return render(request, "cases/citizen/step_review.html", {
        "dossier": dossier, "rows": _document_rows(dossier, documents), "missing": services.missing_documents(dossier),
        "steps": _steps(dossier, "review"), "submit_errors": submit_errors,
        "declared": declaration_forms.for_dossier(dossier),
    })


@login_required
@require_GET
def receipt(request, pk):
    dossier = _own_or_404(request.user, pk)
    if dossier.state == State.DRAFT:
        return redirect("cases:draft-review", pk=dossier.pk)
    return render(request, "cases/citizen/receipt.html",
                  {"dossier": dossier, "next_step": NEXT_STEPS.get(dossier.state, "")})


# --- my dossiers and a dossier's page ------------------------------------------------------------------

@login_required
@require_GET
def my_dossiers(request):
    # Newest first, on the (owner, created) index: drafts are the newest by nature, so they lead the list,
    # and a business with a long history still gets its page at once.
    dossiers = _own(request.user).order_by("-created_at", "-pk")
    page = Paginator(dossiers, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "cases/citizen/my_dossiers.html", {"page": page})


def _timeline(dossier, user):
    events = list(dossier.events.order_by("seq"))
    for event in events:
        declared = ACTIONS.get(event.action)
        event.label = declared.citizen_label if declared else event.action
        event.to_label = State(event.to_state).label if event.to_state in State.values else ""
        if event.actor_id is not None and event.actor_id == user.pk:
            event.who = _("You")
        elif event.actor_id is not None and event.actor_id == dossier.owner_id:
            event.who = event.actor_name  # another member of the same business
        else:
            # Officials act for their agency: the applicant sees the agency, not a personal name.
            event.who = (dossier.handling_agency if event.action not in ("receive", "intake", "refuse") and
                         dossier.handling_agency else dossier.agency).name
        # Officials' internal opinions (forwarding, completing a step) stay internal; the applicant reads
        # the reasons that concern them, and the result's number.
        event.reason_label = (declared.reason_label or "") if declared else ""
        event.public_reason = event.reason if event.reason_label else ""
        event.supplement_items = event.data.get("items") or []
        event.fees = event.data.get("fees") or []
        event.new_due = event.data.get("new_due_at")
        event.agency_name = event.data.get("agency_name", "")
        if event.action == "confirm_payment" and event.data.get("online"):
            event.label = _("Paid online")
            event.who = _("Payment gateway")
    return events


def _last_event(events, action):
    found = [e for e in events if e.action == action]
    return found[-1] if found else None


def _can(dossier, user, action) -> bool:
    """Whether the applicant may take ``action`` now (the services' own check)."""
    return dossier.is_applicant(user) and refused(dossier, action, user) is None


def _render_dossier(request, dossier, *, upload_errors=None, note_form=None, supplement_errors=None, status=200):
    events = _timeline(dossier, request.user)
    documents = list(dossier.documents.all())
    supplement = _last_event(events, "request_supplement") if dossier.state == State.SUPPLEMENT_REQUESTED else None
    can_supplement = supplement is not None and _can(dossier, request.user, "supplement")
    return render(request, "cases/citizen/dossier.html", {
        "dossier": dossier, "events": events, "documents": documents,
        "rows": _document_rows(dossier, documents, upload_errors, since=supplement.at if supplement else None,
                               requested=[i.get("document", "") for i in supplement.supplement_items] if supplement else ()),
        "supplement": supplement, "can_supplement": can_supplement,
        "note_form": note_form or SupplementNoteForm(), "supplement_errors": supplement_errors or [],
        "can_withdraw": _can(dossier, request.user, "withdraw"),
        "next_step": NEXT_STEPS.get(dossier.state, ""),
        "declared": declaration_forms.for_dossier(dossier, events),
        **merged(extensions.citizen_dossier_context(dossier=dossier, user=request.user)),
    }, status=status)


@login_required
@require_GET
def dossier_page(request, pk):
    dossier = _own_or_404(request.user, pk)
    if dossier.state == State.DRAFT:
        return redirect("cases:draft-review", pk=dossier.pk)
    return _render_dossier(request, dossier)


@login_required
@require_GET
def document(request, pk, document_pk):
    """A dossier's file, to anyone who may see the dossier (the applicant, the agency's officials)."""
    dossier = dossier_for(request.user, pk)
    if dossier is None:
        raise Http404
    doc = get_object_or_404(DossierDocument, dossier=dossier, pk=document_pk)
    extensions.document_opened(document=doc, user=request.user, dossier=dossier)
    response = FileResponse(doc.file.open("rb"), content_type=doc.content_type, filename=doc.original_name)
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
@require_http_methods(["GET", "POST"])
def supplement_declaration(request, pk):
    """Correct the declaration in answer to a supplement request: the whole form with the answers given, every
    error at its field; "send" sends the supplement (the corrected declaration, the files already attached for
    it and the message) at once. Nothing changes on the dossier until it is sent."""
    dossier = _own_or_404(request.user, pk)
    if not declaration_forms.has_declaration(dossier.version) or not _can(dossier, request.user, "supplement"):
        messages.error(request, _("This dossier is not waiting for a supplement."))
        return redirect("cases:dossier", pk=pk)
    schema, ui = dossier.version.form_schema, dossier.version.form_ui or {}
    codes = declaration_forms.Codes(schema)
    refill = declarations.prefill_triggers(schema)
    requested = dossier.events.filter(action="request_supplement").order_by("-seq").first()
    context = {"dossier": dossier, "supplement_items": (requested.data or {}).get("items") or [] if requested else [],
               "note_form": SupplementNoteForm(request.POST or None)}
    if request.method != "POST":
        known = declarations.prefill(schema, user=request.user, business=dossier.business, data=dossier.form_data)
        context["declaration"] = declaration_forms.build(schema, ui, data=dossier.form_data, prefilled=known,
                                                         codes=codes, refill=refill)
        return render(request, "cases/citizen/supplement_declaration.html", context)
    posted = _declaration_parse(request, dossier, refill)
    again = _declaration_redisplay(request, dossier, posted, refill, codes)
    if again is not None:
        return render(request, "cases/citizen/supplement_declaration.html", {**context, **again})
    errors = declaration_forms.merge_errors(posted.typed, declarations.declaration_errors(schema, posted.data))
    note_form = context["note_form"]
    if not errors and note_form.is_valid():
        unchanged = posted.data == dossier.form_data
        if unchanged and not dossier.documents.filter(uploaded_at__gte=requested.at).exists():
            errors = {"": [_("Nothing was corrected: change the answers asked for, or attach a document.")]}
        else:
            try:
                services.dossier_supplement(dossier=dossier, actor=request.user, form_data=posted.data,
                                            reason=note_form.cleaned_data["note"].strip())
            except ValidationError as error:
                errors = getattr(error, "paths", None) or {"": error.messages}
            except (services.ActionRefused, PermissionDenied) as refused_now:
                messages.error(request, str(refused_now))
                return redirect("cases:dossier", pk=pk)
            else:
                messages.success(request, _("Your supplement was sent to the agency. Processing resumes."))
                return redirect("cases:dossier", pk=pk)
    context["declaration"] = declaration_forms.build(schema, ui, data=posted.data, raw=posted.raw, errors=errors,
                                                     prefilled=posted.known, codes=codes, refill=refill)
    return render(request, "cases/citizen/supplement_declaration.html", context, status=200)


@login_required
@require_POST
def supplement(request, pk):
    """Answer a supplement request: add the files asked for ("upload"), then send them ("send")."""
    dossier = _own_or_404(request.user, pk)
    if dossier.state != State.SUPPLEMENT_REQUESTED:
        messages.error(request, _("This dossier is not waiting for a supplement."))
        return redirect("cases:dossier", pk=pk)
    requirements = list(dossier.version.documents.all())
    removed = request.POST.get("remove")
    if removed and removed.isdigit() and services.dossier_document_remove(
        dossier=dossier, user=request.user, document_pk=int(removed)
    ):
        messages.success(request, _("The file was removed."))
    errors = _upload_files(request, dossier, requirements)
    note_form = SupplementNoteForm(request.POST)
    if errors or not note_form.is_valid():
        return _render_dossier(request, dossier, upload_errors=errors, note_form=note_form, status=200)
    if "send" not in request.POST:
        if not removed:
            messages.success(request, _("Saved. When every requested item is attached, send the supplement."))
        return redirect(reverse("cases:dossier", args=[pk]) + "#supplement")
    requested = dossier.events.filter(action="request_supplement").order_by("-seq").first()
    if not dossier.documents.filter(uploaded_at__gte=requested.at).exists():
        return _render_dossier(request, dossier, note_form=note_form, supplement_errors=[
            _("Attach the corrected or missing documents before sending.")])
    try:
        services.dossier_supplement(dossier=dossier, actor=request.user, reason=note_form.cleaned_data["note"].strip())
    except (services.ActionRefused, PermissionDenied, ValidationError) as refused:
        messages.error(request, " ".join(refused.messages) if isinstance(refused, ValidationError) else str(refused))
        return redirect("cases:dossier", pk=pk)
    messages.success(request, _("Your supplement was sent to the agency. Processing resumes."))
    return redirect("cases:dossier", pk=pk)


@login_required
@require_http_methods(["GET", "POST"])
def withdraw(request, pk):
    """Withdraw a dossier: a page that says what it means and asks for the reason, then the action."""
    dossier = _own_or_404(request.user, pk)
    if not _can(dossier, request.user, "withdraw"):
        messages.error(request, _("This dossier can no longer be withdrawn."))
        return redirect("cases:dossier", pk=pk)
    form = WithdrawForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.dossier_withdraw(dossier=dossier, actor=request.user, reason=form.cleaned_data["reason"].strip())
        except ValidationError as error:
            _form_errors(form, error)
        except (services.ActionRefused, PermissionDenied) as refused:
            messages.error(request, str(refused))
            return redirect("cases:dossier", pk=pk)
        else:
            messages.success(request, _("Your dossier %(code)s is withdrawn.") % {"code": dossier.code})
            return redirect("cases:dossier", pk=pk)
    if form.errors:
        form.fields["reason"].widget.attrs["aria-invalid"] = "true"
    return render(request, "cases/citizen/withdraw.html", {"dossier": dossier, "form": form})


# --- public lookup -------------------------------------------------------------------------------------

@require_GET
def lookup(request):
    form = LookupForm(request.GET or None)
    if request.GET and form.is_valid():
        return redirect("lookup-code", code=form.cleaned_data["code"])
    if form.errors:
        form.fields["code"].widget.attrs["aria-invalid"] = "true"
    return render(request, "cases/lookup.html", {"form": form})


@require_GET
def lookup_code(request, code):
    dossier = public_lookup(code.strip().upper())
    form = LookupForm(initial={"code": code})
    status = 200 if dossier is not None else 404
    return render(request, "cases/lookup.html", {"form": form, "dossier": dossier, "code": code, "searched": True},
                  status=status)
