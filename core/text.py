"""Vietnamese text without its marks: the one folding function for search keys and SMS."""

import unicodedata


def fold(text: str, *, lower: bool = False) -> str:
    """``text`` without diacritics (đ/Đ become d/D), as search keys and GSM-7 SMS need it: "Đăng ký khai
    sinh" → "Dang ky khai sinh" (``lower=True``: "dang ky khai sinh")."""
    text = text.replace("đ", "d").replace("Đ", "D")
    folded = "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))
    return folded.lower() if lower else folded
