"""API token login: ``POST /api/v1/auth/token/`` with username and password returns ``{"token": ...}``."""

from typing import Any

from django.conf import settings
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiResponse, extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.authtoken.views import ObtainAuthToken
from rest_framework.request import Request
from rest_framework.response import Response


class ObtainTokenView(ObtainAuthToken):
    """Exchange a username and password for a token; failures count toward the login lockout.

    Bad credentials: 400. A locked-out username (django-axes, from this address): 429, like the login page.
    """

    @extend_schema(
        request=inline_serializer("TokenRequest", {"username": serializers.CharField(), "password": serializers.CharField()}),
        responses={
            200: inline_serializer("TokenResponse", {"token": serializers.CharField()}),
            400: OpenApiResponse(description="Wrong username or password, or a field missing."),
            429: OpenApiResponse(description="Too many failed attempts: logging in is paused for a while."),
        },
    )
    def post(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        try:
            return super().post(request, *args, **kwargs)
        except serializers.ValidationError:
            # django-axes marks the request it was given (DRF's) when the credentials are locked out.
            if getattr(request, "axes_locked_out", False):
                minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
                return Response(
                    {"detail": _("Too many failed attempts: try again in %(minutes)s minutes.") % {"minutes": minutes}},
                    status=status.HTTP_429_TOO_MANY_REQUESTS,
                )
            raise
