"""The mock VNeID's signing key: an RSA private key in a PEM file, made the first time it is missing."""

import contextlib
import os
import secrets
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

KEY_SIZE = 2048


def private_key_pem(path: Path) -> str:
    """The PEM in ``path``; if there is none, a new 2048-bit key written there first (mode 0600).

    Several processes may start at once (gunicorn's workers, `migrate` beside them): each writes its key to a
    file of its own and links it into place, which fails if another got there first, so every process ends up
    reading the one key that won, never half a file."""
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        key = rsa.generate_private_key(public_exponent=65537, key_size=KEY_SIZE)
        pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption())
        scratch = path.with_name(f".{path.name}.{secrets.token_hex(8)}")
        descriptor = os.open(scratch, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            with os.fdopen(descriptor, "wb") as output:
                output.write(pem)
            with contextlib.suppress(FileExistsError):  # another process's key won: read that one
                os.link(scratch, path)
        finally:
            scratch.unlink(missing_ok=True)
    return path.read_text()
