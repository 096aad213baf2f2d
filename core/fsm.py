"""django-fsm through its public API: the transition an instance's state offers, and whether it may be taken."""

from typing import Any

from django_fsm import Transition


def transition_from(instance: Any, name: str, *, field: str = "state") -> Transition | None:
    """The transition ``name`` out of ``instance``'s current ``field`` state, or None if the state offers none."""
    state = getattr(instance, field)
    for candidate in getattr(instance, f"get_all_{field}_transitions")():
        if candidate.name == name and candidate.source == state:
            return candidate
    return None


def unmet_condition(transition: Transition, instance: Any):
    """The first of ``transition``'s conditions that ``instance`` does not meet, or None."""
    return next((condition for condition in transition.conditions if not condition(instance)), None)


def may_take(instance: Any, name: str, user: Any, *, field: str = "state") -> bool:
    """Whether ``user`` may take ``name`` now: the state offers it, the permission allows it, its conditions hold."""
    found = transition_from(instance, name, field=field)
    return found is not None and found.has_perm(instance, user) and unmet_condition(found, instance) is None
