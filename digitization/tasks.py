"""Digitization tasks: thin wrappers that take ids and call the services (safe to run twice)."""

import logging

from celery import shared_task
from celery.exceptions import SoftTimeLimitExceeded
from django.db import DatabaseError
from django.utils.translation import gettext as _

from . import services

logger = logging.getLogger(__name__)

MAX_RETRIES = 5
# Failures that may pass (a timeout, storage, the database): Celery retries them with its own backoff.
RETRYABLE = (services.Retryable, DatabaseError, OSError, SoftTimeLimitExceeded)


@shared_task(
    bind=True, autoretry_for=RETRYABLE, retry_backoff=15, retry_backoff_max=600, retry_jitter=True,
    max_retries=MAX_RETRIES, acks_late=True, soft_time_limit=240, time_limit=300,
)
def digitize(self, document_id: int):
    """Digitize a component or issue a result; a failure that may pass is retried by Celery with exponential
    backoff and jitter (``autoretry_for``), then failed with its reason for an official to see and retry."""
    try:
        document = services.document_process(document_id=document_id)
        return document.status if document else None
    except RETRYABLE as error:
        if self.request.is_eager or self.request.retries >= self.max_retries:
            # No broker to retry through (the embedded default), or the last attempt: fail visibly.
            reason = str(error) or _("The digitization was interrupted.")
            services.document_fail(document_id=document_id, reason=reason)
            return "failed"
        logger.warning("digitization %s failed (%s), retry %s of %s", document_id, error,
                       self.request.retries + 1, self.max_retries)
        raise


@shared_task(soft_time_limit=60, time_limit=90)
def sweep():
    """Queue again what has waited too long (beat, every few minutes)."""
    return services.sweep()
