"""What a verified VNeID identity does to the portal's accounts, and the pages around it, with the provider's
answer stood in (the protocol against the mock provider as a real process: tests/test_vneid_flow.py)."""

import datetime as dt

import pytest
from django.urls import reverse

from accounts import services, vneid
from accounts.models import Business, BusinessMembership, CitizenProfile, User
from accounts.services import citizen_register

PASSWORD = "mat-khau-rat-dai-1"


def identity(**overrides) -> vneid.Identity:
    values = {
        "subject": "vn-0f3a2b", "id_number": "048090001234", "full_name": "Nguyễn Văn An",
        "date_of_birth": dt.date(1990, 5, 12), "gender": "male",
        "address": "12 Lê Duẩn, phường Hải Châu, thành phố Đà Nẵng", "assurance_level": 2, "organization": None,
        "id_token": "header.payload.signature",
    }
    return vneid.Identity(**{**values, **overrides})


@pytest.fixture
def an(db):
    """A password account with An's ID number, opened before VNeID existed on the portal."""
    return citizen_register(
        username="an", password=PASSWORD, email="an@example.com", full_name="Nguyen Van An",
        id_number="048090001234", date_of_birth=dt.date(1990, 5, 12), gender="male", address="Tổ 3",
    )


def test_a_new_person_gets_a_verified_account_without_password(db):
    outcome = services.vneid_sign_in(identity=identity(id_number="048088123456", full_name="Phạm Minh Đức",
                                                       date_of_birth=dt.date(1988, 7, 30)))
    assert outcome.created and outcome.link_to is None
    profile = outcome.user.citizen_profile
    assert (profile.id_number, profile.full_name, profile.vneid_subject, profile.assurance_level) == (
        "048088123456", "Phạm Minh Đức", "vn-0f3a2b", 2)
    assert profile.is_verified and not outcome.user.has_usable_password()
    # The next login finds the same account by its identifier.
    again = services.vneid_sign_in(identity=identity(id_number="048088123456", full_name="Phạm Minh Đức",
                                                     date_of_birth=dt.date(1988, 7, 30)))
    assert again.user == outcome.user and not again.created
    assert User.objects.count() == 1


def test_a_password_account_with_the_id_number_is_linked_only_after_proof(an):
    outcome = services.vneid_sign_in(identity=identity())
    assert outcome.user is None and outcome.link_to == an
    an.citizen_profile.refresh_from_db()
    assert not an.citizen_profile.is_verified  # nothing changed yet
    services.vneid_link(user=an, identity=identity())
    profile = CitizenProfile.objects.get(user=an)
    assert profile.vneid_subject == "vn-0f3a2b" and profile.is_verified
    assert profile.full_name == "Nguyễn Văn An"  # VNeID's spelling replaces what was typed
    assert profile.address == "Tổ 3"  # the contact address the citizen gave stays
    assert services.vneid_sign_in(identity=identity()).user == an


def test_never_by_name(an):
    # Same name, another person: a new account, An's is untouched.
    outcome = services.vneid_sign_in(identity=identity(subject="vn-other", id_number="048090009999"))
    assert outcome.created and outcome.user != an
    assert not CitizenProfile.objects.get(user=an).is_verified


def test_conflicting_links_are_refused_and_change_nothing(an):
    services.vneid_link(user=an, identity=identity())
    # Another VNeID identifier claiming An's ID number.
    with pytest.raises(services.ValidationError):
        services.vneid_sign_in(identity=identity(subject="vn-intruder"))
    # An's identifier now carrying another ID number.
    with pytest.raises(services.ValidationError):
        services.vneid_sign_in(identity=identity(id_number="048090009999"))
    assert CitizenProfile.objects.get(user=an).vneid_subject == "vn-0f3a2b"
    assert User.objects.count() == 1


def test_a_representative_acts_for_their_business(db):
    org = {"ma_so_thue": "0401001233", "ten": "Công ty TNHH Thương mại Sông Hàn", "dia_chi": "88 Bạch Đằng",
           "vai_tro": "nguoi_dai_dien"}
    outcome = services.vneid_sign_in(identity=identity(id_number="048185004321", full_name="Trần Thị Bình",
                                                       organization=org))
    business = Business.objects.get(tax_code="0401001233")
    assert business.name == "Công ty TNHH Thương mại Sông Hàn" and business.representative == "Trần Thị Bình"
    assert BusinessMembership.objects.get(user=outcome.user, business=business).is_representative
    # An organization the identity does not represent gives nothing.
    services.vneid_sign_in(identity=identity(subject="vn-x", id_number="048088123456",
                                             organization={**org, "ma_so_thue": "0309999999", "vai_tro": "nhan_vien"}))
    assert not Business.objects.filter(tax_code="0309999999").exists()


# --- the pages ------------------------------------------------------------------------------------------------
@pytest.fixture
def provider(monkeypatch, settings):
    """VNeID's answer to the callback, set by the test: an identity, or a refusal."""
    settings.VNEID_ISSUER, settings.VNEID_CLIENT_SECRET = "http://vneid.invalid/vneid", "secret"
    answer = {}

    def complete(request):
        if isinstance(answer.get("value"), vneid.Refused):
            raise answer["value"]
        return answer["value"]

    monkeypatch.setattr(vneid, "complete", complete)
    return answer


def test_a_refused_login_says_why_and_changes_nothing(an, client, provider):
    provider["value"] = vneid.Refused("Danh tính VNeID gửi về không có chữ ký hợp lệ.", "signature")
    page = client.get(reverse("accounts:vneid-callback"), follow=True)
    assert "Danh tính VNeID gửi về không có chữ ký hợp lệ." in page.content.decode()
    assert "_auth_user_id" not in client.session
    assert not CitizenProfile.objects.get(user=an).is_verified


def test_linking_asks_for_the_password_then_logs_in(an, client, provider):
    provider["value"] = identity()
    answer = client.get(reverse("accounts:vneid-callback"))
    assert answer["Location"] == reverse("accounts:vneid-link")
    page = client.get(answer["Location"])
    assert page.status_code == 200 and "048••••••234" in page.content.decode()
    wrong = client.post(reverse("accounts:vneid-link"), {"password": "not-the-password"})
    assert wrong.status_code == 400 and "_auth_user_id" not in client.session
    assert not CitizenProfile.objects.get(user=an).is_verified
    right = client.post(reverse("accounts:vneid-link"), {"password": PASSWORD})
    assert right.status_code == 302 and int(client.session["_auth_user_id"]) == an.pk
    assert CitizenProfile.objects.get(user=an).is_verified
    assert client.session["vneid_id_token"] == "header.payload.signature"


def test_declining_the_link_changes_nothing(an, client, provider):
    provider["value"] = identity()
    client.get(reverse("accounts:vneid-callback"))
    client.post(reverse("accounts:vneid-link"), {"cancel": "1"})
    assert "_auth_user_id" not in client.session and "vneid_pending" not in client.session
    assert not CitizenProfile.objects.get(user=an).is_verified


def test_login_page_offers_vneid_only_when_configured(db, client, settings):
    settings.VNEID_ISSUER = ""
    assert "Đăng nhập bằng VNeID" not in client.get(reverse("accounts:login")).content.decode()
    assert client.get(reverse("accounts:vneid")).status_code == 404
    settings.VNEID_ISSUER, settings.VNEID_CLIENT_SECRET = "http://vneid.invalid/vneid", "secret"
    assert "Đăng nhập bằng VNeID" in client.get(reverse("accounts:login")).content.decode()
