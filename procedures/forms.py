"""Forms of the public catalog pages."""

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import Agency, Field, ImplementationLevel, ProcedureVersion


class ProcedureFilterForm(forms.Form):
    """Search and browse filters; choices come from the catalog, values are codes."""

    q = forms.CharField(label=_("Search procedures"), required=False, max_length=200)
    field = forms.ChoiceField(label=_("Field"), required=False)
    level = forms.ChoiceField(label=_("Level"), required=False)
    agency = forms.ChoiceField(label=_("Agency"), required=False)
    online_level = forms.ChoiceField(
        label=_("Online service"),
        required=False,
        choices=[("", _("All"))] + list(ProcedureVersion.OnlineLevel.choices),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["q"].widget.attrs.update(
            {"placeholder": _("For example: đăng ký khai sinh"), "type": "search", "autocomplete": "off"}
        )
        self.fields["field"].choices = [("", _("All fields"))] + list(Field.objects.values_list("code", "name"))
        self.fields["level"].choices = [("", _("All levels"))] + list(
            ImplementationLevel.objects.values_list("code", "name")
        )
        self.fields["agency"].choices = [("", _("All agencies"))] + [
            (a.code, "\u2003" * (a.depth - 1) + a.name) for a in Agency.objects.get_tree().filter(is_active=True)
        ]
