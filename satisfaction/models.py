"""Citizens' ratings of how their dossier was handled (đánh giá mức độ hài lòng), and the follow-up an
agency owes a citizen who was not satisfied."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .feedback_workflow import FEEDBACK_OPEN, FeedbackWorkflow


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


class Feedback(FeedbackWorkflow):
    """Feedback or a complaint (phản ánh, kiến nghị: PAKN) about a procedure, a dossier or an agency.

    Anyone may send one: a signed-in citizen, or anyone who leaves a name and a phone number or e-mail
    address. The agency accepts or rejects it, may ask the sender once for more, answers it, and may publish
    the answer as a public question and answer. Every step is a ``FeedbackEvent``; the deadlines are set
    when it is sent (see ``feedback_workflow``) and the time spent waiting on the sender moves the answer's.
    """

    class Kind(models.TextChoices):
        FEEDBACK = "feedback", _("Feedback on a problem")
        PROPOSAL = "proposal", _("Proposal")
        QUESTION = "question", _("Question about a procedure")

    code = models.CharField(_("feedback code"), max_length=30, unique=True)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.FEEDBACK)
    agency = models.ForeignKey(
        "procedures.Agency", verbose_name=_("agency"), on_delete=models.PROTECT, related_name="feedback",
        help_text=_("The agency that must handle it: the dossier's, or the one chosen by the sender."),
    )
    procedure = models.ForeignKey(
        "procedures.Procedure", verbose_name=_("procedure"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="feedback",
    )
    dossier = models.ForeignKey(
        "cases.Dossier", verbose_name=_("dossier"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="feedback",
    )
    sender = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("sent by"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="feedback_sent",
    )
    sender_name = models.CharField(_("sender's name"), max_length=255)
    sender_phone = models.CharField(_("sender's phone"), max_length=20, blank=True)
    sender_email = models.EmailField(_("sender's e-mail"), blank=True)
    sender_address = models.CharField(_("sender's address"), max_length=500, blank=True)
    title = models.CharField(_("title"), max_length=255)
    content = models.TextField(_("content"))
    info_requests = models.PositiveSmallIntegerField(_("requests for more information"), default=0)

    submitted_at = models.DateTimeField(_("sent"), default=timezone.now)
    accept_due_at = models.DateTimeField(_("accept or reject by"))
    request_info_due_at = models.DateTimeField(_("ask for more by"))
    answer_due_at = models.DateTimeField(_("answer by"))
    accepted_at = models.DateTimeField(_("accepted"), null=True, blank=True)
    paused_at = models.DateTimeField(_("waiting on the sender since"), null=True, blank=True)
    paused_minutes = models.PositiveIntegerField(_("working minutes waiting on the sender"), default=0)
    finished_at = models.DateTimeField(_("answered or rejected"), null=True, blank=True)
    handled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("answered or rejected by"), null=True, blank=True,
        on_delete=models.PROTECT, related_name="+",
    )
    answer_text = models.TextField(_("answer"), blank=True)
    reject_reason = models.TextField(_("why it was not accepted"), blank=True)

    answer_level = models.PositiveSmallIntegerField(
        _("sender's rating of the answer"), null=True, blank=True, choices=Level.choices
    )
    answer_comment = models.TextField(_("sender's comment on the answer"), blank=True)
    answer_rated_at = models.DateTimeField(_("answer rated"), null=True, blank=True)

    published_at = models.DateTimeField(_("published"), null=True, blank=True)
    public_question = models.TextField(
        _("question as published"), blank=True, help_text=_("Without the sender's personal details.")
    )
    public_answer = models.TextField(_("answer as published"), blank=True)

    class Meta:
        verbose_name = _("feedback")
        verbose_name_plural = _("feedback")
        ordering = ["-submitted_at"]
        indexes = [
            models.Index(fields=["agency", "state", "answer_due_at"], name="feedback_queue"),
            models.Index(fields=["agency", "submitted_at"], name="feedback_by_agency"),
            models.Index(fields=["-published_at"], name="feedback_published",
                         condition=models.Q(published_at__isnull=False)),
        ]
        permissions = [("view_agency_feedback", "Can see the feedback sent to their agency")]

    def __str__(self):
        return self.code

    def is_sender(self, user) -> bool:
        return user is not None and user.is_authenticated and self.sender_id == user.pk

    def staff_role_of(self, user, roles) -> bool:
        if user is None or not user.is_authenticated:
            return False
        return user.staff_memberships.filter(agency_id=self.agency_id, role__in=roles).exists()

    @property
    def is_open(self) -> bool:
        return self.state in FEEDBACK_OPEN


class FeedbackEvent(models.Model):
    """One line of a feedback's history, appended by the services and never edited."""

    feedback = models.ForeignKey(Feedback, on_delete=models.CASCADE, related_name="events")
    seq = models.PositiveIntegerField(_("number"))
    action = models.CharField(_("action"), max_length=40)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    actor_name = models.CharField(_("by"), max_length=255, blank=True)
    at = models.DateTimeField(_("at"), default=timezone.now)
    from_state = models.CharField(_("from"), max_length=20, blank=True)
    to_state = models.CharField(_("to"), max_length=20)
    text = models.TextField(_("text"), blank=True)
    data = models.JSONField(_("details"), default=dict, blank=True)

    class Meta:
        verbose_name = _("feedback event")
        verbose_name_plural = _("feedback events")
        ordering = ["feedback", "seq"]
        constraints = [models.UniqueConstraint(fields=["feedback", "seq"], name="feedback_event_seq_unique")]

    def __str__(self):
        return f"{self.feedback} #{self.seq} {self.action}"


class FeedbackSequence(models.Model):
    """The last feedback number of a year: codes PAKN-{YYYY}-{NNNNNN} without gaps under concurrency."""

    year = models.PositiveSmallIntegerField(unique=True)
    last = models.PositiveIntegerField(default=0)

    def __str__(self):
        return f"PAKN-{self.year}: {self.last}"


class IndexSnapshot(models.Model):
    """The Decision 766 index of one agency (with its sub-agencies) for one period, as last computed.

    ``data`` holds every group and indicator with its numerator, denominator and points (see
    ``satisfaction.index766``); the periodic task refreshes the current periods, a leader can refresh on demand.
    """

    agency = models.ForeignKey("procedures.Agency", verbose_name=_("agency"), on_delete=models.CASCADE, related_name="+")
    period = models.CharField(_("period"), max_length=10, help_text=_("2026, 2026-Q4 or 2026-11."))
    score = models.DecimalField(_("score"), max_digits=5, decimal_places=2, null=True, blank=True)
    data = models.JSONField(_("groups and indicators"), default=dict)
    computed_at = models.DateTimeField(_("computed"), default=timezone.now)

    class Meta:
        verbose_name = _("Decision 766 index")
        verbose_name_plural = _("Decision 766 index")
        constraints = [models.UniqueConstraint(fields=["agency", "period"], name="index_snapshot_unique")]
        indexes = [models.Index(fields=["period", "-score"], name="index_snapshot_ranking")]

    def __str__(self):
        return f"{self.agency} {self.period}"


class IndexBreakdown(models.Model):
    """The Decision 766 index of one agency's subtree for one period split by field or procedure, as last
    computed: ``rows`` holds ``{"key": field or procedure id, "counts": {code: [numerator, denominator,
    penalty]}}`` (scored when read). Computed when first asked for, then kept fresh with the snapshots."""

    class By(models.TextChoices):
        FIELD = "field", _("field")
        PROCEDURE = "procedure", _("procedure")

    agency = models.ForeignKey("procedures.Agency", verbose_name=_("agency"), on_delete=models.CASCADE, related_name="+")
    period = models.CharField(_("period"), max_length=10)
    by = models.CharField(_("split by"), max_length=10, choices=By.choices)
    rows = models.JSONField(_("counts"), default=list)
    computed_at = models.DateTimeField(_("computed"), default=timezone.now)

    class Meta:
        verbose_name = _("Decision 766 index breakdown")
        verbose_name_plural = _("Decision 766 index breakdowns")
        constraints = [models.UniqueConstraint(fields=["agency", "period", "by"], name="index_breakdown_unique")]

    def __str__(self):
        return f"{self.agency} {self.period} {self.by}"
