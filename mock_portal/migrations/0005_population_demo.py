"""The demo people of the mock population database, and the organization one of them represents. The portal's
demo accounts have the first three numbers; Phạm Minh Đức has no portal account (the demo of a first sign-in
with VNeID); Nguyễn Minh Khang, a child, is in his parents' household without a VNeID account."""

import datetime as dt

from django.db import migrations

AN_ADDRESS = "12 Lê Duẩn, phường Hải Châu, thành phố Đà Nẵng"
ORGANIZATION = {"tax_code": "0401001233", "name": "Công ty TNHH Thương mại Sông Hàn",
                "head_office": "88 Bạch Đằng, phường Hải Châu, thành phố Đà Nẵng"}
# (number, name, birth date, gender, ethnicity, permanent address, current address, household head's number,
# relation to the head, has VNeID, represents the organization)
PEOPLE = [
    ("048090001234", "Nguyễn Văn An", dt.date(1990, 5, 12), "male", "Kinh", AN_ADDRESS, AN_ADDRESS, None, "Chủ hộ",
     True, False),
    ("048195007788", "Lê Thị Mai", dt.date(1995, 2, 20), "female", "Kinh", AN_ADDRESS, AN_ADDRESS, "048090001234",
     "Vợ", True, False),
    ("048220012345", "Nguyễn Minh Khang", dt.date(2022, 3, 9), "male", "Kinh", AN_ADDRESS, AN_ADDRESS,
     "048090001234", "Con", False, False),
    ("048185004321", "Trần Thị Bình", dt.date(1985, 11, 3), "female", "Kinh",
     "45 Trần Phú, phường Hải Châu, thành phố Đà Nẵng", "45 Trần Phú, phường Hải Châu, thành phố Đà Nẵng", None,
     "Chủ hộ", True, True),
    ("048088123456", "Phạm Minh Đức", dt.date(1988, 7, 30), "male", "Kinh",
     "27 Nguyễn Văn Linh, phường Thanh Khê, thành phố Đà Nẵng", "Tổ 5, phường Hòa Khánh, thành phố Đà Nẵng", None,
     "Chủ hộ", True, False),
    ("048197654321", "Võ Thị Hạnh", dt.date(1997, 9, 14), "female", "Ê Đê", "Thôn 3, xã Hòa Vang, thành phố Đà Nẵng",
     "Thôn 3, xã Hòa Vang, thành phố Đà Nẵng", None, "Chủ hộ", True, False),
]


def seed(apps, schema_editor):
    Citizen = apps.get_model("mock_portal", "Citizen")
    Organization = apps.get_model("mock_portal", "Organization")
    organization = Organization.objects.create(**ORGANIZATION)
    for number, name, born, gender, ethnicity, permanent, current, head, relation, vneid, represents in PEOPLE:
        Citizen.objects.create(
            id_number=number, full_name=name, birth_date=born, gender=gender, ethnicity=ethnicity,
            permanent_address=permanent, current_address=current,
            household_head=Citizen.objects.get(id_number=head) if head else None, relation_to_head=relation,
            has_vneid=vneid, represents=organization if represents else None,
        )


def unseed(apps, schema_editor):
    Citizen = apps.get_model("mock_portal", "Citizen")
    numbers = [person[0] for person in PEOPLE]
    Citizen.objects.filter(id_number__in=numbers, household_head__isnull=False).delete()
    Citizen.objects.filter(id_number__in=numbers).delete()
    apps.get_model("mock_portal", "Organization").objects.filter(tax_code=ORGANIZATION["tax_code"]).delete()


class Migration(migrations.Migration):

    dependencies = [
        ("mock_portal", "0004_population"),
    ]

    operations = [
        migrations.RunPython(seed, unseed),
    ]
