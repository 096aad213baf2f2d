"""Demo feedback (phản ánh, kiến nghị) and ratings: feedback in every state at the demo agencies, so the demo
leaders and officials see a full queue and the public questions and answers page has content; ratings of the
demo dossiers (``cases.demo``) that are over.

Made through the real services, then moved back in time where a story needs it (a late one was sent weeks
ago: its deadlines are computed again from that moment). Idempotent: nothing is made when feedback exists,
no rating when a demo dossier has one.
"""

import datetime as dt

from django.db import transaction
from django.db.models import F

from accounts.models import User
from cases.models import Dossier
from procedures.models import Agency, Procedure

from .feedback import (
    feedback_accept,
    feedback_answer,
    feedback_deadlines,
    feedback_provide_info,
    feedback_publish,
    feedback_rate_answer,
    feedback_reject,
    feedback_request_info,
    feedback_submit,
)
from .models import Feedback, FeedbackEvent, Rating
from .ratings import RATEABLE, rating_submit

JUSTICE = "000.00.13.H48"
WARD = "000.11.31.H48"

ANONYMOUS = [
    {"name": "Trần Quốc Bảo", "phone": "0914 222 333", "email": ""},
    {"name": "Phan Thị Thu", "phone": "", "email": "thu.phan@example.com"},
    {"name": "Lý Văn Sơn", "phone": "0987654321", "email": "son.ly@example.com"},
]

# (story, sender: "citizen", "citizen2" or an index into ANONYMOUS, kind, about: "procedure" | "agency" |
# "dossier", title, content, days back)
STORIES = [
    ("submitted", 0, "question", "procedure", "Hỏi về thời hạn giải quyết",
     "Tôi muốn hỏi thủ tục này giải quyết trong bao nhiêu ngày làm việc và có nhận kết quả qua bưu điện được không?", 0),
    ("submitted-late", "citizen2", "feedback", "agency", "Chưa được hướng dẫn khi gọi điện",
     "Tôi đã gọi số điện thoại của bộ phận một cửa nhiều lần trong giờ hành chính nhưng không ai nghe máy.", 7),
    ("accepted", "citizen2", "proposal", "agency", "Đề nghị bố trí thêm ghế chờ",
     "Khu vực chờ tại bộ phận một cửa thường đông vào buổi sáng, đề nghị bố trí thêm ghế và nước uống.", 0),
    ("accepted-late", "citizen", "feedback", "procedure", "Biểu mẫu trên cổng chưa cập nhật",
     "Mẫu tờ khai đăng tải trên cổng dịch vụ công là mẫu cũ, khác với mẫu cán bộ yêu cầu tại quầy.", 28),
    ("info_requested", "citizen", "feedback", "dossier", "Hồ sơ chậm so với ngày hẹn",
     "Hồ sơ của tôi đã quá ngày hẹn trả kết quả nhưng chưa nhận được thông báo nào.", 0),
    ("answered-rated", "citizen", "question", "procedure", "Có cần bản sao chứng thực không?",
     "Khi nộp hồ sơ trực tuyến tôi có phải nộp bản sao có chứng thực giấy tờ tùy thân không?", 14),
    ("answered-rated-after-info", "citizen2", "feedback", "agency", "Thái độ tiếp công dân",
     "Ngày làm việc tuần trước, cán bộ tại quầy số 3 trả lời thiếu nhiệt tình khi tôi hỏi về hồ sơ.", 21),
    ("answered-published", 1, "question", "procedure", "Nộp lệ phí trực tuyến như thế nào?",
     "Tôi là Phan Thị Thu, email thu.phan@example.com. Cho tôi hỏi có thể nộp lệ phí trực tuyến khi nộp hồ sơ "
     "không, hay phải đến quầy?", 14),
    ("answered-published", 2, "proposal", "procedure", "Đề nghị gửi tin nhắn khi có kết quả",
     "Đề nghị cơ quan gửi tin nhắn SMS cho người dân khi hồ sơ có kết quả, để không phải tra cứu nhiều lần. "
     "Số điện thoại của tôi là 0987654321.", 21),
    ("rejected", 0, "feedback", "agency", "Phản ánh về dự án xây dựng",
     "Công trình xây dựng gần nhà tôi gây tiếng ồn vào ban đêm.", 7),
]

WARD_STORIES = [
    ("submitted", "citizen", "question", "procedure", "Đăng ký khai sinh cho con khi bố mẹ chưa đăng ký kết hôn",
     "Tôi muốn hỏi trường hợp bố mẹ chưa đăng ký kết hôn thì đăng ký khai sinh cho con cần giấy tờ gì?", 0),
    ("accepted", 2, "proposal", "agency", "Đề nghị làm việc sáng thứ Bảy",
     "Đề nghị phường bố trí tiếp nhận hồ sơ vào sáng thứ Bảy cho người đi làm trong tuần.", 0),
    ("answered-published", "citizen2", "question", "procedure", "Trích lục khai sinh bản sao",
     "Xin hỏi cấp bản sao trích lục khai sinh có thể nhận kết quả điện tử không?", 14),
]

ANSWERS = {
    "question": "Cảm ơn Ông/Bà đã quan tâm. Theo quy định hiện hành, thủ tục được giải quyết trong thời hạn niêm yết "
                "trên Cổng dịch vụ công; Ông/Bà có thể chọn nhận kết quả qua dịch vụ bưu chính công ích hoặc bản điện tử "
                "trong kho dữ liệu cá nhân.",
    "proposal": "Cơ quan ghi nhận và cảm ơn đề xuất của Ông/Bà. Nội dung này sẽ được nghiên cứu, triển khai trong quý tới "
                "và thông báo công khai trên Cổng dịch vụ công.",
    "feedback": "Cơ quan đã kiểm tra, làm việc với bộ phận liên quan và chấn chỉnh. Xin cảm ơn Ông/Bà đã phản ánh và "
                "mong tiếp tục nhận được ý kiến góp ý.",
}
REJECT_REASON = "Nội dung phản ánh không thuộc thẩm quyền giải quyết của Sở Tư pháp; đề nghị Ông/Bà gửi đến Ủy ban nhân dân phường nơi có công trình."
INFO_REQUEST = "Đề nghị Ông/Bà cung cấp thời gian cụ thể (ngày, giờ) và quầy tiếp nhận để cơ quan xác minh."
INFO_GIVEN = "Khoảng 9 giờ sáng thứ Ba tuần trước, tại quầy số 3."


def _sender(key, users: dict) -> dict:
    if isinstance(key, int):
        return {"sender": None, **ANONYMOUS[key]}
    return {"sender": users[key]}


def _subject(about: str, agency: Agency, sender, procedures: list) -> dict:
    if about == "procedure" and procedures:
        return {"procedure": procedures[0], "agency": agency}
    if about == "dossier" and sender is not None:
        dossier = (Dossier.objects.filter(owner=sender, agency=agency).exclude(code__isnull=True)
                   .order_by("-submitted_at").first())
        if dossier is not None:
            return {"dossier": dossier}
    return {"agency": agency}


def _backdate(feedback: Feedback, days: int) -> None:
    """Move a feedback's story ``days`` back: its dates and events together, its deadlines computed again from
    the moment it was then sent (and moved by the time it waited on the sender)."""
    shift = dt.timedelta(days=days)
    sent = feedback.submitted_at - shift
    deadlines = feedback_deadlines(feedback.agency, sent)
    if feedback.paused_minutes:
        from procedures.working_calendar import WorkingCalendar

        deadlines["answer_due_at"] = WorkingCalendar.for_agency(feedback.agency).add_working_minutes(
            deadlines["answer_due_at"], feedback.paused_minutes)
    moved = ["accepted_at", "paused_at", "finished_at", "answer_rated_at", "published_at"]
    Feedback.objects.filter(pk=feedback.pk).update(
        submitted_at=sent, **deadlines, **{name: F(name) - shift for name in moved if getattr(feedback, name) is not None}
    )
    FeedbackEvent.objects.filter(feedback=feedback).update(at=F("at") - shift)


def _play(story: str, feedback: Feedback, staff: dict, sender) -> None:
    contact = "" if sender is not None else (feedback.sender_phone or feedback.sender_email)
    if story.startswith("rejected"):
        feedback_reject(feedback=feedback, actor=staff["clerk"], reason=REJECT_REASON)
        return
    if story.startswith("submitted"):
        return
    feedback_accept(feedback=feedback, actor=staff["clerk"])
    if story.startswith("accepted"):
        return
    if story.startswith("info_requested") or story.endswith("after-info"):
        feedback_request_info(feedback=feedback, actor=staff["specialist"], text=INFO_REQUEST)
        if story.startswith("info_requested"):
            return
        feedback_provide_info(feedback=feedback, actor=sender, contact=contact, text=INFO_GIVEN)
    feedback_answer(feedback=feedback, actor=staff["specialist"], text=ANSWERS[feedback.kind])
    if "rated" in story:
        level = 3 if story.endswith("after-info") else 1
        comment = "" if level == 1 else "Chưa nêu rõ hình thức xử lý cán bộ."
        feedback_rate_answer(feedback=feedback, actor=sender, contact=contact, level=level, comment=comment)
    if story.endswith("published"):
        feedback_publish(feedback=feedback, actor=staff["leader"])


@transaction.atomic
def feedback_demo() -> int:
    """Create the demo feedback once (the Sở Tư pháp's and the Hải Châu ward's); returns how many were made."""
    if Feedback.objects.exists():
        return 0
    users = {u.username: u for u in User.objects.filter(
        username__in=["citizen", "citizen2", "clerk", "specialist", "leader", "clerk.haichau", "specialist.haichau",
                      "leader.haichau"])}
    made = 0
    for code, suffix, stories in ((JUSTICE, "", STORIES), (WARD, ".haichau", WARD_STORIES)):
        agency = Agency.objects.filter(code=code).first()
        staff = {role: users.get(f"{role}{suffix}") for role in ("clerk", "specialist", "leader")}
        if agency is None or None in staff.values() or not {"citizen", "citizen2"} <= users.keys():
            continue
        procedures = list(Procedure.objects.filter(current_version__agencies=agency).order_by("code")[:3])
        for i, (story, who, kind, about, title, content, days) in enumerate(stories):
            sender = _sender(who, users)
            subject = _subject(about, agency, sender["sender"], procedures[i % len(procedures):] if procedures else [])
            feedback = feedback_submit(kind=kind, title=title, content=content, **sender, **subject)
            _play(story, feedback, staff, sender["sender"])
            if days:
                feedback.refresh_from_db()
                _backdate(feedback, days)
            made += 1
    return made


# The demo's ratings: every other demo dossier that is over gets one (all three answers appear, and a
# dissatisfied one opens a follow-up); the rest wait for the citizen, so the demo shows the form too.
RATINGS = [
    (1, {"THOI_GIAN": 1, "THAI_DO": 1, "HUONG_DAN": 1}, "Cán bộ hướng dẫn tận tình, trả kết quả sớm."),
    (2, {"THOI_GIAN": 2, "SO_LAN_DI_LAI": 2}, ""),
    (3, {"SO_LAN_DI_LAI": 3, "HUONG_DAN": 3}, "Phải đi lại hai lần vì hướng dẫn ban đầu chưa đầy đủ."),
]


@transaction.atomic
def ratings_demo() -> int:
    """Rate the demo dossiers once, each by its applicant (the ``i``-th dossier of ``cases.demo``'s stories
    when ``i`` is even and the dossier is over); returns how many ratings were made."""
    dossiers = Dossier.objects.filter(form_data__demo=True).select_related("owner").order_by("pk")
    if Rating.objects.filter(dossier__in=dossiers).exists():
        return 0
    made = 0
    for i, dossier in enumerate(dossiers):
        if dossier.owner is None or dossier.state not in RATEABLE or i % 2:
            continue
        level, criteria, comment = RATINGS[(i // 2) % len(RATINGS)]
        rating_submit(dossier=dossier, user=dossier.owner, level=level, criteria=criteria, comment=comment)
        made += 1
    return made
