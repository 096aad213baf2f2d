"""Pages of the data store: the owner's store ("Kho dữ liệu của tôi") with each document's access log,
the public verification of a result, and the officials' review and retry of a dossier's digitizations."""

from urllib.parse import urlencode

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.access import staff_required
from cases.selectors import dossier_for, own_dossiers
from cases.services import ActionRefused
from cases.workflow import State

from . import selectors, services
from .forms import ReviewForm
from .models import DigitizedDocument, DocumentAccess

PAGE_SIZE = 50
MAX_VERIFY_MB = 20


def _file_response(document: DigitizedDocument, *, attachment: bool) -> FileResponse:
    try:
        handle = document.file.open("rb")
    except (FileNotFoundError, ValueError) as missing:
        raise Http404 from missing
    response = FileResponse(handle, content_type="application/pdf", as_attachment=attachment, filename=document.file_name)
    response["Cache-Control"] = "private, no-store"
    return response


# --- the owner's store ------------------------------------------------------------------------------------


@login_required
@require_GET
def store(request):
    kind = {"ket-qua": DigitizedDocument.Kind.RESULT, "giay-to": DigitizedDocument.Kind.COMPONENT}.get(
        request.GET.get("loai", "")
    )
    page = Paginator(selectors.store_documents(request.user, kind), PAGE_SIZE).get_page(request.GET.get("trang"))
    return render(request, "digitization/store.html", {
        "page": page, "documents": page.object_list, "kind": kind, "counts": selectors.store_counts(request.user),
    })


@login_required
@require_GET
def store_document(request, pk):
    document = selectors.store_document(request.user, pk)
    if document is None:
        raise Http404
    accesses = document.accesses.all()[:200]
    return render(request, "digitization/store_document.html", {"document": document, "accesses": accesses})


@login_required
@require_GET
def store_download(request, pk):
    document = selectors.store_document(request.user, pk)
    if document is None:
        raise Http404
    services.access_record(document=document, user=request.user, action=DocumentAccess.Action.DOWNLOAD)
    return _file_response(document, attachment=False)


# --- reuse in a dossier ("provide once") ----------------------------------------------------------------


@login_required
@require_POST
def dossier_reuse(request, pk):
    """The "use this document" button beside an offer of the applicant's store (a draft's documents step):
    its value is "<requirement pk>:<stored document pk>". Back to the documents, saying what happened."""
    dossier = own_dossiers(request.user).filter(pk=pk).first()
    if dossier is None:
        raise Http404
    if dossier.state == State.DRAFT:
        back = reverse("cases:draft-documents", args=[pk])
    elif dossier.state == State.SUPPLEMENT_REQUESTED:
        back = reverse("cases:dossier", args=[pk]) + "#supplement"
    else:  # sent meanwhile: its page, as the draft's steps do
        return redirect("cases:dossier", pk=pk)
    requirement_pk, _sep, stored_pk = request.POST.get("reuse", "").partition(":")
    if not (requirement_pk.isdigit() and stored_pk.isdigit()):
        return redirect(back)
    requirement = dossier.version.documents.filter(pk=int(requirement_pk)).first()
    try:
        services.dossier_document_reuse(dossier=dossier, user=request.user, requirement=requirement,
                                        stored_id=int(stored_pk))
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    except (ActionRefused, PermissionDenied) as refused:
        messages.error(request, str(refused))
    else:
        messages.success(request, _("The document from your data store was added."))
    return redirect(back)


# --- public verification ----------------------------------------------------------------------------------


class VerifyForm(forms.Form):
    code = forms.CharField(label=gettext_lazy("Document code"), max_length=200, required=False)
    key = forms.CharField(label=gettext_lazy("Verification key"), max_length=16, required=False)
    file = forms.FileField(label=gettext_lazy("Or the PDF file of the result"), required=False)

    def clean(self):
        data = super().clean()
        has_code = bool(data.get("code", "").strip() and data.get("key", "").strip())
        if not has_code and not data.get("file"):
            raise ValidationError(
                _("Type the document code and the verification key printed under the QR code, or choose the PDF file.")
            )
        upload = data.get("file")
        if upload is not None and upload.size > MAX_VERIFY_MB * 1024 * 1024:
            self.add_error("file", _("The file is larger than %(max)s MB.") % {"max": MAX_VERIFY_MB})
        return data


def _verification_page(request, verification, form, status=200):
    if verification is not None and verification.document is not None:
        services.access_record(document=verification.document, user=request.user, action=DocumentAccess.Action.VERIFY)
    return render(request, "digitization/verify.html", {
        "form": form, "verification": verification, "fields": verification.public_fields() if verification else None,
    }, status=status)


@require_http_methods(["GET", "POST"])
def verify(request):
    if request.method == "GET":
        return _verification_page(request, None, VerifyForm())
    form = VerifyForm(request.POST, request.FILES)
    if not form.is_valid():
        return _verification_page(request, None, form, status=400)
    upload = form.cleaned_data.get("file")
    if upload is not None:
        content = upload.read()
        if not content.startswith(b"%PDF-"):
            form.add_error("file", _("This is not a PDF file."))
            return _verification_page(request, None, form, status=400)
        return _verification_page(request, selectors.verify_file(content), form)
    url = reverse("digitization:verify-code", args=[form.cleaned_data["code"].strip()])
    return redirect(f"{url}?{urlencode({'k': form.cleaned_data['key'].strip()})}")


@require_GET
def verify_code(request, code):
    """What the QR code of a result opens: /xac-minh/<code>/?k=<verification key>."""
    key = request.GET.get("k", "")
    verification = selectors.verify_code(code, key)
    return _verification_page(request, verification, VerifyForm(initial={"code": code, "key": key}),
                              status=200 if verification.found else 404)


# --- the officials' side ----------------------------------------------------------------------------------


def _staff_document(request, pk, document_pk) -> DigitizedDocument:
    dossier = dossier_for(request.user, pk)
    if dossier is None:
        raise Http404
    document = dossier.digitized.filter(pk=document_pk).first()
    if document is None:
        raise Http404
    return document


@staff_required
@require_GET
def staff_download(request, pk, document_pk):
    document = _staff_document(request, pk, document_pk)
    if document.status != DigitizedDocument.Status.DONE:
        raise Http404
    services.access_record(document=document, user=request.user, action=DocumentAccess.Action.DOWNLOAD,
                           dossier_code=document.dossier.code or "")
    return _file_response(document, attachment=False)


@staff_required
@require_POST
def staff_review(request, pk, document_pk):
    document = _staff_document(request, pk, document_pk)
    form = ReviewForm(request.POST, document=document)
    if form.is_valid():
        try:
            services.document_review(document=document, actor=request.user, data=form.cleaned_data)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        except PermissionDenied as denied:
            messages.error(request, str(denied))
        else:
            messages.success(request, _("The document's details were saved."))
    else:
        messages.error(request, " ".join(f"{form.fields[name].label}: {' '.join(errors)}" if name in form.fields
                                         else " ".join(errors) for name, errors in form.errors.items()))
    return redirect(f"{_dossier_url(pk)}#digitized-{document.pk}")


@staff_required
@require_POST
def staff_retry(request, pk, document_pk):
    document = _staff_document(request, pk, document_pk)
    try:
        services.document_retry(document=document, actor=request.user)
    except (ValidationError, PermissionDenied) as error:
        messages.error(request, " ".join(getattr(error, "messages", [str(error)])))
    else:
        messages.success(request, _("The digitization was sent back to the queue."))
    return redirect(f"{_dossier_url(pk)}#digitized-{document.pk}")


def _dossier_url(pk) -> str:
    from django.urls import reverse

    return reverse("cases:staff-dossier", args=[pk])
