"""Access checks for the officials' pages that every app shares."""

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _

from .models import User


def staff_required(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Logged in (else to the login page) and holding a staff membership (else 403)."""

    @login_required
    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        user = request.user  # logged in: login_required let the request through
        if not isinstance(user, User) or not user.staff_memberships.exists():
            raise PermissionDenied(_("This page is for officials."))
        return view(request, *args, **kwargs)

    return wrapper
