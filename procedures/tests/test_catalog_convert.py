"""The converter from the portal's public page shape (the shared data) to the national catalog shape."""

import copy
import gzip
import json
import unicodedata
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from procedures.catalog_convert import (
    DEMO_CATALOG,
    DEMO_CODES,
    convert_record,
    convert_records,
    demo_catalog_records,
    document_type,
    dump_catalog,
    load_source,
    mine_duration,
    parse_duration,
    parse_money,
    read_codes,
)
from procedures.national_catalog import parse_catalog

SAMPLES = Path(__file__).parent / "data" / "page_records.json"
SHARED = Path("/work/shared/data")
SHARED_281 = SHARED / "tthc-catalog-281.json"
SHARED_ALL = SHARED / "tthc-catalog-all-2642.json.gz"
needs_shared_281 = pytest.mark.skipif(not SHARED_281.is_file(), reason=f"{SHARED_281} is not on this machine")
needs_shared_all = pytest.mark.skipif(not SHARED_ALL.is_file(), reason=f"{SHARED_ALL} is not on this machine")


@pytest.fixture(scope="module")
def samples():
    return {r["code"]: r for r in load_source(SAMPLES)}


@pytest.fixture(scope="module")
def converted(samples):
    result = convert_records(list(samples.values()))
    return {r["MATTHC"]: r for r in result.records}


def strings(value):
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from strings(item)


def documents(record):
    return [(group["TRUONGHOP"], doc) for group in record["THANHPHANHOSO"] for doc in group["GIAYTO"]]


def fees(record):
    return [fee for channel in record["CACHTHUCTHUCHIEN"] for time in channel["THOIGIAN"] for fee in time["PHILEPHI"]]


# --- Pieces --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1", (Decimal(1), "Ngày làm việc")),
        ("15 Ngày làm việc", (Decimal(15), "Ngày làm việc")),
        ("30 Ngày", (Decimal(30), "Ngày")),
        ("1.5 Ngày làm việc", (Decimal("1.5"), "Ngày làm việc")),
        ("24 Giờ", (Decimal(24), "Giờ")),
        ("4 Tháng", (Decimal(4), "Tháng")),
        ("Không có thông tin", None),
        (None, None),
        ("15 ngày kể từ ngày nhận hồ sơ", None),
    ],
)
def test_parse_duration(text, expected):
    assert parse_duration(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("50,000 Việt Nam Đồng", (50000, "Đồng")),
        ("8,000 VNĐ", (8000, "Đồng")),
        ("Lệ phí : 8.000 Đồng", (8000, "Đồng")),
        ("10 USD", (10, "USD")),
        ("Miễn phí", None),
        ("Không có thông tin", None),
    ],
)
def test_parse_money(text, expected):
    assert parse_money(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("... trong thời hạn 03 ngày làm việc kể từ ngày nhận hồ sơ", (Decimal(3), "Ngày làm việc")),
        ("chậm nhất 24 giờ", (Decimal(24), "Giờ")),
        ("xác nhận (tối đa một ngày).", (Decimal(1), "Ngày")),
        ("trả kết quả ngay trong ngày", (Decimal(0), "Ngày làm việc")),
        ("sau 15 giờ thì trả kết quả trong ngày làm việc tiếp theo", (Decimal(1), "Ngày làm việc")),
        ("Nộp hồ sơ tại Bộ phận một cửa", None),
    ],
)
def test_mine_duration(text, expected):
    found = mine_duration(text)
    assert (found[:2] if found else None) == expected


@pytest.mark.parametrize(
    ("name", "code"),
    [
        ("- Hộ chiếu/Thẻ căn cước công dân/Thẻ căn cước/Căn cước điện tử", "CCCD"),
        ("Bản sao Giấy khai sinh của người được nhận làm con nuôi", "GKS"),
        ("Giấy chứng nhận kết hôn", "GCNKH"),
        ("Giấy xác nhận tình trạng hôn nhân", "XNTTHN"),
        ("- Giấy tờ có giá trị chứng minh thông tin về cư trú trong trường hợp ...", "XNCT"),
        ("Bản gốc Giấy chứng nhận quyền sử dụng đất, quyền sở hữu tài sản gắn liền với đất", "GCNQSDD"),
        ("Phiếu lý lịch tư pháp số 1", "LLTP"),
        ("- Văn bản ủy quyền (được chứng thực) theo quy định của pháp luật", "GUQ"),
        ("Tờ khai đăng ký khai sinh theo mẫu", ""),
        ("Mẫu CC01 Phiếu thu nhận thông tin căn cước", ""),
    ],
)
def test_document_type(name, code):
    assert document_type(name) == code


# --- Real records (committed samples) ------------------------------------------------------------


def test_every_text_is_clean(converted):
    for record in converted.values():
        for text in strings(record):
            assert unicodedata.normalize("NFC", text) == text
            assert not set(text) & set("\u00a0\u200b\u200c\u200d\u200e\ufeff"), text


def test_the_output_is_a_valid_national_catalog(converted):
    procedures, errors = parse_catalog(list(converted.values()))
    assert errors == []
    assert len(procedures) == len(converted)


def test_birth_registration(converted, samples):
    """1.001193: "1" without unit is one working day on each channel; notes and headings are not documents."""
    record = converted["1.001193"]
    assert record["TENTTHC"] == "Thủ tục đăng ký khai sinh"
    assert record["CAPTHUCHIEN"] == [{"MACAP": "xa", "TENCAP": "Cấp Xã"}]
    assert [c["KENH"] for c in record["CACHTHUCTHUCHIEN"]] == ["1", "2", "3"]
    for channel in record["CACHTHUCTHUCHIEN"]:
        assert [(t["THOIGIANGIAIQUYET"], t["DONVITINH"]) for t in channel["THOIGIAN"]] == [(1, "Ngày làm việc")]
    assert fees(record) == []  # "Miễn phí" without a fee note
    assert record["MUCDODVC"] == "TOANTRINH"
    docs = documents(record)
    source_rows = samples["1.001193"]["documents"]
    assert len(docs) < len(source_rows)
    assert all(doc["SOBANCHINH"] + doc["SOBANSAO"] > 0 for _case, doc in docs)
    assert not any(doc["TENGIAYTO"].endswith(":") for _case, doc in docs)
    assert not any("Cơ quan đăng ký hộ tịch từ chối" in doc["TENGIAYTO"] for _case, doc in docs)  # a "Lưu ý" row
    presented = [doc for case, doc in docs if case == "Giấy tờ phải xuất trình"]
    assert {doc.get("MALOAIGIAYTO") for doc in presented} == {"CCCD", "XNCT"}
    assert all(doc["BATBUOC"] == 0 for doc in presented)
    birth_certificate = next(doc for _case, doc in docs if doc["TENGIAYTO"].startswith("Giấy chứng sinh"))
    assert birth_certificate["BATBUOC"] == 1
    proxy = next(doc for _case, doc in docs if doc["TENGIAYTO"].startswith("Văn bản ủy quyền"))
    assert (proxy["BATBUOC"], proxy["MALOAIGIAYTO"]) == (0, "GUQ")
    assert record["KETQUATHUCHIEN"] == [{"MAKETQUA": "KQ.G15.000031", "TENKETQUA": "Giấy khai sinh"}]
    assert {"SOVANBAN": "60/2014/QH13", "TENVANBAN": "Luật 60/2014/QH13"} in record["CANCUPHAPLY"]
    assert record["TRINHTUTHUCHIEN"][0]["TRINHTU"], "the steps of the 2,642-record file are kept"


def test_marriage_alternative_forms_are_not_mandatory(converted):
    docs = dict((doc["TENGIAYTO"][:20], doc["BATBUOC"]) for _case, doc in documents(converted["1.000894"]))
    assert docs["Tờ khai đăng ký kết "] == 0  # only "nếu ... lựa chọn nộp hồ sơ theo hình thức trực tiếp"
    assert docs["Mẫu hộ tịch điện tử "] == 0


def test_two_levels_and_a_deadline_from_the_steps(converted):
    record = converted["2.000635"]
    assert [level["MACAP"] for level in record["CAPTHUCHIEN"]] == ["tinh", "xa"]
    time = record["CACHTHUCTHUCHIEN"][0]["THOIGIAN"][0]
    assert (time["THOIGIANGIAIQUYET"], time["DONVITINH"]) == (1, "Ngày làm việc")
    assert "trong ngày làm việc tiếp theo" in time["MOTA"]
    assert {(f["LOAIPHILEPHI"], f["SOTIEN"], f["DONVI"]) for f in fees(record)} == {("Lệ phí", 8000, "Đồng")}


def test_certification_without_time_with_fees_per_page_and_in_usd(converted):
    record = converted["2.000815"]
    assert [c["KENH"] for c in record["CACHTHUCTHUCHIEN"]] == ["1"]
    assert record["MUCDODVC"] == "CUNGCAPTHONGTIN"
    times = record["CACHTHUCTHUCHIEN"][0]["THOIGIAN"]
    assert {t["THOIGIANGIAIQUYET"] for t in times} == {0}
    assert all("Không công bố thời hạn giải quyết" in t["MOTA"] for t in times)
    by_currency = {f["DONVI"]: f for f in fees(record)}
    assert by_currency["Đồng"]["SOTIEN"] == 2000
    assert by_currency["Đồng"]["MOTA"].startswith("2.000 đồng/trang; Tại Ủy ban nhân dân cấp xã")
    assert by_currency["Đồng"]["LOAIPHILEPHI"] == "Phí"
    assert by_currency["USD"]["SOTIEN"] == 10
    assert by_currency["USD"]["MOTA"] == "10 USD/bản; Tại cơ quan đại diện: 10 USD/bản."


def test_business_household_time_taken_from_the_steps(converted):
    record = converted["1.001612"]
    for channel in record["CACHTHUCTHUCHIEN"]:
        time = channel["THOIGIAN"][0]
        assert (time["THOIGIANGIAIQUYET"], time["DONVITINH"]) == (3, "Ngày làm việc")
        assert "trong thời hạn 03 ngày làm việc" in time["MOTA"]
    amounts = {c["KENH"]: [f["SOTIEN"] for t in c["THOIGIAN"] for f in t["PHILEPHI"]] for c in record["CACHTHUCTHUCHIEN"]}
    assert amounts == {"1": [50000], "2": [150000], "3": [150000]}  # as published, per channel


def test_time_and_fee_run_together_in_the_source(converted, samples):
    """1.007849: time and fee are null; methods[].raw is "Trực tuyến120 VNĐ": 1 working day, 20,000 đồng."""
    assert samples["1.007849"]["processing_time"] is None
    record = converted["1.007849"]
    time = record["CACHTHUCTHUCHIEN"][0]["THOIGIAN"][0]
    assert (time["THOIGIANGIAIQUYET"], time["DONVITINH"]) == (1, "Ngày làm việc")
    assert [(f["SOTIEN"], f["DONVI"]) for f in time["PHILEPHI"]] == [(20000, "Đồng")]


def test_channels_only_in_the_raw_table(converted, samples):
    assert samples["1.007689"]["methods"] == []
    record = converted["1.007689"]
    assert [c["KENH"] for c in record["CACHTHUCTHUCHIEN"]] == ["1", "2", "3"]
    for channel in record["CACHTHUCTHUCHIEN"]:
        time = channel["THOIGIAN"][0]
        assert time["THOIGIANGIAIQUYET"] == 0 and time["PHILEPHI"] == []
        assert time["MOTA"].startswith("Không phải trả kết quả cho người nộp thuế")


def test_a_form_number_run_into_a_count(converted, samples):
    assert max(d["originals"] for d in samples["1.014151"]["documents"]) == 61781
    assert max(doc["SOBANCHINH"] for _case, doc in documents(converted["1.014151"])) <= 10


def test_usd_written_as_vnd(converted):
    usd = {f["SOTIEN"] for f in fees(converted["1.003358"]) if f["DONVI"] == "USD"}
    assert usd >= {145, 155, 165}
    assert all(f["SOTIEN"] >= 1000 for f in fees(converted["1.003358"]) if f["DONVI"] == "Đồng")


def test_a_long_name_is_shortened_and_levels_split():
    record = {
        "code": "1.999999",
        "name": "Đăng ký biến động " + "quyền sử dụng đất, " * 160,
        "field": "Đất đai",
        "level": "Cấp tỉnh, Cấp xã",
        "processing_time": "Trực tiếp: 10 Ngày làm việc",
        "fees": [{"channel": "Trực tiếp", "fee": "Miễn phí"}],
        "methods": [],
        "documents": [],
        "results": [],
        "legal_basis": [],
    }
    warnings = []
    out = convert_record(record, warnings=warnings)
    assert len(out["TENTTHC"]) <= 2000 and out["TENTTHC"].endswith("…")
    assert [level["MACAP"] for level in out["CAPTHUCHIEN"]] == ["tinh", "xa"]
    assert out["CACHTHUCTHUCHIEN"][0]["THOIGIAN"][0]["THOIGIANGIAIQUYET"] == 10
    assert out["MUCDODVC"] == "CUNGCAPTHONGTIN"
    assert any("shortened" in w for w in warnings)


def test_output_is_deterministic(samples):
    records = list(samples.values())
    first = dump_catalog(convert_records(records).records)
    shuffled = [dict(reversed(list(copy.deepcopy(r).items()))) for r in records]
    assert dump_catalog(convert_records(shuffled).records) == first
    assert first.endswith("\n")


def test_codes_and_limit(samples):
    records = list(samples.values())
    result = convert_records(records, codes=["2.000635", "1.001193", "9.999999"])
    assert [r["MATTHC"] for r in result.records] == ["1.001193", "2.000635"]  # the source's order
    assert result.skipped == ["9.999999: not in the source"]
    assert [r["MATTHC"] for r in convert_records(records, limit=2).records] == ["1.001193", "1.000894"]


# --- The command ---------------------------------------------------------------------------------


def test_command_reads_gzip_and_writes_the_same_bytes_twice(tmp_path, samples):
    source = tmp_path / "pages.json.gz"
    source.write_bytes(gzip.compress(SAMPLES.read_bytes()))
    codes = tmp_path / "codes.txt"
    codes.write_text("# demo\n1.001193  # khai sinh\n2.000815\n", encoding="utf-8")
    first, second = tmp_path / "a.json", tmp_path / "b.json"
    call_command("convert_catalog", str(source), str(first), "--codes-file", str(codes))
    call_command("convert_catalog", str(SAMPLES), str(second), "--codes-file", str(codes))
    assert first.read_bytes() == second.read_bytes()
    assert [r["MATTHC"] for r in json.loads(first.read_text(encoding="utf-8"))] == ["1.001193", "2.000815"]
    call_command("convert_catalog", str(SAMPLES), str(second), "--limit", "3")
    assert len(json.loads(second.read_text(encoding="utf-8"))) == 3


def test_command_refuses_unknown_codes_and_missing_files(tmp_path):
    codes = tmp_path / "codes.txt"
    codes.write_text("9.999999\n", encoding="utf-8")
    with pytest.raises(CommandError, match="not in the source"):
        call_command("convert_catalog", str(SAMPLES), str(tmp_path / "out.json"), "--codes-file", str(codes))
    with pytest.raises(CommandError, match="cannot read"):
        call_command("convert_catalog", str(tmp_path / "missing.json"), str(tmp_path / "out.json"))


# --- The demo catalog and the shared data files (when this machine has them) ---------------------


def test_demo_catalog_is_valid_and_covers_the_demo():
    records = demo_catalog_records()
    procedures, errors = parse_catalog(records)
    assert errors == []
    assert len(procedures) >= 35
    levels = {level for p in procedures for level in p.levels}
    assert {"tinh", "xa"} <= levels
    fields = {p.field_name for p in procedures}
    for field in ("Hộ tịch", "Chứng thực", "Lý lịch tư pháp", "Đăng ký, quản lý cư trú", "Hoạt động xây dựng",
                  "Đất đai", "Người có công", "Thực hiện chính sách BHXH", "Bảo trợ xã hội"):
        assert field in fields
    assert any("hộ kinh doanh" in p.name for p in procedures)
    assert {"1.001193", "1.000894", "1.000656"} <= {p.code for p in procedures}


@needs_shared_all
def test_demo_catalog_is_what_the_converter_makes_of_the_shared_data():
    result = convert_records(load_source(SHARED_ALL), codes=read_codes(DEMO_CODES))
    assert result.skipped == []
    assert dump_catalog(result.records) == DEMO_CATALOG.read_text(encoding="utf-8")


@needs_shared_281
def test_every_record_of_the_281_file_converts_to_a_valid_record():
    source = load_source(SHARED_281)
    result = convert_records(source)
    assert len(result.records) == len(source) == 281
    procedures, errors = parse_catalog(result.records)
    assert errors == []
    assert all(p.times() for p in procedures)  # every procedure publishes a time for at least one channel


@needs_shared_all
@pytest.mark.slow
def test_every_record_of_the_2642_file_converts_to_a_valid_record():
    source = load_source(SHARED_ALL)
    result = convert_records(source)
    assert len(result.records) == 2642 and result.skipped == []
    assert parse_catalog(result.records)[1] == []
