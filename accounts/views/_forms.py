"""What every account page does with a service's refusal."""

from django import forms
from django.core.exceptions import ValidationError


def form_add_service_errors(form: forms.Form, error: ValidationError, *, only_new_fields: bool = False) -> None:
    """Show a service's ``ValidationError`` on the form: each message at its field, the rest on top.

    With ``only_new_fields``, fields the form itself already refused keep just the form's message (the
    service saw them empty, and would only repeat "enter this").
    """
    if not hasattr(error, "error_dict"):
        form.add_error(None, error)
        return
    for field, errors in error.error_dict.items():
        if only_new_fields and field in form.errors:
            continue
        form.add_error(field if field in form.fields else None, errors)


def service_args(form: forms.Form, names: list[str]) -> dict:
    """The service's keyword arguments from a form that may be partly invalid (missing ones empty)."""
    data = getattr(form, "cleaned_data", {})
    return {name: data.get(name, None if name == "date_of_birth" else "") for name in names}
