"""Writes of the mock national services: a person declaring themselves on VNeID's sign-in page, their account
at VNeID, and the portal's client registration; a dossier filed online, each push of it to the province, its
acknowledgement, and the forwarding controls."""

import datetime as dt
import hashlib
import logging
import secrets
import time
from pathlib import Path

import httpx
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from oauth2_provider.models import get_application_model

from . import forwarding, pusher, selectors
from . import vocabulary as v
from .models import (
    Citizen,
    DailySequence,
    NationalDocument,
    NationalDossier,
    Organization,
    PushAttempt,
    PushControl,
)

logger = logging.getLogger(__name__)


class Refused(Exception):
    """A declaration the population database does not take; ``field`` is the form field it is about."""

    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field = field
        self.message = message


def _same_name(a: str, b: str) -> bool:
    return " ".join(a.split()).casefold() == " ".join(b.split()).casefold()


@transaction.atomic
def citizen_declare(*, id_number: str, full_name: str, birth_date: dt.date, gender: str, permanent_address: str,
                    tax_code: str = "", organization_name: str = "", head_office: str = "") -> Citizen:
    """The person typed on the sign-in page, in the population database from then on (the population API
    finds them), with a VNeID account; raises ``Refused`` and changes nothing when the database disagrees.

    A new number is added as typed: living at their permanent address, heading a household of their own. A
    number already there must come with its holder's name, date of birth and gender (the database, not the
    form, says whose number it is); the stored person is kept as they are. A tax code, when typed, makes the
    person the representative of that organization: added if new, and if known it must have the typed name."""
    full_name = " ".join(full_name.split())
    organization = None
    if tax_code:
        organization, created = Organization.objects.get_or_create(
            tax_code=tax_code, defaults={"name": " ".join(organization_name.split()), "head_office": head_office.strip()}
        )
        if not created and not _same_name(organization.name, organization_name):
            raise Refused("organization_name",
                          f"Mã số thuế {tax_code} đã được đăng ký với tên “{organization.name}”.")
    citizen, created = Citizen.objects.get_or_create(id_number=id_number, defaults={
        "full_name": full_name, "birth_date": birth_date, "gender": gender,
        "permanent_address": permanent_address.strip(), "current_address": permanent_address.strip(),
        "has_vneid": True, "represents": organization,
    })
    if created:
        return citizen
    if not (_same_name(citizen.full_name, full_name) and citizen.birth_date == birth_date and citizen.gender == gender):
        raise Refused("id_number", f"Số định danh {id_number} đã có trong CSDL quốc gia về dân cư với họ tên, ngày "
                                   "sinh hoặc giới tính khác. Hãy nhập đúng thông tin của người mang số này.")
    changed = []
    if not citizen.has_vneid:
        citizen.has_vneid = True
        changed.append("has_vneid")
    if organization is not None and citizen.represents_id != organization.pk:
        citizen.represents = organization
        changed.append("represents")
    if changed:
        citizen.save(update_fields=changed)
    return citizen


def vneid_account_get(*, citizen: Citizen):
    """The mock VNeID's user for ``citizen`` (username: their number), made at their first sign-in. It has no
    password: people sign in by picking or typing an identity, never with one."""
    user, _ = get_user_model().objects.get_or_create(
        username=citizen.id_number, defaults={"first_name": citizen.full_name[:150], "password": make_password(None)}
    )
    return user


@transaction.atomic
def vneid_client_save(*, client_id: str, client_secret: str, redirect_uris: list[str], logout_uris: list[str]):
    """The portal's client at the mock VNeID, created or brought to exactly these values; whether it was
    created. Raises ``ValidationError`` (nothing saved) for a missing secret or a malformed address.

    Confidential, authorization code (with PKCE, as every client here), RS256 ID tokens, no consent screen.
    Its secret is stored as given, not hashed: it is configuration the process already holds in its
    environment, and checking a hashed one would cost a password hash (about a third of a second) at each
    token request. client_secret_post and client_secret_basic both check it."""
    if not client_secret:
        raise ValidationError("The client secret is empty (MOCK_VNEID_CLIENT_SECRET).")
    Application = get_application_model()
    application = Application.objects.select_for_update().filter(client_id=client_id).first()
    created = application is None
    if created:
        application = Application(client_id=client_id)
    application.name = "Cổng Dịch vụ công của tỉnh"
    application.client_type = Application.CLIENT_CONFIDENTIAL
    application.authorization_grant_type = Application.GRANT_AUTHORIZATION_CODE
    application.hash_client_secret = False
    application.client_secret = client_secret
    application.algorithm = Application.RS256_ALGORITHM
    application.skip_authorization = True
    application.redirect_uris = " ".join(redirect_uris)
    application.post_logout_redirect_uris = " ".join(logout_uris)
    application.full_clean(exclude=["user"])
    application.save()
    return application, created


# --- Dossiers filed online, and forwarding them to the province ---------------------------------------------

EXTENSIONS = {"application/pdf": ".pdf", "image/jpeg": ".jpg", "image/png": ".png"}
LEASE_MARGIN_SECONDS = 30  # on top of the push's own timeout: a pusher that died frees the dossier then


class NotFound(Exception):
    """No dossier has this MaHoSoQuocGia."""


class Conflict(Exception):
    """The dossier cannot take this acknowledgement (another code was acknowledged, or it was refused)."""


def _store_file(upload, day: dt.date) -> dict:
    """``upload`` copied under MOCK_PORTAL_MEDIA_ROOT with a random name; its name there, size and SHA-256."""
    stored_name = f"{day:%Y%m%d}/{secrets.token_hex(16)}{EXTENSIONS[upload.content_type]}"
    path = Path(settings.MOCK_PORTAL_MEDIA_ROOT) / stored_name
    path.parent.mkdir(parents=True, exist_ok=True)
    digest, size = hashlib.sha256(), 0
    upload.seek(0)
    with open(path, "xb") as out:
        for chunk in upload.chunks():
            digest.update(chunk)
            size += len(chunk)
            out.write(chunk)
    return {"stored_name": stored_name, "sha256": digest.hexdigest(), "size": size}


def national_dossier_submit(*, citizen: Citizen, procedure: dict, for_organization: bool, agency_code: str,
                            request_text: str, phone: str, email: str, uploads: list, base_url: str) -> NationalDossier:
    """A dossier ``citizen`` files online for ``procedure`` (a catalog record offered online), checked by the
    caller (``forms.SubmissionForm``): its documents stored with their SHA-256, its reference MaHoSoQuocGia the
    next number of the day (QG-yymmdd-nnnnnn: numbers are taken in the transaction that creates the dossier,
    so none is used twice or skipped), due to be pushed to the province at once (the pusher is woken when the
    transaction commits).

    ``uploads``: (selectors.Document, upload) pairs, each upload's ``content_type`` the type its content
    showed. The applicant is the person, or with ``for_organization`` the organization they represent. On any
    failure nothing is kept, the stored files included."""
    organization = citizen.represents if for_organization else None
    if for_organization and organization is None:
        raise ValueError(f"{citizen.id_number} represents no organization")
    now = timezone.now()
    day = timezone.localdate(now)
    stored = []
    try:
        for _, upload in uploads:
            stored.append(_store_file(upload, day))
        with transaction.atomic():
            sequence, _ = DailySequence.objects.select_for_update().get_or_create(day=day)
            sequence.last += 1
            sequence.save(update_fields=["last"])
            dossier = NationalDossier.objects.create(
                code=v.national_code(day, sequence.last), submitter=citizen, submitter_id_number=citizen.id_number,
                procedure_code=procedure["MATTHC"], procedure_name=procedure.get("TENTTHC", ""),
                agency_code=agency_code,
                applicant_type=(NationalDossier.ApplicantType.ORGANIZATION if organization
                                else NationalDossier.ApplicantType.CITIZEN),
                applicant_name=organization.name if organization else citizen.full_name,
                applicant_id=organization.tax_code if organization else citizen.id_number,
                applicant_address=organization.head_office if organization else citizen.permanent_address,
                phone=phone, email=email, request_text=request_text, fees=selectors.procedure_fees(procedure),
                submitted_at=now, base_url=base_url.rstrip("/"), next_attempt_at=now,
            )
            NationalDocument.objects.bulk_create([
                NationalDocument(dossier=dossier, position=document.index, title=document.title,
                                 file_name=Path(upload.name).name[:255] or f"tep_{document.index}",
                                 content_type=upload.content_type, token=secrets.token_urlsafe(32), **kept)
                for (document, upload), kept in zip(uploads, stored, strict=True)
            ])
            transaction.on_commit(pusher.wake)
    except BaseException:
        for kept in stored:
            (Path(settings.MOCK_PORTAL_MEDIA_ROOT) / kept["stored_name"]).unlink(missing_ok=True)
        raise
    return dossier


def _due(now: dt.datetime) -> Q:
    return (Q(state=NationalDossier.State.FORWARDING, next_attempt_at__lte=now)
            & (Q(lease_until__isnull=True) | Q(lease_until__lt=now)))


def _claim(dossier_id: int) -> bool:
    """Hold the dossier for one push if it is still due and nobody holds it (one UPDATE: two pushers, in
    threads or processes, never push the same dossier at once)."""
    now = timezone.now()
    lease = dt.timedelta(seconds=settings.MOCK_PUSH_TIMEOUT_SECONDS + LEASE_MARGIN_SECONDS)
    return NationalDossier.objects.filter(_due(now), pk=dossier_id).update(lease_until=now + lease) == 1


def national_dossiers_push_due(*, manual: bool = False, limit: int = 50) -> list[PushAttempt]:
    """One round of the pusher: every dossier due (oldest due first, at most ``limit``) claimed and pushed once;
    the attempts made. Nothing while pushes are paused, unless ``manual`` (POST /_push/ runs a round anyway)."""
    control = PushControl.current()
    if not (control.push_enabled or manual):
        return []
    due = (NationalDossier.objects.filter(_due(timezone.now())).order_by("next_attempt_at", "id")
           .values_list("pk", flat=True)[:limit])
    return [national_dossier_push(dossier_id=pk, lose=control.lose_pushes) for pk in list(due) if _claim(pk)]


def national_dossier_push(*, dossier_id: int, lose: bool = False) -> PushAttempt:
    """Push a dossier the caller claimed to the province (``forwarding`` says how) and record the attempt: taken
    (acknowledged with the province's code), refused for good (its message and errors kept, no more pushes), or
    due again after the backoff (given up, state dead, after MOCK_PUSH_MAX_ATTEMPTS). With ``lose`` nothing is
    sent: the attempt is recorded as lost and the dossier waits, unacknowledged, for the province's pull."""
    if lose:
        return _push_recorded(dossier_id, status=None, text="", answer=None)
    dossier = NationalDossier.objects.prefetch_related("documents").get(pk=dossier_id)
    body = forwarding.body(selectors.dossier_payload(dossier, selectors.files_base(dossier.base_url)))
    timestamp = str(int(time.time()))
    headers = {
        "Content-Type": "application/json",
        "X-DVCQG-Timestamp": timestamp,
        "X-DVCQG-Signature": forwarding.signature(settings.MOCK_PROVINCE_SECRET, timestamp, body),
        "Authorization": f"Bearer {settings.MOCK_PORTAL_TOKEN}",
    }
    try:
        response = httpx.post(settings.MOCK_PROVINCE_INBOUND_URL, content=body, headers=headers,
                              timeout=settings.MOCK_PUSH_TIMEOUT_SECONDS)
    except httpx.HTTPError as error:
        status, text = None, f"{type(error).__name__}: {error}"
    else:
        status, text = response.status_code, response.text
    return _push_recorded(dossier_id, status=status, text=text, answer=forwarding.read_answer(status, text))


@transaction.atomic
def _push_recorded(dossier_id: int, *, status: int | None, text: str,
                   answer: forwarding.Answer | None) -> PushAttempt:
    """The attempt, and what it changes (only a dossier still forwarding moves; an acknowledgement that came
    meanwhile through the pull is kept)."""
    dossier = NationalDossier.objects.select_for_update().get(pk=dossier_id)
    now = timezone.now()
    State, Outcome = NationalDossier.State, PushAttempt.Outcome
    forwarding_now = dossier.state == State.FORWARDING
    dossier.attempts += 1
    changed = ["attempts", "lease_until", "next_attempt_at"]
    dossier.lease_until = None
    if answer is None:
        outcome = Outcome.LOST
        if forwarding_now:
            dossier.state, dossier.next_attempt_at = State.SENT, None
            changed.append("state")
    elif answer.verdict == "accepted":
        if dossier.state == State.ACKNOWLEDGED and dossier.province_code != answer.province_code:
            outcome = Outcome.CONFLICT
        else:
            outcome = Outcome.ACCEPTED
            if dossier.state != State.ACKNOWLEDGED:
                dossier.state, dossier.province_code = State.ACKNOWLEDGED, answer.province_code
                dossier.acknowledged_at, dossier.acknowledged_by = now, "push"
                changed += ["state", "province_code", "acknowledged_at", "acknowledged_by"]
            dossier.next_attempt_at = None
    elif answer.verdict == "refused":
        outcome = Outcome.REFUSED
        if forwarding_now:
            dossier.state, dossier.next_attempt_at = State.REFUSED, None
            dossier.refusal_message, dossier.refusal_errors = answer.message, answer.errors
            changed += ["state", "refusal_message", "refusal_errors"]
    elif not forwarding_now:
        outcome = Outcome.FAILED
    elif dossier.attempts >= settings.MOCK_PUSH_MAX_ATTEMPTS:
        outcome = Outcome.GAVE_UP
        dossier.state, dossier.next_attempt_at = State.DEAD, None
        changed.append("state")
    else:
        outcome = Outcome.FAILED
        wait = forwarding.backoff(dossier.attempts, base=settings.MOCK_PUSH_BACKOFF_SECONDS,
                                  cap=settings.MOCK_PUSH_BACKOFF_MAX_SECONDS)
        dossier.next_attempt_at = now + dt.timedelta(seconds=wait)
    dossier.save(update_fields=changed)
    if outcome in (Outcome.GAVE_UP, Outcome.CONFLICT):
        logger.warning("push of %s: %s (HTTP %s)", dossier.code, outcome, status)
    return PushAttempt.objects.create(dossier=dossier, at=now, http_status=status, answer=text[:4000],
                                      outcome=outcome)


@transaction.atomic
def national_dossier_acknowledge(*, code: str, province_code: str, via: str) -> tuple[NationalDossier, bool]:
    """The province took the dossier ``code`` as its ``province_code`` (``via`` "push" or "pull"); whether this
    call acknowledged it. Saying it again with the same code changes nothing; raises ``NotFound`` for an unknown
    dossier and ``Conflict`` for another code than the one acknowledged, or a dossier the province refused.
    No push is made after it."""
    dossier = NationalDossier.objects.select_for_update().filter(code=code).first()
    if dossier is None:
        raise NotFound(code)
    if dossier.state == NationalDossier.State.ACKNOWLEDGED:
        if dossier.province_code == province_code:
            return dossier, False
        raise Conflict(f"Hồ sơ {code} đã được xác nhận với mã hồ sơ {dossier.province_code}.")
    if dossier.state == NationalDossier.State.REFUSED:
        raise Conflict(f"Hồ sơ {code} đã bị tỉnh từ chối, không thể xác nhận.")
    dossier.state, dossier.province_code = NationalDossier.State.ACKNOWLEDGED, province_code
    dossier.acknowledged_at, dossier.acknowledged_by = timezone.now(), via
    dossier.next_attempt_at = None
    dossier.save(update_fields=["state", "province_code", "acknowledged_at", "acknowledged_by", "next_attempt_at"])
    return dossier, True


def push_control_set(*, push_enabled: bool | None = None, lose_pushes: bool | None = None) -> PushControl:
    """The forwarding controls with the given ones changed (None: left as they are)."""
    with transaction.atomic():
        control = PushControl.current()
        if push_enabled is not None:
            control.push_enabled = push_enabled
        if lose_pushes is not None:
            control.lose_pushes = lose_pushes
        control.save()
    if control.push_enabled:
        pusher.wake()
    return control
