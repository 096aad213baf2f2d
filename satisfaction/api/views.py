"""The Decision 766 index over the API: ``GET /api/v1/index766/?agency=&period=[&by=field|procedure]``.

Public, as the disclosure page is: aggregate figures only, never a dossier. 400 for a bad period or
dimension, 404 for an unknown agency. It serves what the workers stored: a period or split never computed
is asked of them and answered ``202 Accepted`` with ``Retry-After`` until it is there, so a request never
costs a count of the province's dossiers. ``POST /api/v1/index766/refresh/`` asks for a recompute (leaders
and administrators), answered 202.
"""

from typing import cast

from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.exceptions import NotFound, PermissionDenied, ValidationError
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response
from rest_framework.throttling import ScopedRateThrottle
from rest_framework.views import APIView

from core.limits import ResilientThrottle
from procedures.models import Agency

from .. import index766 as ix
from ..index_service import index_current_periods, index_request
from ..index_views import watched_agencies
from ..models import IndexSnapshot


def _period(value: str | None) -> ix.Period:
    try:
        return ix.period_check(ix.period_parse(value or ix.period_current("year").code))
    except ValueError as error:
        raise ValidationError({"period": str(error)}) from error


def _agency(code: str | None) -> Agency:
    agency = Agency.objects.filter(code=code).first() if code else Agency.objects.get_root_nodes().first()
    if agency is None:
        raise NotFound(_("No agency has this code."))
    return agency


RETRY_SECONDS = 30


def _computing(agency: Agency, period: ix.Period) -> Response:
    return Response(
        {"agency": {"code": agency.code, "name": agency.name}, "period": _period_json(period), "status": "computing",
         "detail": _("The index for this period is being computed; ask again in a moment.")},
        status=202, headers={"Retry-After": str(RETRY_SECONDS)},
    )


def _period_json(period: ix.Period) -> dict:
    return {"code": period.code, "label": period.label, "from": timezone.localtime(period.start).isoformat(),
            "to": timezone.localtime(period.end).isoformat()}


class IndexThrottle(ResilientThrottle, ScopedRateThrottle):
    """Per client address, so one visitor cannot keep the workers counting; the figures are computed already,
    so with the cache down they are served."""


class IndexView(APIView):
    permission_classes = [AllowAny]
    throttle_classes = [IndexThrottle]
    throttle_scope = "index766"

    @extend_schema(
        parameters=[
            OpenApiParameter("agency", str, description="Agency electronic identifier (default: the province)."),
            OpenApiParameter("period", str, description="2026, 2026-Q4 or 2026-11 (default: this year)."),
            OpenApiParameter("by", str, description="field or procedure: split the agency's index."),
        ],
        responses={200: dict},
    )
    def get(self, request):
        agency = _agency(request.query_params.get("agency"))
        period = _period(request.query_params.get("period"))
        by = request.query_params.get("by") or "agency"
        if by not in ix.DIMENSIONS:
            raise ValidationError({"by": _("Split by field or procedure.")})
        # ``snapshots`` maps to the stored ``IndexSnapshot`` rows (its declared value type is ``object``).
        snap = cast("IndexSnapshot | None", ix.snapshots([agency], [period]).get((agency.pk, period.code)))
        if snap is None:
            return _computing(agency, period)
        body = {
            "agency": {"code": agency.code, "name": agency.name},
            "period": _period_json(period),
            "computed_at": timezone.localtime(snap.computed_at).isoformat(),
            **snap.data,
        }
        if by == "agency":
            children = list(Agency.objects.get_children(agency))
            found = cast("dict[tuple[int, str], IndexSnapshot]", ix.snapshots(children, [period]))
            body["sub_agencies"] = []
            for child in children:
                s = found.get((child.pk, period.code))
                body["sub_agencies"].append({
                    "code": child.code, "name": child.name, "computing": s is None,
                    "score": float(s.score) if s is not None and s.score is not None else None,
                })
        else:
            split = ix.breakdown(agency, period, by)
            if split is None:
                return _computing(agency, period)
            body[f"{by}_computed_at"] = timezone.localtime(split[0]["computed_at"]).isoformat() if split else None
            # One compact row per field or procedure (a province has thousands of procedures): the score,
            # each group's points, each indicator's numerator and denominator.
            body[by] = [
                {"code": row["code"], "name": row["name"], "score": row["score"], "points": row["points"],
                 "available": row["available"], "groups": {g["code"]: g["points"] for g in row["groups"]},
                 "indicators": {i["code"]: [i["numerator"], i["denominator"]]
                                for g in row["groups"] for i in g["indicators"]}}
                for row in split
            ]
        return Response(body)


class IndexRefreshView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(request=None, responses={202: dict})
    def post(self, request):
        if not watched_agencies(request.user):
            raise PermissionDenied(_("Only leaders and administrators can recompute the index."))
        period = _period(request.data.get("period") or request.query_params.get("period"))
        now = timezone.now()
        codes = sorted({period.code, *index_current_periods(now)})
        asked = index_request(codes)
        return Response({"periods": codes, "asked": asked, "status": "queued",
                         "requested_at": timezone.localtime(now).isoformat()}, status=202)
