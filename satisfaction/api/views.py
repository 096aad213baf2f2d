"""The Decision 766 index over the API: ``GET /api/v1/index766/?agency=&period=[&by=field|procedure]``.

Public, as the disclosure page is: aggregate figures only, never a dossier. 400 for a bad period or
dimension, 404 for an unknown agency. ``POST /api/v1/index766/refresh/`` recomputes on demand (leaders
and administrators).
"""

from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.exceptions import NotFound, PermissionDenied, ValidationError
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from procedures.models import Agency

from .. import index766 as ix
from .. import services
from ..index_views import watched_agencies


def _period(value: str | None) -> ix.Period:
    try:
        return ix.period_parse(value or ix.period_current("year").code)
    except ValueError as error:
        raise ValidationError({"period": str(error)}) from error


def _agency(code: str | None) -> Agency:
    agency = Agency.objects.filter(code=code).first() if code else Agency.objects.get_root_nodes().first()
    if agency is None:
        raise NotFound(_("No agency has this code."))
    return agency


def _period_json(period: ix.Period) -> dict:
    return {"code": period.code, "label": period.label, "from": timezone.localtime(period.start).isoformat(),
            "to": timezone.localtime(period.end).isoformat()}


class IndexView(APIView):
    permission_classes = [AllowAny]

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
        snap = ix.snapshots([agency], [period])[(agency.pk, period.code)]
        body = {
            "agency": {"code": agency.code, "name": agency.name},
            "period": _period_json(period),
            "computed_at": timezone.localtime(snap.computed_at).isoformat(),
            **snap.data,
        }
        if by == "agency":
            children = list(Agency.objects.get_children(agency))
            found = ix.snapshots(children, [period])
            body["sub_agencies"] = [
                {"code": c.code, "name": c.name,
                 "score": float(found[(c.pk, period.code)].score) if found[(c.pk, period.code)].score is not None else None}
                for c in children
            ]
        else:
            body[by] = [
                {"code": row["code"], "name": row["name"], "score": row["score"], "points": row["points"],
                 "available": row["available"], "groups": row["groups"]}
                for row in ix.breakdown(agency, period, by)
            ]
        return Response(body)


class IndexRefreshView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(request=None, responses={200: dict})
    def post(self, request):
        if not watched_agencies(request.user):
            raise PermissionDenied(_("Only leaders and administrators can recompute the index."))
        period = _period(request.data.get("period") or request.query_params.get("period"))
        now = timezone.now()
        codes = sorted({period.code, *services.index_current_periods(now)})
        written = services.index_refresh(periods=codes, now=now)
        return Response({"periods": codes, "snapshots": written, "computed_at": timezone.localtime(now).isoformat()})
