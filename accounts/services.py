"""Every write to accounts: registration of citizens and businesses, staff accounts and memberships, profiles.

Each function validates everything first and raises one ``ValidationError`` keyed by field (messages in
the active language, Vietnamese by default), then writes inside one transaction: a refusal leaves
nothing behind. Public registration never touches staff memberships, groups, ``is_staff`` or
``is_superuser``: only ``staff_*`` functions do, and only the admin calls them.
"""

import dataclasses
import datetime as dt
import hashlib
import hmac
import re
import secrets
import unicodedata
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, NoReturn

from django.conf import settings
from django.contrib.auth import password_validation
from django.contrib.auth.models import Group
from django.contrib.auth.validators import UnicodeUsernameValidator
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from procedures.models import Agency, StaffRole

from . import extensions
from .models import Business, BusinessMembership, CitizenProfile, Gender, PhoneConfirmation, StaffMembership, User
from .roles import sync_role_groups
from .validators import validate_citizen_id, validate_phone, validate_tax_code

if TYPE_CHECKING:  # accounts.vneid brings the OpenID Connect client, needed only where a login happens
    from .vneid import Identity

ROLE_GROUP_NAMES = frozenset(StaffRole.values)


class _Errors:
    """Collects messages per field so the user sees every problem at once, not one per submit."""

    def __init__(self) -> None:
        self.by_field: dict[str, list[ValidationError]] = {}

    def add(self, field: str, error: ValidationError | str) -> None:
        if isinstance(error, str):
            error = ValidationError(error)
        self.by_field.setdefault(field, []).extend(error.error_list)

    def check(self, field: str, validator: Callable[..., object], *args: Any, **kwargs: Any) -> None:
        try:
            validator(*args, **kwargs)
        except ValidationError as exc:
            self.add(field, exc)

    def __contains__(self, field: str) -> bool:
        return field in self.by_field

    def raise_if_any(self) -> None:
        if self.by_field:
            raise ValidationError(self.by_field)


# --- Normalising what people type ----------------------------------------------------------------


def _text(value: str) -> str:
    """NFC (macOS and some phones send decomposed Vietnamese) with runs of spaces collapsed."""
    return " ".join(unicodedata.normalize("NFC", value or "").split())


def _digits(value: str) -> str:
    """An identity number typed with spaces or dots as separators (a hyphen stays: it marks a branch's tax code)."""
    return re.sub(r"[\s.]", "", value or "")


def _phone(value: str) -> str:
    """A phone number in its national form (0 instead of +84), without separators."""
    compact = re.sub(r"[\s.]", "", value or "")
    if re.fullmatch(r"\+84(\d{9}|2\d{9})", compact):
        return "0" + compact[3:]
    return compact


def _email(value: str) -> str:
    return User.objects.normalize_email((value or "").strip())


# --- Shared checks ------------------------------------------------------------------------------


def _check_username(errors: _Errors, username: str) -> None:
    if not username:
        errors.add("username", _("Choose a username."))
        return
    if len(username) > 150:
        errors.add("username", _("A username has at most 150 characters."))
        return
    try:
        UnicodeUsernameValidator()(username)
    except ValidationError:
        errors.add("username", _("A username may contain only letters, digits and the characters @ . + - _"))
        return
    if User.objects.filter(username__iexact=username).exists():
        errors.add("username", _("This username is already taken: choose another one."))


def _check_email(errors: _Errors, email: str, *, exclude_user: User | None = None) -> None:
    if not email:
        errors.add("email", _("Enter your e-mail address: it is needed to reset a forgotten password."))
        return
    try:
        validate_email(email)
    except ValidationError:
        errors.add("email", _("Enter an e-mail address such as ten@example.com."))
        return
    others = User.objects.filter(email__iexact=email)
    if exclude_user is not None:
        others = others.exclude(pk=exclude_user.pk)
    if others.exists():
        errors.add("email", _("This e-mail address is already used by another account."))


def _check_password(errors: _Errors, password: str, user: User) -> None:
    if not password:
        errors.add("password", _("Choose a password."))
        return
    errors.check("password", password_validation.validate_password, password, user=user)


def _check_length(errors: _Errors, field: str, value: str, limit: int) -> None:
    if len(value) > limit:
        errors.add(field, _("This is too long: at most %(limit)s characters.") % {"limit": limit})


def _check_identity(
    errors: _Errors,
    *,
    full_name: str,
    id_number: str,
    date_of_birth: dt.date | None,
    gender: str,
    exclude_profile: CitizenProfile | None = None,
) -> None:
    """The citizen's name, ID number, date of birth and gender, and that no other account has the ID number."""
    if not full_name:
        errors.add("full_name", _("Enter the full name as on the ID card."))
    else:
        _check_length(errors, "full_name", full_name, 150)
    if date_of_birth is None:
        errors.add("date_of_birth", _("Enter the date of birth."))
    elif date_of_birth > timezone.localdate():
        errors.add("date_of_birth", _("The date of birth must be in the past."))
    if gender not in ("", *Gender.values):
        errors.add("gender", _("Choose male or female."))
    if not id_number:
        errors.add("id_number", _("Enter the 12-digit personal ID number."))
        return
    errors.check(
        "id_number",
        validate_citizen_id,
        id_number,
        date_of_birth=date_of_birth if "date_of_birth" not in errors else None,
        gender=gender if "gender" not in errors else None,
    )
    if "id_number" in errors:
        return
    others = CitizenProfile.objects.filter(id_number=id_number)
    if exclude_profile is not None:
        others = others.exclude(pk=exclude_profile.pk)
        if others.exists():
            errors.add("id_number", _("Another account is already registered with this ID number."))
    elif others.exists():
        errors.add(
            "id_number",
            _(
                "An account is already registered with this ID number. Log in to it, or reset its password "
                "if you have forgotten it."
            ),
        )


def _gender_from_id(id_number: str) -> str:
    """The gender the ID number's fourth digit records (even: male, odd: female)."""
    return Gender.MALE if int(id_number[3]) % 2 == 0 else Gender.FEMALE


def _unique_violation(exc: IntegrityError) -> ValidationError | None:
    """A concurrent request won the race for a unique value: say which, as a form error (None: not that)."""
    text = str(exc).lower()
    for needle, field, message in (
        ("id_number", "id_number", _("An account is already registered with this ID number.")),
        ("tax_code", "tax_code", _("A business with this tax code is already registered.")),
        ("username", "username", _("This username is already taken: choose another one.")),
        ("staff_membership_unique", "role", _("This user already has this role at this agency.")),
    ):
        if needle in text:
            return ValidationError({field: [ValidationError(message)]})
    return None


def _raise_unique_violation(exc: IntegrityError) -> NoReturn:
    error = _unique_violation(exc)
    if error is None:
        raise exc
    raise error from exc


# --- Citizens and businesses --------------------------------------------------------------------


def _citizen_normalise(*, username: str, email: str, full_name: str, id_number: str, phone: str,
                       address: str) -> dict[str, str]:
    return {
        "username": User.normalize_username((username or "").strip()),
        "email": _email(email),
        "full_name": _text(full_name),
        "id_number": _digits(id_number),
        "phone": _phone(phone),
        "address": _text(address),
    }


def _citizen_errors(
    *, username: str, password: str, email: str, full_name: str, id_number: str, date_of_birth: dt.date | None,
    gender: str, phone: str, address: str,
) -> _Errors:
    errors = _Errors()
    _check_username(errors, username)
    _check_email(errors, email)
    _check_identity(errors, full_name=full_name, id_number=id_number, date_of_birth=date_of_birth, gender=gender)
    if phone:
        errors.check("phone", validate_phone, phone)
    _check_length(errors, "address", address, 500)
    _check_password(errors, password, User(username=username, email=email, first_name=full_name))
    return errors


def citizen_register_validate(
    *,
    username: str,
    password: str,
    email: str,
    full_name: str,
    id_number: str,
    date_of_birth: dt.date | None,
    gender: str = "",
    phone: str = "",
    address: str = "",
) -> None:
    """The checks of ``citizen_register`` without the write, so a form can show every problem at once
    (even alongside its own). Raises ``ValidationError`` keyed by field."""
    values = _citizen_normalise(
        username=username, email=email, full_name=full_name, id_number=id_number, phone=phone, address=address
    )
    _citizen_errors(password=password, date_of_birth=date_of_birth, gender=gender, **values).raise_if_any()


def _user_with_profile(values: dict[str, str], *, password: str, date_of_birth: dt.date, gender: str = "",
                       phone: str = "", address: str = "") -> User:
    """A new account and its citizen profile (inside the caller's transaction); gender defaults to what
    the ID number says."""
    user = User(username=values["username"], email=values["email"])
    user.set_password(password)
    user.save()
    CitizenProfile.objects.create(
        user=user,
        full_name=values["full_name"],
        id_number=values["id_number"],
        date_of_birth=date_of_birth,
        gender=gender or _gender_from_id(values["id_number"]),
        phone=phone,
        address=address,
    )
    return user


def citizen_register(
    *,
    username: str,
    password: str,
    email: str,
    full_name: str,
    id_number: str,
    date_of_birth: dt.date,
    gender: str = "",
    phone: str = "",
    address: str = "",
) -> User:
    """Create a citizen's account: a user and their citizen profile.

    Guarantees: the ID number is valid and agrees with the date of birth (and gender, when given; an
    empty gender is read from the ID number); the ID number, username and e-mail are not taken; the
    password passes the password validators. Otherwise raises ``ValidationError`` keyed by field and
    writes nothing. The user is never staff and belongs to no group.
    """
    values = _citizen_normalise(
        username=username, email=email, full_name=full_name, id_number=id_number, phone=phone, address=address
    )
    _citizen_errors(password=password, date_of_birth=date_of_birth, gender=gender, **values).raise_if_any()

    try:
        with transaction.atomic():
            user = _user_with_profile(
                values, password=password, date_of_birth=date_of_birth, gender=gender,
                phone=values["phone"], address=values["address"],
            )
    except IntegrityError as exc:
        _raise_unique_violation(exc)
    return user


def _check_business(errors: _Errors, *, business_name: str, tax_code: str, phone: str, address: str) -> None:
    if not business_name:
        errors.add("business_name", _("Enter the business's name as on its registration certificate."))
    else:
        _check_length(errors, "business_name", business_name, 255)
    if not tax_code:
        errors.add("tax_code", _("Enter the business's tax code."))
    else:
        errors.check("tax_code", validate_tax_code, tax_code)
        if "tax_code" not in errors and Business.objects.filter(tax_code=tax_code).exists():
            errors.add(
                "tax_code",
                _(
                    "A business with this tax code is already registered. Ask its legal representative to add "
                    "you, or contact the one-stop counter."
                ),
            )
    if phone:
        errors.check("phone", validate_phone, phone)
    _check_length(errors, "address", address, 500)


def _business_normalise(
    *, username: str, email: str, business_name: str, tax_code: str, address: str, phone: str, representative: str,
    full_name: str, id_number: str,
) -> dict[str, str]:
    full_name = _text(full_name)
    return {
        "username": User.normalize_username((username or "").strip()),
        "email": _email(email),
        "business_name": _text(business_name),
        "tax_code": _digits(tax_code),
        "address": _text(address),
        "phone": _phone(phone),
        "representative": _text(representative) or full_name,
        "full_name": full_name,
        "id_number": _digits(id_number),
    }


def _business_errors(
    *, username: str, password: str, email: str, business_name: str, tax_code: str, address: str, phone: str,
    representative: str, full_name: str, id_number: str, date_of_birth: dt.date | None,
) -> _Errors:
    errors = _Errors()
    _check_username(errors, username)
    _check_email(errors, email)
    _check_business(errors, business_name=business_name, tax_code=tax_code, phone=phone, address=address)
    _check_length(errors, "representative", representative, 150)
    _check_identity(errors, full_name=full_name, id_number=id_number, date_of_birth=date_of_birth, gender="")
    _check_password(errors, password, User(username=username, email=email, first_name=full_name))
    return errors


def business_register_validate(
    *,
    username: str,
    password: str,
    email: str,
    business_name: str,
    tax_code: str,
    address: str = "",
    phone: str = "",
    representative: str = "",
    full_name: str,
    id_number: str,
    date_of_birth: dt.date | None,
) -> None:
    """The checks of ``business_register`` without the write. Raises ``ValidationError`` keyed by field."""
    values = _business_normalise(
        username=username, email=email, business_name=business_name, tax_code=tax_code, address=address,
        phone=phone, representative=representative, full_name=full_name, id_number=id_number,
    )
    _business_errors(password=password, date_of_birth=date_of_birth, **values).raise_if_any()


def business_register(
    *,
    username: str,
    password: str,
    email: str,
    business_name: str,
    tax_code: str,
    address: str = "",
    phone: str = "",
    representative: str = "",
    full_name: str,
    id_number: str,
    date_of_birth: dt.date,
) -> User:
    """Create a business's account: its legal representative's user and citizen profile, the business,
    and the membership that makes the user its representative.

    ``address``, ``phone`` and ``representative`` are the business's (the representative's name defaults
    to ``full_name``). Guarantees: everything ``citizen_register`` guarantees for the person, and a valid
    tax code not registered before; otherwise raises ``ValidationError`` keyed by field and writes
    nothing. The user is never staff.
    """
    values = _business_normalise(
        username=username, email=email, business_name=business_name, tax_code=tax_code, address=address,
        phone=phone, representative=representative, full_name=full_name, id_number=id_number,
    )
    _business_errors(password=password, date_of_birth=date_of_birth, **values).raise_if_any()

    try:
        with transaction.atomic():
            user = _user_with_profile(values, password=password, date_of_birth=date_of_birth)
            business = Business.objects.create(
                name=values["business_name"],
                tax_code=values["tax_code"],
                address=values["address"],
                phone=values["phone"],
                email=values["email"],
                representative=values["representative"],
            )
            BusinessMembership.objects.create(user=user, business=business, is_representative=True)
    except IntegrityError as exc:
        _raise_unique_violation(exc)
    return user


def business_add(
    *, user: User, business_name: str, tax_code: str, address: str = "", phone: str = ""
) -> BusinessMembership:
    """Register a business for a citizen who already has an account, as its legal representative.

    Guarantees: the user has a citizen profile (the representative must be identified); a valid tax
    code not registered before; otherwise raises ``ValidationError`` and writes nothing.
    """
    business_name = _text(business_name)
    tax_code = _digits(tax_code)
    address = _text(address)
    phone = _phone(phone)
    profile = CitizenProfile.objects.filter(user=user).first()
    if profile is None:
        raise ValidationError(
            _("Only a citizen account can register a business: its holder becomes the legal representative."),
            code="no_profile",
        )
    errors = _Errors()
    _check_business(errors, business_name=business_name, tax_code=tax_code, phone=phone, address=address)
    errors.raise_if_any()
    try:
        with transaction.atomic():
            business = Business.objects.create(
                name=business_name,
                tax_code=tax_code,
                address=address,
                phone=phone,
                email=user.email,
                representative=profile.full_name,
            )
            return BusinessMembership.objects.create(user=user, business=business, is_representative=True)
    except IntegrityError as exc:
        _raise_unique_violation(exc)


def profile_update(*, user: User, email: str, phone: str, address: str) -> User:
    """Change a user's contact details: e-mail, and phone and address on their citizen profile.

    The name, ID number, date of birth and gender are not changed here: they come from the ID card
    and only an administrator corrects them (``citizen_profile_correct``). A user without a citizen
    profile (an official) has only an e-mail. Raises ``ValidationError`` keyed by field and writes
    nothing on a refusal.
    """
    email = _email(email)
    phone = _phone(phone)
    address = _text(address)
    profile = CitizenProfile.objects.filter(user=user).first()
    errors = _Errors()
    _check_email(errors, email, exclude_user=user)
    if profile is None:
        if phone:
            errors.add("phone", _("Only a citizen profile has a phone number here."))
        if address:
            errors.add("address", _("Only a citizen profile has an address here."))
    else:
        if phone:
            errors.check("phone", validate_phone, phone)
        _check_length(errors, "address", address, 500)
    errors.raise_if_any()

    with transaction.atomic():
        user.email = email
        user.save(update_fields=["email"])
        if profile is not None:
            if phone != profile.phone:
                profile.phone_confirmed_at = None  # a new number is not confirmed yet
            profile.phone = phone
            profile.address = address
            profile.save(update_fields=["phone", "address", "phone_confirmed_at"])
            user.citizen_profile = profile
    return user


# --- A phone and an e-mail for an account opened with VNeID ---------------------------------------------

CODES_PER_HOUR = 5  # an SMS costs the province and can be abused to harass a number
RESEND_AFTER = dt.timedelta(seconds=60)


def _code_hash(user_id: int, phone: str, code: str) -> str:
    message = f"{user_id}:{phone}:{code}".encode()
    return hmac.new(settings.SECRET_KEY.encode(), message, hashlib.sha256).hexdigest()


def contact_details_give(*, user: User, email: str, phone: str) -> PhoneConfirmation | None:
    """The contact details an account opened with VNeID is asked for once (VNeID gives neither, so no
    notification could reach its holder): the e-mail is kept as given; the phone only once confirmed with the
    code sent to it, so the returned confirmation waits for that code. Either may be left empty."""
    email, phone = _email(email), _phone(phone)
    profile = CitizenProfile.objects.get(user=user)
    errors = _Errors()
    if email:
        _check_email(errors, email, exclude_user=user)
    if phone:
        errors.check("phone", validate_phone, phone)
    errors.raise_if_any()
    with transaction.atomic():
        profile.contact_asked_at = profile.contact_asked_at or timezone.now()
        profile.save(update_fields=["contact_asked_at"])
        if email and email != user.email:
            user.email = email
            user.save(update_fields=["email"])
        if phone and not (phone == profile.phone and profile.phone_confirmed_at):
            return phone_code_send(user=user, phone=phone)
    return None


def contact_ask_skip(*, user: User) -> None:
    """The holder chose not to give them now: not asked again (the profile page keeps the way to)."""
    CitizenProfile.objects.filter(user=user, contact_asked_at__isnull=True).update(contact_asked_at=timezone.now())


def phone_code_send(*, user: User, phone: str) -> PhoneConfirmation:
    """A new six-digit code for ``phone``, sent by SMS (the ``phone_code_issued`` hook); the previous one
    no longer counts. At most one a minute and ``CODES_PER_HOUR`` an hour per account."""
    phone = _phone(phone)
    errors = _Errors()
    errors.check("phone", validate_phone, phone)
    errors.raise_if_any()
    now = timezone.now()
    recent = list(PhoneConfirmation.objects.filter(user=user, created_at__gte=now - dt.timedelta(hours=1))
                  .order_by("-created_at").values_list("created_at", flat=True))
    if len(recent) >= CODES_PER_HOUR:
        raise ValidationError({"phone": _("Too many codes were sent in the last hour: try again later.")})
    if recent and recent[0] > now - RESEND_AFTER:
        raise ValidationError({"phone": _("A code was sent less than a minute ago: wait for it, or ask again in a minute.")})
    code = f"{secrets.randbelow(10 ** 6):06d}"
    with transaction.atomic():
        confirmation = PhoneConfirmation.objects.create(user=user, phone=phone,
                                                        code_hash=_code_hash(user.pk, phone, code))
        extensions.phone_code_issued(user=user, phone=phone, code=code)
    return confirmation


def phone_confirm(*, user: User, code: str) -> CitizenProfile:
    """The code typed back: the phone becomes the account's, confirmed. A wrong code counts against the code
    (``PhoneConfirmation.MAX_TRIES``); an old one (``TTL``) or one tried too often must be sent again."""
    code = re.sub(r"\s", "", code or "")
    with transaction.atomic():
        confirmation = (PhoneConfirmation.objects.select_for_update()
                        .filter(user=user, confirmed_at__isnull=True).order_by("-created_at").first())
        refusal = None
        if confirmation is None or confirmation.created_at < timezone.now() - PhoneConfirmation.TTL:
            refusal = _("This code has expired: ask for a new one.")
        elif confirmation.tries >= PhoneConfirmation.MAX_TRIES:
            refusal = _("Too many wrong codes: ask for a new one.")
        elif not hmac.compare_digest(confirmation.code_hash, _code_hash(user.pk, confirmation.phone, code)):
            confirmation.tries += 1
            confirmation.save(update_fields=["tries"])  # kept: the refusal is raised after the commit
            refusal = _("This is not the code we sent. Check the SMS and type its six digits.")
        else:
            now = timezone.now()
            confirmation.confirmed_at = now
            confirmation.save(update_fields=["confirmed_at"])
            profile = CitizenProfile.objects.select_for_update().get(user=user)
            profile.phone, profile.phone_confirmed_at = confirmation.phone, now
            profile.save(update_fields=["phone", "phone_confirmed_at"])
    if refusal is not None:
        raise ValidationError({"code": refusal})
    return profile


def citizen_profile_correct(
    *,
    profile: CitizenProfile,
    full_name: str,
    id_number: str,
    date_of_birth: dt.date,
    gender: str,
    phone: str = "",
    address: str = "",
) -> CitizenProfile:
    """An administrator's correction of a citizen's identity (after checking their ID card).

    Guarantees the same checks as registration (the ID number valid, consistent, and not another
    account's); raises ``ValidationError`` keyed by field and writes nothing on a refusal.
    """
    full_name = _text(full_name)
    id_number = _digits(id_number)
    phone = _phone(phone)
    address = _text(address)
    errors = _Errors()
    _check_identity(
        errors,
        full_name=full_name,
        id_number=id_number,
        date_of_birth=date_of_birth,
        gender=gender,
        exclude_profile=profile,
    )
    if phone:
        errors.check("phone", validate_phone, phone)
    _check_length(errors, "address", address, 500)
    errors.raise_if_any()

    profile.full_name = full_name
    profile.id_number = id_number
    profile.date_of_birth = date_of_birth
    profile.gender = gender
    profile.phone = phone
    profile.address = address
    try:
        with transaction.atomic():
            profile.save(update_fields=["full_name", "id_number", "date_of_birth", "gender", "phone", "address"])
    except IntegrityError as exc:
        _raise_unique_violation(exc)
    return profile


# --- Staff ---------------------------------------------------------------------------------------


def _role_group(role: str) -> Group:
    group = Group.objects.filter(name=role).first()
    if group is None:
        # A database flushed after migrate (some test set-ups) has no groups yet: build them now.
        sync_role_groups()
        group = Group.objects.get(name=role)
    return group


def _staff_access_sync(user: User) -> None:
    """Make the user's role groups and ``is_staff`` follow their memberships.

    One group per role held (at any agency); ``is_staff`` (the admin site) only for administrators,
    and for superusers, whose access does not depend on memberships. Groups that are not role groups
    are left alone.
    """
    roles = set(StaffMembership.objects.filter(user=user).values_list("role", flat=True))
    held = set(user.groups.filter(name__in=ROLE_GROUP_NAMES).values_list("name", flat=True))
    for role in roles - held:
        user.groups.add(_role_group(role))
    stale = held - roles
    if stale:
        user.groups.remove(*Group.objects.filter(name__in=stale))
    is_staff = user.is_superuser or StaffRole.ADMINISTRATOR in roles
    if user.is_staff != is_staff:
        user.is_staff = is_staff
        user.save(update_fields=["is_staff"])


def _check_membership(errors: _Errors, *, agency: Agency | None, role: str, title: str) -> None:
    if agency is None:
        errors.add("agency", _("Choose the agency."))
    elif not agency.is_active:
        errors.add("agency", _("This agency is no longer active."))
    if role not in StaffRole.values:
        errors.add("role", _("Choose a role."))
    _check_length(errors, "title", title, 150)


def staff_account_validate(
    *,
    username: str,
    password: str,
    email: str,
    first_name: str,
    last_name: str,
    agency: Agency | None,
    role: str,
    title: str = "",
) -> None:
    """The checks of ``staff_account_create``, for a form that wants to show them before saving.

    Raises ``ValidationError`` keyed by field; writes nothing.
    """
    username = User.normalize_username((username or "").strip())
    email = _email(email)
    first_name = _text(first_name)
    last_name = _text(last_name)
    errors = _Errors()
    _check_username(errors, username)
    _check_email(errors, email)
    if not last_name:
        errors.add("last_name", _("Enter the family name."))
    if not first_name:
        errors.add("first_name", _("Enter the given name."))
    _check_length(errors, "first_name", first_name, 150)
    _check_length(errors, "last_name", last_name, 150)
    _check_membership(errors, agency=agency, role=role, title=_text(title))
    _check_password(errors, password, User(username=username, email=email, first_name=first_name, last_name=last_name))
    errors.raise_if_any()


def staff_account_create(
    *,
    username: str,
    password: str,
    email: str,
    first_name: str,
    last_name: str,
    agency: Agency,
    role: str,
    title: str = "",
) -> User:
    """Create an official's account with their first membership (administrators only, from the admin).

    Guarantees: a free username and e-mail, a password that passes the validators, the role's group,
    and ``is_staff`` exactly when the role is administrator; no citizen profile. Raises
    ``ValidationError`` keyed by field and writes nothing on a refusal.
    """
    staff_account_validate(
        username=username,
        password=password,
        email=email,
        first_name=first_name,
        last_name=last_name,
        agency=agency,
        role=role,
        title=title,
    )
    try:
        with transaction.atomic():
            user = User(
                username=User.normalize_username(username.strip()),
                email=_email(email),
                first_name=_text(first_name),
                last_name=_text(last_name),
            )
            user.set_password(password)
            user.save()
            StaffMembership.objects.create(user=user, agency=agency, role=role, title=_text(title))
            _staff_access_sync(user)
    except IntegrityError as exc:
        _raise_unique_violation(exc)
    return user


def _lock_user(user_id: int) -> User:
    """Serialise membership changes of one user, so two admins cannot leave groups half-synced."""
    return User.objects.select_for_update().get(pk=user_id)


def staff_membership_add(*, user: User, agency: Agency, role: str, title: str = "") -> StaffMembership:
    """Give a user a role at an agency.

    Guarantees: the user is in the role's group; ``is_staff`` when the role is administrator. Refuses
    (``ValidationError``, nothing written) a membership the user already has, or an inactive agency.
    """
    title = _text(title)
    errors = _Errors()
    _check_membership(errors, agency=agency, role=role, title=title)
    errors.raise_if_any()
    try:
        with transaction.atomic():
            locked = _lock_user(user.pk)
            if StaffMembership.objects.filter(user=locked, agency=agency, role=role).exists():
                raise ValidationError({"role": [ValidationError(_("This user already has this role at this agency."))]})
            membership = StaffMembership.objects.create(user=locked, agency=agency, role=role, title=title)
            _staff_access_sync(locked)
    except IntegrityError as exc:
        _raise_unique_violation(exc)
    user.is_staff = locked.is_staff
    return membership


def staff_membership_change(
    *, membership: StaffMembership, agency: Agency | None, role: str, title: str = ""
) -> StaffMembership:
    """Move a membership to another agency or role, or change its job title.

    Guarantees the same as ``staff_membership_add`` for the new role, and that the old role's group and
    ``is_staff`` go when no other membership needs them.
    """
    title = _text(title)
    errors = _Errors()
    staying = agency is not None and agency.pk == membership.agency_id
    # Staying at an agency that has since been closed is allowed; moving to one is not.
    _check_membership(errors, agency=agency if not staying else None, role=role, title=title)
    if staying:
        errors.by_field.pop("agency", None)
    errors.raise_if_any()
    assert agency is not None  # a missing agency was refused just above
    try:
        with transaction.atomic():
            locked = _lock_user(membership.user_id)
            duplicate = (
                StaffMembership.objects.filter(user=locked, agency=agency, role=role).exclude(pk=membership.pk).exists()
            )
            if duplicate:
                raise ValidationError({"role": [ValidationError(_("This user already has this role at this agency."))]})
            membership.agency = agency
            membership.role = role
            membership.title = title
            membership.save(update_fields=["agency", "role", "title"])
            _staff_access_sync(locked)
    except IntegrityError as exc:
        _raise_unique_violation(exc)
    return membership


def staff_membership_remove(*, membership: StaffMembership) -> None:
    """End a user's role at an agency.

    Guarantees: the role's group is removed unless another membership of the user has that role;
    ``is_staff`` is cleared when no administrator membership remains (superusers keep it).
    """
    with transaction.atomic():
        locked = _lock_user(membership.user_id)
        StaffMembership.objects.filter(pk=membership.pk).delete()
        _staff_access_sync(locked)


def business_membership_add(*, user: User, business: Business, is_representative: bool = False) -> BusinessMembership:
    """Let a user act for a business (an administrator's decision, after checking the papers).

    Refuses a user without a citizen profile (officials do not apply for businesses) and a
    membership that already exists.
    """
    errors = _Errors()
    if not CitizenProfile.objects.filter(user=user).exists():
        errors.add("user", _("Only a citizen account can act for a business."))
    if BusinessMembership.objects.filter(user=user, business=business).exists():
        errors.add("business", _("This user already acts for this business."))
    errors.raise_if_any()
    with transaction.atomic():
        return BusinessMembership.objects.create(user=user, business=business, is_representative=is_representative)


def business_membership_change(
    *, membership: BusinessMembership, business: Business, is_representative: bool
) -> BusinessMembership:
    """Point a membership at another business, or change whether the user is the legal representative."""
    if business.pk != membership.business_id and (
        BusinessMembership.objects.filter(user_id=membership.user_id, business=business).exists()
    ):
        raise ValidationError({"business": [ValidationError(_("This user already acts for this business."))]})
    with transaction.atomic():
        membership.business = business
        membership.is_representative = is_representative
        membership.save(update_fields=["business", "is_representative"])
    return membership


def business_membership_remove(*, membership: BusinessMembership) -> None:
    """Stop a user acting for a business."""
    with transaction.atomic():
        BusinessMembership.objects.filter(pk=membership.pk).delete()


def login_lockout_clear(*, username: str) -> int:
    """Forget the failed logins of a username (after its holder proved themselves by resetting the
    password by e-mail), so the lockout does not outlast the reset. Returns how many records went."""
    from axes.utils import reset

    return reset(username=username)


# --- Electronic identity (VNeID) ---------------------------------------------------------------------------
#
# A login through VNeID (accounts.vneid checks the token) vouches for a person by their ID number. The
# portal's account of that person is found by the identity's stable identifier, then by ID number, never by
# name. A new person gets an account (no password: they log in with VNeID); an account already linked logs
# in; an account with a password and the same ID number is linked only once its holder has also proved its
# password (``vneid_link``), so that neither a stolen password nor a borrowed identity alone takes it over.


@dataclasses.dataclass(frozen=True)
class VNeIDSignIn:
    """What a verified identity leads to: log ``user`` in, or ask for ``link_to``'s password first."""

    user: User | None = None
    link_to: User | None = None
    created: bool = False


def _vneid_conflict() -> ValidationError:
    return ValidationError(_("This ID number's account is linked to another VNeID identity. Contact the "
                             "one-stop desk with your ID card so the link can be checked."))


def _vneid_apply(profile: CitizenProfile, identity: "Identity") -> None:
    """Mark ``profile`` verified by ``identity``: its name, birth date and gender are VNeID's from now on."""
    profile.vneid_subject = identity.subject
    profile.identity_verified_at = timezone.now()
    profile.assurance_level = identity.assurance_level or None
    profile.full_name = identity.full_name[:150]
    if identity.date_of_birth:
        profile.date_of_birth = identity.date_of_birth
    if identity.gender:
        profile.gender = identity.gender
    if not profile.address:
        profile.address = identity.address[:500]
    profile.save(update_fields=["vneid_subject", "identity_verified_at", "assurance_level", "full_name",
                                "date_of_birth", "gender", "address"])


def _vneid_business(user: User, identity: "Identity") -> Business | None:
    """An identity that VNeID says represents an organization: the user acts for it (its business is
    created from VNeID's details if the portal does not know it yet)."""
    organization = identity.organization or {}
    tax_code = _digits(str(organization.get("ma_so_thue", "")))
    if organization.get("vai_tro") != "nguoi_dai_dien" or not tax_code:
        return None
    try:
        validate_tax_code(tax_code)
    except ValidationError:
        return None
    business, _created = Business.objects.get_or_create(tax_code=tax_code, defaults={
        "name": _text(str(organization.get("ten", "")))[:255] or tax_code,
        "address": _text(str(organization.get("dia_chi", "")))[:500], "representative": identity.full_name[:150],
    })
    membership, created = BusinessMembership.objects.get_or_create(
        user=user, business=business, defaults={"is_representative": True})
    if not created and not membership.is_representative:
        membership.is_representative = True
        membership.save(update_fields=["is_representative"])
    return business


def _vneid_username(id_number: str) -> str:
    base = f"vneid-{id_number}"
    taken = set(User.objects.filter(username__startswith=base).values_list("username", flat=True))
    return next(name for name in (base, *(f"{base}-{n}" for n in range(2, 100))) if name not in taken)


def vneid_sign_in(*, identity: "Identity") -> VNeIDSignIn:
    """What the verified ``identity`` (an ``accounts.vneid.Identity``) leads to; creates the account of a
    person new to the portal. ``ValidationError`` (and no change) when the identity conflicts with an
    account's link."""
    with transaction.atomic():
        linked = (CitizenProfile.objects.select_for_update().select_related("user")
                  .filter(vneid_subject=identity.subject).first())
        if linked is not None:
            if linked.id_number != identity.id_number:
                raise _vneid_conflict()
            _vneid_apply(linked, identity)
            _vneid_business(linked.user, identity)
            return VNeIDSignIn(user=linked.user)
        existing = (CitizenProfile.objects.select_for_update().select_related("user")
                    .filter(id_number=identity.id_number).first())
        if existing is not None:
            if existing.vneid_subject:
                raise _vneid_conflict()
            return VNeIDSignIn(link_to=existing.user)
        if identity.date_of_birth is None:
            raise ValidationError(_("VNeID did not give your date of birth, so an account cannot be opened."))
        user = User(username=_vneid_username(identity.id_number))
        user.set_unusable_password()
        user.save()
        profile = CitizenProfile(user=user, id_number=identity.id_number, full_name=identity.full_name[:150],
                                 date_of_birth=identity.date_of_birth)
        profile.save()
        _vneid_apply(profile, identity)
        _vneid_business(user, identity)
        return VNeIDSignIn(user=user, created=True)


def vneid_link(*, user: User, identity: "Identity") -> User:
    """Link ``user``'s password account to the verified ``identity``, once its holder has proved the
    password (the caller authenticated it). Re-checks what ``vneid_sign_in`` found, under lock."""
    with transaction.atomic():
        profile = CitizenProfile.objects.select_for_update().filter(user=user).first()
        if profile is None or profile.id_number != identity.id_number:
            raise ValidationError(_("This account is not the account of your ID number."))
        if profile.vneid_subject and profile.vneid_subject != identity.subject:
            raise _vneid_conflict()
        if CitizenProfile.objects.filter(vneid_subject=identity.subject).exclude(pk=profile.pk).exists():
            raise _vneid_conflict()
        _vneid_apply(profile, identity)
        _vneid_business(user, identity)
    return user
