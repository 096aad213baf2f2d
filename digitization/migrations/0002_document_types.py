"""The document types the demo catalog's required documents name (MALOAIGIAYTO), with the national result
codes (MAKETQUA) issued as each, and the default result template. Administrators add more in the admin."""

from django.db import migrations

TYPES = [
    # code, name, valid months (None: the document's own date, or permanent), result codes
    ("CCCD", "Thẻ căn cước, căn cước công dân", None, ["KQ.G01.000023"]),
    ("GKS", "Giấy khai sinh", None, ["KQ.G15.000031", "KQ.G15.000342"]),
    ("XNCT", "Giấy tờ chứng minh thông tin về cư trú", None, ["KQ.G01.000062"]),
    ("GUQ", "Văn bản ủy quyền", None, []),  # made for one procedure: not reusable (below)
    ("GCNQSDD", "Giấy chứng nhận quyền sử dụng đất, quyền sở hữu tài sản gắn liền với đất", None,
     ["KQ.G10.001147", "KQ.G10.001148"]),
    ("GCNKH", "Giấy chứng nhận kết hôn", None, ["KQ.G15.000032"]),
    # Decree 123/2015, art. 23: a certificate of marital status is valid for 6 months from its issue.
    ("XNTTHN", "Giấy xác nhận tình trạng hôn nhân", 6, ["KQ.G15.000038"]),
    ("LLTP", "Phiếu lý lịch tư pháp", None, ["KQ.G01.000199", "KQ.G01.000200"]),
    ("GCNDKHKD", "Giấy chứng nhận đăng ký hộ kinh doanh", None, ["KQ.G12.001041"]),
    ("TLKT", "Trích lục khai tử", None, ["KQ.G15.000034"]),
]


SINGLE_USE = {"GUQ"}


def seed(apps, schema_editor):
    DocumentType = apps.get_model("digitization", "DocumentType")
    ResultTemplate = apps.get_model("digitization", "ResultTemplate")
    for code, name, months, results in TYPES:
        DocumentType.objects.update_or_create(
            code=code,
            defaults={"name": name, "valid_months": months, "result_codes": "\n".join(results), "reusable": code not in SINGLE_USE},
        )
    if not ResultTemplate.objects.filter(procedure__isnull=True).exists():
        from digitization.defaults import DEFAULT_BODY

        ResultTemplate.objects.create(procedure=None, title="", body=DEFAULT_BODY, signer_title="THỦ TRƯỞNG CƠ QUAN")


class Migration(migrations.Migration):
    dependencies = [("digitization", "0001_initial")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
