"""The Decision 766 index on screen: the leaders' live dashboard, the drill-down to the rows behind a
figure, and the public disclosure page; every table exports to CSV and XLSX (``?xuat=csv|xlsx``)."""

import datetime as dt

from dateutil.relativedelta import relativedelta
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from cases.selectors import staff_agency_ids
from core.exports import table_response
from procedures.models import Agency, StaffRole

from . import index766 as ix
from .index_service import index_current_periods, index_request

WATCHERS = (StaffRole.LEADER, StaffRole.ADMINISTRATOR)
# The officials' page of a feedback, linked from the drill-down (named by satisfaction.urls).
FEEDBACK_STAFF_URL = "satisfaction:feedback-staff"
EXPORTS = ("csv", "xlsx")


# --- who sees what ---------------------------------------------------------------------------------------
def watched_agencies(user) -> list[Agency]:
    """The agencies whose index (and the rows behind it) ``user`` may see: a leader's or administrator's
    agencies, each with its sub-agencies; every root for a superuser."""
    if not user.is_authenticated:
        return []
    if user.is_superuser:
        return list(Agency.objects.get_root_nodes())
    agencies = list(Agency.objects.filter(staff_memberships__user=user, staff_memberships__role__in=WATCHERS)
                    .distinct().order_by("path"))
    # Keep the topmost of nested ones.
    return [a for a in agencies if not any(a.path.startswith(b.path) and a.pk != b.pk for b in agencies)]


def _may_watch(watched, agency) -> bool:
    return any(agency.path.startswith(a.path) for a in watched)


def _agency_from(request, watched=None) -> Agency:
    code = request.GET.get("agency", "").strip()
    if code:
        agency = Agency.objects.filter(code=code).first()
        if agency is None:
            raise Http404(_("No agency has this code."))
        return agency
    if watched:
        return watched[0]
    root = Agency.objects.get_root_nodes().first()
    if root is None:
        raise Http404(_("No agency is configured yet."))
    return root


def _period_from(request) -> ix.Period:
    try:
        return ix.period_check(ix.period_parse(request.GET.get("period") or ix.period_current("year").code))
    except ValueError as error:
        raise Http404(str(error)) from error


def period_choices(now=None) -> list[ix.Period]:
    """This year with its quarters and months so far, and last year's."""
    now = timezone.localtime(now or timezone.now())
    out = []
    for year in (now.year, now.year - 1):
        out.append(ix.period_parse(str(year)))
        last_month = now.month if year == now.year else 12
        out += [ix.period_parse(f"{year}-Q{q}") for q in range((last_month - 1) // 3 + 1, 0, -1)]
        out += [ix.period_parse(f"{year}-{m:02d}") for m in range(last_month, 0, -1)]
    return out


# --- tables, shared by the pages and their exports -------------------------------------------------------
def _pct(value):
    return "" if value is None else value


def _not_measured(i: dict) -> str:
    """"not measured: why" for an indicator that scored 0 because it could not be computed, else ""."""
    if i.get("status", "measured") == "measured":
        return ""
    return _("not measured: %(reason)s") % {"reason": i.get("reason", "")}


def indicator_table(result: dict) -> tuple[list[str], list[list]]:
    columns = [_("Group"), _("Code"), _("Indicator"), _("Numerator"), _("Denominator"), _("Rate (%)"),
               _("Full points from (%)"), _("Points"), _("Maximum"), _("Not measured"), _("Formula")]
    rows = []
    for group in result["groups"]:
        for i in group["indicators"]:
            rows.append([group["name"], i["code"], i["name"], i["numerator"], i["denominator"], _pct(i["rate"]),
                         i["threshold"], _pct(i["points"]), i["max"], _not_measured(i), i["formula"]])
    rows.append([_("Total"), "", _("Score on the Decision's 100 points"), "", "", "", "", _pct(result.get("score")),
                 result.get("max", ix.TOTAL), "", ""])
    rows.append(["", "", _("Score on what could be measured (points earned out of the points measured, on 100)"),
                 "", "", "", "", _pct(result.get("measured_score")), 100, "",
                 _("%(m)s of the %(t)s points could be measured") % {"m": result.get("measured_max", 0),
                                                                   "t": result.get("max", ix.TOTAL)}])
    return columns, rows


def ranking_table(ranking: list[dict]) -> tuple[list[str], list[list]]:
    columns = ([_("Rank"), _("Agency code"), _("Agency"), _("Score (of 100)"), _("Score on what could be measured")]
               + [g[1] for g in _group_names()])
    rows = []
    for n, r in enumerate(ranking, 1):
        groups = {g["code"]: g["points"] for g in r["data"].get("groups", [])}
        rows.append([n if r["score"] is not None else "", r["agency"].code, r["agency"].name, _pct(r["score"]),
                     _pct(r["data"].get("measured_score"))]
                    + [_pct(groups.get(code)) for code, _name in _group_names()])
    return columns, rows


def _group_names():
    return [(code, str(name)) for code, name, _max in ix.GROUPS]


def _export(request, *, title: str, filename: str, table: tuple[list[str], list[list]]):
    fmt = request.GET.get("xuat")
    if fmt not in EXPORTS:
        return None
    columns, rows = table
    return table_response(title=title, filename=filename, columns=columns, rows=rows, fmt=fmt)


def _scored(agency: Agency, snap) -> dict:
    """An agency's row in a ranking: its score, or no data (computed, nothing to count), or ``computing``
    (not stored yet, asked of the workers)."""
    return {"agency": agency, "score": snap.score if snap else None, "data": snap.data if snap else {},
            "computing": snap is None}


def _ranking(agency: Agency, period: ix.Period) -> list[dict]:
    """The agencies directly under ``agency`` by score (best first, no data last)."""
    children = list(Agency.objects.get_children(agency))
    found = ix.snapshots(children, [period])
    rows = [_scored(child, found.get((child.pk, period.code))) for child in children]
    rows.sort(key=lambda r: (r["score"] is None, -(r["score"] or 0), r["agency"].name))
    return rows


def _trend_months(period: ix.Period) -> list[dict]:
    """The twelve months up to the end of ``period`` (or now), oldest first."""
    end = timezone.localtime(min(timezone.now(), period.end - dt.timedelta(seconds=1)))
    months = [ix.period_parse(f"{end - relativedelta(months=back):%Y-%m}") for back in range(11, -1, -1)]
    return [{"period": parsed.code, "parsed": parsed} for parsed in months]


def _trend(agency: Agency, period: ix.Period) -> list[dict]:
    """The monthly score of ``agency`` over the twelve months up to the end of ``period`` (or now), with the
    rates the province's targets are set on."""
    months = [p["parsed"] for p in _trend_months(period)]
    found = ix.snapshots([agency], months)
    out = []
    for p in months:
        snap = found.get((agency.pk, p.code))
        data = snap.data if snap else None
        groups = {g["code"]: g for g in (data.get("groups", []) if data else [])}
        out.append({"period": p.code, "label": f"{p.code[5:]}/{p.code[:4]}", "computing": snap is None,
                    "score": float(snap.score) if snap and snap.score is not None else None,
                    "groups": {c: (groups[c]["points"] if c in groups else None) for c, _n in _group_names()},
                    "rates": {t.code: ix.indicator_rate(data, t.code) for t in ix.PROVINCE_TARGETS}})
    return out


def _targets(agency: Agency, result: dict, ranking: list[dict], trend: list[dict]) -> list[dict]:
    """The province's own targets against ``agency``'s rates this period and month by month, and the agencies
    under it below each target (from the ranking's stored snapshots: no query)."""
    out = []
    for target in ix.PROVINCE_TARGETS:
        goal = float(target.rate)
        rate = ix.indicator_rate(result, target.code)
        below = []
        for r in ranking:
            theirs = ix.indicator_rate(r["data"], target.code)
            if theirs is not None and theirs < goal:
                below.append({"agency": r["agency"], "rate": theirs})
        below.sort(key=lambda b: (b["rate"], b["agency"].name))
        out.append({
            "code": target.code, "label": str(target.label), "target": goal, "rate": rate,
            "indicator": str(ix.BY_CODE[target.code].name),
            "met": None if rate is None else rate >= goal, "below": below,
            "trend": [t["rates"][target.code] for t in trend],
        })
    return out


# --- the leaders' dashboard ------------------------------------------------------------------------------
@login_required
def dashboard(request):
    watched = watched_agencies(request.user)
    if not watched:
        raise PermissionDenied(_("This page is for leaders and administrators."))
    agency = _agency_from(request, watched)
    if not _may_watch(watched, agency):
        raise PermissionDenied(_("You do not lead this agency."))
    period = _period_from(request)
    snap = ix.snapshots([agency], [period]).get((agency.pk, period.code))
    api_url = reverse("index766-api") + f"?agency={agency.code}&period={period.code}"
    if snap is None:
        # Never computed: the workers are at it; the page waits for the API to have it, then reloads.
        return render(request, "satisfaction/index/dashboard.html", {
            "agency": agency, "period": period, "periods": period_choices(), "computing": True,
            "watched": _agency_options(watched), "api_url": api_url,
        })
    result = snap.data
    table = request.GET.get("bang", "chi-so")
    ranking = _ranking(agency, period)
    worst = ix.worst_procedures(agency, period)
    stem = f"chi-so-766-{agency.code}-{period.code}"
    if table == "xep-hang":
        export = _export(request, title=_("Ranking of agencies"), filename=f"{stem}-xep-hang",
                         table=ranking_table(ranking))
    elif table == "thu-tuc":
        export = _export(request, title=_("Procedures with the most late dossiers"), filename=f"{stem}-thu-tuc",
                         table=([_("Procedure code"), _("Procedure"), _("Late"), _("Received or being handled"),
                                 _("On time (%)")],
                                [[w["code"], w["name"], w["late"], w["handled"], w["rate"]] for w in worst or []]))
    elif table == "xu-huong":
        export = _export(request, title=_("Trend by month"), filename=f"{stem}-xu-huong",
                         table=([_("Month"), _("Score")] + [n for _c, n in _group_names()],
                                [[t["label"], _pct(t["score"])] + [_pct(t["groups"][c]) for c, _n in _group_names()]
                                 for t in _trend(agency, period)]))
    else:
        export = _export(request, title=_("Decision 766 index"), filename=stem, table=indicator_table(result))
    if export is not None:
        return export
    trend = _trend(agency, period)
    targets = _targets(agency, result, ranking, trend)
    return render(request, "satisfaction/index/dashboard.html", {
        "agency": agency, "period": period, "periods": period_choices(), "snapshot": snap, "result": result,
        "watched": _agency_options(watched), "ranking": ranking, "worst": worst, "trend": trend,
        "trend_computing": sum(1 for t in trend if t["computing"]), "targets": targets,
        "charts": {
            "groups": [{"code": g["code"], "name": g["name"], "points": g["points"], "max": g["max"]}
                       for g in result["groups"]],
            "trend": [{"label": t["label"], "score": t["score"]} for t in trend],
            "ranking": [{"name": r["agency"].name, "score": float(r["score"]) if r["score"] is not None else None}
                        for r in ranking],
            "targets": [{"code": t["code"], "label": t["label"], "target": t["target"], "trend": t["trend"]}
                        for t in targets],
            "target_label": _("Province target"),
        },
        "api_url": api_url,
    })


def _agency_options(watched) -> list[dict]:
    """Each watched agency and its sub-agencies, in tree order and indented, for the agency picker."""
    out = []
    for root in watched:
        for a in Agency.objects.get_tree(root):
            out.append({"code": a.code, "label": "· " * (a.depth - root.depth) + a.name})
    return out


@login_required
@require_POST
def refresh(request):
    """Recompute (on demand): ask the workers for the chosen period, the current month, quarter and year,
    and the twelve months of the trend, every agency, with the splits stored for them. A page never waits
    for it: at a province's scale it takes minutes."""
    watched = watched_agencies(request.user)
    if not watched:
        raise PermissionDenied(_("This page is for leaders and administrators."))
    try:
        period = ix.period_check(ix.period_parse(request.POST.get("period", "")))
    except ValueError as error:
        raise Http404(str(error)) from error
    now = timezone.now()
    # The chosen period, what beat keeps fresh, and the twelve months the dashboard's trend shows.
    codes = {period.code, *index_current_periods(now)} | {p["period"] for p in _trend_months(period)}
    if index_request(sorted(codes)):
        messages.info(request, _("Recomputing the index: the figures update themselves in a few minutes."))
    else:
        messages.info(request, _("The index is already being recomputed: the figures update themselves in a few minutes."))
    agency = request.POST.get("agency", "")
    return redirect(reverse("index766-dashboard") + f"?agency={agency}&period={period.code}")


# --- the rows behind a figure ----------------------------------------------------------------------------
ROW_COLUMNS = {
    "dossiers": lambda: [_("Dossier code"), _("Procedure"), _("Applicant"), _("Received"), _("Appointment date"),
                         _("Resolved"), _("State")],
    "feedback": lambda: [_("Feedback code"), _("Title"), _("Sent"), _("Accept or reject by"), _("Answer by"),
                         _("Answered or rejected"), _("State")],
    "deliveries": lambda: [_("Dossier code"), _("What"), _("Created"), _("Delivered"), _("Status"), _("Attempts")],
    "offers": lambda: [_("Procedure code"), _("Procedure"), _("Agency"), _("Online service level")],
    "procedures": lambda: [_("Procedure code"), _("Procedure"), _("Processing time by channel")],
}


def _local(moment):
    return timezone.localtime(moment).strftime("%d/%m/%Y %H:%M") if moment else ""


# The late dossiers' own columns: why each counts as late, and the time waiting on the applicant the
# appointment date was moved by (not counted against the agency).
def late_columns() -> list[str]:
    return [_("Why it counts as late"), _("Waiting on the applicant (not counted)")]


def _waited(obj) -> str:
    parts = []
    if obj.paused_minutes:
        hours = f"{obj.paused_minutes / 60:.1f}".replace(".", ",").removesuffix(",0")
        parts.append(_("%(hours)s working hours") % {"hours": hours})
    if obj.paused_at is not None:
        parts.append(_("waiting since %(moment)s") % {"moment": _local(obj.paused_at)})
    return "; ".join(parts)


def _row(source: str, obj) -> list:
    if source == "dossiers":
        row = [obj.code, obj.version.name, obj.applicant_name, _local(obj.received_at), _local(obj.due_at),
               _local(obj.resolved_at), obj.get_state_display()]
        if hasattr(obj, "why_due"):
            row += ["; ".join(ix.late_reasons(obj)), _waited(obj)]
        return row
    if source == "offers":
        version = obj.procedureversion
        return [version.procedure.code, version.name, obj.agency.name, version.get_online_level_display()]
    if source == "feedback":
        return [obj.code, obj.title, _local(obj.submitted_at), _local(obj.accept_due_at), _local(obj.answer_due_at),
                _local(obj.finished_at), obj.get_state_display()]
    if source == "deliveries":
        return [obj.dossier.code if obj.dossier else "", obj.topic, _local(obj.created_at), _local(obj.delivered_at),
                obj.get_status_display(), obj.attempts]
    version = obj.current_version
    return [obj.code, version.name if version else "",
            "; ".join(f"{t.get_channel_display()}: {t.label}" for t in version.times.all()) if version else ""]


def _rows_queryset(indicator: ix.Indicator, period: ix.Period, agency: Agency, missing: bool):
    qs = indicator.rows(ix.window(period), missing=missing).filter(
        **{f"{indicator.source.agency_path}__startswith": agency.path}
    )
    source = indicator.source.name
    if source == "dossiers":
        if indicator.code in ix.LATE_CODES:
            qs = qs.annotate(**ix.late_annotations())
        return qs.select_related("version").order_by("due_at", "pk")
    if source == "feedback":
        return qs.order_by("answer_due_at", "pk")
    if source == "deliveries":
        return qs.select_related("dossier").order_by("created_at", "pk")
    if source == "offers":
        return qs.select_related("procedureversion__procedure", "agency").order_by(
            "procedureversion__procedure__code", "agency__path")
    return qs.select_related("current_version").prefetch_related("current_version__times").distinct().order_by("code")


@login_required
def drilldown(request):
    watched = watched_agencies(request.user)
    if not watched:
        raise PermissionDenied(_("This page is for leaders and administrators."))
    agency = _agency_from(request, watched)
    if not _may_watch(watched, agency):
        raise PermissionDenied(_("You do not lead this agency."))
    period = _period_from(request)
    indicator = ix.BY_CODE.get(request.GET.get("indicator", ""))
    if indicator is None:
        raise Http404(_("No such indicator."))
    missing = request.GET.get("missing") == "1"
    if indicator.not_held is not None:
        # Not measured by the portal: the page says why, there are no rows.
        return render(request, "satisfaction/index/drilldown.html", {
            "agency": agency, "period": period, "indicator": indicator, "missing": missing,
            "rule": indicator.rule, "not_held": indicator.not_held,
        })
    qs = _rows_queryset(indicator, period, agency, missing)
    source = indicator.source.name
    procedure = request.GET.get("procedure", "").strip()
    if procedure:
        path = {"dossiers": "procedure__code", "feedback": "procedure__code", "deliveries": "dossier__procedure__code",
                "procedures": "code", "offers": "procedureversion__procedure__code"}[source]
        qs = qs.filter(**{path: procedure})
    columns = ROW_COLUMNS[source]()
    if source == "dossiers" and indicator.code in ix.LATE_CODES:
        columns += late_columns()
    fmt = request.GET.get("xuat")
    if fmt in EXPORTS:
        return table_response(
            title=f"{indicator.code} {indicator.name}", filename=f"chi-so-766-{agency.code}-{period.code}-{indicator.code}",
            columns=columns, rows=(_row(source, o) for o in qs.iterator(chunk_size=2000)), fmt=fmt,
        )
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    return render(request, "satisfaction/index/drilldown.html", {
        "agency": agency, "period": period, "indicator": indicator, "missing": missing, "source": source,
        "procedure": procedure, "feedback_url": FEEDBACK_STAFF_URL, "rule": indicator.rule,
        # Dossiers the leader's own agencies hold open on the dossier page; a sub-agency's are listed only.
        "openable": staff_agency_ids(request.user),
        "columns": columns, "page": page, "rows": [(o, _row(source, o)) for o in page.object_list],
    })


# --- the public page -------------------------------------------------------------------------------------
def public(request):
    """Scores per agency for a period, for everyone (công khai): no drill-down, no personal data."""
    period = _period_from(request)
    agency = _agency_from(request)
    agencies = [agency, *Agency.objects.get_descendants(agency)]
    found = ix.snapshots(agencies, [period])
    rows = [_scored(a, found.get((a.pk, period.code))) for a in agencies]
    top, rest = rows[0], sorted(rows[1:], key=lambda r: (r["score"] is None, -(r["score"] or 0), r["agency"].name))
    export = _export(request, title=_("Decision 766 index"), filename=f"chi-so-766-cong-khai-{period.code}",
                     table=ranking_table([top, *rest]))
    if export is not None:
        return export
    return render(request, "satisfaction/index/public.html", {
        "agency": agency, "period": period, "periods": period_choices(), "top": top, "rows": rest,
        "group_names": _group_names(),
        "chart": [{"name": r["agency"].name, "score": float(r["score"])} for r in rest if r["score"] is not None][:20],
    })
