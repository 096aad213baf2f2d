"""Dossiers, their documents, fees and event log, and the per-agency daily code sequence."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from procedures.models import (
    Agency,
    FilingChannel,
    Procedure,
    ProcedureVersion,
    RequiredDocument,
    TimeUnit,
    WorkflowStep,
    format_time,
)

from .workflow import NATIONAL_STATUS, OPEN_STATES, TERMINAL, DossierWorkflow, State


class ResultDelivery(models.TextChoices):
    COUNTER = "counter", _("Collect at the counter")
    POST = "post", _("By post")
    ONLINE = "online", _("Online (electronic result)")


class Outcome(models.TextChoices):
    APPROVED = "approved", _("Approved")
    DENIED = "denied", _("Denied")


# The national portal's codes (DongBoHoSoMC), one table each: HinhThucTraKetQua, how the result is handed
# back (0 at the one-stop counter, 1 by post, 2 online), and KetQuaXuLy, what was decided (1 the result is
# issued, 2 refused with reasons).
NATIONAL_DELIVERY = {ResultDelivery.COUNTER: 0, ResultDelivery.POST: 1, ResultDelivery.ONLINE: 2}
NATIONAL_OUTCOME = {Outcome.APPROVED: 1, Outcome.DENIED: 2}


class Dossier(DossierWorkflow):
    """A dossier (hồ sơ): one application for one procedure, from draft to returned result."""

    code = models.CharField(_("dossier code"), max_length=40, unique=True, null=True, blank=True)
    procedure = models.ForeignKey(Procedure, verbose_name=_("procedure"), on_delete=models.PROTECT, related_name="dossiers")
    version = models.ForeignKey(
        ProcedureVersion, verbose_name=_("procedure version"), on_delete=models.PROTECT, related_name="dossiers"
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("applicant's account"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="dossiers",
    )
    business = models.ForeignKey(
        "accounts.Business", verbose_name=_("business"), null=True, blank=True, on_delete=models.PROTECT, related_name="dossiers"
    )
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("filed by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    applicant_name = models.CharField(_("applicant"), max_length=255)
    applicant_id_number = models.CharField(_("applicant's ID number or tax code"), max_length=14)
    applicant_phone = models.CharField(_("phone"), max_length=20, blank=True)
    applicant_email = models.EmailField(_("e-mail"), blank=True)
    applicant_address = models.CharField(_("address"), max_length=500, blank=True)
    channel = models.PositiveSmallIntegerField(_("channel"), choices=FilingChannel.choices, default=FilingChannel.ONLINE)
    agency = models.ForeignKey(Agency, verbose_name=_("receiving agency"), on_delete=models.PROTECT, related_name="dossiers")
    current_step = models.ForeignKey(
        WorkflowStep, verbose_name=_("current step"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    handling_agency = models.ForeignKey(
        Agency, verbose_name=_("handling agency"), null=True, blank=True, on_delete=models.PROTECT, related_name="+",
        help_text=_("Set when the dossier is transferred to another agency."),
    )
    holder = models.ForeignKey(
        Agency, verbose_name=_("agency holding it now"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="+", help_text=_("The receiving agency, or the one it was transferred to: whose work list it is on."),
    )
    form_data = models.JSONField(_("form data"), default=dict, blank=True)
    delivery = models.CharField(_("result delivery"), max_length=10, choices=ResultDelivery.choices, default=ResultDelivery.COUNTER)
    delivery_address = models.CharField(_("delivery address"), max_length=500, blank=True)
    tracking_number = models.CharField(_("postal tracking number"), max_length=60, blank=True)

    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    submitted_at = models.DateTimeField(_("submitted"), null=True, blank=True)
    received_at = models.DateTimeField(_("received"), null=True, blank=True)
    due_at = models.DateTimeField(_("appointment date"), null=True, blank=True)
    # The published time the appointment was computed from, in its own unit (set at reception).
    time_amount = models.DecimalField(_("processing time"), max_digits=7, decimal_places=2, null=True, blank=True)
    time_unit = models.CharField(_("unit of the processing time"), max_length=20, choices=TimeUnit.choices, blank=True)
    step_due_at = models.DateTimeField(_("current step due"), null=True, blank=True)
    paused_at = models.DateTimeField(_("waiting on the applicant since"), null=True, blank=True)
    paused_minutes = models.PositiveIntegerField(_("working minutes waiting on the applicant"), default=0)
    waited_days = models.PositiveIntegerField(
        _("calendar days waiting on the applicant"), default=0,
        help_text=_("Counted for a processing time in calendar days or months: its period starts that much later."),
    )
    extended_at = models.DateTimeField(_("extended"), null=True, blank=True)
    resolved_at = models.DateTimeField(_("resolved"), null=True, blank=True)
    returned_at = models.DateTimeField(_("returned"), null=True, blank=True)
    finished_at = models.DateTimeField(_("closed"), null=True, blank=True)
    outcome = models.CharField(_("outcome"), max_length=10, choices=Outcome.choices, blank=True)
    supplement_count = models.PositiveSmallIntegerField(_("supplement requests"), default=0)
    paid_online = models.BooleanField(
        _("fees paid online"), default=False, help_text=_("Set when the payment gateway confirmed the fees.")
    )
    national_reference = models.CharField(
        _("national portal reference"), max_length=40, unique=True, null=True, blank=True,
        help_text=_("Set on a dossier submitted through the National Public Service Portal: its reference there."),
    )
    # Identity and national databases (TaiKhoanDuocXacThucVoiVNeID, DSKetNoiCSDL in the portal's record).
    applicant_verified = models.BooleanField(
        _("filed from a VNeID-verified account"), default=False,
        help_text=_("The applicant's account was verified with VNeID when the dossier was filed."),
    )
    national_databases = models.JSONField(
        _("national databases used"), default=list, blank=True,
        help_text=_("The national databases the applicant's details came from, with when and what."),
    )

    class Meta:
        verbose_name = _("dossier")
        verbose_name_plural = _("dossiers")
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["agency", "state", "due_at"], name="dossier_queue"),
            # The officials' work lists: open dossiers of an agency, oldest deadline first.
            models.Index(
                fields=["holder", "due_at"],
                name="dossier_open_by_holder",
                condition=models.Q(state__in=OPEN_STATES),
            ),
            models.Index(fields=["owner", "-created_at"], name="dossier_owner"),
            models.Index(fields=["applicant_id_number"], name="dossier_applicant_id"),
            # The 766 index (satisfaction/index766.py): the dossiers received or resolved in a period.
            models.Index(fields=["received_at"], name="dossier_received"),
            models.Index(fields=["resolved_at"], name="dossier_resolved"),
        ]
        permissions = [("view_agency_dossiers", "Can see the dossiers of their agency")]

    def __str__(self):
        return self.code or f"#{self.pk}"

    def save(self, *args, **kwargs):
        if self.holder_id is None:
            self.holder_id = self.handling_agency_id or self.agency_id
        super().save(*args, **kwargs)

    # --- what the transitions read -------------------------------------------------------------------
    def is_applicant(self, user) -> bool:
        if user is None or not user.is_authenticated:
            return False
        if self.owner_id == user.pk:
            return True
        return self.business_id is not None and user.business_memberships.filter(business_id=self.business_id).exists()

    def staff_role_of(self, user, roles) -> bool:
        """Whether ``user`` holds one of ``roles`` at the agency that has the dossier now."""
        if user is None or not user.is_authenticated:
            return False
        agencies = {self.agency_id}
        if self.handling_agency_id:
            agencies = {self.handling_agency_id}
        return user.staff_memberships.filter(agency_id__in=agencies, role__in=roles).exists()

    def steps(self) -> list[WorkflowStep]:
        if not hasattr(self, "_steps"):
            self._steps = list(self.version.steps.order_by("order"))
        return self._steps

    def first_step(self) -> WorkflowStep | None:
        steps = self.steps()
        return steps[0] if steps else None

    def next_step(self) -> WorkflowStep | None:
        if self.current_step_id is None:
            return None
        later = [s for s in self.steps() if s.order > self.current_step.order]
        return later[0] if later else None

    # --- what pages show ------------------------------------------------------------------------------
    @property
    def is_step_late(self) -> bool:
        """The current step has used more than its share of the time (computed, like overdue)."""
        if self.step_due_at is None or self.paused_at is not None or self.state != State.PROCESSING:
            return False
        return timezone.now() > self.step_due_at

    def fees(self) -> list:
        """The procedure's fees for this dossier's channel: those of its channel and those of every channel."""
        return [fee for fee in self.version.fees.all() if fee.channel in (None, self.channel)]

    @property
    def processing_time_text(self) -> str:
        """The published time the appointment was computed from: "15 ngày làm việc" (empty before reception)."""
        if self.time_amount is None or not self.time_unit:
            return ""
        return format_time(self.time_amount, self.time_unit)

    @property
    def national_status(self) -> int | None:
        return NATIONAL_STATUS.get(self.state)

    @property
    def is_terminal(self) -> bool:
        return self.state in TERMINAL

    @property
    def is_overdue(self) -> bool:
        """Overdue is computed, never stored: past the appointment date and not yet resolved."""
        if self.due_at is None or self.state in TERMINAL or self.state in (State.RESOLVED, State.DRAFT):
            return False
        if self.paused_at is not None:
            return False
        return timezone.now() > self.due_at


class DossierDocument(models.Model):
    """A file of a dossier: an upload for a required document, a scan at the counter, or a supplement."""

    class Source(models.TextChoices):
        UPLOAD = "upload", _("Uploaded by the applicant")
        SCAN = "scan", _("Scanned at the counter")
        REUSE = "reuse", _("Reused from the data store")
        PRINTED = "printed", _("Printed from the electronic declaration")

    dossier = models.ForeignKey(Dossier, on_delete=models.CASCADE, related_name="documents")
    requirement = models.ForeignKey(
        RequiredDocument, verbose_name=_("required document"), null=True, blank=True, on_delete=models.PROTECT
    )
    file = models.FileField(_("file"), upload_to="dossiers/%Y/%m/")
    original_name = models.CharField(_("file name"), max_length=255)
    content_type = models.CharField(_("content type"), max_length=100)
    size = models.PositiveIntegerField(_("size"))
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    source = models.CharField(_("source"), max_length=10, choices=Source.choices, default=Source.UPLOAD)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+")
    reused_from = models.ForeignKey(
        "digitization.DigitizedDocument", verbose_name=_("reused from the data store"), null=True, blank=True,
        on_delete=models.PROTECT, related_name="reuses",
        help_text=_("The stored document given instead of an upload: the file is that document's, not a copy."),
    )
    uploaded_at = models.DateTimeField(_("uploaded"), auto_now_add=True)

    class Meta:
        verbose_name = _("dossier document")
        verbose_name_plural = _("dossier documents")
        ordering = ["requirement__order", "uploaded_at"]
        # The 766 index's probes of a dossier's files and where they came from, from the index alone.
        indexes = [models.Index(fields=["dossier"], include=["source"], name="document_by_dossier")]

    def __str__(self):
        return self.original_name


class DossierEvent(models.Model):
    """One line of a dossier's history: who did what, when, from which state to which, and why.

    Appended by the services, never edited: it is the history, the audit trail and the outbox's source.
    """

    dossier = models.ForeignKey(Dossier, on_delete=models.CASCADE, related_name="events")
    seq = models.PositiveIntegerField(_("number"))
    action = models.CharField(_("action"), max_length=40)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    actor_name = models.CharField(_("by"), max_length=255, blank=True)
    at = models.DateTimeField(_("at"), default=timezone.now)
    from_state = models.CharField(_("from"), max_length=30, blank=True)
    to_state = models.CharField(_("to"), max_length=30)
    reason = models.TextField(_("reason"), blank=True)
    data = models.JSONField(_("details"), default=dict, blank=True)

    class Meta:
        verbose_name = _("dossier event")
        verbose_name_plural = _("dossier events")
        ordering = ["dossier", "seq"]
        constraints = [models.UniqueConstraint(fields=["dossier", "seq"], name="dossier_event_seq_unique")]
        # The 766 index's online-payment probe (M1): did the dossier pay a fee.
        indexes = [
            models.Index(fields=["dossier"], name="dossier_event_payment", condition=models.Q(action="confirm_payment")),
        ]

    def __str__(self):
        return f"{self.dossier} #{self.seq} {self.action}"


class DossierSequence(models.Model):
    """The last number given to a dossier of one agency on one day (the NNNN of MaHoSo)."""

    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="+")
    day = models.DateField()
    last = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["agency", "day"], name="dossier_sequence_unique")]

    def __str__(self):
        return f"{self.agency_id} {self.day} {self.last}"
