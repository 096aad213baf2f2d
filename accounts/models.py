"""Users, citizen profiles, business applicants and staff memberships."""

import datetime as dt
from functools import cached_property

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _

from procedures.models import Agency, StaffRole

from .validators import validate_citizen_id, validate_phone, validate_tax_code


class User(AbstractUser):
    """Anyone who logs in: a citizen (công dân), a business's representative, or an official (cán bộ).

    What a user may do follows from what is attached: a citizen profile, business memberships,
    staff memberships (each a permission group).
    """

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def get_full_name(self) -> str:
        """Vietnamese order: family name, then middle and given names (Nguyễn Văn An)."""
        return " ".join(part for part in (self.last_name, self.first_name) if part).strip()

    @property
    def display_name(self) -> str:
        profile = getattr(self, "citizen_profile", None)
        if profile is not None:
            return profile.full_name
        return self.get_full_name() or self.username

    @property
    def is_official(self) -> bool:
        return self.staff_memberships.exists()

    @cached_property
    def sees_sync_desk(self) -> bool:
        """A reception clerk or administrator somewhere (or a superuser): works the sync desk with the national
        portal (integrations/desk_views.py)."""
        return self.is_superuser or self.staff_memberships.filter(role__in=["reception_clerk", "administrator"]).exists()

    @property
    def watches_index(self) -> bool:
        """A leader or administrator somewhere (or a superuser): sees the Decision 766 dashboard."""
        return self.is_superuser or self.staff_memberships.filter(role__in=["leader", "administrator"]).exists()


class Gender(models.TextChoices):
    MALE = "male", _("Male")
    FEMALE = "female", _("Female")


class CitizenProfile(models.Model):
    """A citizen's identity as an applicant: full name and the 12-digit personal ID number (số định danh)."""

    user = models.OneToOneField(User, verbose_name=_("user"), on_delete=models.CASCADE, related_name="citizen_profile")
    full_name = models.CharField(_("full name"), max_length=150)
    id_number = models.CharField(
        _("citizen ID number"), max_length=12, unique=True, validators=[validate_citizen_id]
    )
    date_of_birth = models.DateField(_("date of birth"))
    gender = models.CharField(_("gender"), max_length=10, choices=Gender.choices, blank=True)
    phone = models.CharField(_("phone"), max_length=15, blank=True, validators=[validate_phone])
    address = models.CharField(_("address"), max_length=500, blank=True)
    # Electronic identity (VNeID, Decree 69/2024): set by a login through the national identity provider.
    # The name, date of birth and gender then come from it, not from what the citizen typed.
    phone_confirmed_at = models.DateTimeField(
        _("phone confirmed"), null=True, blank=True,
        help_text=_("When the holder typed the code sent to this phone by SMS."),
    )
    contact_asked_at = models.DateTimeField(
        _("asked for a phone and e-mail"), null=True, blank=True,
        help_text=_("An account opened with VNeID has neither: it is asked once, after its first sign-in."),
    )
    vneid_subject = models.CharField(_("VNeID identifier"), max_length=100, unique=True, null=True, blank=True)
    identity_verified_at = models.DateTimeField(_("identity verified with VNeID"), null=True, blank=True)
    assurance_level = models.PositiveSmallIntegerField(_("identity assurance level"), null=True, blank=True)

    class Meta:
        verbose_name = _("citizen profile")
        verbose_name_plural = _("citizen profiles")

    def __str__(self):
        return f"{self.full_name} ({self.id_number})"

    @property
    def is_verified(self) -> bool:
        """Identity verified by VNeID: the account's holder is the person of the ID number."""
        return self.identity_verified_at is not None

    @property
    def masked_id_number(self) -> str:
        """The ID number with its middle hidden, for pages a passer-by might see over a shoulder."""
        number = self.id_number or ""
        if len(number) < 7:
            return number
        return f"{number[:3]}{'•' * (len(number) - 6)}{number[-3:]}"


class Business(models.Model):
    """An organisation that applies (doanh nghiệp, tổ chức), identified by its tax code (mã số thuế)."""

    name = models.CharField(_("name"), max_length=255)
    tax_code = models.CharField(_("tax code"), max_length=14, unique=True, validators=[validate_tax_code])
    address = models.CharField(_("head office address"), max_length=500, blank=True)
    phone = models.CharField(_("phone"), max_length=15, blank=True, validators=[validate_phone])
    email = models.EmailField(_("e-mail"), blank=True)
    representative = models.CharField(_("legal representative"), max_length=150, blank=True)

    class Meta:
        verbose_name = _("business")
        verbose_name_plural = _("businesses")
        ordering = ["name"]

    def __str__(self):
        return f"{self.name} ({self.tax_code})"


class BusinessMembership(models.Model):
    """A user who may act for a business."""

    user = models.ForeignKey(User, verbose_name=_("user"), on_delete=models.CASCADE, related_name="business_memberships")
    business = models.ForeignKey(
        Business, verbose_name=_("business"), on_delete=models.CASCADE, related_name="memberships"
    )
    is_representative = models.BooleanField(_("legal representative"), default=False)

    class Meta:
        verbose_name = _("business membership")
        verbose_name_plural = _("business memberships")
        constraints = [models.UniqueConstraint(fields=["user", "business"], name="business_membership_unique")]

    def __str__(self):
        return f"{self.user} → {self.business}"


class StaffMembership(models.Model):
    """An official's role at an agency. The role's permission group carries what the role may do."""

    user = models.ForeignKey(User, verbose_name=_("user"), on_delete=models.CASCADE, related_name="staff_memberships")
    agency = models.ForeignKey(
        Agency, verbose_name=_("agency"), on_delete=models.PROTECT, related_name="staff_memberships"
    )
    role = models.CharField(_("role"), max_length=30, choices=StaffRole.choices)
    title = models.CharField(_("job title"), max_length=150, blank=True)

    class Meta:
        verbose_name = _("staff membership")
        verbose_name_plural = _("staff memberships")
        constraints = [
            models.UniqueConstraint(fields=["user", "agency", "role"], name="staff_membership_unique"),
        ]

    def __str__(self):
        return f"{self.user} — {self.get_role_display()} — {self.agency}"


class PhoneConfirmation(models.Model):
    """A code sent by SMS to the phone an account holder gave: the phone is theirs once they type it back.

    Only the code's keyed hash is kept; a code lasts ``TTL`` and allows ``MAX_TRIES`` wrong answers."""

    TTL = dt.timedelta(minutes=10)
    MAX_TRIES = 5

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="phone_confirmations")
    phone = models.CharField(_("phone"), max_length=15, validators=[validate_phone])
    code_hash = models.CharField(max_length=64)
    created_at = models.DateTimeField(_("sent"), auto_now_add=True)
    tries = models.PositiveSmallIntegerField(default=0)
    confirmed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("phone confirmation")
        verbose_name_plural = _("phone confirmations")
        indexes = [models.Index(fields=["user", "-created_at"], name="phone_code_by_user")]

    def __str__(self):
        return f"{self.phone} ({self.created_at:%Y-%m-%d %H:%M})"
