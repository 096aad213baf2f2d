"""Registration of citizens and businesses (public: never creates an official)."""

from django.contrib import messages
from django.contrib.auth import login
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods

from .. import services
from ..forms import BusinessAddForm, BusinessRegistrationForm, CitizenRegistrationForm
from ..models import CitizenProfile
from ._forms import form_add_service_errors

# Registration proves the password just now: log in without asking django-axes to check it again.
_BACKEND = "django.contrib.auth.backends.ModelBackend"


@sensitive_post_parameters("password", "password2")
@require_http_methods(["GET", "POST"])
def register(request):
    """A citizen registers and is logged in; what they typed stays in the form on any error."""
    if request.user.is_authenticated:
        return redirect("accounts:profile")
    form = CitizenRegistrationForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            user = services.citizen_register(
                username=data["username"],
                password=data["password"],
                email=data["email"],
                full_name=data["full_name"],
                id_number=data["id_number"],
                date_of_birth=data["date_of_birth"],
                gender=data["gender"],
                phone=data["phone"],
                address=data["address"],
            )
        except ValidationError as exc:
            form_add_service_errors(form, exc)
        else:
            login(request, user, backend=_BACKEND)
            messages.success(request, _("Your account is ready and you are logged in."))
            return redirect("accounts:profile")
    return render(request, "accounts/register.html", {"form": form})


@sensitive_post_parameters("password", "password2")
@require_http_methods(["GET", "POST"])
def register_business(request):
    """A business registers through its legal representative; a logged-in citizen adds their business."""
    if request.user.is_authenticated:
        return _business_add(request)
    form = BusinessRegistrationForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            user = services.business_register(
                username=data["username"],
                password=data["password"],
                email=data["email"],
                business_name=data["business_name"],
                tax_code=data["tax_code"],
                address=data["address"],
                phone=data["phone"],
                full_name=data["full_name"],
                id_number=data["id_number"],
                date_of_birth=data["date_of_birth"],
            )
        except ValidationError as exc:
            form_add_service_errors(form, exc)
        else:
            login(request, user, backend=_BACKEND)
            messages.success(request, _("The business's account is ready and you are logged in."))
            return redirect("accounts:profile")
    return render(request, "accounts/register_business.html", {"form": form})


def _business_add(request):
    if not CitizenProfile.objects.filter(user=request.user).exists():
        return render(request, "accounts/register_business.html", {"form": None, "not_citizen": True}, status=403)
    form = BusinessAddForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.business_add(
                user=request.user,
                business_name=data["business_name"],
                tax_code=data["tax_code"],
                address=data["address"],
                phone=data["phone"],
            )
        except ValidationError as exc:
            form_add_service_errors(form, exc)
        else:
            messages.success(request, _("The business is registered to your account."))
            return redirect("accounts:profile")
    return render(request, "accounts/register_business.html", {"form": form, "adding": True})
