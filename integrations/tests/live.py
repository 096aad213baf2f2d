"""Processes for the live tests: the mock national services (portal, payment gateway, VNeID, population
database) under gunicorn, a private redis-server on a free port (stopped and started again at will, never the
shared one on 6379), a real Celery worker, and this process's Celery app pointed at the private broker for
the length of a test."""

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
REDIS_SERVER = shutil.which("redis-server") or "/usr/bin/redis-server"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_until(predicate: Callable[[], object], *, timeout: float, interval: float = 0.2) -> bool:
    """Poll ``predicate`` until it is true or ``timeout`` seconds have passed; whether it came true."""
    deadline = time.monotonic() + timeout
    while True:
        if predicate():
            return True
        if time.monotonic() >= deadline:
            return False
        time.sleep(interval)


def mock_env(**variables: str) -> dict:
    """The environment of a mock national services process: this one's without the portal's or the mocks'
    settings, with ``variables`` (its database, token, secrets)."""
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("DJANGO_", "MOCK_", "DATABASE_URL"))}
    env.update(DJANGO_SETTINGS_MODULE="mock_portal.settings", **variables)
    return env


def manage(env: dict, *args: str) -> str:
    """``manage.py args`` with ``env`` (the mock's: migrate, vneid_client); its output."""
    done = subprocess.run([sys.executable, str(ROOT / "manage.py"), *args], cwd=ROOT, env=env, check=True,  # noqa: S603
                          capture_output=True, text=True, timeout=120)
    return done.stdout


@contextmanager
def mock_process(env: dict, log: Path, *, threads: int = 4) -> Iterator[str]:
    """The mock national services as docker compose starts them (gunicorn: Django's runserver answers a
    kept-alive connection ~40 ms late), on a free port, for the block; its address. Threads let it hold a
    slow call and still answer the fault controls."""
    port = free_port()
    with open(log, "w") as output:
        server = subprocess.Popen(  # noqa: S603 - our own interpreter and arguments
            [sys.executable, "-m", "gunicorn", "mock_portal.wsgi:application", "--bind", f"127.0.0.1:{port}",
             "--workers", "1", "--worker-class", "gthread", "--threads", str(threads), "--timeout", "90"],
            cwd=ROOT, env=env, stdout=output, stderr=subprocess.STDOUT,
        )
    url = f"http://127.0.0.1:{port}"

    def healthy() -> bool:
        import httpx

        try:
            return httpx.get(f"{url}/healthz/", timeout=1).status_code == 200
        except httpx.HTTPError:
            return False

    try:
        if not wait_until(healthy, timeout=30, interval=0.1):
            raise RuntimeError("the mock did not start: " + log.read_text()[-2000:])
        yield url
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait(timeout=10)


def _stop_group(process: subprocess.Popen, sig: int, timeout: float = 20) -> None:
    """Send ``sig`` to the process group ``process`` leads (it was started in a session of its own)."""
    if process.poll() is not None:
        return
    try:
        os.killpg(process.pid, sig)
    except ProcessLookupError:
        return
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=timeout)


class RedisServer:
    """A redis-server of this test's own, with no persistence: stopping it loses what it held, as a broker
    that crashes may."""

    def __init__(self, folder: Path):
        self.folder = folder
        self.folder.mkdir(parents=True, exist_ok=True)
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process: subprocess.Popen | None = None

    def ping(self) -> bool:
        import redis

        try:
            return bool(redis.Redis(host="127.0.0.1", port=self.port, socket_connect_timeout=0.5).ping())
        except redis.RedisError:
            return False

    def start(self) -> "RedisServer":
        assert self.process is None or self.process.poll() is not None, "already running"
        log = open(self.folder / "redis.log", "a")  # noqa: SIM115 - the child holds it; closed here at once
        with log:
            self.process = subprocess.Popen(  # noqa: S603 - a fixed binary and arguments
                [REDIS_SERVER, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
                 "--dir", str(self.folder), "--daemonize", "no"],
                stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
            )
        if not wait_until(self.ping, timeout=20, interval=0.05):
            self.stop()
            raise RuntimeError("redis-server did not start: " + (self.folder / "redis.log").read_text()[-2000:])
        return self

    def stop(self) -> None:
        if self.process is not None:
            _stop_group(self.process, signal.SIGTERM)
        wait_until(lambda: not self.ping(), timeout=10, interval=0.05)


class Worker:
    """``celery -A dvc_portal worker --pool=solo`` with ``env``, in a process group of its own (``kill``
    takes it down at once, as the OOM killer or a lost machine would), logging to ``log``."""

    def __init__(self, env: dict, log: Path):
        self.env = env
        self.log = log
        self.process: subprocess.Popen | None = None

    def start(self, *, timeout: float = 60) -> "Worker":
        with open(self.log, "a") as output:
            self.process = subprocess.Popen(  # noqa: S603 - our own interpreter and arguments
                [sys.executable, "-m", "celery", "-A", "dvc_portal", "worker", "-P", "solo", "-l", "info",
                 "--without-gossip", "--without-mingle", "--without-heartbeat"],
                cwd=ROOT, env=self.env, stdout=output, stderr=subprocess.STDOUT, start_new_session=True,
            )
        if not wait_until(lambda: self.process.poll() is not None or " ready." in self.output(), timeout=timeout):
            raise RuntimeError("the worker did not start: " + self.output()[-3000:])
        if self.process.poll() is not None:
            raise RuntimeError("the worker exited: " + self.output()[-3000:])
        return self

    def output(self) -> str:
        return self.log.read_text(errors="replace") if self.log.exists() else ""

    def kill(self) -> None:
        """SIGKILL to the whole group: no cleanup, no ack, the lease left as it was."""
        if self.process is not None:
            _stop_group(self.process, signal.SIGKILL)

    def stop(self) -> str:
        if self.process is not None:
            _stop_group(self.process, signal.SIGTERM)
        return self.output()


def _forget_connections(app) -> None:
    """Celery keeps its broker connection pool and producer pool once made: drop them so the next publish
    connects to ``app.conf.broker_url`` as it is now."""
    from kombu import pools

    if app._pool is not None:
        app._pool.force_close_all()
    app._pool = None
    app.amqp._producer_pool = None
    # The producer pools are kombu's, global and keyed by connection: one built on a pool closed above would
    # hand later publishes (eager ones too: Celery acquires a producer to pick the serializer) a closed pool.
    pools.reset()


@contextmanager
def celery_broker(url: str) -> Iterator:
    """This process's Celery app publishes to ``url`` (tasks are not run in-process) until the block ends."""
    from dvc_portal.celery import app

    saved = app.conf.broker_url, app.conf.task_always_eager
    _forget_connections(app)
    app.conf.broker_url, app.conf.task_always_eager = url, False
    try:
        yield app
    finally:
        _forget_connections(app)
        app.conf.broker_url, app.conf.task_always_eager = saved
