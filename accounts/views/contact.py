"""A phone and an e-mail for an account opened with VNeID: asked once after its first sign-in (VNeID gives
neither, so no notice could reach its holder); the phone is confirmed with a code sent by SMS."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from .. import services
from ..forms import ContactForm, PhoneCodeForm
from ..selectors import contact_needs_asking, phone_confirmation_waiting, user_profile_get
from ._forms import form_add_service_errors

SESSION_NEXT = "contact_next"
needs_asking = contact_needs_asking


def _next(request):
    return redirect(request.session.pop(SESSION_NEXT, "") or "home")


@login_required
@require_http_methods(["GET", "POST"])
def contact(request):
    """"How can we reach you?": a phone (confirmed by SMS next), an e-mail, or later."""
    profile = getattr(user_profile_get(user_id=request.user.pk), "citizen_profile", None)
    if profile is None:
        return redirect("accounts:profile")
    if request.method == "POST" and "skip" in request.POST:
        services.contact_ask_skip(user=request.user)
        messages.info(request, _("You can add a phone or an e-mail at any time on your profile page."))
        return _next(request)
    form = ContactForm(request.POST or None, initial={"phone": profile.phone, "email": request.user.email})
    if request.method == "POST" and form.is_valid():
        try:
            waiting = services.contact_details_give(user=request.user, email=form.cleaned_data["email"],
                                                    phone=form.cleaned_data["phone"])
        except ValidationError as error:
            form_add_service_errors(form, error)
        else:
            if waiting is not None:
                return redirect("accounts:phone-confirm")
            messages.success(request, _("Your contact details are saved."))
            return _next(request)
    return render(request, "accounts/contact.html", {"form": form})


@login_required
@require_http_methods(["GET", "POST"])
def phone_confirm(request):
    """Type the code sent by SMS (or have it sent again)."""
    waiting = phone_confirmation_waiting(request.user)
    if waiting is None:
        return redirect("accounts:profile")
    form = PhoneCodeForm(request.POST if request.method == "POST" and "resend" not in request.POST else None)
    if request.method == "POST" and "resend" in request.POST:
        try:
            services.phone_code_send(user=request.user, phone=waiting.phone)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, _("A new code was sent."))
        return redirect("accounts:phone-confirm")
    if request.method == "POST" and form.is_valid():
        try:
            services.phone_confirm(user=request.user, code=form.cleaned_data["code"])
        except ValidationError as error:
            form_add_service_errors(form, error)
        else:
            messages.success(request, _("Your phone is confirmed: notices about your dossiers will reach it."))
            return _next(request)
    return render(request, "accounts/phone_confirm.html", {"form": form, "phone": waiting.phone})
