"""A real Celery worker against Redis runs the catalog's periodic task (PostgreSQL/Redis mode only)."""

import os
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

from procedures.models import Procedure

from .catalog_data import build_catalog

ROOT = Path(__file__).resolve().parent.parent

pytestmark = [
    pytest.mark.skipif(not settings.REDIS_URL, reason="needs REDIS_URL (make test in PostgreSQL/Redis mode)"),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="a worker process needs a shared database server"),
    pytest.mark.django_db(transaction=True),
]


def test_a_worker_picks_up_the_refresh_task_from_redis():
    from dvc_portal.celery import app

    build_catalog()
    Procedure.objects.update(current_version=None)
    queue = f"test-{uuid.uuid4().hex[:8]}"
    db = connection.settings_dict
    env = {
        **os.environ,
        "DJANGO_ENV": "test",
        "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
        "REDIS_URL": settings.REDIS_URL,
    }
    worker = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "dvc_portal", "worker", "-P", "solo", "-Q", queue, "-l", "warning",
         "--without-gossip", "--without-mingle", "--without-heartbeat"],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
    )
    try:
        # send_task goes through the broker even where calls run eagerly (Celery warns that it does).
        with pytest.warns(UserWarning, match="task_always_eager"):
            app.send_task("procedures.tasks.refresh_current_versions", queue=queue)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and Procedure.objects.filter(current_version__isnull=True).exists():
            time.sleep(0.5)
        assert not Procedure.objects.filter(current_version__isnull=True).exists(), "the worker did not run the task"
    finally:
        worker.terminate()
        output = worker.communicate(timeout=20)[0].decode(errors="replace")
    assert "Traceback" not in output, output
