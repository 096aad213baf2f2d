"""Satisfaction tasks: thin wrappers around the services of the 766 index."""

from celery import shared_task

from . import index_service


@shared_task(soft_time_limit=540, time_limit=600)
def index_refresh(periods: list[str] | None = None):
    """Recompute the 766 index of every agency for the current month, quarter and year and the recent
    periods never computed (beat), or the periods given. Safe to run twice: each run replaces the snapshots
    with what it computed."""
    return index_service.index_refresh(periods=periods)


@shared_task(soft_time_limit=540, time_limit=600)
def index_breakdown(agency_id: int, period: str, by: str):
    """Compute an agency's 766 index split by field or procedure, first asked for by a page or the API."""
    index_service.index_breakdown_refresh(agency_id=agency_id, period=period, by=by)
