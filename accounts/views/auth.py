"""Login, password change and password reset: Django's views with the portal's forms and pages."""

from django.conf import settings
from django.contrib.auth import views as auth_views
from django.contrib.messages.views import SuccessMessageMixin
from django.urls import reverse_lazy
from django.utils.translation import gettext_lazy as _

from .. import services, vneid
from ..forms import LoginForm


class LoginView(auth_views.LoginView):
    """Username and password; django-axes counts failures and shows accounts/locked_out.html (429)."""

    form_class = LoginForm
    template_name = "accounts/login.html"
    redirect_authenticated_user = True

    def get_context_data(self, **kwargs):
        return {**super().get_context_data(**kwargs), "vneid_enabled": vneid.enabled()}


class PasswordChangeView(SuccessMessageMixin, auth_views.PasswordChangeView):
    template_name = "accounts/password_change_form.html"
    success_url = reverse_lazy("accounts:profile")
    success_message = _("Your password has been changed.")


class PasswordResetView(auth_views.PasswordResetView):
    """Asks for the e-mail address; says the same whether or not an account has it (no account probing)."""

    template_name = "accounts/password_reset_form.html"
    email_template_name = "accounts/password_reset_email.txt"
    subject_template_name = "accounts/password_reset_subject.txt"
    success_url = reverse_lazy("accounts:password_reset_done")

    @property
    def extra_email_context(self):
        return {
            "portal_name": settings.PORTAL_NAME,
            "portal_province": settings.PORTAL_PROVINCE,
            "valid_days": max(1, settings.PASSWORD_RESET_TIMEOUT // 86400),
        }


class PasswordResetDoneView(auth_views.PasswordResetDoneView):
    template_name = "accounts/password_reset_done.html"


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    template_name = "accounts/password_reset_confirm.html"
    success_url = reverse_lazy("accounts:password_reset_complete")

    def form_valid(self, form):
        response = super().form_valid(form)
        # Whoever proved they hold the e-mail address need not wait out a lockout from earlier failures.
        services.login_lockout_clear(username=form.user.get_username())
        return response


class PasswordResetCompleteView(auth_views.PasswordResetCompleteView):
    template_name = "accounts/password_reset_complete.html"
