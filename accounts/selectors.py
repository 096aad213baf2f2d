"""Reads of accounts, each built to a fixed number of queries."""

from django.db.models import Prefetch

from .models import BusinessMembership, StaffMembership, User


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
