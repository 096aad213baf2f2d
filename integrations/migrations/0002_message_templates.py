"""The notification wording a province starts from (administrators edit it in the admin)."""

from django.db import migrations

TEMPLATES = {
    "received": (
        "Hồ sơ {{ code }} đã được tiếp nhận",
        "Kính gửi {{ applicant }},\n\n{{ agency }} đã tiếp nhận hồ sơ {{ code }} ({{ procedure }}).\n"
        "Ngày hẹn trả kết quả: {{ due }}.\n\nTheo dõi hồ sơ tại: {{ link }}",
        "Ho so {{ code }} da duoc tiep nhan. Hen tra ket qua: {{ due }}. Tra cuu: {{ link }}",
    ),
    "supplement": (
        "Hồ sơ {{ code }} cần bổ sung",
        "Kính gửi {{ applicant }},\n\nHồ sơ {{ code }} ({{ procedure }}) cần bổ sung, hoàn thiện: {{ reason }}\n"
        "Vui lòng bổ sung một lần đầy đủ các giấy tờ theo hướng dẫn tại: {{ link }}",
        "Ho so {{ code }} can bo sung giay to. Xem huong dan: {{ link }}",
    ),
    "payment": (
        "Hồ sơ {{ code }}: đề nghị nộp phí, lệ phí",
        "Kính gửi {{ applicant }},\n\nHồ sơ {{ code }} ({{ procedure }}) cần nộp phí, lệ phí: {{ amount }}.\n"
        "Bạn có thể thanh toán trực tuyến tại: {{ link }}",
        "Ho so {{ code }} can nop phi, le phi {{ amount }}. Thanh toan: {{ link }}",
    ),
    "paid": (
        "Hồ sơ {{ code }}: đã nhận phí, lệ phí",
        "Kính gửi {{ applicant }},\n\n{{ agency }} đã nhận khoản phí, lệ phí của hồ sơ {{ code }}; hồ sơ tiếp tục "
        "được giải quyết. Ngày hẹn trả kết quả: {{ due }}.\n\nBiên lai: {{ link }}",
        "Ho so {{ code }} da nop phi, le phi. Hen tra ket qua: {{ due }}.",
    ),
    "refused": (
        "Hồ sơ {{ code }} không được tiếp nhận",
        "Kính gửi {{ applicant }},\n\nHồ sơ {{ code }} ({{ procedure }}) không được tiếp nhận. Lý do: {{ reason }}\n\n"
        "Chi tiết: {{ link }}",
        "Ho so {{ code }} khong duoc tiep nhan. Chi tiet: {{ link }}",
    ),
    "result": (
        "Hồ sơ {{ code }} đã có kết quả",
        "Kính gửi {{ applicant }},\n\nHồ sơ {{ code }} ({{ procedure }}) đã có kết quả giải quyết"
        "{% if outcome == 'denied' %} (không giải quyết: {{ reason }}){% endif %}.\n"
        "Mời bạn nhận kết quả theo hình thức đã đăng ký. Chi tiết: {{ link }}",
        "Ho so {{ code }} da co ket qua. Chi tiet: {{ link }}",
    ),
    "returned": (
        "Hồ sơ {{ code }} đã trả kết quả",
        "Kính gửi {{ applicant }},\n\nKết quả hồ sơ {{ code }} ({{ procedure }}) đã được trả. "
        "Cảm ơn bạn đã sử dụng dịch vụ; mời bạn đánh giá mức độ hài lòng tại: {{ link }}",
        "Ho so {{ code }} da tra ket qua. Danh gia dich vu: {{ link }}",
    ),
    "apology": (
        "Hồ sơ {{ code }}: thư xin lỗi và hẹn lại ngày trả kết quả",
        "Kính gửi {{ applicant }},\n\n{{ agency }} xin lỗi vì hồ sơ {{ code }} ({{ procedure }}) chưa giải quyết kịp hạn. "
        "Lý do: {{ reason }}\nNgày hẹn trả kết quả mới: {{ due }}.\n\nChi tiết: {{ link }}",
        "Xin loi: ho so {{ code }} tre han. Hen tra ket qua moi: {{ due }}. Chi tiet: {{ link }}",
    ),
}


def seed(apps, schema_editor):
    MessageTemplate = apps.get_model("integrations", "MessageTemplate")
    for topic, (subject, body, short) in TEMPLATES.items():
        MessageTemplate.objects.get_or_create(topic=topic, defaults={"subject": subject, "body": body, "short": short})


class Migration(migrations.Migration):
    dependencies = [("integrations", "0001_initial")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
