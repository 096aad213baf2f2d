"""Digitization tasks: thin wrappers that take ids and call the services (safe to run twice)."""

import logging

from celery import shared_task
from celery.exceptions import SoftTimeLimitExceeded
from django.db import DatabaseError
from django.utils.translation import gettext as _

from . import services

logger = logging.getLogger(__name__)

MAX_RETRIES = 5


@shared_task(bind=True, max_retries=MAX_RETRIES, acks_late=True, soft_time_limit=240, time_limit=300)
def digitize(self, document_id: int):
    """Digitize a component or issue a result; retried with exponential backoff and jitter, then failed
    with its reason for an official to see and retry."""
    try:
        document = services.document_process(document_id=document_id)
        return document.status if document else None
    except (services.Retryable, DatabaseError, OSError, SoftTimeLimitExceeded) as error:
        reason = str(error) or _("The digitization was interrupted.")
        if self.request.is_eager or self.request.retries >= self.max_retries:
            # No broker to retry through (the embedded default), or the last attempt: fail visibly.
            services.document_fail(document_id=document_id, reason=reason)
            return "failed"
        countdown = min(600, 15 * 2 ** self.request.retries)
        logger.warning("digitization %s failed (%s), retrying in about %ss", document_id, reason, countdown)
        raise self.retry(exc=error, countdown=countdown + countdown * 0.25 * _jitter()) from error


def _jitter() -> float:
    import random

    return random.random()


@shared_task(soft_time_limit=60, time_limit=90)
def sweep():
    """Queue again what has waited too long (beat, every few minutes)."""
    return services.sweep()
