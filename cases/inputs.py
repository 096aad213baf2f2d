"""What each dossier action takes: one serializer per action, used by the API (its request body, documented in
the OpenAPI schema) and by the officials' page (which turns its form into the same data) alike.

They check types and shapes; the rules that need the dossier (a reason required, the extension's dates, the
transfer's agency) are the services' own, so every caller gets them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from .models import ResultDelivery
from .services import PRINTED_REASON

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise  # typing only: django-stubs is a development dependency

# Whole VND; a fee above a thousand billion đồng is a typing error, not a fee.
MAX_FEE_VND = 1_000_000_000_000


def reason_field(help_text: StrOrPromise, *, required_message: StrOrPromise | None = None) -> serializers.CharField:
    """The action's reason, note or opinion (the event's ``reason``): optional, or required with the message the
    service gives for it."""
    if required_message is None:
        return serializers.CharField(required=False, allow_blank=True, default="", max_length=4000, help_text=help_text)
    return serializers.CharField(max_length=4000, help_text=help_text,
                                 error_messages={"required": required_message, "blank": required_message})


class ActionInput(serializers.Serializer):
    """The base of every action's input: the reason, note or opinion recorded with the action."""

    reason = reason_field(_("A note recorded with the action."))


class ReceiveInput(ActionInput):
    reason = reason_field(_("A note recorded with the reception (optional)."))
    checklist = serializers.ListField(
        child=serializers.CharField(max_length=1000), required=False, default=list, max_length=200,
        help_text=_("The documents checked at reception, by name."),
    )


class SupplementInput(ActionInput):
    reason = reason_field(_("What the applicant brought or sent to complete the dossier."))
    form_data = serializers.DictField(
        required=False, default=None, allow_null=True,
        help_text=_("The declaration as corrected, when the request asked to correct it (checked against the "
                    "procedure's form; the answers before are kept with the event)."),
    )


class RefuseInput(ActionInput):
    reason = reason_field(_("Why the dossier is not accepted (printed on form 03)."), required_message=PRINTED_REASON)


class ForwardInput(ActionInput):
    reason = reason_field(_("A note for the first processing step (optional)."))


class CompleteStepInput(ActionInput):
    reason = reason_field(_("The official's opinion at this step."))


class ApproveInput(ActionInput):
    reason = reason_field(_("The result: the number and symbol of the document issued."),
                          required_message=_("Give the result: the number and symbol of the document issued."))


class DenyInput(ActionInput):
    reason = reason_field(_("The reasons for the denial (printed in the letter to the applicant)."),
                          required_message=PRINTED_REASON)


class SuspendInput(ActionInput):
    reason = reason_field(_("Why processing stops (printed on the notice)."), required_message=PRINTED_REASON)


class WithdrawInput(ActionInput):
    reason = reason_field(_("The applicant's request to withdraw (for the clerk: its number and date)."),
                          required_message=PRINTED_REASON)


class SupplementItemInput(serializers.Serializer):
    document = serializers.CharField(max_length=1000, required=False, allow_blank=True, default="",
                                     help_text=_("The document or item that is missing or wrong."))
    guidance = serializers.CharField(max_length=1000, allow_blank=True,
                                     help_text=_("What is wrong or missing, and how to fix it."))


class RequestSupplementInput(ActionInput):
    reason = reason_field(_("A message to the applicant (optional)."))
    items = serializers.ListField(child=SupplementItemInput(), required=False, default=list, max_length=200,
                                  help_text=_("Every missing item at once, each with guidance."))


class TransferInput(ActionInput):
    reason = reason_field(_("Why the dossier goes to another agency."), required_message=PRINTED_REASON)
    agency = serializers.CharField(max_length=20, required=False, allow_blank=True, default="",
                                   help_text=_("The electronic identifier of the agency to transfer to."))


class FeeInput(serializers.Serializer):
    name = serializers.CharField(max_length=500, help_text=_("The fee or charge, as the applicant reads it."))
    amount = serializers.IntegerField(min_value=1, max_value=MAX_FEE_VND, help_text=_("Whole đồng (VND)."))


class RequestPaymentInput(ActionInput):
    reason = reason_field(_("A note for the applicant (optional)."))
    fees = serializers.ListField(child=FeeInput(), required=False, default=list, max_length=50,
                                 help_text=_("The fees to pay, each with a positive whole amount in VND."))


class ConfirmPaymentInput(ActionInput):
    reason = reason_field(_("A note (optional)."))
    proof = serializers.CharField(max_length=200, required=False, allow_blank=True, default="",
                                  help_text=_("The receipt or transaction number."))


class ExtendInput(ActionInput):
    reason = reason_field(_("The reason for the delay (printed on the apology letter, form 04)."),
                          required_message=_("Give the reason for the delay: it is printed on the apology letter."))
    new_due_at = serializers.DateTimeField(required=False, allow_null=True, default=None,
                                           help_text=_("The new appointment date and time."))


class ReturnResultInput(ActionInput):
    reason = reason_field(_("A note (optional)."))
    delivery = serializers.ChoiceField(choices=ResultDelivery.choices, required=False, allow_null=True, default=None,
                                       help_text=_("How the result is handed back (the dossier's choice if empty)."))
    tracking_number = serializers.CharField(max_length=60, required=False, allow_blank=True, default="",
                                            help_text=_("The postal tracking number, for a result sent by post."))


def messages_of(errors: Any) -> list[str]:
    """Every message in a serializer's (possibly nested) errors, flattened in order."""
    if isinstance(errors, dict):
        return [m for value in errors.values() for m in messages_of(value)]
    if isinstance(errors, list):
        return [m for value in errors for m in messages_of(value)]
    return [str(errors)]


def as_validation_error(errors: dict[str, Any]) -> ValidationError:
    """A serializer's errors as a Django ValidationError keyed by the input's top-level fields, as the pages
    show a service's."""
    return ValidationError({field: messages_of(value) for field, value in errors.items()})
