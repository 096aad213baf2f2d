"""The mock's pusher: a daemon thread of the serving process that pushes the dossiers filed online to the
province when they are due (``services.national_dossiers_push_due``).

It is started by the WSGI entry (``wsgi.py``), once per process, and only under the mock's own settings:
gunicorn imports the entry in each worker (its threads serve requests beside it), runserver in the child its
autoreloader restarts (the parent never serves), and management commands and tests that import the app never
import the entry. Several pushers (gunicorn workers) share the work safely: each dossier is claimed before it
is pushed. A submission wakes it at once (``wake``, after its transaction commits); otherwise it looks every
MOCK_PUSH_INTERVAL_SECONDS, sooner when a retry is due sooner.
"""

import logging
import os
import threading

from django.conf import settings
from django.db import close_old_connections
from django.utils import timezone

logger = logging.getLogger(__name__)

_lock = threading.Lock()
_started_in: int | None = None  # the process (pid) the thread was started in: a forked child starts its own
_wake = threading.Event()


def start() -> bool:
    """Start the pusher in this process unless it runs here already, or these are not the mock's settings;
    whether this call started it."""
    global _started_in
    if _started_in == os.getpid() or settings.ROOT_URLCONF != "mock_portal.urls":
        return False
    with _lock:
        if _started_in == os.getpid():
            return False
        _started_in = os.getpid()
    threading.Thread(target=_run, name="mock-portal-pusher", daemon=True).start()
    return True


def wake() -> None:
    """Push what is due now rather than at the next look (a no-op where no pusher runs)."""
    _wake.set()


def _next_look() -> float:
    """Seconds until the next look: the interval, or less when a retry nobody holds is due before it."""
    from django.db.models import Q

    from .models import NationalDossier, PushControl

    interval = settings.MOCK_PUSH_INTERVAL_SECONDS
    if not PushControl.current().push_enabled:
        return interval
    now = timezone.now()
    due = (NationalDossier.objects.filter(state=NationalDossier.State.FORWARDING, next_attempt_at__isnull=False)
           .filter(Q(lease_until__isnull=True) | Q(lease_until__lt=now))
           .order_by("next_attempt_at").values_list("next_attempt_at", flat=True).first())
    if due is None:
        return interval
    return max(0.05, min(interval, (due - now).total_seconds()))


def _run() -> None:
    from .services import national_dossiers_push_due

    while True:
        _wake.clear()
        wait = settings.MOCK_PUSH_INTERVAL_SECONDS
        try:
            close_old_connections()
            national_dossiers_push_due()
            wait = _next_look()
        except Exception:  # a round that failed (the database busy, ...) is tried again at the next look
            logger.exception("the pusher's round failed")
        finally:
            close_old_connections()
        _wake.wait(wait)
