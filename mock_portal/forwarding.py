"""How the national portal forwards a dossier filed online to the province, as pure functions (no database, no
network): the signature of a push, what the province's answer means, and the wait before the next try.

The push: ``POST <MOCK_PROVINCE_INBOUND_URL>`` with the dossier as JSON (UTF-8) and the headers

- ``Content-Type: application/json``
- ``X-DVCQG-Timestamp: <unix seconds>``
- ``X-DVCQG-Signature: sha256=<hex HMAC-SHA256(key=secret, msg=timestamp + "." + the raw body bytes)>``
- ``Authorization: Bearer <MOCK_PORTAL_TOKEN>``

The province answers in the national envelope: ``error_code "0"`` with ``data.MaHoSo`` (its own dossier code)
takes the dossier; ``"1"``, ``"404"``, ``"409"`` or ``"422"`` refuses it for good (``message``, ``errors``);
anything else (no answer, 401, 5xx, an answer that is not the envelope) is tried again later.
"""

import hashlib
import hmac
import json
from dataclasses import dataclass, field

SIGNATURE_PREFIX = "sha256="
# The province's refusals for good: the dossier itself is wrong for it, sending it again changes nothing.
REFUSALS = frozenset({"1", "404", "409", "422"})


def signature(secret: str, timestamp: str, body: bytes) -> str:
    """The X-DVCQG-Signature header's value for ``body`` sent at ``timestamp``."""
    digest = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()
    return SIGNATURE_PREFIX + digest


def body(payload: dict) -> bytes:
    """The bytes of a push (compact JSON, UTF-8 as is): what is signed is exactly what is sent."""
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode()


def backoff(attempts: int, *, base: float, cap: float) -> float:
    """Seconds to wait after the ``attempts``-th failed try: base, 2×base, 4×base, ... at most ``cap``."""
    if attempts < 1:
        raise ValueError("attempts counts from 1")
    return min(cap, base * 2 ** min(attempts - 1, 62))


@dataclass(frozen=True)
class Answer:
    """What the province's answer to a push means: ``accepted`` (its code ``province_code``), ``refused`` (with
    ``message`` and ``errors``), or ``retry``."""

    verdict: str
    province_code: str = ""
    message: str = ""
    errors: list = field(default_factory=list)


def read_answer(status: int | None, text: str) -> Answer:
    """The meaning of the province's answer (``status`` None: no answer at all). A server error or a refused
    token is tried again whatever the body says; only the national envelope can take or refuse a dossier."""
    if status is None or status >= 500 or status == 401:
        return Answer("retry")
    try:
        answer = json.loads(text)
    except ValueError:
        return Answer("retry")
    if not isinstance(answer, dict):
        return Answer("retry")
    code = str(answer.get("error_code", ""))
    if code == "0" and 200 <= status < 300:
        data = answer.get("data")
        province_code = str(data.get("MaHoSo") or "").strip() if isinstance(data, dict) else ""
        return Answer("accepted", province_code=province_code[:60]) if province_code else Answer("retry")
    if code in REFUSALS:
        errors = answer.get("errors", [])
        return Answer("refused", message=str(answer.get("message") or "")[:2000],
                      errors=errors if isinstance(errors, list | dict) else [str(errors)])
    return Answer("retry")
