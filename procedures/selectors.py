"""Reads of the catalog, each with a fixed number of queries whatever the catalog's size."""

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.db.models import Case, Count, IntegerField, Prefetch, QuerySet, Value, When
from django.db.models.functions import Length
from django.utils.functional import Promise

from .deadlines import Appointment, appointment
from .models import (
    Agency,
    Code,
    Fee,
    Field,
    FilingChannel,
    ImplementationLevel,
    Procedure,
    ProcedureVersion,
    ProcessingTime,
    WorkflowStep,
)
from .search import fold, search_terms
from .working_calendar import WorkingCalendar


def procedure_list(
    *,
    search: str = "",
    field: str = "",
    level: str = "",
    agency: str = "",
    online_level: str = "",
) -> QuerySet[Procedure]:
    """Procedures in force, filtered; with a search, phrase matches first, shortest name first.

    ``field``, ``level`` and ``agency`` are codes; an agency includes its sub-agencies.
    """
    qs = (
        Procedure.objects.filter(is_active=True, current_version__isnull=False)
        .select_related("current_version__field")
        .prefetch_related(
            Prefetch("current_version__levels", queryset=ImplementationLevel.objects.order_by("order")),
            "current_version__times",
        )
    )
    if field:
        qs = qs.filter(current_version__field__code=field)
    if level:
        qs = qs.filter(current_version__levels__code=level)
    if online_level:
        qs = qs.filter(current_version__online_level=online_level)
    if agency:
        node = Agency.objects.filter(code=agency).first()
        if node is None:
            return qs.none()
        qs = qs.filter(
            current_version__agencies__path__startswith=node.path, current_version__agencies__depth__gte=node.depth
        )
    terms = search_terms(search)
    for term in terms:
        qs = qs.filter(current_version__search_text__contains=term)
    if level or agency:
        qs = qs.distinct()
    if terms:
        phrase = fold(search)
        qs = qs.annotate(
            phrase_rank=Case(
                When(current_version__search_text__contains=phrase, then=Value(0)),
                default=Value(1),
                output_field=IntegerField(),
            ),
            name_length=Length("current_version__name"),
        ).order_by("phrase_rank", "name_length", "code")
    else:
        qs = qs.order_by("current_version__name", "code")
    return qs


def procedure_detail(*, code: str) -> Procedure | None:
    """One procedure with everything its public page shows, in a fixed number of queries."""
    return (
        Procedure.objects.filter(code=code, is_active=True, current_version__isnull=False)
        .select_related("current_version__field")
        .prefetch_related(
            "current_version__levels",
            "current_version__times",
            "current_version__agencies",
            "current_version__documents",
            "current_version__fees",
            "current_version__legal_basis",
            "current_version__results",
            Prefetch("current_version__steps", queryset=_steps()),
        )
        .first()
    )


def _steps() -> QuerySet[WorkflowStep]:
    return WorkflowStep.objects.select_related("unit").order_by("order")


def featured_procedures(*, limit: int = 8) -> list[Procedure]:
    """The procedures the home page puts first (chosen by administrators)."""
    return list(
        Procedure.objects.filter(is_active=True, is_featured=True, current_version__isnull=False)
        .select_related("current_version__field")
        .prefetch_related("current_version__levels")
        .order_by("current_version__name")[:limit]
    )


def field_list_with_counts() -> list[Field]:
    """Fields that have procedures in force, each with ``procedure_count``, in two queries."""
    counts = dict(
        Procedure.objects.filter(is_active=True, current_version__isnull=False)
        .values_list("current_version__field")
        .annotate(n=Count("pk"))
        .values_list("current_version__field", "n")
    )
    fields = list(Field.objects.filter(pk__in=counts.keys()).order_by("name"))
    for field in fields:
        field.procedure_count = counts[field.pk]  # type: ignore[attr-defined]  # like an annotation, for the template
    return fields


def level_list() -> QuerySet[ImplementationLevel]:
    return ImplementationLevel.objects.order_by("order")


def agency_tree() -> list[Agency]:
    """Active agencies in tree order (depth tells the indent)."""
    return list(Agency.objects.get_tree().filter(is_active=True))


def online_level_choices() -> Sequence[tuple[str, str | Promise]]:
    return ProcedureVersion.OnlineLevel.choices


@dataclass(frozen=True)
class ChannelTerms:
    """What a procedure asks of one channel: its published times, its fees, and the appointment a dossier
    filed that way today would get (on the first implementing agency's calendar)."""

    channel: int
    label: str
    times: list[ProcessingTime]
    fees: list[Fee]
    expected: Appointment | None


def procedure_channel_terms(*, version: ProcedureVersion, now: dt.datetime) -> list[ChannelTerms]:
    """Each channel the procedure publishes a time for, counter first, side by side (the procedure page).
    Reads the version's prefetched times, fees and agencies."""
    times = list(version.times.all())
    fees = list(version.fees.all())
    agencies = list(version.agencies.all())
    calendar = WorkingCalendar.for_agency(agencies[0]) if agencies else WorkingCalendar()
    terms = []
    for channel in sorted({t.channel for t in times}):
        terms.append(ChannelTerms(
            channel=channel,
            label=str(FilingChannel(channel).label),
            times=[t for t in times if t.channel == channel],
            fees=[f for f in fees if f.channel in (None, channel)],
            expected=appointment(calendar, times, channel=channel, start=now),
        ))
    return terms


def code_choices(key: str) -> list[tuple[str, str, str]]:
    """A code list's entries as (code, name, parent code), in its order: one query."""
    return list(Code.objects.filter(code_list__key=key).order_by("order", "code").values_list("code", "name", "parent"))


def code_lists(keys: Iterable[str]) -> dict[str, dict[str, tuple[str, str]]]:
    """Several code lists at once, each as {code: (name, parent code)}: one query."""
    found: dict[str, dict[str, tuple[str, str]]] = {key: {} for key in keys}
    rows = Code.objects.filter(code_list__key__in=list(found)).order_by("order", "code")
    for key, code, name, parent in rows.values_list("code_list__key", "code", "name", "parent"):
        found[key][code] = (name, parent)
    return found


def procedure_declaration(*, code: str) -> ProcedureVersion | None:
    """The version in force of an active procedure, when it has a declaration."""
    procedure = (Procedure.objects.filter(code=code, is_active=True, current_version__isnull=False)
                 .select_related("current_version").first())
    if procedure is None or procedure.current_version is None or not procedure.current_version.form_schema:
        return None
    return procedure.current_version
