"""The procedure catalog: agencies, fields, procedures and their versions, workflows, and the calendar."""

import datetime as dt
from decimal import Decimal

from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from treebeard.mp_tree import MP_Node

from core.fields import OrderedJSONField

agency_code_validator = RegexValidator(
    r"^[0-9A-Z]{2,3}(\.[0-9A-Z]{2,3}){3}$",
    _("An agency's electronic identifier looks like 000.00.53.H48."),
)
procedure_code_validator = RegexValidator(
    r"^[0-9]\.[0-9]{6}$|^[A-Z0-9][A-Z0-9._-]{2,39}$",
    _("A national procedure code looks like 2.000635."),
)


class FilingChannel(models.IntegerChoices):
    """How a dossier is filed, and the channels a procedure's times and fees are published for: the national
    KenhThucHien codes."""

    COUNTER = 1, _("At the counter")
    ONLINE = 2, _("Online")
    POSTAL = 3, _("By post")


class TimeUnit(models.TextChoices):
    """The unit a processing time is published in, kept as published (never converted into another).

    Working days and working hours count the agency's own working periods (weekends, public holidays and
    days off excluded, make-up Saturdays included); calendar days and months count the calendar, and a
    period whose last day is not a working day ends at the end of the next working day (Civil Code art. 148).
    """

    WORKING_DAYS = "working_days", _("working days")
    WORKING_HOURS = "working_hours", _("working hours")
    CALENDAR_DAYS = "calendar_days", _("days")
    MONTHS = "months", _("months")


class Agency(MP_Node):
    """An agency or unit (cơ quan, đơn vị): province, department, one-stop centre, commune, ...

    A tree of any depth: since July 2025 local government has two levels, but the tree does not care.
    """

    class Level(models.TextChoices):
        PROVINCE = "province", _("Province")
        DEPARTMENT = "department", _("Department")
        CENTER = "center", _("Public administrative service centre")
        COMMUNE = "commune", _("Commune / ward")
        UNIT = "unit", _("Unit")

    code = models.CharField(_("electronic identifier"), max_length=20, unique=True, validators=[agency_code_validator])
    name = models.CharField(_("name"), max_length=255)
    level = models.CharField(_("level"), max_length=20, choices=Level.choices)
    address = models.CharField(_("address"), max_length=500, blank=True)
    phone = models.CharField(_("phone"), max_length=30, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    morning_start = models.TimeField(_("morning opens"), default=dt.time(7, 30))
    morning_end = models.TimeField(_("morning closes"), default=dt.time(11, 30))
    afternoon_start = models.TimeField(_("afternoon opens"), default=dt.time(13, 30))
    afternoon_end = models.TimeField(_("afternoon closes"), default=dt.time(17, 0))
    is_active = models.BooleanField(_("active"), default=True)

    node_order_by = ["name"]

    class Meta:
        verbose_name = _("agency")
        verbose_name_plural = _("agencies")

    def __str__(self):
        return self.name

    def clean(self):
        from django.core.exceptions import ValidationError

        if not (self.morning_start < self.morning_end <= self.afternoon_start < self.afternoon_end):
            raise ValidationError(_("Working hours must run morning then afternoon, each opening before it closes."))

    @property
    def working_periods(self) -> tuple[tuple[dt.time, dt.time], ...]:
        return ((self.morning_start, self.morning_end), (self.afternoon_start, self.afternoon_end))


class Field(models.Model):
    """A field of procedures (lĩnh vực), e.g. civil status (Hộ tịch)."""

    code = models.CharField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=255)

    class Meta:
        verbose_name = _("field")
        verbose_name_plural = _("fields")
        ordering = ["name"]

    def __str__(self):
        return self.name


class ImplementationLevel(models.Model):
    """The level that implements a procedure (cấp thực hiện): ministry, province, commune, other."""

    code = models.CharField(_("code"), max_length=20, unique=True)
    name = models.CharField(_("name"), max_length=100)
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("implementation level")
        verbose_name_plural = _("implementation levels")
        ordering = ["order"]

    def __str__(self):
        return self.name


class Procedure(models.Model):
    """An administrative procedure (thủ tục hành chính, TTHC), identified by its national code.

    Its content lives in versions; ``current_version`` is the published version in force today,
    kept by ``procedure_refresh_current_versions`` so catalog reads need no subquery.
    """

    code = models.CharField(_("national code"), max_length=40, unique=True, validators=[procedure_code_validator])
    current_version = models.OneToOneField(
        "ProcedureVersion",
        verbose_name=_("version in force"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    is_featured = models.BooleanField(
        _("featured"), default=False, help_text=_("Shown on the home page among the most used procedures.")
    )
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("procedure")
        verbose_name_plural = _("procedures")
        ordering = ["code"]

    def __str__(self):
        version = self.current_version
        return f"{self.code} {version.name}" if version else self.code


class ProcedureVersion(models.Model):
    """One version of a procedure's content, in force from ``valid_from``.

    A published version never changes: an edit is a new version, so a dossier keeps the rules it
    was filed under.
    """

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        PUBLISHED = "published", _("Published")

    class OnlineLevel(models.TextChoices):
        FULL = "full", _("Fully online")
        PARTIAL = "partial", _("Partly online")
        INFO = "info", _("Information only")

    procedure = models.ForeignKey(Procedure, verbose_name=_("procedure"), on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField(_("version"))
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.DRAFT)
    valid_from = models.DateField(_("in force from"))
    content_hash = models.CharField(_("content hash"), max_length=64, blank=True, editable=False)
    note = models.CharField(_("what changed"), max_length=500, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    name = models.CharField(_("name"), max_length=2000)
    search_text = models.TextField(editable=False, blank=True)
    field = models.ForeignKey(Field, verbose_name=_("field"), on_delete=models.PROTECT, related_name="versions")
    levels = models.ManyToManyField(ImplementationLevel, verbose_name=_("implementation levels"), blank=True)
    agencies = models.ManyToManyField(
        Agency, verbose_name=_("implementing agencies"), blank=True, related_name="procedure_versions"
    )
    authority_text = models.TextField(_("competent authority (as published)"), blank=True)
    decision_no = models.CharField(_("publishing decision"), max_length=100, blank=True)
    target = models.TextField(_("who may apply"), blank=True)
    online_level = models.CharField(_("online service level"), max_length=20, choices=OnlineLevel.choices)
    steps_text = models.TextField(_("how it is carried out"), blank=True)
    requirements = models.TextField(_("conditions"), blank=True)
    form_schema = OrderedJSONField(
        _("declaration (JSON Schema)"), default=dict, blank=True,
        help_text=_("The structured declaration (tờ khai) of this version, JSON Schema draft 2020-12 as "
                    "docs/declarations.md describes; empty: the applicant describes the request in free text."),
    )
    form_ui = OrderedJSONField(
        _("declaration layout"), default=dict, blank=True,
        help_text=_("Sections, field order, help texts, widgets and conditions of the declaration."),
    )

    class Meta:
        verbose_name = _("procedure version")
        verbose_name_plural = _("procedure versions")
        ordering = ["procedure", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["procedure", "number"], name="procedure_version_number_unique"),
        ]

    def __str__(self):
        return f"{self.procedure.code} v{self.number}"

    @property
    def is_published(self) -> bool:
        return self.status == self.Status.PUBLISHED

    @property
    def online_submission_open(self) -> bool:
        return self.online_level in (self.OnlineLevel.FULL, self.OnlineLevel.PARTIAL)


class RequiredDocument(models.Model):
    """A document a dossier must (or, in some cases, may) contain: thành phần hồ sơ."""

    version = models.ForeignKey(ProcedureVersion, on_delete=models.CASCADE, related_name="documents")
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    name = models.TextField(_("name"))
    case = models.CharField(_("case"), max_length=500, blank=True, help_text=_("The case it applies to, if any."))
    originals = models.PositiveSmallIntegerField(_("originals"), default=0)
    copies = models.PositiveSmallIntegerField(_("copies"), default=0)
    mandatory = models.BooleanField(_("mandatory"), default=True)
    form_name = models.CharField(_("form"), max_length=500, blank=True)
    is_declaration = models.BooleanField(
        _("filled in online"), default=False,
        help_text=_("The version's electronic declaration stands for this document: the portal prints the "
                    "applicant's answers and attaches them, nothing is uploaded."),
    )
    accepted_types = models.CharField(
        _("accepted file types"), max_length=100, default="pdf,jpg,jpeg,png", help_text=_("Comma-separated extensions.")
    )
    max_size_mb = models.PositiveSmallIntegerField(_("largest file (MB)"), default=10)
    document_type_code = models.CharField(
        _("document type code"),
        max_length=40,
        blank=True,
        help_text=_("A document of this type in the citizen's data store can be reused instead of an upload."),
    )

    class Meta:
        verbose_name = _("required document")
        verbose_name_plural = _("required documents")
        ordering = ["order", "id"]

    def __str__(self):
        return self.name[:80]

    @property
    def accepted_type_list(self) -> list[str]:
        return [t.strip().lower() for t in self.accepted_types.split(",") if t.strip()]


class Fee(models.Model):
    """A fee or charge (phí, lệ phí) of a procedure."""

    version = models.ForeignKey(ProcedureVersion, on_delete=models.CASCADE, related_name="fees")
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    name = models.CharField(_("name"), max_length=500)
    amount = models.PositiveBigIntegerField(_("amount (VND)"), default=0)
    channel = models.PositiveSmallIntegerField(
        _("channel"), choices=FilingChannel.choices, null=True, blank=True,
        help_text=_("The channel this fee applies to (online filing often pays less); empty: every channel."),
    )
    payer = models.CharField(_("who pays"), max_length=255, blank=True)
    note = models.TextField(_("note"), blank=True)

    class Meta:
        verbose_name = _("fee")
        verbose_name_plural = _("fees")
        ordering = ["order", "id"]

    def __str__(self):
        return f"{self.name}: {self.amount:,} đ"


class ProcessingTime(models.Model):
    """A processing time (thời hạn giải quyết) of a procedure for one channel, as published: an amount and
    its unit, never converted. A channel may publish several (for different cases, said in the description);
    a dossier is given the longest of its channel's (``procedures.deadlines``)."""

    version = models.ForeignKey(ProcedureVersion, on_delete=models.CASCADE, related_name="times")
    channel = models.PositiveSmallIntegerField(_("channel"), choices=FilingChannel.choices)
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    amount = models.DecimalField(
        _("amount"), max_digits=7, decimal_places=2, validators=[MinValueValidator(Decimal(0))],
        help_text=_("0 means within the day of receipt."),
    )
    unit = models.CharField(_("unit"), max_length=20, choices=TimeUnit.choices, default=TimeUnit.WORKING_DAYS)
    description = models.TextField(_("description"), blank=True)

    class Meta:
        verbose_name = _("processing time")
        verbose_name_plural = _("processing times")
        ordering = ["channel", "order", "id"]

    def __str__(self):
        return f"{self.get_channel_display()}: {self.label}"

    @property
    def label(self) -> str:
        return format_time(self.amount, self.unit)


def format_time(amount: Decimal, unit: str) -> str:
    """"15 ngày làm việc", "0,5 ngày làm việc", "4 giờ làm việc", "3 tháng"; 0 is "trong ngày"."""
    if not amount:
        return str(_("within the day"))
    number = f"{amount.normalize():f}".replace(".", ",")
    return f"{number} {TimeUnit(unit).label}"


class LegalDocument(models.Model):
    """A legal basis (căn cứ pháp lý) of a procedure."""

    version = models.ForeignKey(ProcedureVersion, on_delete=models.CASCADE, related_name="legal_basis")
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    number = models.CharField(_("number and symbol"), max_length=200, blank=True)
    title = models.TextField(_("title"))

    class Meta:
        verbose_name = _("legal basis")
        verbose_name_plural = _("legal bases")
        ordering = ["order", "id"]

    def __str__(self):
        return self.number or self.title[:80]


class ResultDocument(models.Model):
    """A result the procedure issues (kết quả thực hiện)."""

    version = models.ForeignKey(ProcedureVersion, on_delete=models.CASCADE, related_name="results")
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    code = models.CharField(_("result code"), max_length=60, blank=True)
    name = models.TextField(_("name"))

    class Meta:
        verbose_name = _("result document")
        verbose_name_plural = _("result documents")
        ordering = ["order", "id"]

    def __str__(self):
        return self.name[:80]


class StaffRole(models.TextChoices):
    """The roles of a staff membership; each role is a permission group of the same name."""

    RECEPTION_CLERK = "reception_clerk", _("Reception clerk")
    SPECIALIST = "specialist", _("Specialist")
    LEADER = "leader", _("Leader")
    ADMINISTRATOR = "administrator", _("Administrator")


class WorkflowStep(models.Model):
    """A step of a procedure's internal workflow (quy trình nội bộ), with its share of the time."""

    version = models.ForeignKey(ProcedureVersion, on_delete=models.CASCADE, related_name="steps")
    order = models.PositiveSmallIntegerField(_("order"))
    name = models.CharField(_("name"), max_length=255)
    role = models.CharField(_("role"), max_length=30, choices=StaffRole.choices)
    unit = models.ForeignKey(
        Agency,
        verbose_name=_("processing unit"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        help_text=_("Empty: the agency that received the dossier."),
    )
    share_percent = models.DecimalField(
        _("share of the time (%)"),
        max_digits=5,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("0.01")), MaxValueValidator(Decimal(100))],
        help_text=_("The step's part of the processing time of the dossier's channel; the steps add up to 100%."),
    )

    class Meta:
        verbose_name = _("workflow step")
        verbose_name_plural = _("workflow steps")
        ordering = ["order"]
        constraints = [models.UniqueConstraint(fields=["version", "order"], name="workflow_step_order_unique")]

    def __str__(self):
        return f"{self.order}. {self.name}"


class CalendarException(models.Model):
    """A day that differs from the usual calendar: a day off, or a make-up working day (ngày làm bù)."""

    class Kind(models.TextChoices):
        DAY_OFF = "day_off", _("Day off")
        WORKING_DAY = "working_day", _("Make-up working day")

    date = models.DateField(_("date"), unique=True)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    name = models.CharField(_("reason"), max_length=255)

    class Meta:
        verbose_name = _("calendar exception")
        verbose_name_plural = _("calendar exceptions")
        ordering = ["date"]

    def __str__(self):
        return f"{self.date:%d/%m/%Y} {self.get_kind_display()}: {self.name}"


class CodeList(models.Model):
    """A national code list a declaration chooses from (``x-codelist``): sexes, ethnic groups,
    nationalities, relationships, provinces, communes."""

    key = models.SlugField(_("key"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=255)

    class Meta:
        verbose_name = _("code list")
        verbose_name_plural = _("code lists")
        ordering = ["key"]

    def __str__(self):
        return self.name


class Code(models.Model):
    """One entry of a code list, with its national code; a commune names its province as ``parent``."""

    code_list = models.ForeignKey(CodeList, verbose_name=_("code list"), on_delete=models.CASCADE, related_name="codes")
    code = models.CharField(_("code"), max_length=20)
    name = models.CharField(_("name"), max_length=255)
    parent = models.CharField(_("parent code"), max_length=20, blank=True,
                              help_text=_("For a commune: the code of its province."))
    order = models.PositiveIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("code")
        verbose_name_plural = _("codes")
        ordering = ["code_list", "order", "code"]
        constraints = [models.UniqueConstraint(fields=["code_list", "code"], name="code_unique_in_list")]

    def __str__(self):
        return f"{self.code} {self.name}"
