"""The state machine of a piece of feedback (phản ánh, kiến nghị: PAKN), as a table.

Each transition changes fields in memory only; ``satisfaction.feedback`` locks the row, checks the actor's
permission (``has_transition_perm``), calls the transition, saves, and appends the event.

| action       | from                     | to              | who                                              | deadline                 |
|--------------|--------------------------|-----------------|--------------------------------------------------|--------------------------|
| submit       | (new)                    | submitted       | anyone: a signed-in citizen, or with contact     | —                        |
| accept       | submitted                | accepted        | clerk, specialist or leader of the agency        | 2 working days from sent |
| reject       | submitted                | rejected        | clerk, specialist or leader of the agency        | 2 working days from sent |
| request_info | accepted                 | info_requested  | specialist or leader of the agency; once         | 5 working days from sent |
| provide_info | info_requested           | accepted        | the sender                                       | —                        |
| answer       | accepted                 | answered        | specialist or leader of the agency               | 15 working days from sent, plus the time waiting on the sender |
| rate_answer  | answered                 | answered        | the sender                                       | —                        |
| publish      | answered                 | answered        | leader of the agency                             | —                        |

A late step is still allowed (the work must be done); the index counts it as late.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _
from django_fsm import ConcurrentTransitionMixin, FSMField, transition

from procedures.models import StaffRole

CLERK, SPECIALIST, LEADER = StaffRole.RECEPTION_CLERK, StaffRole.SPECIALIST, StaffRole.LEADER

# Working days from the day it was sent (Decision 766 and the province's PAKN rules).
ACCEPT_DAYS = 2
REQUEST_INFO_DAYS = 5
ANSWER_DAYS = 15


class FeedbackState(models.TextChoices):
    SUBMITTED = "submitted", _("Waiting to be accepted")
    ACCEPTED = "accepted", _("Being handled")
    INFO_REQUESTED = "info_requested", _("Waiting for more information from the sender")
    ANSWERED = "answered", _("Answered")
    REJECTED = "rejected", _("Not accepted")


FEEDBACK_OPEN = (FeedbackState.SUBMITTED, FeedbackState.ACCEPTED, FeedbackState.INFO_REQUESTED)


def sender(feedback, user) -> bool:
    return feedback.is_sender(user)


def staff(*roles):
    def allowed(feedback, user) -> bool:
        return feedback.staff_role_of(user, roles)

    allowed.roles = roles
    return allowed


def no_info_request_yet(feedback) -> bool:
    return feedback.info_requests == 0


class FeedbackWorkflow(ConcurrentTransitionMixin, models.Model):
    """The state field and the transitions; ``Feedback`` supplies the data they read."""

    state = FSMField(_("state"), max_length=20, choices=FeedbackState.choices, default=FeedbackState.SUBMITTED,
                     protected=True)

    class Meta:
        abstract = True

    @transition(field=state, source=FeedbackState.SUBMITTED, target=FeedbackState.ACCEPTED,
                permission=staff(CLERK, SPECIALIST, LEADER))
    def accept(self):
        pass

    @transition(field=state, source=FeedbackState.SUBMITTED, target=FeedbackState.REJECTED,
                permission=staff(CLERK, SPECIALIST, LEADER))
    def reject(self):
        pass

    @transition(field=state, source=FeedbackState.ACCEPTED, target=FeedbackState.INFO_REQUESTED,
                permission=staff(SPECIALIST, LEADER), conditions=[no_info_request_yet])
    def request_info(self):
        self.info_requests += 1

    @transition(field=state, source=FeedbackState.INFO_REQUESTED, target=FeedbackState.ACCEPTED, permission=sender)
    def provide_info(self):
        pass

    @transition(field=state, source=FeedbackState.ACCEPTED, target=FeedbackState.ANSWERED,
                permission=staff(SPECIALIST, LEADER))
    def answer(self):
        pass

    @transition(field=state, source=FeedbackState.ANSWERED, target=FeedbackState.ANSWERED, permission=sender)
    def rate_answer(self):
        pass

    @transition(field=state, source=FeedbackState.ANSWERED, target=FeedbackState.ANSWERED, permission=staff(LEADER))
    def publish(self):
        pass
