"""The accounts' extension points (``core.hooks``): what higher apps do when an account's work reaches them."""

from core.hooks import Hook

phone_code_issued: Hook[..., None] = Hook(
    "phone_code_issued",
    "A confirmation code for ``phone`` was made for ``user`` (called inside its transaction with ``user``, "
    "``phone`` and ``code``): the messaging app sends it by SMS.",
)
