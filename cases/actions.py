"""Every dossier action, declared once: what officials and the applicant read for it, what it takes (the
serializer the API and the officials' page both validate with), the page form that asks for it, the
notification it sends, the form it prints, and the service that takes it.

The state machine (who, from where, to where) is ``cases.workflow``; what an action does is its service in
``cases.services``; everything a page, the API, the printed forms or the notifications show of an action is
read from here. Adding an action: its transition in ``workflow.py``, its service, one ``Action`` below (and
its tests and translations).
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from . import inputs, services, staff_forms
from .models import Dossier, DossierEvent
from .workflow import Refusal, refusal


@dataclass(frozen=True)
class Action:
    """One action of the state machine, as people see it."""

    name: str  # the transition's name, the event's ``action``; the URL slug is ``name`` with dashes
    staff_label: str | Promise  # the officials' button and history
    citizen_label: str | Promise  # the applicant's history
    printed_name: str  # the control sheet (form 05) and the portal's progress record: fixed Vietnamese wording
    service: Callable[..., DossierEvent] | None = None  # None: not taken on a dossier page or its API
    input: type[serializers.Serializer] = inputs.ActionInput
    form: type[staff_forms.ActionForm] | None = None  # the officials' page form, None: not offered there
    notify: str | None = None  # what the applicant is told (``integrations.models.Topic``), None: nothing
    prints: str | None = None  # the printed form the action produces (Circular 01/2018 number or name)
    reason_label: str | Promise | None = None  # the applicant reads the event's reason under this label
    danger: bool = False  # ends or turns back a dossier: shown apart, in a warning colour

    @property
    def slug(self) -> str:
        return self.name.replace("_", "-")


REASON, RESULT = _("Reason"), _("Result")

ACTIONS: dict[str, Action] = {a.name: a for a in (
    Action("submit", _("Submitted online"), _("Submitted online"), "Nộp hồ sơ trực tuyến"),
    Action("intake", _("Received at the counter"), _("Received at the counter"), "Tiếp nhận hồ sơ tại quầy",
           notify="received", prints="01"),
    Action("receive", _("Receive"), _("Received by the agency"), "Tiếp nhận hồ sơ",
           services.dossier_receive, inputs.ReceiveInput, staff_forms.ReceiveForm, notify="received", prints="01"),
    Action("request_supplement", _("Request a supplement"), _("Supplement requested"),
           "Yêu cầu bổ sung, hoàn thiện hồ sơ", services.dossier_request_supplement, inputs.RequestSupplementInput,
           staff_forms.SupplementRequestForm, notify="supplement", prints="02", reason_label=REASON),
    Action("supplement", _("Record the supplement"), _("Supplement sent"), "Bổ sung hồ sơ",
           services.dossier_supplement, inputs.SupplementInput, staff_forms.SupplementForm),
    Action("refuse", _("Refuse"), _("Not accepted"), "Từ chối tiếp nhận hồ sơ",
           services.dossier_refuse, inputs.RefuseInput, staff_forms.RefuseForm, notify="refused", prints="03",
           reason_label=REASON, danger=True),
    Action("forward", _("Forward for processing"), _("Sent for processing"), "Chuyển xử lý",
           services.dossier_forward, inputs.ForwardInput, staff_forms.ForwardForm),
    Action("complete_step", _("Complete my step"), _("A processing step was completed"), "Hoàn thành bước xử lý",
           services.dossier_complete_step, inputs.CompleteStepInput, staff_forms.CompleteStepForm),
    Action("transfer", _("Transfer to another agency"), _("Transferred to another agency"),
           "Chuyển cơ quan khác giải quyết", services.dossier_transfer, inputs.TransferInput,
           staff_forms.TransferForm, reason_label=REASON),
    Action("request_payment", _("Request payment"), _("Payment requested"), "Yêu cầu thực hiện nghĩa vụ tài chính",
           services.dossier_request_payment, inputs.RequestPaymentInput, staff_forms.RequestPaymentForm,
           notify="payment"),
    Action("confirm_payment", _("Confirm payment"), _("Payment confirmed"), "Xác nhận đã nộp phí, lệ phí",
           services.dossier_confirm_payment, inputs.ConfirmPaymentInput, staff_forms.ConfirmPaymentForm,
           notify="paid", prints="receipt"),
    Action("approve", _("Approve"), _("Approved: the result is issued"), "Phê duyệt kết quả",
           services.dossier_approve, inputs.ApproveInput, staff_forms.ApproveForm, notify="result",
           prints="result", reason_label=RESULT),
    Action("deny", _("Deny"), _("Denied"), "Không giải quyết (từ chối)",
           services.dossier_deny, inputs.DenyInput, staff_forms.DenyForm, notify="result", reason_label=REASON,
           danger=True),
    Action("extend", _("Extend (apology letter)"), _("Appointment date moved, with an apology letter"),
           "Gia hạn, hẹn lại ngày trả kết quả", services.dossier_extend, inputs.ExtendInput, staff_forms.ExtendForm,
           notify="apology", prints="04", reason_label=REASON),
    Action("suspend", _("Stop processing"), _("Processing stopped"), "Dừng xử lý hồ sơ",
           services.dossier_suspend, inputs.SuspendInput, staff_forms.SuspendForm, prints="stop-notice", reason_label=REASON,
           danger=True),
    Action("withdraw", _("Withdraw at the applicant's request"), _("Withdrawn"), "Rút hồ sơ theo yêu cầu",
           services.dossier_withdraw, inputs.WithdrawInput, staff_forms.WithdrawForm, reason_label=REASON,
           danger=True),
    Action("return_result", _("Return the result"), _("Result returned"), "Trả kết quả",
           services.dossier_return_result, inputs.ReturnResultInput, staff_forms.ReturnResultForm, notify="returned"),
)}

# The actions taken on an existing dossier by a person, through its page or the API.
TAKEN: dict[str, Action] = {name: a for name, a in ACTIONS.items() if a.service is not None}


def declaration(name: str) -> Action | None:
    return ACTIONS.get(name)


def available_actions(dossier: Dossier, user) -> list[str]:
    """The actions ``user`` may take on ``dossier`` now, in the table's order: the services' own check
    (``workflow.refusal``), asked without changing anything. The pages show these, the API lists them."""
    return [name for name in TAKEN if refusal(dossier, name, user) is None]


def refused(dossier: Dossier, name: str, user) -> Refusal | None:
    """Why ``user`` may not take action ``name`` on ``dossier`` now (None: they may)."""
    return refusal(dossier, name, user)


def perform(*, dossier: Dossier, action: str, actor, **inputs: Any) -> DossierEvent:
    """Take the action called ``action`` through its service, with its inputs as keyword arguments (for the
    pages, the API and scripts that hold an action by name). An unknown name is a ValidationError."""
    declared = TAKEN.get(action)
    if declared is None or declared.service is None:
        raise ValidationError({"action": _("Unknown action.")})
    return declared.service(dossier=dossier, actor=actor, **inputs)
