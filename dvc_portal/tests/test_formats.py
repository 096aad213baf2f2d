"""One way to write a moment on every page, in either language."""

import datetime as dt

import pytest
from django.template import Context, Template
from django.utils import translation


@pytest.mark.parametrize("language", ["vi", "en"])
def test_a_moment_is_written_day_first_everywhere(language):
    moment = dt.datetime(2026, 11, 24, 22, 28)
    template = Template('{{ m|date:"SHORT_DATETIME_FORMAT" }} · {{ m|date:"SHORT_DATE_FORMAT" }}')
    with translation.override(language):
        assert template.render(Context({"m": moment})) == "24/11/2026 22:28 · 24/11/2026"
