"""Log in with VNeID: the start (to the national identity provider), the return from it, the proof a
password account asks before it is linked, and the logout that ends both sessions."""

import dataclasses
import datetime as dt
import logging

from django import forms
from django.contrib import messages
from django.contrib.auth import authenticate, login
from django.contrib.auth import views as auth_views
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods

from .. import services, vneid
from ..models import User
from . import contact

logger = logging.getLogger(__name__)

SESSION_NEXT = "vneid_next"
SESSION_PENDING = "vneid_pending"  # a verified identity waiting for its password account's proof
SESSION_ID_TOKEN = "vneid_id_token"  # noqa: S105 - a session key: the ID token for the logout at VNeID


def _safe_next(request, value: str) -> str:
    ok = url_has_allowed_host_and_scheme(value, allowed_hosts={request.get_host()}, require_https=request.is_secure())
    return value if value and ok else ""


def _refuse(request, message):
    messages.error(request, message)
    return redirect("accounts:login")


@require_GET
def start(request):
    """"Đăng nhập bằng VNeID": to the provider's login, back to ``callback``."""
    if not vneid.enabled():
        raise Http404
    request.session[SESSION_NEXT] = _safe_next(request, request.GET.get("next", ""))
    try:
        return vneid.login_redirect(request, request.build_absolute_uri(reverse("accounts:vneid-callback")))
    except vneid.Refused as refused:
        return _refuse(request, refused.message)


def _sign_in(request, user, identity):
    login(request, user, backend="django.contrib.auth.backends.ModelBackend")
    request.session[SESSION_ID_TOKEN] = identity.id_token
    messages.success(request, _("You are logged in with VNeID as %(name)s.") % {"name": identity.full_name})
    after = request.session.pop(SESSION_NEXT, "") or ""
    if contact.needs_asking(user):  # VNeID gives no phone or e-mail: asked once, then on to where they were going
        request.session[contact.SESSION_NEXT] = after
        return redirect("accounts:contact")
    return redirect(after or "home")


@require_GET
def callback(request):
    """VNeID's answer: a checked identity signs in, asks for the password account's proof, or is refused
    with its reason (and nothing changes)."""
    if not vneid.enabled():
        raise Http404
    try:
        identity = vneid.complete(request)
    except vneid.Refused as refused:
        logger.warning("VNeID login refused: %s", refused.reason)
        return _refuse(request, refused.message)
    try:
        outcome = services.vneid_sign_in(identity=identity)
    except ValidationError as error:
        return _refuse(request, " ".join(error.messages))
    if outcome.link_to is not None:
        data = dataclasses.asdict(identity)
        data["date_of_birth"] = identity.date_of_birth.isoformat() if identity.date_of_birth else None
        request.session[SESSION_PENDING] = {"user": outcome.link_to.pk, "identity": data}
        return redirect("accounts:vneid-link")
    if outcome.created:
        messages.info(request, _("Your account was opened with the details VNeID holds: you will not need to type them."))
    return _sign_in(request, outcome.user, identity)


class LinkForm(forms.Form):
    password = forms.CharField(
        label=gettext_lazy("Password of your existing account"), strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
        error_messages={"required": gettext_lazy("Type the password of your existing account.")},
    )


@require_http_methods(["GET", "POST"])
def link(request):
    """An account with a password already has this ID number: its holder proves the password once, then
    the account is linked to VNeID and logs in either way."""
    pending = request.session.get(SESSION_PENDING)
    user = User.objects.filter(pk=pending["user"]).select_related("citizen_profile").first() if pending else None
    if user is None:
        return _refuse(request, _("Start the login with VNeID again."))
    data = dict(pending["identity"])
    data["date_of_birth"] = dt.date.fromisoformat(data["date_of_birth"]) if data["date_of_birth"] else None
    identity = vneid.Identity(**data)
    form = LinkForm(request.POST or None)
    if request.method == "POST" and "cancel" in request.POST:
        request.session.pop(SESSION_PENDING, None)
        messages.info(request, _("Nothing was linked. You can log in with your password as before."))
        return redirect("accounts:login")
    if request.method == "POST" and form.is_valid():
        proved = authenticate(request, username=user.get_username(), password=form.cleaned_data["password"])
        if proved is None or proved.pk != user.pk:
            form.add_error("password", _("This is not the password of the account. Nothing was linked."))
        else:
            try:
                services.vneid_link(user=user, identity=identity)
            except ValidationError as error:
                request.session.pop(SESSION_PENDING, None)
                return _refuse(request, " ".join(error.messages))
            request.session.pop(SESSION_PENDING, None)
            messages.success(request, _("Your account is now linked to VNeID: next time, log in with either."))
            return _sign_in(request, user, identity)
    return render(request, "accounts/vneid_link.html", {
        "form": form, "identity": identity, "account": user, "profile": user.citizen_profile,
    }, status=400 if form.errors else 200)


class LogoutView(auth_views.LogoutView):
    """Log out of the portal; a session that began at VNeID ends there too (RP-initiated logout)."""

    def post(self, request, *args, **kwargs):
        id_token = request.session.get(SESSION_ID_TOKEN)
        response = super().post(request, *args, **kwargs)
        if id_token and vneid.enabled():
            url = vneid.logout_url(id_token, after=request.build_absolute_uri(reverse("home")))
            if url:
                return HttpResponseRedirect(url)
        return response
