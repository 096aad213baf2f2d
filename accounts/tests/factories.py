"""Factories for accounts: citizens, businesses and officials, valid by the same rules as registration.

    CitizenFactory()                                  a citizen with a valid, unique 12-digit ID number
    CitizenFactory(date_of_birth=..., gender="female")  the ID number follows the date and gender given
    BusinessFactory()                                 a business with a valid, unique tax code
    BusinessFactory(owner=user)                       ... and ``user`` its legal representative
    BusinessUserFactory()                             a citizen who represents a new business
    StaffFactory(agency=..., role=StaffRole.LEADER)   an official; groups and is_staff set by the services
    AgencyFactory()                                   a root agency (for tests that need any agency)

Every user's password is ``DEFAULT_PASSWORD``.
"""

import datetime as dt

import factory
from factory.django import DjangoModelFactory

from accounts import services
from accounts.models import Business, BusinessMembership, CitizenProfile, Gender, StaffMembership, User
from procedures.models import Agency, StaffRole

DEFAULT_PASSWORD = "mat-khau-thu-nghiem-2025"

FAMILY_NAMES = ["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Huỳnh", "Phan", "Vũ", "Võ", "Đặng", "Bùi", "Đỗ", "Hồ", "Ngô"]
MIDDLE_NAMES = {"male": ["Văn", "Hữu", "Minh", "Đức", "Quốc"], "female": ["Thị", "Ngọc", "Thu", "Thanh", "Mỹ"]}
GIVEN_NAMES = {
    "male": ["An", "Bình", "Dũng", "Hùng", "Nam", "Phúc", "Quân", "Tuấn", "Khoa", "Long", "Sơn"],
    "female": ["Chi", "Hà", "Hạnh", "Lan", "Linh", "Mai", "Thảo", "Trang", "Vy", "Yến", "Hương"],
}
# Place-of-registration codes of the ID number: Hà Nội, Đà Nẵng, Thành phố Hồ Chí Minh, Cần Thơ.
PROVINCES = ["001", "048", "079", "092"]
_TAX_WEIGHTS = (31, 29, 23, 19, 17, 13, 7, 5, 3)


def citizen_id_for(date_of_birth: dt.date, gender: str, serial: int, province: str = "048") -> str:
    """A 12-digit ID number consistent with a date of birth and gender (any serial 0..999999)."""
    century = (date_of_birth.year - 1900) // 100
    marker = century * 2 + (1 if gender == Gender.FEMALE else 0)
    if not 0 <= marker <= 9:
        raise ValueError(f"no ID number for a birth in {date_of_birth.year}")
    return f"{province}{marker}{date_of_birth.year % 100:02d}{serial % 1_000_000:06d}"


def tax_code_for(serial: int) -> str:
    """A valid 10-digit tax code: 9 digits from ``serial`` and the check digit (skipping the 1 in 11
    bases that have none)."""
    base = 100_000_000 + serial * 7
    while True:
        digits = f"{base % 1_000_000_000:09d}"
        check = 10 - sum(int(d) * w for d, w in zip(digits, _TAX_WEIGHTS, strict=True)) % 11
        if check < 10:
            return f"{digits}{check}"
        base += 1


def _name(n: int, gender: str) -> str:
    gender = gender or Gender.MALE
    return " ".join(
        [
            FAMILY_NAMES[n % len(FAMILY_NAMES)],
            MIDDLE_NAMES[gender][n % len(MIDDLE_NAMES[gender])],
            GIVEN_NAMES[gender][(n // 3) % len(GIVEN_NAMES[gender])],
        ]
    )


class AgencyFactory(DjangoModelFactory):
    """A root agency; ``Agency.objects.add_root`` keeps the tree's paths right."""

    class Meta:
        model = Agency

    code = factory.Sequence(lambda n: f"000.{n // 100 % 100:02d}.{n % 100:02d}.T99")
    name = factory.Sequence(lambda n: f"Cơ quan thử nghiệm số {n}")
    level = Agency.Level.DEPARTMENT

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        return model_class.objects.add_root(instance=model_class(**kwargs))


def default_agency() -> Agency:
    """One shared agency for officials whose test does not care where they work."""
    return Agency.objects.filter(code="000.00.00.T98").first() or Agency.objects.add_root(
        instance=Agency(code="000.00.00.T98", name="Ủy ban nhân dân tỉnh thử nghiệm", level=Agency.Level.PROVINCE)
    )


class UserFactory(DjangoModelFactory):
    """A bare user: no profile, no membership (rare in the portal; prefer the factories below)."""

    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"nguoidung{n}")
    email = factory.LazyAttribute(lambda o: f"{o.username}@example.com")
    password = factory.django.Password(DEFAULT_PASSWORD)


_PROFILE_FIELDS = ("full_name", "id_number", "date_of_birth", "gender", "phone", "address")


class CitizenFactory(UserFactory):
    """A citizen: a user with a citizen profile whose ID number is valid, unique and consistent with the
    date of birth and gender. Profile fields are given directly: ``CitizenFactory(full_name=...)``."""

    username = factory.Sequence(lambda n: f"congdan{n}")
    gender = factory.Sequence(lambda n: Gender.FEMALE if n % 2 else Gender.MALE)
    date_of_birth = factory.Sequence(lambda n: dt.date(1950, 1, 1) + dt.timedelta(days=(n * 379) % 20000))
    full_name = factory.LazyAttributeSequence(lambda o, n: _name(n, o.gender))
    id_number = factory.LazyAttributeSequence(
        lambda o, n: citizen_id_for(o.date_of_birth, o.gender, serial=n, province=PROVINCES[n % len(PROVINCES)])
    )
    phone = factory.Sequence(lambda n: f"09{n % 100_000_000:08d}")
    address = factory.Sequence(lambda n: f"{n % 300 + 1} Trần Phú, phường Hải Châu, thành phố Đà Nẵng")

    @classmethod
    def _build(cls, model_class, *args, **kwargs):
        profile = {name: kwargs.pop(name) for name in _PROFILE_FIELDS}
        user = super()._build(model_class, *args, **kwargs)
        user.citizen_profile = CitizenProfile(user=user, **profile)
        return user

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        profile = {name: kwargs.pop(name) for name in _PROFILE_FIELDS}
        user = super()._create(model_class, *args, **kwargs)
        CitizenProfile.objects.create(user=user, **profile)
        return user


class BusinessFactory(DjangoModelFactory):
    """A business with a valid, unique tax code. ``owner=user`` makes ``user`` its legal representative."""

    class Meta:
        model = Business
        skip_postgeneration_save = True

    name = factory.Sequence(lambda n: f"Công ty TNHH Thử nghiệm {n}")
    tax_code = factory.Sequence(tax_code_for)
    address = factory.Sequence(lambda n: f"{n % 200 + 1} Bạch Đằng, phường Hải Châu, thành phố Đà Nẵng")
    phone = factory.Sequence(lambda n: f"0236{n % 10_000_000:07d}")
    email = factory.Sequence(lambda n: f"doanhnghiep{n}@example.com")
    representative = ""

    @factory.post_generation
    def owner(business, create, extracted, **kwargs):
        if not extracted:
            return
        BusinessMembership.objects.create(user=extracted, business=business, is_representative=True)
        if not business.representative:
            business.representative = extracted.display_name
            business.save(update_fields=["representative"])


class BusinessUserFactory(CitizenFactory):
    """A citizen who is the legal representative of a new business (``user.business_memberships``)."""

    username = factory.Sequence(lambda n: f"doanhnghiep{n}")
    business = factory.RelatedFactory(BusinessFactory, factory_related_name="owner")


class StaffFactory(UserFactory):
    """An official with one membership: ``StaffFactory(agency=..., role=..., title=...)``.

    The membership is added with ``staff_membership_add``, so the role's group and ``is_staff`` (only
    for administrators) are what the admin would have set. ``user.membership`` is that membership.
    """

    username = factory.Sequence(lambda n: f"canbo{n}")
    last_name = factory.Sequence(lambda n: FAMILY_NAMES[n % len(FAMILY_NAMES)])
    first_name = factory.Sequence(lambda n: f"{MIDDLE_NAMES['male'][n % 5]} {GIVEN_NAMES['male'][n % 11]}")
    agency = factory.LazyFunction(default_agency)
    role = StaffRole.RECEPTION_CLERK
    title = ""

    @classmethod
    def _build(cls, model_class, *args, **kwargs):
        for name in ("agency", "role", "title"):
            kwargs.pop(name)
        return super()._build(model_class, *args, **kwargs)

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        membership = {name: kwargs.pop(name) for name in ("agency", "role", "title")}
        user = super()._create(model_class, *args, **kwargs)
        user.membership = services.staff_membership_add(user=user, **membership)
        return user


class StaffMembershipFactory(DjangoModelFactory):
    """A raw membership row, bypassing the services (for tests of what the services repair)."""

    class Meta:
        model = StaffMembership

    user = factory.SubFactory(UserFactory)
    agency = factory.LazyFunction(default_agency)
    role = StaffRole.SPECIALIST
