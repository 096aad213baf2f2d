"""Citizens' ratings of how their dossier was handled (đánh giá mức độ hài lòng), and the follow-up an
agency owes a citizen who was not satisfied."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Level(models.IntegerChoices):
    """The three answers of Decision 766, with their national codes (MucDoHaiLong)."""

    VERY_SATISFIED = 1, _("Very satisfied")
    SATISFIED = 2, _("Satisfied")
    DISSATISFIED = 3, _("Not satisfied")


class Criterion(models.TextChoices):
    """What the province asks about, each answered with a level (TieuChi)."""

    TIME = "THOI_GIAN", _("Time taken to resolve it")
    ATTITUDE = "THAI_DO", _("Officials' attitude")
    GUIDANCE = "HUONG_DAN", _("Clarity of the guidance")
    TRIPS = "SO_LAN_DI_LAI", _("Number of trips needed")
    RESULT = "KET_QUA", _("The result")


class Rating(models.Model):
    """One rating per dossier, by its applicant, changeable for ``RATING_CHANGE_DAYS`` after it was first
    given; each change is sent to the national portal as a new rating."""

    dossier = models.OneToOneField("cases.Dossier", verbose_name=_("dossier"), on_delete=models.CASCADE, related_name="rating")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("rated by"), on_delete=models.PROTECT, related_name="+")
    agency = models.ForeignKey(
        "procedures.Agency", verbose_name=_("agency rated"), on_delete=models.PROTECT, related_name="ratings",
        help_text=_("The agency that had the dossier at the end: whose service was rated."),
    )
    level = models.PositiveSmallIntegerField(_("overall"), choices=Level.choices)
    criteria = models.JSONField(_("per criterion"), default=dict, blank=True)
    comment = models.TextField(_("comment"), blank=True)
    created_at = models.DateTimeField(_("rated"), default=timezone.now)
    updated_at = models.DateTimeField(_("last changed"), default=timezone.now)
    changes = models.PositiveSmallIntegerField(_("times changed"), default=0)

    class Meta:
        verbose_name = _("rating")
        verbose_name_plural = _("ratings")
        ordering = ["-updated_at"]
        indexes = [models.Index(fields=["agency", "level", "created_at"], name="rating_by_agency")]

    def __str__(self):
        return f"{self.dossier} {self.get_level_display()}"


class FollowUp(models.Model):
    """What an agency owes a citizen who was not satisfied: someone contacts them and records what was done."""

    class Status(models.TextChoices):
        OPEN = "open", _("To handle")
        CLOSED = "closed", _("Handled")

    rating = models.ForeignKey(Rating, verbose_name=_("rating"), on_delete=models.CASCADE, related_name="follow_ups")
    agency = models.ForeignKey("procedures.Agency", verbose_name=_("agency"), on_delete=models.PROTECT, related_name="+")
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.OPEN)
    opened_at = models.DateTimeField(_("opened"), default=timezone.now)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    closed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    outcome = models.TextField(_("what was done"), blank=True)

    class Meta:
        verbose_name = _("follow-up of a dissatisfied rating")
        verbose_name_plural = _("follow-ups of dissatisfied ratings")
        ordering = ["-opened_at"]
        constraints = [
            models.UniqueConstraint(fields=["rating"], condition=models.Q(status="open"), name="follow_up_one_open"),
        ]

    def __str__(self):
        return f"{self.rating.dossier} {self.get_status_display()}"
