"""The live preview of a declaration (tờ khai) being edited in the version admin: the schema and layout typed so
far, checked as the admin form checks them, rendered as the applicant's step 2 renders them (read-only)."""

from __future__ import annotations

import json
import logging
import re

from django.core.exceptions import PermissionDenied
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from procedures.catalog_convert import declaration_example
from procedures.declaration_check import declaration_problems, layout_notes
from procedures.models import ProcedureVersion

from .. import declaration_forms

logger = logging.getLogger(__name__)

MAX_BODY = 512 * 1024  # the largest demo declaration is under 20 KB
TEMPLATE = "cases/admin/declaration_preview.html"
SAFE_CODE = re.compile(r"[A-Za-z0-9][\w.-]*")


class Unreadable(ValueError):
    """A posted document that is not JSON: the message says where."""


def _document(text: str, what: str) -> object:
    if not text.strip():
        return {}
    try:
        return json.loads(text)
    except json.JSONDecodeError as error:
        raise Unreadable(what % {"line": error.lineno, "column": error.colno}) from error
    except (ValueError, RecursionError) as error:  # a number too long for Python, nesting too deep
        raise Unreadable(_("A document is nested too deeply or holds a number too long.")) from error


def _may_preview(user) -> bool:
    return bool(user.is_active and user.is_staff and (
        user.has_perm("procedures.change_procedureversion") or user.has_perm("procedures.view_procedureversion")))


@require_POST
def declaration_preview(request):
    """POST ``form_schema`` and ``form_ui`` (JSON texts), optionally ``version`` (its id) and ``example`` ("1": the
    procedure's demo answers filled in). 200: the preview page; 400: the page listing what to correct, in the
    user's language; 403 for anyone who may not see versions in the admin; 413 past ``MAX_BODY``."""
    if not _may_preview(request.user):
        raise PermissionDenied
    context: dict = {"problems": [], "notes": [], "declaration": None}
    try:
        size = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        size = MAX_BODY + 1
    if size > MAX_BODY:
        context["problems"] = [_("The declaration is too large to preview (at most %(size)s KB).")
                               % {"size": MAX_BODY // 1024}]
        return render(request, TEMPLATE, context, status=413)
    try:
        schema = _document(request.POST.get("form_schema", ""),
                           _("The schema is not valid JSON (line %(line)s, column %(column)s)."))
        ui = _document(request.POST.get("form_ui", ""),
                       _("The layout is not valid JSON (line %(line)s, column %(column)s)."))
    except Unreadable as error:
        context["problems"] = [str(error)]
        return render(request, TEMPLATE, context, status=400)
    try:
        problems = declaration_problems(schema, ui)
    except RecursionError:  # the metaschema's check of a schema nested thousands deep
        problems = [_("A document is nested too deeply or holds a number too long.")]
    if problems:
        context["problems"] = problems
        return render(request, TEMPLATE, context, status=400)
    assert isinstance(schema, dict) and isinstance(ui, dict)  # declaration_problems saw to it
    if not schema:
        context["empty"] = True
        return render(request, TEMPLATE, context)
    data = _example(request.POST.get("version")) if request.POST.get("example") == "1" else {}
    try:
        context["declaration"] = declaration_forms.build(schema, ui, data=data,
                                                         codes=declaration_forms.Codes(schema))
        context["notes"] = layout_notes(schema, ui)
        return render(request, TEMPLATE, context)
    except Exception:  # a schema valid as JSON Schema that the page still cannot be built from  # noqa: BLE001
        logger.warning("declaration preview failed", exc_info=True)
        context["declaration"] = None
        context["problems"] = [_("The page cannot be built from this declaration: check its references, "
                                 "code lists and conditions.")]
        return render(request, TEMPLATE, context, status=400)


def _example(version_id: str | None) -> dict:
    """The demo answers of the version's procedure ({} when it has none)."""
    if not (version_id or "").isdigit():
        return {}
    code = ProcedureVersion.objects.filter(pk=int(version_id or 0)).values_list("procedure__code", flat=True).first()
    # The code names a file: an imported code that could step out of the examples' folder names none.
    return declaration_example(code) if code and SAFE_CODE.fullmatch(code) else {}
