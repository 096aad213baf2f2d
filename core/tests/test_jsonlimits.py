"""JSON bodies are bounded before they are parsed: a deep or huge one is a 400 that says so, never a 500."""

import pytest

from core import jsonlimits


@pytest.mark.parametrize(("text", "expected"), [
    ("1", 0), ("{}", 1), ('{"a": [1, {"b": []}]}', 4),  # { [ { [
    ('{"a": "[[[[{{{{"}', 1),  # brackets in a string do not count
    ('["\\"[[[["]', 1),  # nor after an escaped quote
])
def test_depth_counts_nesting_outside_strings(text, expected):
    assert jsonlimits.depth(text) == expected
