"""Form 06, the tracking book (sổ theo dõi hồ sơ), printed for an official's agency over a date range."""

import datetime as dt

from django.core.exceptions import PermissionDenied
from django.http import HttpResponse, HttpResponseBadRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from accounts.access import staff_required

from ..models import Dossier
from ..printing import render_tracking_book
from ..workflow import State


def _agency(request):
    """The agency of the book: the one named by the ``agency`` parameter (its code), else the official's first."""
    memberships = request.user.staff_memberships.select_related("agency").order_by("pk")
    code = (request.GET.get("agency") or "").strip()
    if not code:
        return memberships.first().agency
    membership = memberships.filter(agency__code=code).first()
    if membership is None:
        raise PermissionDenied(_("You hold no post in this agency."))
    return membership.agency


def _period(request) -> tuple[dt.date, dt.date]:
    """The ``from``/``to`` dates (YYYY-MM-DD, both included); by default the current month. ValueError if bad."""
    today = timezone.localdate()
    first = today.replace(day=1)
    last = (first + dt.timedelta(days=32)).replace(day=1) - dt.timedelta(days=1)
    start = dt.date.fromisoformat(request.GET["from"]) if request.GET.get("from") else first
    end = dt.date.fromisoformat(request.GET["to"]) if request.GET.get("to") else last
    if end < start:
        raise ValueError("to before from")
    return start, end


def _local_midnight(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


@staff_required
@require_GET
def tracking_book(request):
    """The PDF of form 06: the agency's dossiers received in the period, in order of reception."""
    agency = _agency(request)
    try:
        start, end = _period(request)
    except ValueError:
        return HttpResponseBadRequest(
            _("Give the dates as YYYY-MM-DD, the end not before the start."), content_type="text/plain; charset=utf-8"
        )
    dossiers = (
        Dossier.objects.filter(
            agency=agency,
            received_at__gte=_local_midnight(start),
            received_at__lt=_local_midnight(end + dt.timedelta(days=1)),
        )
        .exclude(state=State.DRAFT)
        .order_by("received_at", "pk")
    )
    pdf = render_tracking_book(agency=agency, dossiers=dossiers, base_url=request.build_absolute_uri("/").rstrip("/"))
    response = HttpResponse(pdf, content_type="application/pdf")
    filename = f"so-theo-doi-{agency.code}-{start:%Y%m%d}-{end:%Y%m%d}.pdf"
    response["Content-Disposition"] = f'inline; filename="{filename}"'
    response["Cache-Control"] = "private, no-store"
    return response
