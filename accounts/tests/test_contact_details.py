"""A phone and an e-mail for an account opened with VNeID (which gives neither): asked once after the first
sign-in, the phone confirmed with a code sent by SMS (the ``phone_code_issued`` hook; integrations sends it)."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts import extensions, services
from accounts.models import CitizenProfile, PhoneConfirmation

from .test_vneid_accounts import identity, provider  # noqa: F401 - the provider fixture

pytestmark = pytest.mark.django_db


@pytest.fixture
def sent(monkeypatch):
    """The codes the SMS would carry, as the hook hands them over (no gateway here)."""
    codes = []
    monkeypatch.setattr(extensions.phone_code_issued, "_handlers", [lambda **kw: codes.append(kw)])
    return codes


def _new_vneid_account(client, provider):  # noqa: F811
    provider["value"] = identity()
    return client.get(reverse("accounts:vneid-callback"))


def test_a_new_vneid_account_is_asked_once_then_goes_where_it_was_going(client, provider, sent):  # noqa: F811
    client.get(reverse("accounts:vneid") + "?next=/ho-so/", follow=False)
    answer = _new_vneid_account(client, provider)
    assert answer["Location"] == reverse("accounts:contact")
    page = client.get(answer["Location"]).content.decode()
    assert 'name="phone"' in page and 'name="email"' in page and 'name="skip"' in page
    skipped = client.post(reverse("accounts:contact"), {"skip": "1"})
    assert skipped["Location"] == "/ho-so/"
    assert CitizenProfile.objects.get().contact_asked_at is not None
    # Signed in again: not asked again.
    client.logout()
    assert _new_vneid_account(client, provider)["Location"] == "/"


def test_the_phone_is_kept_once_the_code_sent_to_it_comes_back(client, provider, sent):  # noqa: F811
    _new_vneid_account(client, provider)
    answer = client.post(reverse("accounts:contact"), {"phone": "0905 123 456", "email": "an@example.vn"})
    assert answer["Location"] == reverse("accounts:phone-confirm")
    profile = CitizenProfile.objects.get()
    assert profile.user.email == "an@example.vn" and profile.phone == ""  # the phone waits for its code
    (message,) = sent
    assert message["phone"] == "0905123456" and len(message["code"]) == 6 and message["code"].isdigit()
    assert message["code"] not in PhoneConfirmation.objects.get().code_hash  # only a keyed hash is kept

    wrong = "000000" if message["code"] != "000000" else "111111"
    page = client.post(reverse("accounts:phone-confirm"), {"code": wrong})
    assert page.status_code == 200 and "Đây không phải mã" in page.content.decode()
    assert PhoneConfirmation.objects.get().tries == 1  # counted, though the answer was a refusal
    done = client.post(reverse("accounts:phone-confirm"), {"code": f" {message['code'][:3]} {message['code'][3:]} "})
    assert done.status_code == 302
    profile.refresh_from_db()
    assert profile.phone == "0905123456" and profile.phone_confirmed_at is not None


def test_a_code_is_refused_when_old_or_tried_too_often(db, sent):
    from accounts.services import citizen_register

    user = citizen_register(username="mai", password="mat-khau-rat-dai-2", email="mai@example.vn", full_name="Lê Thị Mai",
                            id_number="048195007788", date_of_birth=dt.date(1995, 2, 20), gender="female")
    services.phone_code_send(user=user, phone="0905123456")
    code = sent[-1]["code"]
    PhoneConfirmation.objects.update(tries=PhoneConfirmation.MAX_TRIES)  # 5 wrong answers before
    with pytest.raises(Exception, match="Quá nhiều lần nhập sai|Too many wrong codes"):
        services.phone_confirm(user=user, code=code)
    PhoneConfirmation.objects.update(tries=0, created_at=timezone.now() - PhoneConfirmation.TTL - dt.timedelta(seconds=1))
    with pytest.raises(Exception, match="hết hiệu lực|expired"):
        services.phone_confirm(user=user, code=code)
    assert not CitizenProfile.objects.get(user=user).phone_confirmed_at


def test_codes_are_rationed(db, sent):
    from django.core.exceptions import ValidationError

    from accounts.services import citizen_register

    user = citizen_register(username="mai", password="mat-khau-rat-dai-2", email="mai@example.vn", full_name="Lê Thị Mai",
                            id_number="048195007788", date_of_birth=dt.date(1995, 2, 20), gender="female")
    services.phone_code_send(user=user, phone="0905123456")
    with pytest.raises(ValidationError):  # again within the minute
        services.phone_code_send(user=user, phone="0905123456")
    # Four more, each a minute apart (moved back in time), make five in the hour: the sixth is refused.
    for minutes in range(2, 6):
        PhoneConfirmation.objects.filter(pk=PhoneConfirmation.objects.latest("created_at").pk).update(
            created_at=timezone.now() - dt.timedelta(minutes=minutes))
        services.phone_code_send(user=user, phone="0905123456")
        PhoneConfirmation.objects.filter(pk=PhoneConfirmation.objects.latest("created_at").pk).update(
            created_at=timezone.now() - dt.timedelta(minutes=minutes + 1))
    assert PhoneConfirmation.objects.count() == 5
    with pytest.raises(ValidationError):
        services.phone_code_send(user=user, phone="0905123456")
    assert len(sent) == 5


def test_a_changed_phone_is_no_longer_confirmed(db):
    from accounts.services import citizen_register, profile_update

    user = citizen_register(username="mai", password="mat-khau-rat-dai-2", email="mai@example.vn",
                            full_name="Lê Thị Mai", id_number="048195007788", date_of_birth=dt.date(1995, 2, 20),
                            gender="female", phone="0905123456")
    CitizenProfile.objects.filter(user=user).update(phone_confirmed_at=timezone.now())
    profile_update(user=user, email="mai@example.vn", phone="0905 123 456", address="")
    assert CitizenProfile.objects.get(user=user).phone_confirmed_at is not None  # the same number
    profile_update(user=user, email="mai@example.vn", phone="0912000111", address="")
    assert CitizenProfile.objects.get(user=user).phone_confirmed_at is None
