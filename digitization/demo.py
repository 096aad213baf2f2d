"""Demo data of the data store: demo certificates for every agency, and two returned dossiers of the demo
``citizen`` whose scanned components and signed results fill their store, so that a third procedure
(a certificate of marital status, 1.004873) can be submitted reusing them.

Made through the real services; the digitizations are queued like any other and done by the worker
`make run` starts. Idempotent: nothing is made when the citizen's demo store dossiers exist already.
"""

import io

from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image, ImageDraw, ImageFont

from accounts.models import User
from cases import services as cases
from cases.actions import perform
from cases.demo import demo_staff, story_actions
from cases.models import Dossier
from core.pdf import FONT_DIR
from procedures.catalog_convert import demo_answers
from procedures.models import Agency, Procedure

from .services import demo_certificates_issue

WARD = "000.11.31.H48"
# (procedure, result number and symbol, the scanned pages the citizen gives per document type)
STORIES = [
    ("1.010041", "125/XNCT-CAP", {}),    # residence confirmation: its result is reusable as XNCT
    ("2.000635", "318/TLHT-UBND", {"CCCD"}),  # a copy of the birth certificate, with the ID card scanned
]
REUSE_PROCEDURE = "1.004873"  # asks for CCCD and XNCT: both are in the store afterwards


def _scan(lines: list[str], *, size=(1654, 1169)) -> bytes:
    """A JPEG 'scan' of a page with these lines (200 dpi A5 landscape), as a phone or a counter scanner gives."""
    image = Image.new("L", size, 250)
    draw = ImageDraw.Draw(image)
    title = ImageFont.truetype(str(FONT_DIR / "DejaVuSans-Bold.ttf"), 44)
    body = ImageFont.truetype(str(FONT_DIR / "DejaVuSans.ttf"), 36)
    y = 90
    for i, line in enumerate(lines):
        draw.text((110, y), line, font=title if i < 2 else body, fill=20)
        y += 78 if i < 2 else 64
    output = io.BytesIO()
    image.save(output, "JPEG", quality=85, dpi=(200, 200))
    return output.getvalue()


def _pages(profile) -> dict[str, bytes]:
    return {
        "CCCD": _scan([
            "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "CĂN CƯỚC CÔNG DÂN",
            f"Số: {profile.id_number}", f"Họ và tên: {profile.full_name}",
            f"Ngày sinh: {profile.date_of_birth:%d/%m/%Y}" if getattr(profile, "date_of_birth", None) else "Ngày sinh: 15/03/1990",
            "Quốc tịch: Việt Nam", "Nơi thường trú: phường Hải Châu, thành phố Đà Nẵng",
            "Có giá trị đến: 15/03/2030",
        ]),
        "": _scan([
            "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "TỜ KHAI",
            f"Người khai: {profile.full_name}", f"Số định danh cá nhân: {profile.id_number}",
            "Nơi cư trú: phường Hải Châu, thành phố Đà Nẵng",
            "Nội dung đề nghị: xác nhận thông tin theo quy định.",
            "Tôi cam đoan những lời khai trên là đúng sự thật.",
        ]),
    }


def demo_store_load() -> int:
    """Certificates for every agency; the citizen's two returned demo-store dossiers. Returns dossiers made."""
    demo_certificates_issue(agencies=Agency.objects.filter(is_active=True))
    citizen = User.objects.filter(username="citizen").select_related("citizen_profile").first()
    ward = Agency.objects.filter(code=WARD).first()
    staff = demo_staff(".haichau")
    if citizen is None or ward is None or None in staff.values():
        return 0
    if Dossier.objects.filter(owner=citizen, form_data__demo_store=True).exists():
        return 0
    pages = _pages(citizen.citizen_profile)
    made = 0
    for code, number, scanned in STORIES:
        procedure = Procedure.objects.filter(code=code, current_version__agencies=ward).first()
        if procedure is None:
            continue
        dossier = cases.dossier_draft_create(
            user=citizen, procedure=procedure, agency=ward,
            form_data={**demo_answers(code), "demo_store": True},
        )
        for requirement in procedure.current_version.documents.all():
            kind = requirement.document_type_code
            if not requirement.mandatory and kind not in scanned:
                continue
            content = pages["CCCD"] if kind == "CCCD" else pages[""]
            upload = SimpleUploadedFile(f"scan-{kind or 'to-khai'}.jpg", content, content_type="image/jpeg")
            cases.dossier_document_add(dossier=dossier, actor=citizen, requirement=requirement, uploaded=upload)
        cases.dossier_submit(dossier=dossier, actor=citizen)
        for action in story_actions(["receive", "forward", "to_last", "approve", "return_result"], dossier):
            dossier.refresh_from_db()
            actor = {
                "receive": staff["clerk"], "forward": staff["clerk"], "return_result": staff["clerk"],
                "approve": staff["leader"],
            }.get(action) or staff[{"reception_clerk": "clerk", "specialist": "specialist", "leader": "leader"}[
                dossier.current_step.role]]
            reason = number if action == "approve" else ""
            perform(dossier=dossier, action=action, actor=actor, reason=reason)
        made += 1
    return made
