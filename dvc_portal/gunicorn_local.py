"""gunicorn for ``make run`` (scripts/run.sh): the portal served as production serves it, on the embedded
default. Django's runserver listens with a queue of 10 and answered thirty parallel submissions with three
connection resets; gunicorn keeps a long queue and serves requests on threads. Code reload stays on for
development (``DVC_RELOAD=0`` turns it off)."""

import os

bind = f"{os.environ.get('HOST', '127.0.0.1')}:{os.environ.get('PORT', '8000')}"
workers = int(os.environ.get("WEB_WORKERS", "2"))
worker_class = "gthread"
threads = int(os.environ.get("WEB_THREADS", "8"))
backlog = 2048
timeout = 90
reload = os.environ.get("DVC_RELOAD", "1") == "1"
accesslog = None  # the demo's console stays readable; errors still go to stderr
