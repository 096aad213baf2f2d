"""Fixtures of the online payment tests: the office of the dossier tests, a dossier waiting for its fees,
the mock portal (its payment gateway) as a real process with a test secret, the portal pointed at it, and a
gateway result signed as the gateway signs it (computed here with hashlib, not with the code under test).

Imported by the test module (``from .payment_fixtures import *``), not a conftest: this folder's conftest
belongs to the outbox tests."""

import hashlib
import os
import sqlite3
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from cases.actions import perform
from cases.services import dossier_document_add, dossier_draft_create, dossier_submit
from cases.tests.conftest import PDF
from cases.tests.conftest import office as _office
from integrations.tests.live import manage, mock_env, mock_process

__all__ = ["office", "gateway", "payment_settings", "awaiting"]

ROOT = Path(__file__).resolve().parents[2]
SECRET = "test-payment-secret-" + os.urandom(4).hex()
MERCHANT = "DVCDN"
TOKEN = "test-token-" + os.urandom(4).hex()
PORTAL = "https://dichvucong.danang.gov.vn"
FEES = [{"name": "Lệ phí đăng ký khai sinh", "amount": 5000}, {"name": "Phí cấp bản sao trích lục", "amount": 3000}]
TOTAL = 8000

office = _office  # the same office as the dossier tests


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Gateway:
    """The running mock portal: its address, and (for assertions only) its database read directly."""

    url: str
    database: Path
    log: Path

    def orders(self) -> list[dict]:
        """Every payment order it holds, oldest first."""
        with sqlite3.connect(self.database, timeout=20) as db:
            db.row_factory = sqlite3.Row
            return [dict(row) for row in db.execute("SELECT * FROM mock_portal_paymentorder ORDER BY id")]

    def order(self, order_id: str) -> dict | None:
        return next((o for o in self.orders() if o["order_id"] == order_id), None)


@pytest.fixture(scope="module")
def gateway(tmp_path_factory) -> Gateway:
    """The mock portal started as `make run` starts it, on a free port with a scratch database, with this
    module's payment secret and portal token."""
    folder = tmp_path_factory.mktemp("mock-gateway")
    database = folder / "mock.sqlite3"
    env = mock_env(MOCK_PORTAL_TOKEN=TOKEN, MOCK_PORTAL_DATABASE_URL=f"sqlite:///{database}",
                   MOCK_PAYMENT_SECRET=SECRET, MOCK_PAYMENT_MERCHANT=MERCHANT)
    manage(env, "migrate", "--noinput", "-v0")
    log = folder / "server.log"
    with mock_process(env, log) as url:
        yield Gateway(url=url, database=database, log=log)


@pytest.fixture
def payment_settings(settings, gateway):
    """The portal's payment settings pointed at ``gateway``."""
    settings.PAYMENT_GATEWAY_URL = f"{gateway.url}/payment"
    settings.PAYMENT_SECRET = SECRET
    settings.PAYMENT_MERCHANT_CODE = MERCHANT
    settings.PORTAL_BASE_URL = PORTAL
    return settings


@pytest.fixture
def awaiting(office, templates):
    """A dossier the citizen filed online, received, forwarded, and asked by the specialist for FEES."""
    return await_payment(office)


def await_payment(office):
    """A new dossier of the citizen, filed online and driven to awaiting_payment (FEES asked)."""
    citizen = office["citizen"]
    draft = dossier_draft_create(user=citizen, procedure=office["birth"], agency=office["ward"])
    form = office["birth"].current_version.documents.order_by("order").first()
    dossier_document_add(dossier=draft, actor=citizen, requirement=form,
                         uploaded=SimpleUploadedFile("to-khai.pdf", PDF, content_type="application/pdf"))
    dossier = dossier_submit(dossier=draft, actor=citizen)
    perform(dossier=dossier, action="receive", actor=office["clerk"])
    perform(dossier=dossier, action="forward", actor=office["clerk"])
    perform(dossier=dossier, action="request_payment", actor=office["specialist"], fees=FEES)
    dossier.refresh_from_db()
    return dossier


def signed(order_id: str, *, amount=TOTAL, response_code="00", transaction_no="20000001",
           pay_date="20261124093512", merchant=MERCHANT, secret=SECRET) -> dict:
    """A gateway result with its check code, computed as the protocol says."""
    fields = {"merchant_code": merchant, "order_id": order_id, "amount": amount, "response_code": response_code,
              "transaction_no": transaction_no, "pay_date": pay_date}
    joined = "|".join([*(str(fields[k]) for k in fields), secret])
    return {**fields, "check_code": hashlib.sha256(joined.encode()).hexdigest()}
