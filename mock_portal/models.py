"""What the mock national portal stores: every distinct record it accepted, how many times each came
again, the fault settings of its control endpoint, the messages of its SMS and Zalo gateways, the
orders of its payment gateway, and the people and organizations of its population database (whom its
mock VNeID signs in)."""

from django.db import models

from .gateway import INIT_FIELDS


class Record(models.Model):
    """One accepted record: a dossier sync (DongBoHoSoMC), a progress record (CapNhatTienDoHoSoMC) or a citizen's
    rating of the service (DanhGiaHoSo; ``status`` holds its MucDoHaiLong).

    ``digest`` is the SHA-256 of the record's canonical JSON: the same record sent twice is stored once
    and ``duplicates`` counts the repeats."""

    class Kind(models.TextChoices):
        SYNC = "DongBoHoSoMC", "Đồng bộ hồ sơ"
        PROGRESS = "CapNhatTienDoHoSoMC", "Cập nhật tiến độ"
        RATING = "DanhGiaHoSo", "Đánh giá mức độ hài lòng"

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


class PaymentOrder(models.Model):
    """An order the mock payment gateway accepted (INIT) and how it was settled: paid ("00") or cancelled by
    the payer ("24"), once; and whether the province's portal acknowledged the result it was sent.

    The fields of the INIT request are kept as sent: the same order initiated again with the same fields
    gets the same payment page, with other fields it is refused."""

    class Status(models.TextChoices):
        PENDING = "pending", "Chờ thanh toán"
        PAID = "paid", "Đã thanh toán"
        CANCELLED = "cancelled", "Đã hủy"

    merchant_code = models.CharField(max_length=20)
    order_id = models.CharField(max_length=40)
    amount = models.PositiveBigIntegerField()
    order_info = models.CharField(max_length=255)
    return_url = models.CharField(max_length=500)
    callback_url = models.CharField(max_length=500)
    create_date = models.CharField(max_length=14)
    token = models.CharField(max_length=64, unique=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    inits = models.PositiveIntegerField(default=1, help_text="How many times it was initiated (repeats included).")
    response_code = models.CharField(max_length=2, blank=True)
    transaction_no = models.CharField(max_length=20, blank=True)
    pay_date = models.CharField(max_length=14, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    settled_at = models.DateTimeField(null=True, blank=True)
    callback_at = models.DateTimeField(null=True, blank=True)
    callback_status = models.PositiveSmallIntegerField(null=True, blank=True, help_text="The portal's HTTP status.")
    callback_answer = models.TextField(blank=True)
    callback_ok = models.BooleanField(null=True, help_text="The portal acknowledged the result (RspCode 00 or 02).")

    class Meta:
        ordering = ["-id"]
        constraints = [
            models.UniqueConstraint(fields=["merchant_code", "order_id"], name="payment_order_once"),
        ]

    def __str__(self):
        return f"{self.merchant_code} {self.order_id}"

    def init_fields(self) -> dict:
        return {name: getattr(self, name) for name in INIT_FIELDS}

    def result(self) -> dict:
        """What the payer's result says (without its check code)."""
        return {"merchant_code": self.merchant_code, "order_id": self.order_id, "amount": self.amount,
                "response_code": self.response_code, "transaction_no": self.transaction_no,
                "pay_date": self.pay_date}


class Organization(models.Model):
    """An organization as the mock national services know it (tổ chức, doanh nghiệp): its tax code (mã số
    thuế: 10 digits, 13 for a branch), its name and its head office (trụ sở chính)."""

    tax_code = models.CharField(max_length=13, unique=True)
    name = models.CharField(max_length=255)
    head_office = models.CharField(max_length=255)

    def __str__(self):
        return f"{self.tax_code} {self.name}"


class Citizen(models.Model):
    """A person of the mock national population database (Cơ sở dữ liệu quốc gia về dân cư; a công dân),
    known by the 12-digit personal identification number (số định danh cá nhân).

    A household (hộ gia đình) is its head and the people whose ``household_head`` is that head, each with
    their relation to the head (quan hệ với chủ hộ); a person with no ``household_head`` heads their own.
    ``has_vneid``: the person holds a level-2 VNeID account and can sign in at the mock VNeID (a child may be
    in the database without one). ``represents``: the organization whose legal representative (người đại
    diện theo pháp luật) the person is, which VNeID tells the portal about at sign-in."""

    class Gender(models.TextChoices):
        MALE = "male", "Nam"
        FEMALE = "female", "Nữ"

    id_number = models.CharField(max_length=12, unique=True)
    full_name = models.CharField(max_length=100)
    birth_date = models.DateField()
    gender = models.CharField(max_length=6, choices=Gender.choices)
    ethnicity = models.CharField(max_length=40, default="Kinh")
    nationality = models.CharField(max_length=40, default="Việt Nam")
    permanent_address = models.CharField(max_length=255)
    current_address = models.CharField(max_length=255)
    household_head = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT,
                                       related_name="household_members")
    relation_to_head = models.CharField(max_length=30, default="Chủ hộ")
    has_vneid = models.BooleanField(default=True)
    represents = models.ForeignKey(Organization, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="representatives")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]

    def __str__(self):
        return f"{self.id_number} {self.full_name}"

    @property
    def masked_id_number(self) -> str:
        return f"{self.id_number[:3]}******{self.id_number[-3:]}"
