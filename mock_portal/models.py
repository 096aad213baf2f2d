"""What the mock national portal stores: every distinct record it accepted, how many times each came
again, and the fault settings of its control endpoint."""

from django.db import models


class Record(models.Model):
    """One accepted record: a dossier sync (DongBoHoSoMC) or a progress record (CapNhatTienDoHoSoMC).

    ``digest`` is the SHA-256 of the record's canonical JSON: the same record sent twice is stored once
    and ``duplicates`` counts the repeats."""

    class Kind(models.TextChoices):
        SYNC = "DongBoHoSoMC", "Đồng bộ hồ sơ"
        PROGRESS = "CapNhatTienDoHoSoMC", "Cập nhật tiến độ"

    kind = models.CharField(max_length=30, choices=Kind.choices)
    ma_ho_so = models.CharField(max_length=60, db_index=True)
    ma_tthc = models.CharField(max_length=40, blank=True)
    digest = models.CharField(max_length=64, unique=True)
    data = models.JSONField()
    status = models.PositiveSmallIntegerField(null=True)
    duplicates = models.PositiveIntegerField(default=0)
    received_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]
        indexes = [models.Index(fields=["ma_ho_so", "kind", "id"], name="record_by_dossier")]

    def __str__(self):
        return f"{self.kind} {self.ma_ho_so}"


class Faults(models.Model):
    """The one row of fault settings (POST /_faults/): a share of API answers that fail, a delay, an outage."""

    failure_rate = models.FloatField(default=0)
    latency_ms = models.PositiveIntegerField(default=0)
    outage = models.BooleanField(default=False)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self):
        return f"failure_rate={self.failure_rate} latency_ms={self.latency_ms} outage={self.outage}"

    @classmethod
    def current(cls) -> "Faults":
        return cls.objects.get_or_create(pk=1)[0]


class Message(models.Model):
    """A message the mock SMS or Zalo gateway accepted: what a citizen's phone would have shown."""

    class Channel(models.TextChoices):
        SMS = "sms", "SMS"
        ZALO = "zalo", "Zalo"

    channel = models.CharField(max_length=10, choices=Channel.choices)
    to = models.CharField(max_length=20, db_index=True)
    text = models.TextField()
    reference = models.CharField(max_length=100, blank=True, help_text="The sender's own id: a repeat is not sent twice.")
    received_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-id"]
        constraints = [
            models.UniqueConstraint(fields=["channel", "reference"], condition=~models.Q(reference=""),
                                    name="message_reference_once"),
        ]

    def __str__(self):
        return f"{self.channel} {self.to}"
