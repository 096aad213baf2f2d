"""``GET /api/v1/agencies/{code}/deadline/``: when a processing time ends on an agency's own calendar.

Public and read-only: ``?start=<ISO 8601 moment>&amount=<number>&unit=<TimeUnit>`` answers the due moment,
and the days off (and make-up working days) between the start and it, with their Vietnamese reasons.
400 with errors by field for a bad start, amount or unit; 404 for an unknown agency.
"""

import datetime as dt
import re
from decimal import Decimal, InvalidOperation
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_field
from rest_framework import serializers
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.throttling import AnonRateThrottle
from rest_framework.views import APIView

from core.limits import ResilientThrottle
from core.moments import aware_moment

from ..models import Agency, TimeUnit
from ..working_calendar import WorkingCalendar

# Far enough for any published processing time, near enough that an answer costs a few milliseconds.
MAX_AMOUNT = {
    TimeUnit.WORKING_DAYS: Decimal(2000),
    TimeUnit.WORKING_HOURS: Decimal(15000),
    TimeUnit.CALENDAR_DAYS: Decimal(3650),
    TimeUnit.MONTHS: Decimal(120),
}
TOO_LARGE = {
    TimeUnit.WORKING_DAYS: _("At most %(max)s working days."),
    TimeUnit.WORKING_HOURS: _("At most %(max)s working hours."),
    TimeUnit.CALENDAR_DAYS: _("At most %(max)s days."),
    TimeUnit.MONTHS: _("At most %(max)s months."),
}
WHOLE_UNITS = (TimeUnit.CALENDAR_DAYS, TimeUnit.MONTHS)
FIRST_YEAR, LAST_YEAR = 2000, 2100
# A "+07:00" offset sent unencoded in a query string arrives as " 07:00".
_PLUS_AS_SPACE = re.compile(r"^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?) (\d{2}:?\d{2})$")


class DeadlineQuerySerializer(serializers.Serializer):
    """The query; every refusal names its field and says how to put it right."""

    start = serializers.CharField(required=False, allow_blank=True, default="")
    amount = serializers.CharField(error_messages={
        "required": _("Give the amount of time, e.g. 5 or 0.5."),
        "blank": _("Give the amount of time, e.g. 5 or 0.5."),
    })
    unit = serializers.CharField(error_messages={
        "required": _("Give the unit: working_days, working_hours, calendar_days or months."),
        "blank": _("Give the unit: working_days, working_hours, calendar_days or months."),
    })

    def validate_start(self, value: str) -> dt.datetime:
        if not value:
            return timezone.now()
        moment = aware_moment(_PLUS_AS_SPACE.sub(r"\1+\2", value.strip()))
        if moment is None:
            raise serializers.ValidationError(
                _("Give the start as an ISO 8601 moment, e.g. 2025-04-24T10:00:00+07:00."))
        if not FIRST_YEAR <= moment.year <= LAST_YEAR:
            raise serializers.ValidationError(
                _("The start must be in a year from %(first)s to %(last)s.") % {"first": FIRST_YEAR, "last": LAST_YEAR})
        return moment

    def validate_amount(self, value: str) -> Decimal:
        try:
            amount = Decimal(value.strip().replace(",", "."))
        except InvalidOperation:
            amount = Decimal("NaN")
        if not amount.is_finite():
            raise serializers.ValidationError(_("The amount must be a number, e.g. 5 or 0.5."))
        if amount < 0:
            raise serializers.ValidationError(_("The amount cannot be negative."))
        exponent = amount.normalize().as_tuple().exponent
        if isinstance(exponent, int) and exponent < -2:
            raise serializers.ValidationError(_("Use at most two decimal places."))
        return amount

    def validate_unit(self, value: str) -> str:
        if value not in TimeUnit.values:
            raise serializers.ValidationError(
                _("Unknown unit “%(value)s”: use %(units)s.") % {"value": value[:40], "units": ", ".join(TimeUnit.values)})
        return value

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        amount, unit = attrs["amount"], TimeUnit(attrs["unit"])
        if amount > MAX_AMOUNT[unit]:
            raise serializers.ValidationError({"amount": [TOO_LARGE[unit] % {"max": MAX_AMOUNT[unit]}]})
        if unit in WHOLE_UNITS and amount != amount.to_integral_value():
            raise serializers.ValidationError({"amount": [_("Days and months are counted in whole numbers.")]})
        return attrs


@extend_schema_field(OpenApiTypes.NUMBER)
class NumberField(serializers.Field):
    """A Decimal shown as a JSON number: 5, 0.5."""

    def to_representation(self, value: Decimal) -> int | float:
        return int(value) if value == value.to_integral_value() else float(value)


class CalendarDaySerializer(serializers.Serializer):
    date = serializers.DateField()
    reason = serializers.CharField()


class DeadlineSerializer(serializers.Serializer):
    start = serializers.DateTimeField(help_text="The moment counted from (now if none was given), to the minute.")
    due_at = serializers.DateTimeField(help_text="When the time ends, in Asia/Ho_Chi_Minh.")
    amount = NumberField()
    unit = serializers.ChoiceField(choices=TimeUnit.choices)
    days_off = CalendarDaySerializer(many=True, help_text="Days not worked from the start's day to the due day.")
    make_up_days = CalendarDaySerializer(
        many=True, help_text="Days worked though normally off (make-up Saturdays) from the start's day to the due day.")


class DeadlineThrottle(ResilientThrottle, AnonRateThrottle):
    """Per client address, like the other public endpoints; ``DEFAULT_THROTTLE_RATES["deadline"]`` may set it.
    A cheap computation: with the cache down it is served."""

    scope = "deadline"

    def get_rate(self) -> str:
        return self.THROTTLE_RATES.get(self.scope) or "60/min"


class AgencyDeadlineView(APIView):
    """When a processing time ends, counted on the agency's calendar (its working periods, weekends, public
    holidays and Tết, make-up Saturdays, administrators' days): working days and hours over working time;
    calendar days and months ending at the close of their last day, moved to the next working day when that
    day is not worked (Civil Code art. 147–148); 0 means within the day."""

    permission_classes = [AllowAny]
    authentication_classes: list = []
    throttle_classes = [DeadlineThrottle]

    @extend_schema(
        operation_id="agency_deadline",
        parameters=[
            OpenApiParameter("code", OpenApiTypes.STR, OpenApiParameter.PATH,
                             description="The agency's electronic identifier, e.g. 000.00.53.H48."),
            OpenApiParameter("start", OpenApiTypes.DATETIME,
                             description="ISO 8601 moment (without an offset: Asia/Ho_Chi_Minh); default now. "
                                         f"Years {FIRST_YEAR}–{LAST_YEAR}."),
            OpenApiParameter("amount", OpenApiTypes.NUMBER, required=True,
                             description="0 or more, at most two decimals (0: within the day); whole for calendar "
                                         "days and months; at most "
                                         + ", ".join(f"{v} {k}" for k, v in MAX_AMOUNT.items()) + "."),
            OpenApiParameter("unit", OpenApiTypes.STR, required=True, enum=TimeUnit.values),
        ],
        responses={
            200: DeadlineSerializer,
            400: OpenApiResponse(description="A bad start, amount or unit: errors by field, in Vietnamese."),
            404: OpenApiResponse(description="No active agency has this identifier."),
        },
    )
    def get(self, request: Request, code: str) -> Response:
        agency = Agency.objects.filter(code=code, is_active=True).first()
        if agency is None:
            raise NotFound(_("No agency has this identifier."))
        query = DeadlineQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        start = query.validated_data["start"].replace(second=0, microsecond=0)
        amount, unit = query.validated_data["amount"], query.validated_data["unit"]
        calendar = WorkingCalendar.for_agency(agency)
        try:
            due = calendar.deadline(start, amount, unit)
        except ValueError as error:
            raise ValidationError({"detail": _("No working time is left on this calendar for so long a time.")}) from error
        days = calendar.days(timezone.localtime(start, calendar.tz).date(), due.date())
        return Response(DeadlineSerializer({
            "start": start,
            "due_at": due,
            "amount": amount,
            "unit": unit,
            "days_off": [{"date": d.date, "reason": d.reason} for d in days if not d.working],
            "make_up_days": [{"date": d.date, "reason": d.reason} for d in days if d.is_make_up],
        }).data)
