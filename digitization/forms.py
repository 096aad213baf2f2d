"""The officials' review form of a digitized component, and the rows of a dossier page's digitization panel."""

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from . import selectors, services
from .models import DigitizedDocument, DocumentType


class ReviewForm(forms.Form):
    document_type = forms.ChoiceField(label=gettext_lazy("Document type"))
    number_symbol = forms.CharField(label=gettext_lazy("Number and symbol"), max_length=100, required=False)
    issue_date = forms.DateField(label=gettext_lazy("Issued on"), required=False,
                                 widget=forms.DateInput(attrs={"type": "date"}))
    issuer = forms.CharField(label=gettext_lazy("Issued by"), max_length=255, required=False)
    valid_until = forms.DateField(label=gettext_lazy("Valid until (empty: permanent)"), required=False,
                                  widget=forms.DateInput(attrs={"type": "date"}))
    summary = forms.CharField(label=gettext_lazy("Summary"), required=False,
                              widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, document: DigitizedDocument, types: list | None = None, **kwargs):
        """``types``: the document types, read once for a page of several forms."""
        kwargs.setdefault("initial", {
            "document_type": document.document_type, "number_symbol": document.number_symbol,
            "issue_date": document.issue_date, "issuer": document.issuer, "valid_until": document.valid_until,
            "summary": document.summary,
        })
        kwargs.setdefault("prefix", f"doc{document.pk}")
        super().__init__(*args, **kwargs)
        choices = [(t.code, str(t)) for t in (types if types is not None else DocumentType.objects.all())]
        codes = {code for code, _label in choices}
        for code in (services.OTHER_TYPE, document.document_type):
            if code not in codes:
                choices.append((code, code if code != services.OTHER_TYPE else _("Other document")))
                codes.add(code)
        self.fields["document_type"].choices = choices


def staff_section(dossier) -> list[dict]:
    """The dossier's digitizations for its page: each with its review form when it can be reviewed (two
    queries, however many documents)."""
    rows, types = [], None
    for document in selectors.dossier_digitized(dossier):
        reviewable = document.kind == DigitizedDocument.Kind.COMPONENT and document.status == DigitizedDocument.Status.DONE
        if reviewable and types is None:
            types = list(DocumentType.objects.all())
        rows.append({"document": document, "form": ReviewForm(document=document, types=types) if reviewable else None})
    return rows
