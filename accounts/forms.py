"""Forms of the account pages: they parse what people type; the services decide and write."""

import datetime as dt

from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from .models import Gender


class DateOfBirthWidget(forms.MultiWidget):
    """Day, month and year in three boxes, each with its own label (the pattern that works best for a
    date people know by heart: no calendar to scroll back decades on a phone)."""

    template_name = "accounts/widgets/date_parts.html"
    use_fieldset = True
    part_labels = (_("Day"), _("Month"), _("Year"))

    def __init__(self, attrs=None):
        def part(size, autocomplete):
            return forms.TextInput(
                attrs={"inputmode": "numeric", "size": size, "maxlength": size, "autocomplete": autocomplete}
            )

        super().__init__([part(2, "bday-day"), part(2, "bday-month"), part(4, "bday-year")], attrs)

    def decompress(self, value):
        if isinstance(value, dt.date):
            return [value.day, value.month, value.year]
        return [None, None, None]

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        for sub, label, css in zip(
            context["widget"]["subwidgets"], self.part_labels, ("day", "month", "year"), strict=True
        ):
            sub["label"] = label
            sub["css"] = css
        return context


class DateOfBirthField(forms.Field):
    widget = DateOfBirthWidget
    default_error_messages = {
        "required": _("Enter the date of birth."),
        "incomplete": _("The date of birth must include a day, a month and a year."),
        "invalid": _("The date of birth must be a real date, for example 27 3 1990."),
        "future": _("The date of birth must be in the past."),
    }

    def to_python(self, value):
        parts = [str(p).strip() if p is not None else "" for p in (value or [])]
        parts += [""] * (3 - len(parts))
        if not any(parts):
            return None
        if not all(parts):
            raise ValidationError(self.error_messages["incomplete"], code="incomplete")
        if not all(p.isdigit() for p in parts) or len(parts[2]) != 4:
            raise ValidationError(self.error_messages["invalid"], code="invalid")
        try:
            value = dt.date(int(parts[2]), int(parts[1]), int(parts[0]))
        except ValueError:
            raise ValidationError(self.error_messages["invalid"], code="invalid") from None
        if value > timezone.localdate():
            raise ValidationError(self.error_messages["future"], code="future")
        return value


def _text(label, *, max_length, autocomplete, required=True, help_text="", required_message=None, **attrs):
    return forms.CharField(
        label=label,
        max_length=max_length,
        required=required,
        help_text=help_text,
        widget=forms.TextInput(attrs={"autocomplete": autocomplete, **attrs}),
        error_messages={"required": required_message} if required_message else None,
    )


def _full_name_field():
    return _text(
        _("Full name"),
        max_length=150,
        autocomplete="name",
        help_text=_("As on your ID card, with diacritics, e.g. Nguyễn Văn An."),
        required_message=_("Enter the full name as on the ID card."),
    )


def _email_field(help_text=""):
    return forms.EmailField(
        label=_("E-mail"),
        max_length=254,
        help_text=help_text,
        widget=forms.EmailInput(attrs={"autocomplete": "email", "spellcheck": "false"}),
        error_messages={
            "required": _("Enter your e-mail address: it is needed to reset a forgotten password."),
            "invalid": _("Enter an e-mail address such as ten@example.com."),
        },
    )


def _id_number_field():
    return forms.CharField(
        label=_("Personal ID number"),
        max_length=20,
        help_text=_("The 12 digits on your chip-based ID card (căn cước)."),
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off", "spellcheck": "false"}),
        error_messages={"required": _("Enter the 12-digit personal ID number.")},
    )


class SectionedForm(forms.Form):
    """A form shown as titled groups of questions (``sections``: title, field names)."""

    sections: list = []

    def section_fields(self):
        return [(title, [self[name] for name in names]) for title, names in self.sections]


class _AccountFieldsMixin(SectionedForm):
    """Username, e-mail and the new password typed twice."""

    username = _text(
        pgettext_lazy("login name", "Username"),
        max_length=150,
        autocomplete="username",
        help_text=_("Letters, digits and @ . + - _ only; you will use it to log in."),
        required_message=_("Choose a username."),
        autocapitalize="none",
        spellcheck="false",
    )
    email = _email_field(help_text=_("Needed to reset your password if you forget it."))
    password = forms.CharField(
        label=_("Password"),
        strip=False,
        help_text=_("At least 10 characters; not only digits, not a common password, not like your name."),
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        error_messages={"required": _("Choose a password.")},
    )
    password2 = forms.CharField(
        label=_("Password again"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        error_messages={"required": _("Type the password a second time.")},
    )

    def clean(self):
        cleaned = super().clean()
        password, password2 = cleaned.get("password"), cleaned.get("password2")
        if password and password2 and password != password2:
            self.add_error("password2", _("The two passwords are not the same: type them again."))
        return cleaned


class CitizenRegistrationForm(_AccountFieldsMixin):
    """A citizen's own registration. It has no staff, group or permission field: registration never
    makes an official, whatever is posted."""

    full_name = _full_name_field()
    id_number = _id_number_field()
    date_of_birth = DateOfBirthField(label=_("Date of birth"), help_text=_("For example: 27 3 1990"))
    gender = forms.ChoiceField(
        label=_("Gender"),
        choices=Gender.choices,
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose male or female.")},
    )
    phone = _text(
        _("Mobile phone (optional)"),
        max_length=20,
        autocomplete="tel",
        required=False,
        type="tel",
        help_text=_("For example: 0905 123 456"),
    )
    address = _text(_("Address (optional)"), max_length=500, autocomplete="street-address", required=False)

    field_order = [
        "full_name", "id_number", "date_of_birth", "gender", "phone", "address",
        "username", "email", "password", "password2",
    ]
    sections = [
        (_("About you"), ["full_name", "id_number", "date_of_birth", "gender"]),
        (_("How to reach you"), ["phone", "address"]),
        (_("Your account"), ["username", "email", "password", "password2"]),
    ]


class BusinessFieldsMixin(SectionedForm):
    business_name = _text(
        _("Business name"),
        max_length=255,
        autocomplete="organization",
        help_text=_("As on the business registration certificate."),
        required_message=_("Enter the business's name as on its registration certificate."),
    )
    tax_code = forms.CharField(
        label=_("Tax code"),
        max_length=20,
        help_text=_("10 digits, or 10 digits, a hyphen and 3 digits for a branch (e.g. 0100109106-001)."),
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off", "spellcheck": "false"}),
        error_messages={"required": _("Enter the business's tax code.")},
    )
    address = _text(
        _("Head office address (optional)"), max_length=500, autocomplete="street-address", required=False
    )
    phone = _text(
        _("Business phone (optional)"),
        max_length=20,
        autocomplete="tel",
        required=False,
        type="tel",
        help_text=_("For example: 0236 3821 111"),
    )


class BusinessRegistrationForm(_AccountFieldsMixin, BusinessFieldsMixin):
    """A business's registration by its legal representative, who gets the account."""

    full_name = _full_name_field()
    id_number = _id_number_field()
    date_of_birth = DateOfBirthField(label=_("Date of birth"), help_text=_("For example: 27 3 1990"))

    field_order = [
        "business_name", "tax_code", "address", "phone",
        "full_name", "id_number", "date_of_birth",
        "username", "email", "password", "password2",
    ]
    sections = [
        (_("The business"), ["business_name", "tax_code", "address", "phone"]),
        (_("You, its legal representative"), ["full_name", "id_number", "date_of_birth"]),
        (_("Your account"), ["username", "email", "password", "password2"]),
    ]


class BusinessAddForm(BusinessFieldsMixin):
    """A logged-in citizen registers a business they represent."""

    sections = [(_("The business"), ["business_name", "tax_code", "address", "phone"])]


class ProfileForm(forms.Form):
    """Contact details a user may change; officials (no citizen profile) only have an e-mail here."""

    email = _email_field()
    phone = _text(
        _("Mobile phone (optional)"),
        max_length=20,
        autocomplete="tel",
        required=False,
        type="tel",
        help_text=_("For example: 0905 123 456"),
    )
    address = _text(_("Address (optional)"), max_length=500, autocomplete="street-address", required=False)

    def __init__(self, *args, has_profile: bool = True, **kwargs):
        super().__init__(*args, **kwargs)
        if not has_profile:
            del self.fields["phone"]
            del self.fields["address"]


class ContactForm(forms.Form):
    """A phone and an e-mail for an account opened with VNeID (which gives neither): both optional."""

    phone = _text(_("Mobile phone (optional)"), max_length=20, autocomplete="tel", required=False, type="tel",
                  inputmode="tel", help_text=_("We send a code to it by SMS to confirm it is yours. For example: 0905 123 456"))
    email = _email_field(help_text=_("Optional: notices about your dossiers are sent to it."))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["email"].required = False
        self.fields["email"].label = _("E-mail (optional)")


class PhoneCodeForm(forms.Form):
    code = _text(_("The six-digit code"), max_length=12, autocomplete="one-time-code", inputmode="numeric",
                 required_message=_("Type the code from the SMS."))


class LoginForm(AuthenticationForm):
    """The login form, with a message that says what to do rather than what went wrong."""

    error_messages = {
        "invalid_login": _(
            "The username or password is wrong. Check them and try again (letters are case-sensitive). "
            "After %(limit)s failed attempts, logging in is paused for %(minutes)s minutes."
        ),
        "inactive": _("This account has been disabled. Contact the one-stop counter."),
    }

    def __init__(self, request=None, *args, **kwargs):
        super().__init__(request, *args, **kwargs)
        self.fields["username"].error_messages["required"] = _("Enter your username.")
        self.fields["password"].error_messages["required"] = _("Enter your password.")
        self.fields["username"].widget.attrs.update({"autocapitalize": "none", "spellcheck": "false"})

    def get_invalid_login_error(self):
        from django.conf import settings

        return ValidationError(
            self.error_messages["invalid_login"],
            code="invalid_login",
            params={
                "limit": settings.AXES_FAILURE_LIMIT,
                "minutes": int(settings.AXES_COOLOFF_TIME.total_seconds() // 60),
            },
        )
