"""Public catalog pages: home, search and browse, a procedure's page, the agencies."""

from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import render
from django.utils import timezone

from .. import selectors
from ..forms import ProcedureFilterForm

PAGE_SIZE = 20


def home(request):
    return render(
        request,
        "procedures/home.html",
        {
            "form": ProcedureFilterForm(),
            "featured": selectors.featured_procedures(),
            "fields": selectors.field_list_with_counts(),
            "levels": selectors.level_list(),
        },
    )


def procedure_list(request):
    form = ProcedureFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    procedures = selectors.procedure_list(
        search=filters.get("q") or "",
        field=filters.get("field") or "",
        level=filters.get("level") or "",
        agency=filters.get("agency") or "",
        online_level=filters.get("online_level") or "",
    )
    page = Paginator(procedures, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "procedures/procedure_list.html",
        {"form": form, "page": page, "query": query.urlencode(), "filtered": bool(filters and any(filters.values()))},
    )


def procedure_detail(request, code):
    procedure = selectors.procedure_detail(code=code)
    if procedure is None:
        raise Http404
    version = procedure.current_version
    terms = selectors.procedure_channel_terms(version=version, now=timezone.now())
    return render(request, "procedures/procedure_detail.html", {"procedure": procedure, "version": version, "terms": terms})


def agency_list(request):
    return render(request, "procedures/agency_list.html", {"agencies": selectors.agency_tree()})
