"""Satisfaction tasks: thin wrappers around the services."""

from celery import shared_task

from . import services


@shared_task(soft_time_limit=540, time_limit=600)
def index_refresh(periods: list[str] | None = None):
    """Recompute the 766 index of every agency for the current month, quarter and year (beat), or the
    periods given. Safe to run twice: each run replaces the snapshots with what it computed."""
    return services.index_refresh(periods=periods)
