"""Sending files to the portal and reading them back, as the data-store tests do."""

from django.core.files.uploadedfile import SimpleUploadedFile


def upload(content: bytes, name: str = "giay-to.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="application/pdf")


def file_bytes(response) -> bytes:
    # Reading the test client's streaming content closes the response the way a server would; calling
    # response.close() here would also fire request_finished, which closes the test's database
    # connection on PostgreSQL (the client disconnects that handler only around its own close).
    return b"".join(response.streaming_content)


def stored_content(document) -> bytes:
    with document.file.open("rb") as handle:
        return handle.read()


def jobs(callbacks: list) -> list:
    """The after-commit callbacks that queue digitizations (the outbox queues its deliveries beside them)."""
    return [c for c in callbacks if c.__module__ == "digitization.services"]
