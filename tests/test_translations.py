"""Every user-facing string is in a Vietnamese catalog, translated, and compiled."""

import shutil
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts"))

import messages  # noqa: E402


@pytest.mark.skipif(not shutil.which("xgettext"), reason="GNU gettext is not installed (scripts/system-deps.sh)")
def test_vietnamese_catalogs_are_complete_and_compiled():
    problems = messages.problems()
    assert problems == [], "\n".join(problems[:40])


def test_vietnamese_is_the_default_language(settings):
    assert settings.LANGUAGE_CODE == "vi"
    assert [code for code, _name in settings.LANGUAGES] == ["vi", "en"]
    assert settings.TIME_ZONE == "Asia/Ho_Chi_Minh"
