"""A real Celery worker (solo pool) against Redis and PostgreSQL issues the signed result of an approved
dossier: the approval's after-commit queueing goes through the broker, and the worker process renders,
signs and stores the result (PostgreSQL/Redis mode only, as tests/test_celery_worker.py)."""

import os
import re
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

from cases.actions import perform
from cases.services import dossier_intake
from digitization import selectors, services
from digitization.models import DigitizedDocument

from .factories import AN

ROOT = Path(__file__).resolve().parents[2]


def _redis_answers() -> bool:
    if not settings.REDIS_URL:
        return False
    import redis

    try:
        return bool(redis.Redis.from_url(settings.REDIS_URL, socket_connect_timeout=2).ping())
    except redis.RedisError:
        return False


pytestmark = [
    pytest.mark.skipif(not settings.REDIS_URL, reason="needs REDIS_URL (make test in PostgreSQL/Redis mode)"),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="a worker process needs a shared database server"),
    pytest.mark.django_db(transaction=True),
]


@pytest.fixture
def worker(settings, monkeypatch):
    """A worker on a queue of its own, with this test's media and key folders; ``digitize`` goes there
    through the broker (tests otherwise run tasks in-process). Calling it stops the worker and returns
    what it logged."""
    if not _redis_answers():
        pytest.skip(f"Redis does not answer at {settings.REDIS_URL}")
    from digitization.tasks import digitize
    from dvc_portal.celery import app

    queue = f"test-digitize-{uuid.uuid4().hex[:8]}"
    eager = app.conf.task_always_eager
    app.conf.task_always_eager = False
    monkeypatch.setattr(digitize, "queue", queue, raising=False)
    monkeypatch.setattr(digitize, "_exec_options", None)  # Celery caches a task's options, queue included
    db = connection.settings_dict
    env = {
        **os.environ,
        "DJANGO_ENV": "test",
        "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
        "REDIS_URL": settings.REDIS_URL,
        "MEDIA_ROOT": str(settings.MEDIA_ROOT),
        "SIGNING_DIR": str(settings.SIGNING_DIR),
        "PORTAL_BASE_URL": settings.PORTAL_BASE_URL,
    }
    process = subprocess.Popen(  # noqa: S603 - our own interpreter and arguments
        [sys.executable, "-m", "celery", "-A", "dvc_portal", "worker", "-P", "solo", "-Q", queue, "-l", "info",
         "--without-gossip", "--without-mingle", "--without-heartbeat"],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
    )

    def stop() -> str:
        if process.returncode is None:
            process.terminate()
        return process.communicate(timeout=20)[0].decode(errors="replace")

    try:
        yield stop
    finally:
        app.conf.task_always_eager = eager
        if process.poll() is None:
            process.kill()
            process.wait(timeout=20)
        import redis

        # Kombu keeps the queue's bindings in Redis: leave no trace of this one-off queue.
        redis.Redis.from_url(settings.REDIS_URL).delete(
            queue, f"_kombu.binding.{queue}", f"_kombu.binding_permanent.{queue}"
        )


def test_a_worker_signs_the_result_of_an_approved_dossier(desk, worker):
    ward = desk["ward"]
    services.demo_certificates_issue(agencies=[ward])
    dossier = dossier_intake(clerk=desk["clerk"], procedure=desk["birth"], agency=ward, applicant=dict(AN))
    for action, role in [("forward", "clerk"), ("complete_step", "clerk"), ("complete_step", "specialist")]:
        perform(dossier=dossier, action=action, actor=desk[role])
    perform(dossier=dossier, action="approve", actor=desk["leader"], reason="7/2026/QĐ")

    result = DigitizedDocument.objects.get(dossier=dossier, kind="result")
    deadline = time.monotonic() + 60
    while result.status == "pending" and time.monotonic() < deadline:
        time.sleep(0.5)
        result.refresh_from_db()
    assert result.status == "done", (result.status, result.failure_reason, worker())
    assert result.code == f"{AN['id_number']}.1.001193.GKS.01" and result.attempts == 1
    assert result.certificate.agency == ward
    assert (Path(settings.MEDIA_ROOT) / result.file.name).is_file()  # written by the worker, read here
    verification = selectors.verify_code(result.code, result.verify_key)
    assert verification.authentic, verification.public_fields()

    output = worker()
    assert "Traceback" not in output, output
    # The worker process did the work, not this one.
    assert re.search(r"Task digitization\.tasks\.digitize\[digitize-\d+-\d+\] succeeded in [\d.]+s: 'done'", output), output
