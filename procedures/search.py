"""Search text without diacritics: "dang ky khai sinh" finds "Đăng ký khai sinh"."""

import re

from core import text


def fold(value: str) -> str:
    """Lower-case ``value``, strip Vietnamese diacritics (đ → d, ``core.text.fold``) and collapse its spaces,
    for matching what people type."""
    return re.sub(r"\s+", " ", text.fold(value or "", lower=True)).strip()


def search_terms(query: str) -> list[str]:
    """The folded words of a query, without punctuation, at most 10 of them."""
    return [t for t in re.split(r"[^\w.]+", fold(query)) if t][:10]
