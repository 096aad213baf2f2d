"""The citizen's notifications page ("Thông báo"): the in-portal list, newest first, and the channels the
citizen wants besides it (e-mail, SMS, Zalo)."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from . import selectors
from .notifications import notifications_mark_read, preference_update

PAGE_SIZE = 30


class PreferenceForm(forms.Form):
    email = forms.BooleanField(label=gettext_lazy("By e-mail"), required=False)
    sms = forms.BooleanField(label=gettext_lazy("By SMS"), required=False)
    zalo = forms.BooleanField(label=gettext_lazy("By Zalo"), required=False)


def _contacts(user) -> dict:
    profile = getattr(user, "citizen_profile", None)
    return {"email": user.email, "phone": getattr(profile, "phone", "")}


@login_required
@require_http_methods(["GET", "POST"])
def notifications(request):
    preference = selectors.preference_of(request.user)
    if request.method == "POST":
        form = PreferenceForm(request.POST)
        if form.is_valid():
            preference_update(user=request.user, **form.cleaned_data)
            messages.success(request, _("Your notification channels are saved."))
            return redirect("notifications")
    else:
        form = PreferenceForm(initial={"email": preference.email, "sms": preference.sms, "zalo": preference.zalo})
    page = Paginator(selectors.notifications_of(request.user), PAGE_SIZE).get_page(request.GET.get("trang"))
    items = list(page.object_list)
    response = render(request, "integrations/notifications.html", {
        "page": page, "items": items, "form": form, "contacts": _contacts(request.user),
    })
    # Shown once as new, then read: what the citizen has seen stops counting in the menu.
    notifications_mark_read(user=request.user, ids=[i.pk for i in items if i.read_at is None])
    return response
