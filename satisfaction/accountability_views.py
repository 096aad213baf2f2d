"""The staff accountability report (trách nhiệm giải trình): its page and its CSV and Excel downloads."""

from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseBadRequest
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from core.exports import FORMATS, table_response

from . import accountability as report

TABLES = ("officials", "late")


def _bad_request(message: str) -> HttpResponseBadRequest:
    return HttpResponseBadRequest(message, content_type="text/plain; charset=utf-8")


@login_required
@require_GET
def accountability(request):
    """Per official and step: dossiers handled in the period, late ones, and the list of late handlings with
    their reasons. ``period`` (2026-11, 2026-Q4, 2026; default this month), ``agency`` (an electronic
    identifier: that agency and those under it; default all in the user's scope), ``export`` (csv, xlsx)
    with ``table`` (officials, late) for a download. Leaders see the agencies they lead, administrators and
    superusers every agency; anyone else is refused (403)."""
    scope = report.report_scope(request.user)
    if scope is None:
        raise PermissionDenied(_("This report is for leaders and administrators."))
    try:
        period = (report.period_parse(request.GET["period"]) if request.GET.get("period")
                  else report.period_current("month"))
    except ValueError as error:
        return _bad_request(str(error))
    agencies = list(scope.agencies())
    names = {a.pk: a.name for a in agencies}
    code = request.GET.get("agency", "").strip()
    chosen = None
    if code:
        chosen = next((a for a in agencies if a.code == code), None)
        if chosen is None:
            raise PermissionDenied(_("This agency is not among those you may report on."))
        agency_ids = report.subtree_ids(agencies, chosen)
    else:
        agency_ids = None if scope.everything else [a.pk for a in agencies]
    selection = {"period": period, "agency_ids": agency_ids, "agency_names": names}

    export = request.GET.get("export")
    if export:
        table = request.GET.get("table", "officials")
        if export not in FORMATS or table not in TABLES:
            return _bad_request(_("Choose a download of CSV or Excel, of the officials' table or of the late list."))
        if table == "officials":
            title = _("Staff accountability")
            columns, rows = report.official_table(report.official_rows(**selection))
        else:
            title = _("Late handling")
            columns, rows = report.late_table(report.late_handlings(**selection))
        name = " ".join(part for part in (title, period.code, chosen.code if chosen else "") if part)
        return table_response(title=f"{title} {period.code}", filename=name, columns=columns, rows=rows, fmt=export)

    rows = report.official_rows(**selection)
    late = list(report.late_handlings(**selection, limit=report.LATE_LIST_LIMIT))
    query = {"period": period.code, **({"agency": chosen.code} if chosen else {})}
    top = min((a.depth for a in agencies), default=1)
    return render(request, "satisfaction/accountability.html", {
        "period": period,
        "period_choices": _with_current(report.period_choices(), period),
        "agency_options": [(a.code, "— " * (a.depth - top) + a.name) for a in agencies],
        "chosen": chosen,
        "everything": scope.everything,
        "rows": rows,
        "totals": report.totals(rows),
        "late": late,
        "late_limit": report.LATE_LIST_LIMIT,
        "downloads": {
            f"{table}_{fmt}": "?" + urlencode({**query, "export": fmt, "table": table})
            for table in TABLES for fmt in FORMATS
        },
    })


def _with_current(groups, period):
    """The filter's periods, with the one shown added first if it is older than those offered."""
    if any(code == period.code for _label, choices in groups for code, _name in choices):
        return groups
    return [("", [(period.code, period.label)]), *groups]
