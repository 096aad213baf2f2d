"""Writes of the mock VNeID and population database: a person declaring themselves on the sign-in page, their
account at VNeID, and the portal's client registration."""

import datetime as dt

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.core.exceptions import ValidationError
from django.db import transaction
from oauth2_provider.models import get_application_model

from .models import Citizen, Organization


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
