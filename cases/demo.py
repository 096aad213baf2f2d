"""Demo dossiers: a living office for the first look (every state, some late, some waiting, some extended).

Made through the real services, then moved back in time where a story needs it (an overdue dossier
was received weeks ago). Idempotent: nothing is made when demo dossiers exist already. Their ratings are
satisfaction's demo (``satisfaction.demo.ratings_demo``).
"""

import datetime as dt
import io

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.db.models import F

from accounts.models import User
from procedures.catalog_convert import demo_answers
from procedures.models import Agency, Procedure, TimeUnit
from procedures.working_calendar import WorkingCalendar

from . import services
from .actions import perform
from .models import Dossier, DossierEvent

WARD = "000.11.31.H48"
JUSTICE = "000.00.13.H48"

# (path of actions after reception, days to move back in time); "online" dossiers start as submissions.
STORIES = [
    ("submitted", []), ("submitted", []), ("submitted", []), ("submitted", []),
    ("received", ["receive"]), ("received", ["receive"]), ("received-late", ["receive"]),
    ("processing", ["receive", "forward"]),
    ("processing", ["receive", "forward", "step"]),
    ("processing", ["receive", "forward", "step", "step"]),
    ("processing-late", ["receive", "forward", "step"]),
    ("processing-late", ["receive", "forward"]),
    ("processing-extended", ["receive", "forward", "step", "extend"]),
    ("processing-extended", ["receive", "forward", "extend"]),
    ("supplement", ["request_supplement"]),
    ("supplement", ["receive", "forward", "step", "request_supplement"]),
    ("supplement", ["receive", "request_supplement"]),
    ("payment", ["receive", "forward", "step", "request_payment"]),
    ("payment", ["receive", "forward", "step", "request_payment"]),
    ("resolved", ["receive", "forward", "to_last", "approve"]),
    ("resolved", ["receive", "forward", "to_last", "approve"]),
    ("resolved-denied", ["receive", "forward", "step", "deny"]),
    ("returned", ["receive", "forward", "to_last", "approve", "return_result"]),
    ("returned", ["receive", "forward", "to_last", "approve", "return_result"]),
    ("returned", ["receive", "forward", "to_last", "approve", "return_result"]),
    ("returned", ["receive", "forward", "to_last", "approve", "return_result"]),
    ("returned-after-supplement", ["receive", "request_supplement", "supplement", "to_last", "approve", "return_result"]),
    ("refused", ["refuse"]), ("refused", ["receive", "refuse"]),
    ("withdrawn", ["withdraw"]), ("withdrawn", ["receive", "forward", "withdraw"]),
    ("suspended", ["receive", "forward", "suspend"]),
    ("counter", []), ("counter", ["forward"]), ("counter-late", ["forward", "step"]),
    ("counter", ["forward", "to_last", "approve", "return_result"]),
]

WALK_INS = [
    ("Phạm Thị Hồng", "048176003344"), ("Võ Minh Khang", "048201005566"), ("Huỳnh Thị Lệ", "049165007711"),
    ("Đỗ Văn Phúc", "048089002233"), ("Trương Thị Ngọc", "048192004455"),
]

PAYLOADS = {
    "request_supplement": dict(reason="Hồ sơ chưa đầy đủ", items=[
        {"document": "Tờ khai", "guidance": "Tờ khai chưa có chữ ký của người yêu cầu: ký và ghi rõ họ tên."},
        {"document": "Giấy tờ chứng minh nơi cư trú", "guidance": "Bản chụp bị mờ, không đọc được số: chụp lại rõ nét."},
    ]),
    "refuse": dict(reason="Thủ tục không thuộc thẩm quyền giải quyết của cơ quan tiếp nhận."),
    "deny": dict(reason="Người yêu cầu không đủ điều kiện theo quy định."),
    "suspend": dict(reason="Có đơn tranh chấp liên quan, tạm dừng để xác minh."),
    "withdraw": dict(reason="Công dân có đơn đề nghị rút hồ sơ."),
    "complete_step": dict(reason="Hồ sơ hợp lệ, đề nghị chuyển bước tiếp theo."),
    "request_payment": dict(fees=[{"name": "Lệ phí", "amount": 50000}]),
}


def demo_pdf(title: str) -> bytes:
    """A one-page PDF with ``title`` on it: the demo's uploaded documents."""
    from reportlab.pdfgen import canvas

    buffer = io.BytesIO()
    page = canvas.Canvas(buffer)
    page.drawString(72, 760, title.encode("ascii", "ignore").decode() or "Demo")
    page.save()
    return buffer.getvalue()


ROLE_KEYS = {"reception_clerk": "clerk", "specialist": "specialist", "leader": "leader"}


def _actor(action: str, staff: dict, dossier: Dossier):
    if action in ("withdraw", "supplement") and dossier.owner is not None:
        return dossier.owner
    if action == "complete_step":
        return staff[ROLE_KEYS[dossier.current_step.role]]
    if action in ("request_supplement", "extend", "request_payment", "transfer"):
        return staff["specialist"]
    if action in ("approve", "deny", "suspend"):
        return staff["leader"]
    return staff["clerk"]


def _payload(action: str, dossier: Dossier) -> dict:
    if action == "extend":
        return dict(reason="Cần xác minh thêm thông tin với cơ quan liên quan.", new_due_at=WorkingCalendar.for_agency(dossier.agency).add_working_days(dossier.due_at, 5).isoformat())
    if action == "confirm_payment":
        return dict(proof="BL-2026-000123")
    if action == "approve":  # the reason of an approval is the number and symbol of the result issued
        return dict(reason=f"{dossier.pk:03d}/{dossier.received_at:%Y}/KQ-{dossier.agency.code[:9]}")
    return PAYLOADS.get(action, {})


def story_actions(actions: list[str], dossier: Dossier):
    """Actions of a story, where "step" moves one workflow step (if there is a next one) and "to_last"
    moves to the last step: workflows have one to three steps depending on the processing time."""
    for action in actions:
        if action in ("step", "to_last"):
            while True:
                dossier.refresh_from_db()
                if dossier.next_step() is None:
                    break
                yield "complete_step"
                if action == "step":
                    break
        else:
            yield action


def _backdate(dossier: Dossier, days: int) -> None:
    """Move a dossier's story ``days`` back in time (its dates and its events together)."""
    shift = dt.timedelta(days=days)
    fields = ["created_at", "submitted_at", "received_at", "due_at", "paused_at", "extended_at", "resolved_at",
              "returned_at", "finished_at"]
    Dossier.objects.filter(pk=dossier.pk).update(
        **{name: F(name) - shift for name in fields if getattr(dossier, name) is not None}
    )
    DossierEvent.objects.filter(dossier=dossier).update(at=F("at") - shift)


def demo_staff(prefix: str) -> dict:
    """The demo clerk, specialist and leader of an office (usernames ending with ``prefix``), None for
    those missing."""
    names = {"clerk": f"clerk{prefix}", "specialist": f"specialist{prefix}", "leader": f"leader{prefix}"}
    users = {u.username: u for u in User.objects.filter(username__in=names.values())}
    return {role: users.get(name) for role, name in names.items()}


def _at_least_five_working_days(procedure) -> bool:
    """Every channel's time is five working days or more: an extension a working day before the appointment
    is then possible whatever the hour the demo is loaded."""
    times = list(procedure.current_version.times.all())
    return bool(times) and all(t.unit == TimeUnit.WORKING_DAYS and t.amount >= 5 for t in times)


@transaction.atomic
def demo_dossiers_load() -> int:
    """Create the demo dossiers once; returns how many were made."""
    if Dossier.objects.filter(form_data__demo=True).exists():
        return 0
    offices = []
    for code, prefix in ((WARD, ".haichau"), (JUSTICE, "")):
        agency = Agency.objects.filter(code=code).first()
        staff = demo_staff(prefix)
        if agency is None or None in staff.values():
            continue
        procedures = list(
            Procedure.objects.filter(current_version__agencies=agency, current_version__online_level__in=["full", "partial"])
            .select_related("current_version").prefetch_related("current_version__times").order_by("code")
        )
        if procedures:
            offices.append((agency, staff, procedures))
    if not offices:
        return 0
    applicants = list(User.objects.filter(username__in=["citizen", "citizen2"]).select_related("citizen_profile"))
    made = 0
    for i, (story, actions) in enumerate(STORIES):
        agency, staff, procedures = offices[i % len(offices)]
        procedure = procedures[(i // len(offices)) % len(procedures)]
        if "extend" in actions:
            # An extension must come a working day before the appointment: not on a one-day procedure, whose
            # appointment may be less than a working day away depending on the hour the demo is loaded.
            procedure = next((p for p in procedures[(i // len(offices)) % len(procedures):] + procedures
                              if _at_least_five_working_days(p)), procedure)
        applicant = applicants[(i // 2) % len(applicants)] if applicants else None
        if story.startswith("counter") or applicant is None:
            name, number = WALK_INS[i % len(WALK_INS)]
            dossier = services.dossier_intake(
                clerk=staff["clerk"], procedure=procedure, agency=agency, form_data={**demo_answers(procedure.code), "demo": True},
                applicant={"name": name, "id_number": number, "phone": "0905000111", "address": "Đà Nẵng"},
            )
        else:
            dossier = services.dossier_draft_create(
                user=applicant, procedure=procedure, agency=agency,
                form_data={**demo_answers(procedure.code), "demo": True},
            )
            for requirement in procedure.current_version.documents.filter(mandatory=True):
                upload = SimpleUploadedFile(f"giay-to-{requirement.pk}.pdf", demo_pdf(requirement.name[:60]))
                services.dossier_document_add(dossier=dossier, actor=applicant, requirement=requirement, uploaded=upload)
            services.dossier_submit(dossier=dossier, actor=applicant)
        for action in story_actions(actions, dossier):
            dossier.refresh_from_db()
            actor = _actor(action, staff, dossier)
            perform(dossier=dossier, action=action, actor=actor, **_payload(action, dossier))
        dossier.refresh_from_db()
        if story.endswith("-late"):
            _backdate(dossier, 21)
        elif story.startswith(("returned", "refused", "withdrawn", "resolved")):
            _backdate(dossier, 3 + i % 10)
        made += 1
    return made
