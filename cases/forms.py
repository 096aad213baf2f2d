"""Forms of the citizen's pages: the submission wizard's steps, withdrawal, the public lookup."""

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import ResultDelivery

SELF = "self"


class ApplicantForm(forms.Form):
    """Step 1: who applies (the citizen from their profile, or one of their businesses), where, and how
    the result comes back."""

    applicant = forms.ChoiceField(label=_("Who is applying"), widget=forms.RadioSelect)
    agency = forms.ModelChoiceField(
        label=_("Receiving agency"), queryset=None, empty_label=None, widget=forms.RadioSelect,
        error_messages={"required": _("Choose the agency that will receive your dossier.")},
    )
    delivery = forms.ChoiceField(
        label=_("How do you want to receive the result?"), widget=forms.RadioSelect,
        choices=[(ResultDelivery.COUNTER, ResultDelivery.COUNTER.label), (ResultDelivery.POST, ResultDelivery.POST.label)],
        error_messages={"required": _("Choose how to receive the result.")},
    )
    delivery_address = forms.CharField(
        label=_("Postal address for the result"), required=False, max_length=500,
        help_text=_("Only if you chose to receive the result by post: house number, street, ward, province."),
        widget=forms.Textarea(attrs={"rows": 2, "autocomplete": "street-address"}),
    )

    def __init__(self, *args, version, profile, businesses, **kwargs):
        super().__init__(*args, **kwargs)
        choices = []
        if profile is not None:
            choices.append((SELF, _("Myself: %(name)s") % {"name": profile.full_name}))
        for business in businesses:
            choices.append((f"business:{business.pk}", _("The business %(name)s (tax code %(tax)s)") % {
                "name": business.name, "tax": business.tax_code}))
        self.businesses = {f"business:{b.pk}": b for b in businesses}
        self.fields["applicant"].choices = choices
        self.fields["applicant"].error_messages["required"] = _("Choose who is applying.")
        if len(choices) == 1:
            self.fields["applicant"].initial = choices[0][0]
        agencies = version.agencies.order_by("name")
        self.fields["agency"].queryset = agencies
        if len(agencies) == 1:
            self.fields["agency"].initial = agencies[0].pk
        for name, field in self.fields.items():
            if name in self.errors:
                field.widget.attrs["aria-invalid"] = "true"

    def clean(self):
        data = super().clean()
        if data.get("delivery") == ResultDelivery.POST and not (data.get("delivery_address") or "").strip():
            self.add_error("delivery_address", _("Give the address the result should be posted to."))
        return data

    @property
    def business(self):
        return self.businesses.get(self.cleaned_data.get("applicant"))


class DetailsForm(forms.Form):
    """Step 2: the e-form, one free text."""

    request_details = forms.CharField(
        label=_("Request details"), max_length=4000,
        help_text=_("Say what you ask the agency to do, and anything it should know (for example whose birth "
                    "you are registering, or why you file for someone else)."),
        widget=forms.Textarea(attrs={"rows": 6}),
        error_messages={"required": _("Write what you are asking for.")},
    )


class WithdrawForm(forms.Form):
    reason = forms.CharField(
        label=_("Why do you withdraw the dossier?"), max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": _("Give the reason: the agency records it.")},
    )


class SupplementNoteForm(forms.Form):
    note = forms.CharField(
        label=_("Message to the agency"), required=False, max_length=1000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class LookupForm(forms.Form):
    code = forms.CharField(
        label=_("Dossier code"), max_length=40,
        help_text=_("As printed on your receipt, for example 000.00.53.H48-220921-0099."),
        error_messages={"required": _("Enter the dossier code.")},
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false", "inputmode": "text"}),
    )

    def clean_code(self):
        return self.cleaned_data["code"].strip().upper()
