"""Gapless counters: the next number of a sequence, without gaps or duplicates under concurrency."""

from typing import Any

from django.db import models


def counter_next(model: type[models.Model], *, field: str = "last", **key: Any) -> int:
    """Increment and return the counter row of ``model`` identified by ``key`` (created at 0 when new).

    Must run inside the transaction that stores the number: the row stays locked until commit, so concurrent
    callers queue here and each gets the next number; a rolled-back transaction gives its number back.
    """
    model._default_manager.get_or_create(**key)
    row = model._default_manager.select_for_update().get(**key)
    value = getattr(row, field) + 1
    setattr(row, field, value)
    row.save(update_fields=[field])
    return value
