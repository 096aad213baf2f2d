"""Forms of the officials' pages: each parses what an official types into what a service takes."""

import datetime as dt

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.validators import validate_citizen_id, validate_phone, validate_tax_code
from procedures.models import Agency, Procedure

from . import declaration_forms
from .declarations import declaration_errors, prefill_fields
from .models import ResultDelivery
from .uploads import SCANNER_TYPES, check_upload


class QueueSearchForm(forms.Form):
    q = forms.CharField(
        label=_("Search by code, applicant or ID number"), required=False, max_length=100,
        widget=forms.TextInput(attrs={"type": "search", "autocomplete": "off"}),
    )


class ActionForm(forms.Form):
    """The page's widgets for one action; ``service_data()`` turns what the official typed into the action's
    input (``cases.inputs``), which the view validates like an API body."""

    reason_label = None
    reason_required = False

    def __init__(self, *args, dossier, **kwargs):
        self.dossier = dossier
        super().__init__(*args, **kwargs)
        if self.reason_label is not None:
            self.fields["reason"] = forms.CharField(
                label=self.reason_label, required=self.reason_required, max_length=2000,
                widget=forms.Textarea(attrs={"rows": 3}),
            )

    def service_data(self) -> dict:
        return {"reason": self.cleaned_data.get("reason", ""), **self.data_for_service()}

    def data_for_service(self) -> dict:
        return {}


def _documents(dossier):
    return list(dossier.version.documents.all())


class ReceiveForm(ActionForm):
    """The completeness checklist: every mandatory document of the version must be ticked."""

    reason_label = _("Note (optional)")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.documents = _documents(self.dossier)
        choices = [
            (str(d.pk), _("%(name)s (mandatory)") % {"name": d.name} if d.mandatory else d.name)
            for d in self.documents
        ]
        self.fields["checklist"] = forms.MultipleChoiceField(
            label=_("Completeness checklist"), choices=choices, required=False,
            widget=forms.CheckboxSelectMultiple,
            help_text=_("Tick each document you have checked. Every mandatory document must be ticked."),
        )
        self.order_fields(["checklist", "reason"])

    def clean_checklist(self):
        ticked = set(self.cleaned_data["checklist"])
        missing = [d.name for d in self.documents if d.mandatory and str(d.pk) not in ticked]
        if missing:
            raise ValidationError(
                _("Not ticked: %(names)s. Request a supplement or refuse instead.") % {"names": "; ".join(missing)}
            )
        return ticked

    def data_for_service(self):
        ticked = self.cleaned_data["checklist"]
        return {"checklist": [d.name for d in self.documents if str(d.pk) in ticked]}


class SupplementRequestForm(ActionForm):
    """Every missing item at once, each with guidance; a dossier gets only one request."""

    reason_label = _("Message to the applicant (optional)")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.documents = _documents(self.dossier)
        self.rows = []
        for d in self.documents:
            self.fields[f"doc_{d.pk}"] = forms.BooleanField(label=d.name, required=False)
            self.fields[f"note_{d.pk}"] = forms.CharField(
                label=_("What is wrong or missing, and how to fix it"), required=False, max_length=1000,
                widget=forms.TextInput(attrs={"placeholder": _("What is wrong or missing, and how to fix it")}),
            )
            self.rows.append((f"doc_{d.pk}", f"note_{d.pk}"))
        self.fields["other"] = forms.CharField(label=_("Another item (not in the list)"), required=False, max_length=500)
        self.fields["other_note"] = forms.CharField(
            label=_("What is wrong or missing, and how to fix it"), required=False, max_length=1000,
        )
        self.order_fields([name for row in self.rows for name in row] + ["other", "other_note", "reason"])

    def row_fields(self):
        return [(self[tick], self[note]) for tick, note in self.rows]

    def clean(self):
        data = super().clean()
        items = []
        for d in self.documents:
            note = (data.get(f"note_{d.pk}") or "").strip()
            if data.get(f"doc_{d.pk}"):
                if not note:
                    self.add_error(f"note_{d.pk}", _("Say what is wrong and how to fix it."))
                items.append({"document": d.name, "guidance": note})
        other, other_note = (data.get("other") or "").strip(), (data.get("other_note") or "").strip()
        if other or other_note:
            if not (other and other_note):
                self.add_error("other_note", _("Name the item and say how to fix it."))
            items.append({"document": other, "guidance": other_note})
        if not items:
            raise ValidationError(_("Tick at least one item, each with guidance for the applicant."))
        self.items = items
        return data

    def data_for_service(self):
        return {"items": self.items}


class SupplementForm(ActionForm):
    """The applicant brought the missing items to the counter: the clerk scans them and records it."""

    reason_label = _("What the applicant brought")
    reason_required = True

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        request = self.dossier.events.filter(action="request_supplement").order_by("-seq").first()
        self.requested = (request.data.get("items") or []) if request else []
        self.documents = _documents(self.dossier)
        for d in self.documents:
            self.fields[f"scan_{d.pk}"] = forms.FileField(
                label=_("Scan: %(name)s") % {"name": d.name}, required=False,
                widget=forms.ClearableFileInput(attrs={"accept": ",".join(f".{t}" for t in [*d.accepted_type_list, *SCANNER_TYPES])}),
            )

    def clean(self):
        data = super().clean()
        _check_scans(self, data, self.documents)
        return data

    def scans(self):
        return [(d, self.cleaned_data[f"scan_{d.pk}"]) for d in self.documents if self.cleaned_data.get(f"scan_{d.pk}")]


def _check_scans(form, data, documents) -> None:
    """Refuse a scan at its own field (by content, not by name) before anything is written."""
    for d in documents:
        uploaded = data.get(f"scan_{d.pk}")
        if not uploaded:
            continue
        try:
            check_upload(uploaded, requirement=d, scan=True)
        except ValidationError as error:
            form.add_error(f"scan_{d.pk}", [m for messages in error.message_dict.values() for m in messages])
        finally:
            uploaded.seek(0)


class RefuseForm(ActionForm):
    reason_label = _("Reason for not accepting the dossier (printed for the applicant)")
    reason_required = True


class ForwardForm(ActionForm):
    reason_label = _("Note for the next step (optional)")


class CompleteStepForm(ActionForm):
    reason_label = _("Your opinion")
    reason_required = True


class TransferForm(ActionForm):
    reason_label = _("Reason for the transfer")
    reason_required = True

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        exclude = {self.dossier.agency_id, self.dossier.handling_agency_id}
        agencies = Agency.objects.filter(is_active=True).exclude(pk__in=[pk for pk in exclude if pk])
        self.fields["agency"] = forms.ChoiceField(
            label=_("Agency to transfer to"),
            choices=[("", "—")] + [(a.code, f"{a.name} ({a.code})") for a in agencies.order_by("path")],
        )
        self.order_fields(["agency", "reason"])

    def data_for_service(self):
        return {"agency": self.cleaned_data["agency"]}


class RequestPaymentForm(ActionForm):
    """Fee lines, prefilled from the version's fees; empty lines are ignored."""

    reason_label = _("Note for the applicant (optional)")
    extra_lines = 2

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        fees = self.dossier.fees()
        self.line_count = len(fees) + self.extra_lines
        for i in range(self.line_count):
            fee = fees[i] if i < len(fees) else None
            self.fields[f"fee_name_{i}"] = forms.CharField(
                label=_("Fee"), required=False, max_length=500, initial=fee.name if fee else "",
            )
            self.fields[f"fee_amount_{i}"] = forms.IntegerField(
                label=_("Amount (VND)"), required=False, min_value=1,
                initial=fee.amount if fee and fee.amount else None,
            )
        self.order_fields([f"fee_{p}_{i}" for i in range(self.line_count) for p in ("name", "amount")] + ["reason"])

    def lines(self):
        return [(self[f"fee_name_{i}"], self[f"fee_amount_{i}"]) for i in range(self.line_count)]

    def clean(self):
        data = super().clean()
        fees = []
        for i in range(self.line_count):
            name, amount = (data.get(f"fee_name_{i}") or "").strip(), data.get(f"fee_amount_{i}")
            if name and amount:
                fees.append({"name": name, "amount": amount})
            elif name or amount:
                self.add_error(f"fee_amount_{i}" if name else f"fee_name_{i}", _("Give both the fee and its amount."))
        if not fees:
            raise ValidationError(_("List at least one fee with its amount."))
        self.fees = fees
        return data

    def data_for_service(self):
        return {"fees": self.fees}


class ConfirmPaymentForm(ActionForm):
    reason_label = _("Note (optional)")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["proof"] = forms.CharField(label=_("Receipt or transaction number"), max_length=100)
        self.order_fields(["proof", "reason"])

    def data_for_service(self):
        return {"proof": self.cleaned_data["proof"]}


class ApproveForm(ActionForm):
    reason_label = _("The result (number and symbol of the document issued, and a note)")
    reason_required = True


class DenyForm(ActionForm):
    reason_label = _("Reasons for the denial (printed in the letter to the applicant)")
    reason_required = True


class ExtendForm(ActionForm):
    """A new appointment date (its closing time); the service checks the rule (once, no later than the working
    day before the appointment date, the new date a working day)."""

    reason_label = _("Reason for the delay (printed on the apology letter)")
    reason_required = True

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["new_due_date"] = forms.DateField(
            label=_("New appointment date"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        )
        self.order_fields(["new_due_date", "reason"])

    def data_for_service(self):
        day = self.cleaned_data["new_due_date"]
        closing = self.dossier.agency.afternoon_end
        moment = timezone.make_aware(dt.datetime.combine(day, closing))
        return {"new_due_at": moment.isoformat()}


class SuspendForm(ActionForm):
    reason_label = _("Reason for stopping (printed on the notice)")
    reason_required = True


class WithdrawForm(ActionForm):
    reason_label = _("The applicant's written request (number and date)")
    reason_required = True


class ReturnResultForm(ActionForm):
    reason_label = _("Note (optional)")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["delivery"] = forms.ChoiceField(
            label=_("How the result is handed back"), choices=ResultDelivery.choices, initial=self.dossier.delivery,
            widget=forms.RadioSelect,
        )
        self.fields["tracking_number"] = forms.CharField(
            label=_("Postal tracking number"), required=False, max_length=60,
            initial=self.dossier.tracking_number,
        )
        self.order_fields(["delivery", "tracking_number", "reason"])

    def clean(self):
        data = super().clean()
        posted = data.get("delivery") == ResultDelivery.POST or self.dossier.delivery == ResultDelivery.POST
        if posted and not (data.get("tracking_number") or "").strip():
            self.add_error("tracking_number", _("Give the postal tracking number."))
        return data

    def data_for_service(self):
        return {"delivery": self.cleaned_data["delivery"], "tracking_number": self.cleaned_data["tracking_number"]}


ACTION_FORMS = {
    "receive": ReceiveForm,
    "request_supplement": SupplementRequestForm,
    "supplement": SupplementForm,
    "refuse": RefuseForm,
    "forward": ForwardForm,
    "complete_step": CompleteStepForm,
    "transfer": TransferForm,
    "request_payment": RequestPaymentForm,
    "confirm_payment": ConfirmPaymentForm,
    "approve": ApproveForm,
    "deny": DenyForm,
    "extend": ExtendForm,
    "suspend": SuspendForm,
    "withdraw": WithdrawForm,
    "return_result": ReturnResultForm,
}


class IntakeProcedureForm(forms.Form):
    """Step one at the counter: the procedure, among those the clerk's agency handles."""

    procedure = forms.ModelChoiceField(label=_("Procedure"), queryset=Procedure.objects.none())

    def __init__(self, *args, agencies, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["procedure"]
        field.queryset = (
            Procedure.objects.filter(is_active=True, current_version__agencies__in=agencies)
            .select_related("current_version").distinct().order_by("current_version__name")
        )
        field.label_from_instance = lambda p: f"{p.current_version.name} ({p.code})"
        field.empty_label = _("Choose a procedure")


class IntakeForm(forms.Form):
    """Step two: the walk-in applicant, the delivery, and one scan per required document."""

    full_name = forms.CharField(label=_("Applicant's full name"), max_length=255)
    id_number = forms.CharField(
        label=_("ID number or tax code"), max_length=14,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )
    phone = forms.CharField(label=_("Phone"), max_length=20, required=False, widget=forms.TextInput(attrs={"type": "tel"}))
    address = forms.CharField(label=_("Address"), max_length=500, required=False)
    delivery = forms.ChoiceField(label=_("How the applicant receives the result"), choices=ResultDelivery.choices,
                                 initial=ResultDelivery.COUNTER, widget=forms.RadioSelect)
    delivery_address = forms.CharField(label=_("Delivery address (for results by post)"), max_length=500, required=False)

    def __init__(self, *args, version, **kwargs):
        super().__init__(*args, **kwargs)
        # The procedure's declaration (tờ khai), when it has one: the clerk types it from the paper form.
        self.schema, self.ui = version.form_schema or {}, version.form_ui or {}
        self.form_data: dict = {}
        self.declaration_raw: dict | None = None
        self.declaration_errors: dict[str, list[str]] = {}
        self.documents = list(version.documents.all())
        for d in self.documents:
            accept = ",".join(f".{t}" for t in [*d.accepted_type_list, *SCANNER_TYPES])
            self.fields[f"scan_{d.pk}"] = forms.FileField(
                label=d.name, required=d.mandatory,
                help_text=_("Mandatory") if d.mandatory else (d.case or _("If applicable")),
                widget=forms.ClearableFileInput(attrs={"accept": accept}),
            )

    def clean_id_number(self):
        """A 12-digit personal ID number, or a business's tax code, checked as the profile pages check them."""
        value = "".join(self.cleaned_data["id_number"].split())
        if len(value) == 12 and value.isdigit():
            validate_citizen_id(value)
        else:
            validate_tax_code(value)
        return value

    def clean_phone(self):
        value = self.cleaned_data["phone"].strip()
        if value:
            validate_phone(value)
        return value

    def scan_fields(self):
        return [self[f"scan_{d.pk}"] for d in self.documents]

    def clean(self):
        data = super().clean()
        if data.get("delivery") == ResultDelivery.POST and not (data.get("delivery_address") or "").strip():
            self.add_error("delivery_address", _("Give the address the result should be posted to."))
        _check_scans(self, data, self.documents)
        if self.schema:
            self._clean_declaration()
        return data

    def _clean_declaration(self) -> None:
        """The declaration's answers as ``form_data``, complete and valid (the validator of the wizard and the
        API), each error kept at its field."""
        form_data, typed, raw = declaration_forms.parse(self.schema, self.ui, self.data)
        # The applicant's details typed above are not typed twice: they fill the declaration's own, left empty.
        known = {"profile.full_name": self.cleaned_data.get("full_name"), "profile.id_number": self.cleaned_data.get(
            "id_number"), "profile.phone": self.cleaned_data.get("phone")}
        for path, sources, _field in prefill_fields(self.schema):
            key = next((s.key for s in sources if s.when is None and known.get(s.key)), None)
            if key and declaration_forms.value_at(form_data, path) is None:
                form_data = declaration_forms.with_value(form_data, path, known[key])
        self.form_data, self.declaration_raw = form_data, raw
        self.declaration_errors = declaration_forms.merge_errors(typed, declaration_errors(self.schema, form_data))
        if self.declaration_errors:
            self.add_error(None, _("The declaration has answers to correct: see each one at its field."))

    def declaration(self, *, extra_rows=None):
        """The declaration's tree for the page (None for a procedure without one)."""
        if not self.schema:
            return None
        return declaration_forms.build(self.schema, self.ui, data=self.form_data, raw=self.declaration_raw,
                                       errors=self.declaration_errors, extra_rows=extra_rows)

    def scans(self):
        return [(d, self.cleaned_data[f"scan_{d.pk}"]) for d in self.documents if self.cleaned_data.get(f"scan_{d.pk}")]
