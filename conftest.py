"""Fixtures shared by every test: isolated media files, Debian's Chromium for browser tests."""

import os
import shutil

import pytest

# pytest-playwright keeps one event loop running in the main thread for the whole session once a
# browser test has started, and Django then refuses every ORM call of later tests in that process
# ("async context"). The calls are synchronous and safe (the live server answers in its own thread).
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.SIGNING_DIR = tmp_path / "pki"


CHROMIUM = shutil.which("chromium") or "/usr/lib/chromium/chromium"


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    """pytest-playwright drives Debian's Chromium (it cannot download its own browser here)."""
    if not shutil.which("chromium"):
        pytest.skip("Debian's chromium is not installed (scripts/system-deps.sh installs it)")
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "args": [
            "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking",
            "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic",
        ],
    }
