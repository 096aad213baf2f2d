"""What the mock national portal stores: every distinct record it accepted, how many times each came
again, the fault settings of its control endpoint, the messages of its SMS and Zalo gateways, the
orders of its payment gateway, the people and organizations of its population database (whom its
mock VNeID signs in), and the dossiers citizens file online through it with their documents and each try
to forward them to the province."""

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
    national_code = models.CharField(max_length=20, blank=True, db_index=True,
                                     help_text="The record's MaHoSoQuocGia: a dossier filed online here.")
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


# --- Online submission ----------------------------------------------------------------------------------


class DailySequence(models.Model):
    """The last number given to a dossier filed online on ``day`` (local date): MaHoSoQuocGia's nnnnnn. Taken
    in the transaction that creates the dossier, so a number is used once and none is skipped."""

    day = models.DateField(unique=True)
    last = models.PositiveIntegerField(default=0)

    def __str__(self):
        return f"{self.day} {self.last}"


class NationalDossier(models.Model):
    """A dossier a citizen filed online through the national portal (hồ sơ nộp trực tuyến trên Cổng Dịch vụ
    công quốc gia), known by its reference ``code`` (MaHoSoQuocGia), and where forwarding it to the province
    stands.

    The applicant (chủ hồ sơ) is kept as filed: the signed-in person, or the organization they represent.
    ``state``: forwarding (pushes are due at ``next_attempt_at``), sent (a push the mock lost on purpose: it
    believes it delivered, nothing was sent and nothing acknowledged), acknowledged (the province's code
    ``province_code``), refused (the province's ``refusal_message`` and ``refusal_errors``), dead (pushes given
    up). Only acknowledged and refused are final: the province's pull lists every other one."""

    class State(models.TextChoices):
        FORWARDING = "forwarding", "Đang chuyển cho tỉnh"
        SENT = "sent", "Đã gửi (bị thất lạc), chờ tỉnh tự lấy"
        ACKNOWLEDGED = "acknowledged", "Tỉnh đã nhận"
        REFUSED = "refused", "Tỉnh từ chối"
        DEAD = "dead", "Ngừng gửi, chờ tỉnh tự lấy"

    class ApplicantType(models.IntegerChoices):
        CITIZEN = 1, "Công dân"
        ORGANIZATION = 2, "Tổ chức"

    code = models.CharField(max_length=20, unique=True)
    submitter = models.ForeignKey(Citizen, on_delete=models.PROTECT, related_name="national_dossiers")
    submitter_id_number = models.CharField(max_length=12)
    procedure_code = models.CharField(max_length=40)
    procedure_name = models.CharField(max_length=500)
    agency_code = models.CharField(max_length=40, blank=True)
    applicant_type = models.PositiveSmallIntegerField(choices=ApplicantType.choices)
    applicant_name = models.CharField(max_length=255)
    applicant_id = models.CharField(max_length=13)
    applicant_address = models.CharField(max_length=255)
    phone = models.CharField(max_length=20, blank=True)
    email = models.CharField(max_length=254, blank=True)
    request_text = models.TextField()
    fees = models.JSONField(default=list)
    submitted_at = models.DateTimeField()
    base_url = models.CharField(max_length=200, help_text="The address the submission came to (document links).")
    state = models.CharField(max_length=12, choices=State.choices, default=State.FORWARDING)
    attempts = models.PositiveSmallIntegerField(default=0, help_text="Pushes that reached no verdict.")
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    lease_until = models.DateTimeField(null=True, blank=True, help_text="A pusher is sending it until then.")
    province_code = models.CharField(max_length=60, blank=True)
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    acknowledged_by = models.CharField(max_length=10, blank=True, help_text="push or pull (XacNhanHoSo).")
    refusal_message = models.TextField(blank=True)
    refusal_errors = models.JSONField(default=list)

    class Meta:
        ordering = ["-id"]
        indexes = [models.Index(fields=["state", "next_attempt_at"], name="national_dossier_due")]

    def __str__(self):
        return self.code

    @property
    def citizen_state(self) -> str:
        """The state as the citizen reads it: on its way, taken (with the province's code), or refused."""
        if self.state in (self.State.ACKNOWLEDGED, self.State.REFUSED):
            return self.get_state_display()
        return self.State.FORWARDING.label


class NationalDocument(models.Model):
    """A file a citizen attached to a dossier filed online: the document of the procedure it is for
    (``position`` in the procedure's flattened THANHPHANHOSO, ``title`` its TENGIAYTO), its SHA-256, and the
    random ``token`` of its address (GET /api/TepHoSo/<id>/<token>)."""

    dossier = models.ForeignKey(NationalDossier, on_delete=models.CASCADE, related_name="documents")
    position = models.PositiveSmallIntegerField()
    title = models.TextField()
    file_name = models.CharField(max_length=255)
    stored_name = models.CharField(max_length=100, unique=True)
    sha256 = models.CharField(max_length=64)
    size = models.PositiveBigIntegerField()
    content_type = models.CharField(max_length=40)
    token = models.CharField(max_length=64)

    class Meta:
        ordering = ["position"]

    def __str__(self):
        return f"{self.dossier_id} {self.file_name}"


class PushAttempt(models.Model):
    """One try to push a dossier to the province: when, the HTTP status (none: no answer), its answer, and
    what came of it."""

    class Outcome(models.TextChoices):
        ACCEPTED = "accepted", "Tỉnh đã nhận"
        REFUSED = "refused", "Tỉnh từ chối"
        FAILED = "failed", "Không thành công, sẽ gửi lại"
        GAVE_UP = "gave_up", "Không thành công, ngừng gửi"
        LOST = "lost", "Thất lạc (giả lập): không gửi gì"
        CONFLICT = "conflict", "Tỉnh trả mã hồ sơ khác mã đã xác nhận"

    dossier = models.ForeignKey(NationalDossier, on_delete=models.CASCADE, related_name="push_attempts")
    at = models.DateTimeField()
    http_status = models.PositiveSmallIntegerField(null=True, blank=True)
    answer = models.TextField(blank=True)
    outcome = models.CharField(max_length=10, choices=Outcome.choices)

    class Meta:
        ordering = ["id"]

    def __str__(self):
        return f"{self.dossier_id} {self.outcome}"


class PushControl(models.Model):
    """The one row of the forwarding controls (POST /_push/): pushes paused, or lost on purpose."""

    push_enabled = models.BooleanField(default=True)
    lose_pushes = models.BooleanField(default=False)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self):
        return f"push_enabled={self.push_enabled} lose_pushes={self.lose_pushes}"

    @classmethod
    def current(cls) -> "PushControl":
        return cls.objects.get_or_create(pk=1)[0]
