"""Access checks for the officials' pages that every app shares."""

from functools import wraps

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _


def staff_required(view):
    """Logged in (else to the login page) and holding a staff membership (else 403)."""

    @login_required
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not request.user.staff_memberships.exists():
            raise PermissionDenied(_("This page is for officials."))
        return view(request, *args, **kwargs)

    return wrapper
