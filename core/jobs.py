"""The lease and the backoff of background work: the one way a job row is taken by a worker and retried.

A job that must happen is a row written in the transaction that needs it (an outbox delivery, a digitization);
a worker takes it with ``lease_take`` (a lease that runs out if the worker dies, so another worker takes it
over), and a failed attempt waits ``backoff_seconds`` before the next. ADR 0026.
"""

import datetime as dt
import random
from typing import TypeVar

from django.db import models, transaction
from django.utils import timezone

M = TypeVar("M", bound=models.Model)


def backoff_seconds(attempts: int, *, base: float, cap: float) -> float:
    """The wait after the ``attempts``-th failed attempt: ``base × 2^(attempts−1)``, at most ``cap``, the upper
    half random ("equal jitter": workers that failed together do not retry together)."""
    delay = min(cap, base * 2 ** max(attempts - 1, 0))
    return delay / 2 + random.random() * delay / 2  # noqa: S311 - jitter, not security


def lease_take(queryset: "models.QuerySet[M] | models.Manager[M]", *, pk: int, seconds: float,
               now: dt.datetime | None = None, ready=None, field: str = "claimed_until") -> M | None:
    """Lock the row ``pk`` of ``queryset`` and lease it to this worker for ``seconds``; None if it does not
    exist, ``ready(row)`` says no (not due, done, waiting its turn), or another worker's lease runs.

    Counts the attempt (``attempts`` + 1) with the lease, in one short transaction: the slow work runs after,
    outside any transaction, and a worker that dies mid-way leaves a lease that runs out.
    """
    now = now or timezone.now()
    with transaction.atomic():
        row = queryset.select_for_update(of=("self",)).filter(pk=pk).first()
        if row is None or (ready is not None and not ready(row)):
            return None
        leased_until = getattr(row, field)
        if leased_until is not None and leased_until > now:
            return None
        setattr(row, field, now + dt.timedelta(seconds=seconds))
        row.attempts += 1  # type: ignore[attr-defined]  # every job model counts its attempts
        row.save(update_fields=[field, "attempts"])
        return row


def lease_release(queryset: "models.QuerySet[M] | models.Manager[M]", *, pk: int, field: str = "claimed_until") -> None:
    """End this worker's lease early (it gave the row up without finishing it)."""
    queryset.filter(pk=pk).update(**{field: None})
