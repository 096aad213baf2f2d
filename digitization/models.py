"""Digitized documents (the dossier data store and each owner's own store), who opened them, document
types, result templates, and the agencies' signing certificates."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class DocumentType(models.Model):
    """A kind of document (loại giấy tờ): what makes a stored document reusable for a required one.

    A required document names its type (``RequiredDocument.document_type_code``); a result issued under
    one of ``result_codes`` (the national MAKETQUA codes) is a document of this type in its owner's store,
    so a birth certificate issued here is offered when a later procedure asks for one.
    """

    code = models.CharField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=255)
    valid_months = models.PositiveSmallIntegerField(
        _("valid for (months)"), null=True, blank=True, help_text=_("Empty: valid without a time limit.")
    )
    result_codes = models.TextField(
        _("result codes"), blank=True, help_text=_("National result codes (MAKETQUA) issued as this type, one per line.")
    )
    reusable = models.BooleanField(
        _("reusable in other dossiers"), default=True,
        help_text=_("Off for documents made for one dossier only (an authorization for one procedure)."),
    )

    class Meta:
        verbose_name = _("document type")
        verbose_name_plural = _("document types")
        ordering = ["code"]

    def __str__(self):
        return f"{self.code} · {self.name}"

    @property
    def result_code_list(self) -> list[str]:
        return [c.strip() for c in self.result_codes.split() if c.strip()]


class DigitizedDocument(models.Model):
    """A digitized component or a signed electronic result (giấy tờ, kết quả số hóa) in the dossier
    data store, shown in its owner's own store (kho dữ liệu của tôi) by the owner's ID number.

    The row is also the digitization job: created ``pending`` in the transaction of the dossier action
    that calls for it, leased by a worker (``claimed_until``, ``core.jobs``) and worked by a Celery task,
    ``done`` or ``failed`` with the reason.
    """

    class Kind(models.TextChoices):
        COMPONENT = "component", _("Dossier component")
        RESULT = "result", _("Result")

    class Status(models.TextChoices):
        PENDING = "pending", _("Being digitized")
        DONE = "done", _("Digitized")
        FAILED = "failed", _("Digitization failed")

    code = models.CharField(_("document code"), max_length=200, unique=True, null=True, blank=True)
    verify_key = models.CharField(
        _("verification key"), max_length=16, blank=True,
        help_text=_("Printed beside the QR code of a result: with the code, it shows the result's details."),
    )
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PENDING)
    failure_reason = models.TextField(_("why it failed"), blank=True)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    # A worker's lease (core.jobs): a worker that dies mid-way leaves a lease that runs out, and another
    # worker takes the row over.
    claimed_until = models.DateTimeField(_("being worked on until"), null=True, blank=True)

    owner_id_number = models.CharField(_("owner's ID number or tax code"), max_length=14, db_index=True)
    owner_name = models.CharField(_("owner"), max_length=255)
    document_type = models.CharField(_("document type"), max_length=60)
    document_type_name = models.TextField(_("document"))
    procedure_code = models.CharField(_("procedure code"), max_length=40)
    number_symbol = models.CharField(_("number and symbol"), max_length=100, blank=True)
    issue_date = models.DateField(_("issued on"), null=True, blank=True)
    issuer = models.CharField(_("issued by"), max_length=255, blank=True)
    signer = models.CharField(_("signed by"), max_length=255, blank=True)
    summary = models.TextField(_("summary"), blank=True)
    valid_until = models.DateField(_("valid until"), null=True, blank=True, help_text=_("Empty: permanent."))

    file = models.FileField(_("file"), upload_to="store/%Y/%m/", blank=True)
    sha256 = models.CharField(_("SHA-256"), max_length=64, blank=True, db_index=True)
    size = models.PositiveIntegerField(_("size"), default=0)
    pages = models.PositiveSmallIntegerField(_("pages"), default=0)
    ocr_text = models.TextField(_("recognized text"), blank=True)

    dossier = models.ForeignKey(
        "cases.Dossier", verbose_name=_("source dossier"), on_delete=models.PROTECT, related_name="digitized"
    )
    component = models.OneToOneField(
        "cases.DossierDocument", verbose_name=_("dossier file"), null=True, blank=True, on_delete=models.CASCADE,
        related_name="digitized",
    )
    certificate = models.ForeignKey(
        "SigningCertificate", verbose_name=_("signing certificate"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="+",
    )
    hidden_until_returned = models.BooleanField(_("hidden until returned"), default=False)
    digitized_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("digitized by"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="+",
    )
    digitized_at = models.DateTimeField(_("digitized"), null=True, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("reviewed by"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="+",
    )
    reviewed_at = models.DateTimeField(_("reviewed"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)
    revoked_reason = models.TextField(_("why it was revoked"), blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("digitized document")
        verbose_name_plural = _("digitized documents")
        ordering = ["-created_at", "-id"]
        constraints = [
            # One electronic result per dossier: issuing twice finds the first.
            models.UniqueConstraint(fields=["dossier"], condition=models.Q(kind="result"), name="one_result_per_dossier"),
        ]
        indexes = [
            models.Index(fields=["owner_id_number", "status", "-created_at"], name="store_by_owner"),
            models.Index(fields=["status", "created_at"], name="digitization_queue"),
            # The 766 index's probes (satisfaction/index766.py), answered from the index alone: a dossier's
            # signed electronic result, and whether each of its files is digitized.
            models.Index(fields=["dossier"], name="digitized_result_done", condition=models.Q(kind="result", status="done")),
            models.Index(fields=["component"], include=["status"], name="digitized_component_status"),
        ]

    def __str__(self):
        return self.code or f"#{self.pk}"

    @property
    def is_valid_now(self) -> bool:
        today = timezone.localdate()
        return self.revoked_at is None and (self.valid_until is None or self.valid_until >= today)

    @property
    def file_name(self) -> str:
        return f"{self.code or self.pk}.pdf"


class DocumentSequence(models.Model):
    """The last NN given under one ``{owner ID}.{procedure code}.{document type}`` prefix."""

    prefix = models.CharField(max_length=200, unique=True)
    last = models.PositiveIntegerField(default=0)

    def __str__(self):
        return f"{self.prefix} {self.last}"


class DocumentAccess(models.Model):
    """One opening of a stored document: who, when, how (the owner sees this list)."""

    class Action(models.TextChoices):
        DOWNLOAD = "download", _("Opened the file")
        REUSE = "reuse", _("Reused in a dossier")
        REVIEW = "review", _("Reviewed the details")
        VERIFY = "verify", _("Verified the result")

    document = models.ForeignKey(DigitizedDocument, on_delete=models.CASCADE, related_name="accesses")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    who = models.CharField(_("who"), max_length=255)
    role = models.CharField(_("as"), max_length=255, blank=True)
    action = models.CharField(_("what"), max_length=10, choices=Action.choices)
    at = models.DateTimeField(_("when"), default=timezone.now)
    dossier_code = models.CharField(_("dossier"), max_length=40, blank=True)

    class Meta:
        verbose_name = _("document access")
        verbose_name_plural = _("document accesses")
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["document", "-at"], name="access_by_document")]

    def __str__(self):
        return f"{self.document_id} {self.action} {self.who}"


class ResultTemplate(models.Model):
    """How a procedure's electronic result reads (per procedure; the one without a procedure is the default).

    ``body`` is Django template text with the dossier's values: {{ applicant_name }}, {{ id_number }},
    {{ address }}, {{ procedure }}, {{ result_name }}, {{ number_symbol }}, {{ dossier_code }},
    {{ received_on }}, {{ issued_on }}, {{ agency }}. A blank line separates paragraphs.
    """

    procedure = models.OneToOneField(
        "procedures.Procedure", verbose_name=_("procedure"), null=True, blank=True, on_delete=models.CASCADE,
        related_name="result_template",
    )
    title = models.CharField(_("title"), max_length=255, help_text=_("Empty: the name of the procedure's result."), blank=True)
    body = models.TextField(_("body"))
    signer_title = models.CharField(_("signer's title"), max_length=255, default="THỦ TRƯỞNG CƠ QUAN")
    valid_months = models.PositiveSmallIntegerField(
        _("valid for (months)"), null=True, blank=True, help_text=_("Empty: as the document type says, or permanent.")
    )
    hidden_until_returned = models.BooleanField(
        _("hidden until returned"), default=False,
        help_text=_("The result shows in the applicant's store only once it has been returned to them."),
    )

    class Meta:
        verbose_name = _("result template")
        verbose_name_plural = _("result templates")

    def __str__(self):
        return self.title or (str(self.procedure) if self.procedure_id else str(_("Default")))


class TrustRoot(models.Model):
    """A root certificate whose signatures the portal trusts when it verifies a result."""

    name = models.CharField(_("name"), max_length=255)
    certificate_pem = models.TextField(_("certificate (PEM)"))
    fingerprint = models.CharField(_("SHA-256 fingerprint"), max_length=64, unique=True)
    added_at = models.DateTimeField(_("added"), auto_now_add=True)

    class Meta:
        verbose_name = _("trusted root certificate")
        verbose_name_plural = _("trusted root certificates")

    def __str__(self):
        return self.name


class SigningCertificate(models.Model):
    """An agency's signing certificate. The private key stays on disk under ``SIGNING_DIR``, never in the
    database; ``key_file`` is its name there."""

    agency = models.ForeignKey(
        "procedures.Agency", verbose_name=_("agency"), on_delete=models.PROTECT, related_name="signing_certificates"
    )
    subject = models.CharField(_("subject"), max_length=500)
    serial = models.CharField(_("serial number"), max_length=64)
    certificate_pem = models.TextField(_("certificate (PEM)"))
    chain_pem = models.TextField(_("issuer chain (PEM)"), blank=True)
    key_file = models.CharField(_("private key file"), max_length=255)
    not_before = models.DateTimeField(_("valid from"))
    not_after = models.DateTimeField(_("valid until"))
    is_active = models.BooleanField(_("in use"), default=True)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)
    added_at = models.DateTimeField(_("added"), auto_now_add=True)

    class Meta:
        verbose_name = _("signing certificate")
        verbose_name_plural = _("signing certificates")
        ordering = ["agency", "-not_after"]
        constraints = [models.UniqueConstraint(fields=["serial"], name="signing_certificate_serial_unique")]

    def __str__(self):
        return self.subject
