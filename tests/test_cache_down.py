"""A real Redis, stopped: the public pages and endpoints that count requests in it keep answering (no 500).
Limits that protect capacity are served; limits that protect a secret refuse with 503 (core.limits)."""

import shutil
import socket
import subprocess
import time

import pytest
from django.core.cache import caches
from django.test import override_settings

from tests.catalog_data import build_catalog

pytestmark = [pytest.mark.django_db, pytest.mark.skipif(not shutil.which("redis-server"), reason="needs redis-server")]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def redis(tmp_path):
    """A Redis of its own on a spare port (so stopping it stops nothing else); ``stop()`` kills it."""
    port = _free_port()
    process = subprocess.Popen(  # noqa: S603 - a fixed binary and arguments
        ["redis-server", "--port", str(port), "--save", "", "--appendonly", "no", "--dir", str(tmp_path)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    for _ in range(100):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.1).close()
            break
        except OSError:
            time.sleep(0.05)

    def stop():
        process.kill()
        process.wait(10)

    cache = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache",
                         "LOCATION": f"redis://127.0.0.1:{port}/0",
                         "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5}}}
    with override_settings(CACHES=cache):
        caches["default"].clear()
        yield stop
    stop()


def test_with_the_cache_down_every_public_endpoint_still_answers(redis, client, caplog):
    catalog = build_catalog()
    asks = [
        ("get", "/api/v1/index766/", {"agency": catalog["ward"].code, "period": "2026-11"}),
        ("get", "/api/v1/public/results/048090001234.1.001193.KQ.01/", {"key": "khong-dung"}),
        ("post", "/phan-anh-kien-nghi/tra-cuu/", {"code": "PAKN-2026-000001", "contact": "0905123456"}),
        ("get", f"/api/v1/agencies/{catalog['ward'].code}/deadline/", {"amount": "3", "unit": "working_days"}),
    ]
    up = [getattr(client, method)(url, data).status_code for method, url, data in asks]
    assert all(code < 500 for code in up), up
    redis()  # Redis stops
    down = [getattr(client, method)(url, data).status_code for method, url, data in asks]
    # The index and the deadline are served; the result check and the feedback lookup refuse (they guard
    # a key and a contact against guessing).
    assert down[0] == up[0] and down[3] == up[3]
    assert (down[1], down[2]) == (503, 503)
    assert "cache unreachable" in caplog.text
