"""The national code lists a declaration chooses from (docs/declarations.md), with their codes.

- sex: Giới tính (1 Nam, 2 Nữ), as the population database codes it.
- ethnicity: the 54 ethnic groups, codes 01–54 (Danh mục các dân tộc Việt Nam, Quyết định 121-TCTK/PPCĐ).
- nationality: ISO 3166-1 alpha-2 codes with Vietnamese names: the countries most often met at a province's
  one-stop counter (a partial list; an administrator adds others in the admin).
- relationship: quan hệ với người khai / chủ hộ.
- province: the 34 provinces and centrally-run cities from 1 July 2025 (Nghị quyết 202/2025/QH15), with the
  codes of Quyết định 19/2025/QĐ-TTg.
- commune: a few wards and communes of Đà Nẵng for the demo, each under its province (48). Their codes are
  provisional (this machine has no copy of the national list of administrative units after the July 2025
  reorganisation): a province loads its own communes, with their codes, from that list.
"""

from django.db import migrations

SEXES = [("1", "Nam"), ("2", "Nữ")]

ETHNICITIES = [
    "Kinh", "Tày", "Thái", "Hoa", "Khơ-me", "Mường", "Nùng", "Mông", "Dao", "Gia-rai", "Ngái", "Ê-đê", "Ba-na",
    "Xơ-đăng", "Sán Chay", "Cơ-ho", "Chăm", "Sán Dìu", "Hrê", "Mnông", "Ra-glai", "Xtiêng", "Bru-Vân Kiều", "Thổ",
    "Giáy", "Cơ-tu", "Gié-Triêng", "Mạ", "Khơ-mú", "Co", "Tà-ôi", "Chơ-ro", "Kháng", "Xinh-mun", "Hà Nhì", "Chu-ru",
    "Lào", "La Chí", "La Ha", "Phù Lá", "La Hủ", "Lự", "Lô Lô", "Chứt", "Mảng", "Pà Thẻn", "Cơ Lao", "Cống", "Bố Y",
    "Si La", "Pu Péo", "Brâu", "Ơ-đu", "Rơ-măm",
]

NATIONALITIES = [
    ("VN", "Việt Nam"), ("LA", "Lào"), ("KH", "Campuchia"), ("CN", "Trung Quốc"), ("TW", "Đài Loan (Trung Quốc)"),
    ("HK", "Hồng Kông (Trung Quốc)"), ("JP", "Nhật Bản"), ("KR", "Hàn Quốc"), ("KP", "Triều Tiên"),
    ("TH", "Thái Lan"), ("MY", "Ma-lai-xi-a"), ("SG", "Xin-ga-po"), ("ID", "In-đô-nê-xi-a"), ("PH", "Phi-líp-pin"),
    ("MM", "Mi-an-ma"), ("IN", "Ấn Độ"), ("AU", "Ô-xtrây-li-a"), ("NZ", "Niu Di-lân"), ("US", "Hoa Kỳ"),
    ("CA", "Ca-na-đa"), ("GB", "Vương quốc Anh"), ("FR", "Pháp"), ("DE", "Đức"), ("IT", "I-ta-li-a"),
    ("NL", "Hà Lan"), ("BE", "Bỉ"), ("CH", "Thụy Sĩ"), ("SE", "Thụy Điển"), ("NO", "Na Uy"), ("DK", "Đan Mạch"),
    ("FI", "Phần Lan"), ("PL", "Ba Lan"), ("CZ", "Séc"), ("RU", "Liên bang Nga"), ("UA", "U-crai-na"),
    ("ES", "Tây Ban Nha"), ("PT", "Bồ Đào Nha"), ("IL", "I-xra-en"), ("AE", "Các Tiểu vương quốc Ả-rập Thống nhất"),
    ("BR", "Bra-xin"), ("ZA", "Nam Phi"), ("CU", "Cu-ba"),
]

RELATIONSHIPS = [
    ("01", "Bản thân"), ("02", "Vợ"), ("03", "Chồng"), ("04", "Con đẻ"), ("05", "Con nuôi"), ("06", "Cha đẻ"),
    ("07", "Mẹ đẻ"), ("08", "Cha nuôi"), ("09", "Mẹ nuôi"), ("10", "Ông nội"), ("11", "Bà nội"), ("12", "Ông ngoại"),
    ("13", "Bà ngoại"), ("14", "Anh ruột"), ("15", "Chị ruột"), ("16", "Em ruột"), ("17", "Cháu ruột"),
    ("18", "Người giám hộ"), ("19", "Người được ủy quyền"), ("99", "Quan hệ khác"),
]

PROVINCES = [
    ("01", "Thành phố Hà Nội"), ("04", "Tỉnh Cao Bằng"), ("08", "Tỉnh Tuyên Quang"), ("11", "Tỉnh Điện Biên"),
    ("12", "Tỉnh Lai Châu"), ("14", "Tỉnh Sơn La"), ("15", "Tỉnh Lào Cai"), ("19", "Tỉnh Thái Nguyên"),
    ("20", "Tỉnh Lạng Sơn"), ("22", "Tỉnh Quảng Ninh"), ("24", "Tỉnh Bắc Ninh"), ("25", "Tỉnh Phú Thọ"),
    ("31", "Thành phố Hải Phòng"), ("33", "Tỉnh Hưng Yên"), ("37", "Tỉnh Ninh Bình"), ("38", "Tỉnh Thanh Hóa"),
    ("40", "Tỉnh Nghệ An"), ("42", "Tỉnh Hà Tĩnh"), ("44", "Tỉnh Quảng Trị"), ("46", "Thành phố Huế"),
    ("48", "Thành phố Đà Nẵng"), ("51", "Tỉnh Quảng Ngãi"), ("52", "Tỉnh Gia Lai"), ("56", "Tỉnh Khánh Hòa"),
    ("66", "Tỉnh Đắk Lắk"), ("68", "Tỉnh Lâm Đồng"), ("75", "Tỉnh Đồng Nai"), ("79", "Thành phố Hồ Chí Minh"),
    ("80", "Tỉnh Tây Ninh"), ("82", "Tỉnh Đồng Tháp"), ("86", "Tỉnh Vĩnh Long"), ("91", "Tỉnh An Giang"),
    ("92", "Thành phố Cần Thơ"), ("96", "Tỉnh Cà Mau"),
]

# Đà Nẵng's wards and communes the demo's agencies and addresses use (provisional codes: see above).
COMMUNES_DA_NANG = [
    ("20194", "Phường Hải Châu"), ("20200", "Phường Hòa Cường"), ("20227", "Phường Thanh Khê"),
    ("20242", "Phường An Khê"), ("20257", "Phường Sơn Trà"), ("20263", "Phường An Hải"),
    ("20285", "Phường Ngũ Hành Sơn"), ("20209", "Phường Hòa Khánh"), ("20212", "Phường Liên Chiểu"),
    ("20305", "Phường Cẩm Lệ"), ("20306", "Phường Hòa Xuân"), ("20314", "Xã Hòa Vang"),
    ("20333", "Xã Bà Nà"), ("20320", "Xã Hòa Tiến"),
]

LISTS = [
    ("sex", "Giới tính", SEXES, ""),
    ("ethnicity", "Dân tộc", [(f"{i:02d}", name) for i, name in enumerate(ETHNICITIES, start=1)], ""),
    ("nationality", "Quốc tịch", NATIONALITIES, ""),
    ("relationship", "Quan hệ", RELATIONSHIPS, ""),
    ("province", "Tỉnh, thành phố", PROVINCES, ""),
    ("commune", "Xã, phường, đặc khu", COMMUNES_DA_NANG, "48"),
]


def load(apps, schema_editor):
    CodeList = apps.get_model("procedures", "CodeList")
    Code = apps.get_model("procedures", "Code")
    for key, name, entries, parent in LISTS:
        code_list, _created = CodeList.objects.get_or_create(key=key, defaults={"name": name})
        existing = set(Code.objects.filter(code_list=code_list).values_list("code", flat=True))
        Code.objects.bulk_create([
            Code(code_list=code_list, code=code, name=label, parent=parent, order=i)
            for i, (code, label) in enumerate(entries, start=1) if code not in existing
        ])


def unload(apps, schema_editor):
    apps.get_model("procedures", "CodeList").objects.filter(key__in=[key for key, *_rest in LISTS]).delete()


class Migration(migrations.Migration):

    dependencies = [("procedures", "0006_declarations_and_code_lists")]

    operations = [migrations.RunPython(load, unload)]
