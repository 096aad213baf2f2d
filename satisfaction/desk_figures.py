"""What satisfaction shows on the sync desk: indicator T2 of the Decision 766 index (``integrations.extensions``).

The card sits beside the status updates sent to the national portal, which T2 counts."""

import datetime as dt

from django.urls import reverse

from integrations.desk import Scope
from procedures.models import Agency

from . import index766 as ix
from .models import IndexSnapshot


def t2_figure(agency: Agency | None, now: dt.datetime | None = None) -> dict:
    """Indicator T2 (dossiers whose every status reached the portal) of ``agency`` for the current month, as
    the index stored it: ``{"period", "indicator"}`` with ``indicator`` None when not computed yet. One
    query; never computes (the index's workers do)."""
    period = ix.period_current("month", now)
    found = {"period": period, "indicator": None, "computed_at": None}
    if agency is None:
        return found
    snapshot = IndexSnapshot.objects.filter(agency=agency, period=period.code).first()
    if snapshot is None:
        return found
    for group in snapshot.data.get("groups", []):
        for indicator in group.get("indicators", []):
            if indicator.get("code") == "T2":
                found.update(indicator=indicator, computed_at=snapshot.computed_at,
                             missing=indicator["denominator"] - indicator["numerator"])
    return found


def desk_figures(*, scope: Scope) -> dict:
    """The T2 card of the desk (``satisfaction/_desk_t2.html``): the figure of the user's topmost agency, and
    the index's drill-down of the dossiers not synced for those who may open it (leaders' and
    administrators' page: a clerk sees the figure, not the link)."""
    agency = scope.roots[0] if scope.roots else None
    t2 = t2_figure(agency)
    url = ""
    if agency is not None and (scope.everything or agency.code in scope.admin_codes):
        url = (reverse("index766-drilldown")
               + f"?agency={agency.code}&period={t2['period'].code}&indicator=T2&missing=1")
    return {"t2": t2, "t2_agency": agency, "t2_url": url}
