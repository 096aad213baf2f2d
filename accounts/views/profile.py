"""The profile page: who the user is to the portal, and their contact details to change."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from .. import services
from ..forms import ProfileForm
from ..selectors import user_profile_get
from ._forms import form_add_service_errors


@login_required
@require_http_methods(["GET", "POST"])
def profile(request):
    user = user_profile_get(user_id=request.user.pk)
    citizen = getattr(user, "citizen_profile", None)
    initial = {"email": user.email}
    if citizen is not None:
        initial.update(phone=citizen.phone, address=citizen.address)
    form = ProfileForm(request.POST if request.method == "POST" else None, initial=initial, has_profile=citizen is not None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.profile_update(
                user=user, email=data["email"], phone=data.get("phone", ""), address=data.get("address", "")
            )
        except ValidationError as exc:
            form_add_service_errors(form, exc)
        else:
            messages.success(request, _("Your contact details are saved."))
            return redirect("accounts:profile")
    return render(
        request,
        "accounts/profile.html",
        {
            "profile_user": user,
            "citizen": citizen,
            "businesses": list(user.business_memberships.all()),
            "staff_memberships": list(user.staff_memberships.all()),
            "form": form,
        },
    )
