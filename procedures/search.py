"""Search text without diacritics: "dang ky khai sinh" finds "Đăng ký khai sinh"."""

import re
import unicodedata


def fold(text: str) -> str:
    """Lower-case ``text`` and strip Vietnamese diacritics (đ → d), for matching what people type."""
    decomposed = unicodedata.normalize("NFD", text or "")
    bare = "".join(c for c in decomposed if not unicodedata.combining(c))
    bare = bare.replace("đ", "d").replace("Đ", "D")
    return re.sub(r"\s+", " ", bare.lower()).strip()


def search_terms(query: str) -> list[str]:
    """The folded words of a query, without punctuation, at most 10 of them."""
    return [t for t in re.split(r"[^\w.]+", fold(query)) if t][:10]
