"""WSGI entry of the mock national portal (gunicorn mock_portal.wsgi:application)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mock_portal.settings")
application = get_wsgi_application()
