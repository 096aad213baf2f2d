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
from ._forms import form_add_service_errors, service_args

# Registration proves the password just now: log in without asking django-axes to check it again.
_BACKEND = "django.contrib.auth.backends.ModelBackend"

CITIZEN_ARGS = [
    "username", "password", "email", "full_name", "id_number", "date_of_birth", "gender", "phone", "address",
]
BUSINESS_ARGS = [
    "username", "password", "email", "business_name", "tax_code", "address", "phone",
    "full_name", "id_number", "date_of_birth",
]


def _register(request, form, *, validate, create, names, template, success_message):
    """Check with the form and the service together (every problem shown at once), then create,
    log in and go to the profile. On any refusal the form comes back with what was typed."""
    if request.method == "POST":
        form.is_valid()
        args = service_args(form, names)
        try:
            validate(**args)
        except ValidationError as exc:
            form_add_service_errors(form, exc, only_new_fields=True)
        if not form.errors:
            try:
                user = create(**args)
            except ValidationError as exc:  # someone took the same value in the meantime
                form_add_service_errors(form, exc)
            else:
                login(request, user, backend=_BACKEND)
                messages.success(request, success_message)
                return redirect("accounts:profile")
    return render(request, template, {"form": form})


@sensitive_post_parameters("password", "password2")
@require_http_methods(["GET", "POST"])
def register(request):
    """A citizen registers and is logged in."""
    if request.user.is_authenticated:
        return redirect("accounts:profile")
    return _register(
        request,
        CitizenRegistrationForm(request.POST if request.method == "POST" else None),
        validate=services.citizen_register_validate,
        create=services.citizen_register,
        names=CITIZEN_ARGS,
        template="accounts/register.html",
        success_message=_("Your account is ready and you are logged in."),
    )


@sensitive_post_parameters("password", "password2")
@require_http_methods(["GET", "POST"])
def register_business(request):
    """A business registers through its legal representative; a logged-in citizen adds their business."""
    if request.user.is_authenticated:
        return _business_add(request)
    return _register(
        request,
        BusinessRegistrationForm(request.POST if request.method == "POST" else None),
        validate=services.business_register_validate,
        create=services.business_register,
        names=BUSINESS_ARGS,
        template="accounts/register_business.html",
        success_message=_("The business's account is ready and you are logged in."),
    )


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
