"""Writes of the Decision 766 index: which periods to keep fresh, asking the workers for them, and
computing and storing snapshots and splits (the counting itself is ``index766``).

Counting is a few SQL aggregates per period whatever the number of dossiers (``index766.count``), but at a
province's scale a period still takes seconds: it is computed by the workers (beat, or a request from a
page) and stored, and pages and the API only read what is stored. A period or split not yet stored is asked
for (``index_request``) and shown as being computed."""

import datetime as dt
from collections.abc import Callable
from typing import cast

from dateutil.relativedelta import relativedelta
from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.utils import timezone

from core import limits
from procedures.models import Agency

from . import index766 as ix
from .models import IndexBreakdown, IndexSnapshot

# A period asked for is not asked again for this long (the task clears it when done): page loads and clicks
# on "Recompute now" while the workers are at it do not queue the same work again.
INDEX_REQUEST_SECONDS = 300
TREND_MONTHS = 12


def index_current_periods(now: dt.datetime) -> list[str]:
    """What beat keeps fresh: this month, quarter and year, and last month (status updates, digitizations and
    ratings of its dossiers still arrive in the first days of the next)."""
    current = ix.period_current("month", now)
    previous = ix.period_current("month", current.start - relativedelta(months=1))
    return [current.code, previous.code, ix.period_current("quarter", now).code, ix.period_current("year", now).code]


def index_recent_periods(now: dt.datetime) -> list[str]:
    """The periods the leaders' dashboard shows by default: the twelve months of its trend, with their
    quarters and years."""
    codes, first = [], ix.period_current("month", now).start
    for back in range(TREND_MONTHS):
        month = ix.period_current("month", first - relativedelta(months=back))
        codes += [month.code, f"{month.code[:4]}-Q{(int(month.code[5:]) - 1) // 3 + 1}", month.code[:4]]
    return list(dict.fromkeys(codes))


def index_missing_periods(now: dt.datetime) -> list[str]:
    """Recent periods never computed (a new database, or months before beat ran), or computed under earlier
    rules of the index: beat fills them in, so the dashboard's trend has its months without a leader asking."""
    recent = index_recent_periods(now)
    roots = Agency.objects.filter(depth=1).values("pk")
    # A snapshot computed under earlier rules counts as missing: beat computes it again.
    have = set(IndexSnapshot.objects.filter(agency__in=roots, period__in=recent, data__rules=ix.RULES_VERSION)
               .values_list("period", flat=True))
    return [code for code in recent if code not in have]


def index_request_key(period: str, by: str = "", agency_id: int | None = None) -> str:
    """The cache key that marks ``period`` (or its split) as asked of the workers."""
    return f"index766:asked:{period}:{by}:{agency_id or ''}"


def index_request(periods: list[str], *, by: str = "", agency_id: int | None = None) -> list[str]:
    """Ask the workers to compute ``periods`` for every agency (or, with ``by``, ``agency_id``'s split by
    field or procedure), unless already asked in the last ``INDEX_REQUEST_SECONDS``. Returns what was asked.
    Where tasks run eagerly (tests, a machine without a broker) this computes before returning."""
    from . import tasks  # the tasks call this module's writes

    # With the cache down nothing is asked (the workers' schedule still refreshes the figures): the page
    # shows what is stored rather than let every visitor start a computation.
    def mark(code: str) -> Callable[[], bool]:
        return lambda: bool(cache.add(index_request_key(code, by, agency_id), 1, INDEX_REQUEST_SECONDS))

    asked = [code for code in periods
             if limits.guarded(mark(code), what="the 766 index's computation requests", when_down=False)]
    if asked and by:
        for code in asked:
            tasks.index_breakdown.delay(agency_id=agency_id, period=code, by=by)
    elif asked:
        tasks.index_refresh.delay(periods=asked)
    return asked


def index_refresh(*, periods: list[str] | None = None, now: dt.datetime | None = None) -> int:
    """Compute the 766 index of every agency (each with its sub-agencies) for ``periods`` (default: the
    current month, quarter and year, and the recent periods never computed) and store it, replacing what
    was there, with the splits by field or procedure stored for those periods. Returns the snapshots written.

    Safe to run twice or concurrently: the last one to finish wins, and both computed the same thing.
    """
    now = now or timezone.now()
    codes = periods or list(dict.fromkeys(index_current_periods(now) + index_missing_periods(now)))
    written = 0
    for code in codes:
        period = ix.period_parse(code)
        # Counted by agency (``count``'s default ``by``): its keys are agency ids.
        totals = ix.roll_up(cast("dict[int, ix.Counts]", ix.count(ix.window(period, now))))
        rows = []
        for agency_id, counts in totals.items():
            result = ix.score(counts, year=period.start.year)
            rows.append(IndexSnapshot(agency_id=agency_id, period=period.code, score=result["score"], data=result,
                                      computed_at=now))
        with transaction.atomic():
            IndexSnapshot.objects.bulk_create(
                rows, update_conflicts=True, unique_fields=["agency", "period"],
                update_fields=["score", "data", "computed_at"],
            )
        written += len(rows)
        # Stored splits of the period, each at most once per INDEX766_SPLIT_MAX_AGE_SECONDS (a split of the
        # province by procedure costs as much as the whole period).
        stale = now - dt.timedelta(seconds=settings.INDEX766_SPLIT_MAX_AGE_SECONDS)
        for agency_id, by in (IndexBreakdown.objects.filter(period=period.code, computed_at__lt=stale)
                              .values_list("agency_id", "by")):
            index_breakdown_refresh(agency_id=agency_id, period=period.code, by=by, now=now)
        cache.delete(index_request_key(period.code))
    return written


def index_breakdown_refresh(*, agency_id: int, period: str, by: str, now: dt.datetime | None = None):
    """Compute and store ``agency_id``'s index for ``period`` split by field or procedure (its subtree's
    rows grouped by their field or procedure: one aggregate per kind of row)."""
    now = now or timezone.now()
    parsed = ix.period_parse(period)
    agency = Agency.objects.get(pk=agency_id)
    counts = ix.count(ix.window(parsed, now), by=by, within=agency)
    stored, _created = IndexBreakdown.objects.update_or_create(
        agency=agency, period=parsed.code, by=by,
        defaults={"rows": [{"key": key, "counts": c} for key, c in counts.items()], "computed_at": now},
    )
    cache.delete(index_request_key(parsed.code, by, agency_id))
    return stored
