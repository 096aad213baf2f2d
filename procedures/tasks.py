"""Periodic catalog upkeep (Celery beat)."""

from celery import shared_task

from .services import procedure_refresh_current_versions


@shared_task(name="procedures.tasks.refresh_current_versions", time_limit=120, soft_time_limit=100)
def refresh_current_versions() -> int:
    """Switch procedures to versions whose date has come; safe to run any number of times."""
    return procedure_refresh_current_versions()
