"""WSGI entry of the mock national portal (gunicorn mock_portal.wsgi:application); it starts the pusher of the
process that serves (``pusher``)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mock_portal.settings")
_django = get_wsgi_application()

from mock_portal import pusher  # noqa: E402 - Django is set up above

pusher.start()


def application(environ, start_response):
    # A server that forks after importing this (gunicorn --preload) serves from children the thread was not
    # started in: the first request of each starts one (a comparison of pids after that).
    pusher.start()
    return _django(environ, start_response)
