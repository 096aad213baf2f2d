"""Limits kept in the shared cache (Redis in production), and what a request does when the cache is down.

A limit that protects capacity (how often one visitor may ask for a computation) **fails open**: the
request is served. A limit that protects a secret against guessing (a verification key, a feedback's
contact) **fails closed**: the request is refused with 503 and a message to try again later. Either way a
warning is logged, and no request answers 500 because the cache cannot be reached.
"""

import logging
from collections.abc import Callable
from typing import TypeVar

from django.utils.translation import gettext_lazy as _
from redis.exceptions import RedisError
from rest_framework.exceptions import APIException

logger = logging.getLogger(__name__)
T = TypeVar("T")

# What a cache backend raises when its server cannot be reached or answers wrongly.
CACHE_ERRORS: tuple[type[BaseException], ...] = (RedisError, ConnectionError, TimeoutError)


class LimitUnavailable(APIException):
    status_code = 503
    default_detail = _("This check is paused for a few minutes (a service it needs is down): try again later.")
    default_code = "limit_unavailable"


def guarded(operation: Callable[[], T], *, what: str, when_down: T) -> T:
    """``operation()`` (a cache read or write), or ``when_down`` when the cache cannot be reached."""
    try:
        return operation()
    except CACHE_ERRORS as error:
        logger.warning("cache unreachable for %s (%s): %r", what, type(error).__name__, when_down)
        return when_down


class ResilientThrottle:
    """Mixed into a DRF throttle: ``fail_open`` says what happens when the cache is down (served, or 503)."""

    fail_open = True

    def allow_request(self, request, view) -> bool:
        try:
            return super().allow_request(request, view)  # type: ignore[misc]  # the DRF throttle it is mixed into
        except CACHE_ERRORS as error:
            logger.warning("cache unreachable for the %s throttle (%s): %s", type(self).__name__,
                           type(error).__name__, "served" if self.fail_open else "refused")
            if self.fail_open:
                return True
            raise LimitUnavailable() from error
