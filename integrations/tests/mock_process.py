"""The mock national portal as a real process for the integration tests (as `make run` starts it), on a
free port with a scratch database and its own token."""

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

ROOT = Path(__file__).resolve().parents[2]
TOKEN = "test-token-" + os.urandom(4).hex()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def mock_portal(tmp_path_factory):
    folder = tmp_path_factory.mktemp("mock-portal")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "MOCK_PORTAL_", "DATABASE_URL"))}
    env.update(DJANGO_SETTINGS_MODULE="mock_portal.settings", MOCK_PORTAL_TOKEN=TOKEN,
               MOCK_PORTAL_DATABASE_URL=f"sqlite:///{folder / 'mock.sqlite3'}")
    manage = [sys.executable, str(ROOT / "manage.py")]
    subprocess.run([*manage, "migrate", "--noinput", "-v0"], cwd=ROOT, env=env, check=True, timeout=120)
    port = free_port()
    log = open(folder / "server.log", "w")  # noqa: SIM115 - closed at teardown
    server = subprocess.Popen([*manage, "runserver", f"127.0.0.1:{port}", "--noreload"], cwd=ROOT, env=env,
                              stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    for _ in range(150):
        try:
            if httpx.get(f"{url}/healthz/", timeout=1).status_code == 200:
                break
        except httpx.HTTPError:
            time.sleep(0.2)
    else:
        server.kill()
        pytest.fail("the mock portal did not start: " + (folder / "server.log").read_text()[-2000:])
    yield url
    server.terminate()
    server.wait(timeout=10)
    log.close()
