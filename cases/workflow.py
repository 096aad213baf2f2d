"""The one-stop state machine of a dossier, as a table: states, their national codes, and every action.

Each transition changes fields in memory only; ``cases.services`` locks the row, checks the actor's
permission (``has_transition_perm``, which django-fsm does not check by itself), calls the transition,
saves, appends the event and schedules side effects after commit.

| action             | from                                                          | to                          | who                          |
|--------------------|---------------------------------------------------------------|-----------------------------|------------------------------|
| submit             | draft                                                         | submitted                   | applicant                    |
| intake             | draft                                                         | received                    | reception clerk              |
| receive            | submitted                                                     | received                    | reception clerk              |
| request_supplement | submitted, received, processing                               | supplement_requested        | reception clerk, specialist  |
| supplement         | supplement_requested                                          | submitted / processing      | applicant, reception clerk   |
| refuse             | submitted, received                                           | refused                     | reception clerk              |
| forward            | received                                                      | processing (first step)     | reception clerk              |
| complete_step      | processing (not the last step)                                | processing (next step)      | the step's role              |
| transfer           | processing                                                    | processing (another agency) | specialist, leader           |
| request_payment    | processing                                                    | awaiting_payment            | specialist                   |
| confirm_payment    | awaiting_payment                                              | processing                  | reception clerk; the gateway*|
| approve            | processing (last step)                                        | resolved (approved)         | leader                       |
| deny               | processing                                                    | resolved (denied)           | leader                       |
| extend             | received, processing, awaiting_payment                        | unchanged                   | specialist, leader           |
| suspend            | processing, supplement_requested                              | suspended                   | leader                       |
| withdraw           | submitted, received, processing, supplement_requested, awaiting_payment | withdrawn         | applicant, reception clerk   |
| return_result      | resolved                                                      | returned                    | reception clerk              |

* A person confirming a payment must be a reception clerk (the permission below); the payment gateway's
  verified callback confirms it as the system, with no actor (``cases.services.dossier_payment_settle``).
"""

from dataclasses import dataclass

from django.db import models
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from django_fsm import RETURN_VALUE, ConcurrentTransitionMixin, FSMField, transition

from core.fsm import transition_from, unmet_condition
from procedures.models import StaffRole


class State(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Submitted, waiting for reception")
    RECEIVED = "received", _("Received")
    REFUSED = "refused", _("Not accepted")
    PROCESSING = "processing", _("Being processed")
    SUPPLEMENT_REQUESTED = "supplement_requested", _("Supplement requested")
    AWAITING_PAYMENT = "awaiting_payment", _("Waiting for payment")
    WITHDRAWN = "withdrawn", _("Withdrawn")
    SUSPENDED = "suspended", _("Processing stopped")
    RESOLVED = "resolved", _("Result ready")
    RETURNED = "returned", _("Result returned")


# TrangThaiHoSo, the status the national portal is told (a draft is not reported).
NATIONAL_STATUS = {
    State.SUBMITTED: 1,
    State.RECEIVED: 2,
    State.REFUSED: 3,
    State.PROCESSING: 4,
    State.SUPPLEMENT_REQUESTED: 5,
    State.AWAITING_PAYMENT: 6,
    State.WITHDRAWN: 7,
    State.SUSPENDED: 8,
    State.RESOLVED: 9,
    State.RETURNED: 10,
}
TERMINAL = frozenset({State.REFUSED, State.WITHDRAWN, State.SUSPENDED, State.RETURNED})
# States with work left for the agency (a resolved dossier still waits to be returned).
OPEN_STATES = (
    State.SUBMITTED, State.RECEIVED, State.PROCESSING, State.SUPPLEMENT_REQUESTED, State.AWAITING_PAYMENT,
    State.RESOLVED,
)
# States in which the dossier waits on the citizen: the clock does not run.
WAITING_ON_CITIZEN = frozenset({State.SUPPLEMENT_REQUESTED, State.AWAITING_PAYMENT})

CLERK, SPECIALIST, LEADER = StaffRole.RECEPTION_CLERK, StaffRole.SPECIALIST, StaffRole.LEADER


def applicant(dossier, user) -> bool:
    return dossier.is_applicant(user)


def staff(*roles):
    def allowed(dossier, user) -> bool:
        return dossier.staff_role_of(user, roles)

    allowed.roles = roles
    return allowed


def applicant_or_clerk(dossier, user) -> bool:
    return applicant(dossier, user) or staff(CLERK)(dossier, user)


def step_holder(dossier, user) -> bool:
    step = dossier.current_step
    return step is not None and staff(step.role)(dossier, user)


# Conditions: each carries the reason the applicant or official reads when it is not met.
def supplement_allowed(dossier) -> bool:
    """Before reception the clerk's guidance to complete the dossier is not limited; after reception the
    processing agency may ask once (``supplement_count`` counts only those)."""
    return dossier.received_at is None or dossier.supplement_count == 0


supplement_allowed.refusal = _("after reception a dossier gets at most one supplement request.")  # type: ignore[attr-defined]  # the reason travels with its condition


def not_last_step(dossier) -> bool:
    return dossier.next_step() is not None


not_last_step.refusal = _("this is the last step: the leader approves or denies.")  # type: ignore[attr-defined]  # the reason travels with its condition


def at_last_step(dossier) -> bool:
    return dossier.current_step is not None and dossier.next_step() is None


at_last_step.refusal = _("only the last step can approve.")  # type: ignore[attr-defined]  # the reason travels with its condition


def not_extended(dossier) -> bool:
    return dossier.extended_at is None


not_extended.refusal = _("a dossier can be extended only once.")  # type: ignore[attr-defined]  # the reason travels with its condition


class DossierWorkflow(ConcurrentTransitionMixin, models.Model):
    """The state field and the transitions; ``Dossier`` supplies the data they read."""

    state = FSMField(_("state"), max_length=30, choices=State.choices, default=State.DRAFT, protected=True)

    class Meta:
        abstract = True

    @transition(field=state, source=State.DRAFT, target=State.SUBMITTED, permission=applicant)
    def submit(self):
        pass

    @transition(field=state, source=State.DRAFT, target=State.RECEIVED, permission=staff(CLERK))
    def intake(self):
        pass

    @transition(field=state, source=State.SUBMITTED, target=State.RECEIVED, permission=staff(CLERK))
    def receive(self):
        pass

    @transition(
        field=state,
        source=[State.SUBMITTED, State.RECEIVED, State.PROCESSING],
        target=State.SUPPLEMENT_REQUESTED,
        permission=staff(CLERK, SPECIALIST),
        conditions=[supplement_allowed],
    )
    def request_supplement(self):
        if self.received_at is not None:
            self.supplement_count += 1

    @transition(
        field=state,
        source=State.SUPPLEMENT_REQUESTED,
        target=RETURN_VALUE(State.SUBMITTED, State.PROCESSING),
        permission=applicant_or_clerk,
    )
    def supplement(self):
        if not self.received_at:
            return State.SUBMITTED
        # Asked at reception, before forwarding: the completed dossier goes on to the first step.
        if self.current_step_id is None:
            self.current_step = self.first_step()
        return State.PROCESSING

    @transition(field=state, source=[State.SUBMITTED, State.RECEIVED], target=State.REFUSED, permission=staff(CLERK))
    def refuse(self):
        pass

    @transition(field=state, source=State.RECEIVED, target=State.PROCESSING, permission=staff(CLERK))
    def forward(self):
        self.current_step = self.first_step()

    @transition(field=state, source=State.PROCESSING, target=None, permission=step_holder, conditions=[not_last_step])
    def complete_step(self):
        self.current_step = self.next_step()

    @transition(field=state, source=State.PROCESSING, target=None, permission=staff(SPECIALIST, LEADER))
    def transfer(self):
        pass

    @transition(field=state, source=State.PROCESSING, target=State.AWAITING_PAYMENT, permission=staff(SPECIALIST))
    def request_payment(self):
        pass

    @transition(field=state, source=State.AWAITING_PAYMENT, target=State.PROCESSING, permission=staff(CLERK))
    def confirm_payment(self):
        pass

    @transition(
        field=state, source=State.PROCESSING, target=State.RESOLVED, permission=staff(LEADER), conditions=[at_last_step]
    )
    def approve(self):
        self.outcome = "approved"

    @transition(field=state, source=State.PROCESSING, target=State.RESOLVED, permission=staff(LEADER))
    def deny(self):
        self.outcome = "denied"

    @transition(
        field=state,
        source=[State.RECEIVED, State.PROCESSING, State.AWAITING_PAYMENT],
        target=None,
        permission=staff(SPECIALIST, LEADER),
        conditions=[not_extended],
    )
    def extend(self):
        pass

    @transition(
        field=state,
        source=[State.PROCESSING, State.SUPPLEMENT_REQUESTED],
        target=State.SUSPENDED,
        permission=staff(LEADER),
    )
    def suspend(self):
        pass

    @transition(
        field=state,
        source=[State.SUBMITTED, State.RECEIVED, State.PROCESSING, State.SUPPLEMENT_REQUESTED, State.AWAITING_PAYMENT],
        target=State.WITHDRAWN,
        permission=applicant_or_clerk,
    )
    def withdraw(self):
        pass

    @transition(field=state, source=State.RESOLVED, target=State.RETURNED, permission=staff(CLERK))
    def return_result(self):
        pass


@dataclass(frozen=True)
class Refusal:
    """Why an action may not be taken now: ``forbidden`` (HTTP 403: not this user) or a conflict with the
    dossier's state or conditions (HTTP 409)."""

    forbidden: bool
    message: str | Promise


def refusal(dossier, action: str, user, *, as_system: bool = False) -> Refusal | None:
    """The one answer to "may ``user`` take ``action`` on ``dossier`` now": None, or why not, checked in this
    order: someone with no part in the dossier (403), an action its state does not offer (409), a role that
    may not take it (403), a condition not met (409). ``as_system``: the portal itself acts (a verified
    payment callback, the national portal's submission): no person's role is checked."""
    if not as_system and not (dossier.is_applicant(user) or dossier.staff_role_of(user, StaffRole.values)):
        return Refusal(True, _("You may not take this action on this dossier."))
    found = transition_from(dossier, action)
    if found is None:
        if dossier.state in TERMINAL:
            return Refusal(False, _("This dossier is closed: no action can be taken on it."))
        return Refusal(False, _("This action is not possible in the dossier's current state (%(state)s).")
                       % {"state": dossier.get_state_display()})
    if not as_system and not found.has_perm(dossier, user):
        return Refusal(True, _("Your role may not take this action on this dossier."))
    unmet = unmet_condition(found, dossier)
    if unmet is not None:
        return Refusal(False, _("This action is not possible at this point of the dossier: %(why)s")
                       % {"why": getattr(unmet, "refusal", _("its conditions are not met."))})
    return None
