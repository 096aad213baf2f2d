"""The outbox (one delivery per consumer of a dossier event, and every attempt to deliver it) and the
citizen's notifications (the in-portal list, channel preferences, and the templates administrators edit)."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Consumer(models.TextChoices):
    """Who a delivery is for: the national portal, or the citizen through one message channel."""

    PORTAL = "portal", _("National Public Service Portal")
    EMAIL = "email", _("E-mail")
    SMS = "sms", _("SMS")
    ZALO = "zalo", _("Zalo")


# Consumers that must see a dossier's deliveries in the order they were written: the portal keeps a
# dossier's progress as a sequence, so a later record never overtakes an earlier one.
ORDERED = frozenset({Consumer.PORTAL})
CHANNELS = (Consumer.EMAIL, Consumer.SMS, Consumer.ZALO)


class Delivery(models.Model):
    """One message owed to one consumer (bản ghi hộp thư đi, outbox).

    Written in the transaction of the action that causes it (a dossier's, or one with no dossier: feedback's
    e-mail to its sender), with its payload built then, so the record sent is the one the action produced, and the same record goes again on every attempt (the
    receiver deduplicates it). ``claimed_until`` is a worker's lease: a worker that dies mid-delivery
    leaves a lease that runs out, and the sweeper hands the delivery to another.
    """

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting to be delivered")
        DELIVERED = "delivered", _("Delivered")
        DEAD = "dead", _("Given up (dead letter)")

    consumer = models.CharField(_("consumer"), max_length=10, choices=Consumer.choices)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PENDING)
    dossier = models.ForeignKey(
        "cases.Dossier", verbose_name=_("dossier"), null=True, blank=True, on_delete=models.CASCADE,
        related_name="deliveries",
    )
    event = models.ForeignKey(
        "cases.DossierEvent", verbose_name=_("event"), null=True, blank=True, on_delete=models.CASCADE,
        related_name="deliveries", help_text=_("Empty for a re-sync that no action caused (reconciliation, digitization)."),
    )
    topic = models.CharField(_("what"), max_length=40, help_text=_("The action, or the notification's kind."))
    payload = models.JSONField(_("payload"))
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt"), default=timezone.now)
    claimed_until = models.DateTimeField(_("being delivered until"), null=True, blank=True)
    last_error = models.TextField(_("last error"), blank=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    delivered_at = models.DateTimeField(_("delivered"), null=True, blank=True)

    class Meta:
        verbose_name = _("delivery")
        verbose_name_plural = _("deliveries")
        ordering = ["-id"]
        indexes = [
            # The sweeper: what is due.
            models.Index(fields=["next_attempt_at"], name="delivery_due", condition=models.Q(status="pending")),
            # Ordering: a dossier's undelivered deliveries to one consumer, oldest first.
            models.Index(
                fields=["dossier", "consumer", "id"], name="delivery_dossier_queue",
                condition=~models.Q(status="delivered"),
            ),
            models.Index(fields=["status", "consumer"], name="delivery_status"),
            # The 766 index (satisfaction/index766.py): a period's status updates to the portal (T3), read from
            # the index alone, and whether a dossier's statuses reached it (T2).
            models.Index(
                fields=["created_at"], include=["id", "dossier", "status", "delivered_at"], name="delivery_portal_actions",
                condition=models.Q(consumer="portal", event__isnull=False),
            ),
            models.Index(
                fields=["dossier"], name="delivery_portal_delivered", condition=models.Q(consumer="portal", status="delivered"),
            ),
        ]

    def __str__(self):
        return f"{self.get_consumer_display()} · {self.topic} · {self.dossier or '-'}"


class Attempt(models.Model):
    """One try at a delivery: when, how it went, and what the other side answered."""

    delivery = models.ForeignKey(Delivery, on_delete=models.CASCADE, related_name="attempt_log")
    at = models.DateTimeField(_("at"), default=timezone.now)
    ok = models.BooleanField(_("succeeded"))
    status_code = models.PositiveSmallIntegerField(_("HTTP status"), null=True, blank=True)
    response = models.TextField(_("answer"), blank=True)
    duration_ms = models.PositiveIntegerField(_("duration (ms)"), default=0)

    class Meta:
        verbose_name = _("delivery attempt")
        verbose_name_plural = _("delivery attempts")
        ordering = ["delivery", "id"]

    def __str__(self):
        return f"{self.delivery_id} {timezone.localtime(self.at):%d/%m/%Y %H:%M:%S}"


class Topic(models.TextChoices):
    """What a citizen is told about (one template each)."""

    RECEIVED = "received", _("Dossier received, with its appointment date")
    SUPPLEMENT = "supplement", _("Supplement requested")
    PAYMENT = "payment", _("Payment requested")
    PAID = "paid", _("Payment received")
    REFUSED = "refused", _("Dossier not accepted")
    RESULT = "result", _("Result ready")
    RETURNED = "returned", _("Result returned")
    APOLOGY = "apology", _("Late: apology and new appointment date")


class MessageTemplate(models.Model):
    """The wording of one kind of notification, editable by administrators (Django template syntax over
    the dossier: {{ code }}, {{ procedure }}, {{ agency }}, {{ due }}, {{ reason }}, {{ amount }}, {{ link }})."""

    topic = models.CharField(_("kind"), max_length=20, choices=Topic.choices, unique=True)
    subject = models.CharField(_("e-mail subject"), max_length=200)
    body = models.TextField(_("e-mail, Zalo and in-portal text"))
    short = models.CharField(
        _("SMS text"), max_length=480,
        help_text=_("Short and without accents: an SMS part is 160 characters. Zalo sends the e-mail text, accents and all."),
    )
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("notification template")
        verbose_name_plural = _("notification templates")
        ordering = ["topic"]

    def __str__(self):
        return self.get_topic_display()


class NotificationPreference(models.Model):
    """Which channels a citizen wants besides the in-portal list (always on)."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notification_preference")
    email = models.BooleanField(_("by e-mail"), default=True)
    sms = models.BooleanField(_("by SMS"), default=True)
    zalo = models.BooleanField(_("by Zalo"), default=False)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("notification preference")
        verbose_name_plural = _("notification preferences")

    def __str__(self):
        return str(self.user)


class Notification(models.Model):
    """A message in the citizen's in-portal list (thông báo)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications")
    dossier = models.ForeignKey("cases.Dossier", null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    event = models.ForeignKey("cases.DossierEvent", null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    topic = models.CharField(_("kind"), max_length=20, choices=Topic.choices)
    title = models.CharField(_("title"), max_length=200)
    text = models.TextField(_("text"))
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    read_at = models.DateTimeField(_("read"), null=True, blank=True)

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["user", "-created_at"], name="notification_user")]
        constraints = [
            models.UniqueConstraint(fields=["user", "event", "topic"], name="notification_once_per_event"),
        ]

    def __str__(self):
        return self.title


class ReceiptSequence(models.Model):
    """The last fee receipt number an agency issued in a year (see ``core.counters``): no gap, no duplicate."""

    agency = models.ForeignKey("procedures.Agency", on_delete=models.PROTECT, related_name="+")
    year = models.PositiveSmallIntegerField()
    last = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["agency", "year"], name="receipt_sequence_once")]

    def __str__(self):
        return f"{self.agency_id}/{self.year}: {self.last}"


class Payment(models.Model):
    """An online payment of a dossier's fees through the payment gateway (thanh toán trực tuyến).

    ``reference`` is the order id the gateway is given; the gateway's callback names it, and a callback for
    a payment already settled changes nothing. The amount paid must be the amount asked.
    """

    class Status(models.TextChoices):
        STARTED = "started", _("Sent to the gateway")
        PAID = "paid", _("Paid")
        FAILED = "failed", _("Not paid")

    dossier = models.ForeignKey("cases.Dossier", verbose_name=_("dossier"), on_delete=models.PROTECT, related_name="payments")
    event = models.ForeignKey(
        "cases.DossierEvent", verbose_name=_("payment request"), on_delete=models.PROTECT, related_name="+",
        help_text=_("The request_payment event whose fees this pays."),
    )
    reference = models.CharField(_("order number"), max_length=40, unique=True)
    amount = models.PositiveBigIntegerField(_("amount (VND)"))
    items = models.JSONField(_("fees"), default=list)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.STARTED)
    started_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("started"), default=timezone.now)
    response_code = models.CharField(_("gateway answer"), max_length=4, blank=True)
    transaction_no = models.CharField(_("gateway transaction"), max_length=60, blank=True)
    paid_at = models.DateTimeField(_("paid"), null=True, blank=True)
    receipt_number = models.CharField(_("receipt number"), max_length=40, blank=True)
    callback = models.JSONField(_("callback received"), default=dict, blank=True)

    class Meta:
        verbose_name = _("online payment")
        verbose_name_plural = _("online payments")
        ordering = ["-created_at"]
        constraints = [
            # One settled payment per payment request: a second gateway success cannot charge twice.
            models.UniqueConstraint(fields=["event"], condition=models.Q(status="paid"), name="payment_paid_once"),
        ]

    def __str__(self):
        return self.reference


class InboundDossier(models.Model):
    """A dossier the National Public Service Portal forwarded to the province (pushed to
    ``/api/v1/national/dossiers/``, or pulled when a push was lost): what came, what the province answered,
    and the dossier it became. One row per national reference, however many times it came."""

    class Status(models.TextChoices):
        STORED = "stored", _("stored as a dossier")
        REFUSED = "refused", _("refused")
        FAILING = "failing", _("failing, the portal will send it again")

    class Channel(models.TextChoices):
        PUSH = "push", _("pushed by the portal")
        PULL = "pull", _("pulled by the province")

    national_reference = models.CharField(_("national reference"), max_length=40, unique=True)
    procedure_code = models.CharField(_("procedure code"), max_length=40, blank=True)
    applicant_name = models.CharField(_("applicant"), max_length=255, blank=True)
    channel = models.CharField(_("first came by"), max_length=10, choices=Channel.choices)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices)
    payload = models.JSONField(_("record received"), default=dict)
    dossier = models.OneToOneField(
        "cases.Dossier", verbose_name=_("dossier"), null=True, blank=True, on_delete=models.PROTECT, related_name="inbound",
    )
    answer_code = models.CharField(_("answer code"), max_length=10, blank=True)
    errors = models.JSONField(_("reasons"), default=list, blank=True)
    times_received = models.PositiveIntegerField(_("times received"), default=0)
    first_received_at = models.DateTimeField(_("first received"), default=timezone.now)
    last_received_at = models.DateTimeField(_("last received"), default=timezone.now)
    stored_at = models.DateTimeField(_("stored"), null=True, blank=True)
    acknowledged_at = models.DateTimeField(
        _("acknowledged to the portal"), null=True, blank=True,
        help_text=_("A pulled dossier is acknowledged (XacNhanHoSo) once stored; a pushed one by the answer."),
    )

    class Meta:
        verbose_name = _("dossier from the national portal")
        verbose_name_plural = _("dossiers from the national portal")
        ordering = ["-last_received_at"]
        indexes = [models.Index(fields=["status", "-last_received_at"], name="inbound_by_status")]

    def __str__(self):
        return f"{self.national_reference} ({self.get_status_display()})"


class CatalogSync(models.Model):
    """One run of the catalog's synchronisation with the national portal (LayDanhSachTTHC): when, and what
    came of it."""

    class Status(models.TextChoices):
        OK = "ok", _("imported")
        FAILED = "failed", _("failed")

    started_at = models.DateTimeField(_("started"), default=timezone.now)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices)
    total = models.PositiveIntegerField(_("procedures"), default=0)
    created = models.PositiveIntegerField(_("created"), default=0)
    updated = models.PositiveIntegerField(_("updated"), default=0)
    unchanged = models.PositiveIntegerField(_("unchanged"), default=0)
    errors = models.JSONField(_("errors"), default=list, blank=True)

    class Meta:
        verbose_name = _("catalog synchronisation")
        verbose_name_plural = _("catalog synchronisations")
        ordering = ["-started_at"]

    def __str__(self):
        return f"{self.started_at:%Y-%m-%d %H:%M} {self.get_status_display()}"
