"""The sync desk (bàn đồng bộ, ``/dong-bo/``): how each dossier stands with the National Public Service
Portal in each direction, for reception clerks and administrators, with the buttons that send again what
failed; every table exports to CSV and XLSX (``?xuat=csv|xlsx``)."""

import logging
from functools import wraps

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_GET, require_POST

from core.exports import FORMATS, table_response
from core.hooks import merged

from . import desk, extensions, outbox, tasks
from .models import InboundDossier

PAGE_SIZE = 50

TABS = {
    "vao": gettext_lazy("Dossiers from the portal"),
    "ra": gettext_lazy("Status updates to the portal"),
    "danh-muc": gettext_lazy("Procedure catalog"),
}

# What the date range is on, in each direction.
DATE_LABELS = {
    "vao": (gettext_lazy("Last received from"), gettext_lazy("Last received until")),
    "ra": (gettext_lazy("Update made from"), gettext_lazy("Update made until")),
    "danh-muc": (gettext_lazy("Run started from"), gettext_lazy("Run started until")),
}


def sees_sync_desk(user) -> bool:
    """Whether ``user`` may open the desk (``User.sees_sync_desk``, which the menu asks too)."""
    return bool(getattr(user, "is_authenticated", False) and user.sees_sync_desk)


def desk_required(view):
    """Logged in (else to the login page), and a desk user (else 403); the view gets the user's scope."""

    @login_required
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        scope = desk.desk_scope(request.user)
        if scope is None:
            raise PermissionDenied(_("This page is for reception clerks and administrators."))
        return view(request, scope, *args, **kwargs)

    return wrapper


class FilterForm(forms.Form):
    state = forms.ChoiceField(label=gettext_lazy("State"), required=False)
    agency = forms.ChoiceField(label=gettext_lazy("Agency"), required=False)
    q = forms.CharField(
        label=gettext_lazy("Dossier code or national reference"), required=False, max_length=60,
        widget=forms.TextInput(attrs={"type": "search", "autocomplete": "off"}),
    )
    tu = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))
    den = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, data, *, direction: str, scope: desk.Scope):
        super().__init__(data)
        self.fields["state"].choices = [("", _("All"))] + [(k, v) for k, v in desk.STATES[direction].items()]
        top = min((r.depth for r in scope.roots), default=1)
        self.fields["agency"].choices = [("", _("All my agencies"))] + [
            (a.code, "· " * (a.depth - top) + a.name) for a in scope.agencies]
        self.fields["tu"].label, self.fields["den"].label = DATE_LABELS[direction]
        if direction == "danh-muc":
            del self.fields["agency"], self.fields["q"]
        elif len(scope.agencies) < 2:
            del self.fields["agency"]

    def clean(self):
        data = super().clean()
        if data.get("tu") and data.get("den") and data["tu"] > data["den"]:
            self.add_error(None, _("The end date is before the start date."))
        return data

    def value(self, name):
        """A field's value if it is valid (an invalid one filters nothing, its error is shown; so does a
        range that ends before it starts)."""
        if not hasattr(self, "cleaned_data"):
            self.is_valid()
        if name in ("tu", "den") and self.non_field_errors():
            return None
        return self.cleaned_data.get(name) if name not in self.errors else None


# --- the page -------------------------------------------------------------------------------------------
@require_GET
@desk_required
def desk_page(request, scope, direction="vao"):
    if direction not in desk.DIRECTIONS:
        raise Http404
    form = FilterForm(request.GET, direction=direction, scope=scope)
    filters = desk.Filters(state=form.value("state") or "", search=(form.value("q") or "").strip(),
                           since=form.value("tu"), until=form.value("den"))
    shown = scope
    code = form.value("agency")
    if code:
        shown = scope.narrow(scope.agency(code))
    if direction == "vao":
        rows = desk.inbound_rows(shown, filters)
    elif direction == "ra":
        rows = desk.out_rows(shown, filters)
    else:
        rows = desk.catalog_rows(filters)
    fmt = request.GET.get("xuat")
    if fmt in FORMATS:
        return _export(direction, rows, fmt)

    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    items = _displayed(direction, list(page.object_list), scope)
    query = request.GET.copy()
    query.pop("page", None)
    query.pop("xuat", None)
    last = desk.catalog_last()
    # The counts follow the agency and the date range (on the catalog tab the range is the runs', not theirs).
    counted = filters if direction != "danh-muc" else desk.Filters()
    return render(request, "integrations/desk/desk.html", {
        "direction": direction, "tabs": TABS, "form": form, "filters": filters, "scope": scope,
        "page": page, "rows": items, "query": query.urlencode(),
        "tab_label": TABS[direction], "inbound_counts": desk.inbound_counts(shown, counted),
        "out_counts": desk.out_counts(shown, counted), "catalog_last": last,
        "catalog_last_label": desk.STATES["danh-muc"][last.status] if last else "",
        "here": request.get_full_path(),
        **merged(extensions.desk_figures(scope=scope)),
    })


def _displayed(direction: str, items: list, scope: desk.Scope) -> list:
    """What a row shows besides its fields: the badge's words, the masked ID number, the reasons as lines,
    whether the user may open the dossier's page (the staff dossier page's own rule), and the answers."""
    labels = desk.STATES[direction]
    if direction == "ra":
        for row in desk.with_answers(items):
            row["label"] = labels[row["state"]]
            row["masked_id"] = desk.masked(row["dossier__applicant_id_number"])
            row["openable"] = bool({row["dossier__agency_id"], row["dossier__handling_agency_id"]} & scope.member_ids)
        return items
    for row in items:
        row.label = labels[row.status]
        row.reason_lines = desk.reasons(row.errors)
        if direction == "vao":
            row.masked_id = desk.masked(row.applicant_id or "")
            dossier = row.dossier
            row.openable = dossier is not None and bool({dossier.agency_id, dossier.handling_agency_id} & scope.member_ids)
    return items


def _local(moment) -> str:
    return timezone.localtime(moment).strftime("%d/%m/%Y %H:%M") if moment else ""


def _export(direction: str, rows, fmt: str):
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    labels = desk.STATES[direction]
    if direction == "vao":
        columns = [_("National reference"), _("Dossier code"), _("Procedure code"), _("Applicant"), _("ID number"),
                   _("Came by"), _("State"), _("Answer code"), _("Reasons"), _("Times received"),
                   _("First received"), _("Last received"), _("Stored at"), _("Acknowledged to the portal")]
        data = ([r.national_reference, r.dossier.code if r.dossier else "", r.procedure_code, r.applicant_name,
                 desk.masked(r.applicant_id or ""), r.get_channel_display(), str(labels[r.status]), r.answer_code,
                 "; ".join(desk.reasons(r.errors)), r.times_received, _local(r.first_received_at),
                 _local(r.last_received_at), _local(r.stored_at), _local(r.acknowledged_at)]
                for r in rows.iterator(chunk_size=2000))
        title = _("Dossiers from the portal")
    elif direction == "ra":
        columns = [_("Dossier code"), _("National reference"), _("Procedure code"), _("Applicant"), _("ID number"),
                   _("State"), _("Updates given up"), _("Updates failing"), _("Updates waiting"), _("Updates delivered"),
                   _("Attempts"), _("Portal's latest answer"), _("Answered at"), _("Latest update"), _("Next attempt")]
        data = ([r["dossier__code"], r["dossier__national_reference"] or "", r["dossier__procedure__code"],
                 r["dossier__applicant_name"], desk.masked(r["dossier__applicant_id_number"]), str(labels[r["state"]]),
                 r["dead"], r["failing"], r["pending"], r["delivered"], r["most_attempts"] or 0,
                 r["answer"]["response"] if r["answer"] else "", _local(r["answer"]["at"]) if r["answer"] else "",
                 _local(r["last_at"]), _local(r["next_at"])]
                for r in desk.out_rows_answered(rows))
        title = _("Status updates to the portal")
    else:
        columns = [_("Started"), _("Finished"), _("State"), _("Procedures"), _("Added"), _("Changed"),
                   _("Unchanged"), _("Errors")]
        data = ([_local(r.started_at), _local(r.finished_at), str(labels[r.status]), r.total, r.created, r.updated,
                 r.unchanged, "; ".join(desk.reasons(r.errors))] for r in rows.iterator(chunk_size=2000))
        title = _("Procedure catalog")
    return table_response(title=title, filename=f"dong-bo-{direction}-{stamp}", columns=columns, rows=data, fmt=fmt)


# --- the buttons -----------------------------------------------------------------------------------------
def _back(request, direction: str):
    target = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()},
                                           require_https=request.is_secure()):
        target = reverse("sync-desk-direction", args=[direction])
    return redirect(target)


@require_POST
@desk_required
def resend(request, scope, dossier_id: int):
    """"Gửi lại": the dossier's given-up and failing updates go again now, with a fresh count of attempts."""
    visible, deliveries = desk.retryable(scope, dossier_id)
    if not visible:
        raise Http404
    if not deliveries:
        messages.info(request, _("Nothing of this dossier is failing or given up: nothing was sent again."))
        return _back(request, "ra")
    code = deliveries[0].dossier.code
    count = outbox.delivery_retry(deliveries=deliveries, actor=request.user)
    messages.success(request, ngettext(
        "%(count)s status update of dossier %(code)s was queued again for the portal.",
        "%(count)s status updates of dossier %(code)s were queued again for the portal.", count,
    ) % {"count": count, "code": code})
    return _back(request, "ra")


@require_POST
@desk_required
def reprocess(request, scope, inbound_id: int):
    """"Xử lý lại": a failing or refused dossier from the portal is processed again from what it sent."""
    from . import inbound as inbound_service  # written alongside; imported when used

    record = desk.inbound_visible(scope).filter(pk=inbound_id).first()
    if record is None:
        raise Http404
    if record.status == InboundDossier.Status.STORED:
        messages.info(request, _("Dossier %(reference)s is already stored: nothing to process again.")
                      % {"reference": record.national_reference})
        return _back(request, "vao")
    answer = inbound_service.inbound_retry(inbound=record, actor=request.user)
    if str(answer.code) == "0":
        dossier = getattr(answer, "dossier", None)
        messages.success(request, _("Dossier %(reference)s was processed again and stored as %(code)s.")
                         % {"reference": record.national_reference, "code": dossier.code if dossier else "—"})
    else:
        why = "; ".join(desk.reasons(getattr(answer, "errors", None))) or answer.message
        messages.error(request, _("Dossier %(reference)s was processed again and not stored (answer %(answer)s): "
                                  "%(why)s") % {"reference": record.national_reference, "answer": answer.code,
                                                "why": why})
    return _back(request, "vao")


@require_POST
@desk_required
def catalog_now(request, scope):
    """"Đồng bộ danh mục ngay": the catalog's synchronisation, now, by the workers (administrators only)."""
    if not scope.is_admin:
        raise PermissionDenied(_("Only administrators can start the catalog synchronisation."))
    try:
        tasks.catalog_sync.delay()
    except Exception:  # noqa: BLE001 - any broker failure: say so, the scheduled run still comes
        logging.getLogger(__name__).warning("could not queue the catalog synchronisation", exc_info=True)
        messages.error(request, _("The catalog synchronisation could not be started now; try again in a moment."))
    else:
        messages.success(request, _("The catalog synchronisation was started; its run is listed here when it ends."))
    return _back(request, "danh-muc")
