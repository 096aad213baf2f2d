"""Reads of accounts, each built to a fixed number of queries."""

from django.db.models import Prefetch

from .models import BusinessMembership, CitizenProfile, PhoneConfirmation, StaffMembership, User


def user_profile_get(*, user_id: int) -> User:
    """A user with their citizen profile, businesses and staff memberships (three queries)."""
    return (
        User.objects.select_related("citizen_profile")
        .prefetch_related(
            Prefetch(
                "business_memberships",
                queryset=BusinessMembership.objects.select_related("business").order_by("business__name"),
            ),
            Prefetch(
                "staff_memberships",
                queryset=StaffMembership.objects.select_related("agency").order_by("agency__path", "role"),
            ),
        )
        .get(pk=user_id)
    )


def contact_needs_asking(user: User) -> bool:
    """A citizen account with neither a phone nor an e-mail, not asked for them yet (one query)."""
    if user.email:
        return False
    return CitizenProfile.objects.filter(user=user, phone="", contact_asked_at__isnull=True).exists()


def phone_confirmation_waiting(user: User) -> PhoneConfirmation | None:
    """The latest code sent to the user that was not typed back yet (one query)."""
    return PhoneConfirmation.objects.filter(user=user, confirmed_at__isnull=True).order_by("-created_at").first()
