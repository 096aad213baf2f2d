"""Importing the national catalog shape: all or nothing, versioned, idempotent; the command and its exit codes."""

import copy
import json
import os
import subprocess
import sys
import time
from decimal import Decimal
from pathlib import Path

import pytest
from django.conf import settings as settings_module
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone, translation

from procedures.catalog_convert import convert_records, demo_catalog_records, load_source
from procedures.models import (
    Agency,
    Fee,
    Field,
    ImplementationLevel,
    LegalDocument,
    Procedure,
    ProcedureVersion,
    RequiredDocument,
    ResultDocument,
    StaffRole,
    WorkflowStep,
)
from procedures.national_catalog import MAX_LENGTHS, content_hash, parse_catalog
from procedures.search import fold
from procedures.services import catalog_import, workflow_default_steps

from .factories import AgencyFactory, FieldFactory, ProcedureFactory

SAMPLES = Path(__file__).parent / "data" / "page_records.json"
SHARED_ALL = Path("/work/shared/data/tthc-catalog-all-2642.json.gz")
MODELS = [Procedure, ProcedureVersion, Field, RequiredDocument, Fee, LegalDocument, ResultDocument, WorkflowStep]

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english(settings):
    """Assertions read the English source strings (the command activates LANGUAGE_CODE itself)."""
    settings.LANGUAGE_CODE = "en"
    with translation.override("en"):
        yield


def record(code="1.001193", **overrides):
    """A small, valid national-shape record."""
    base = {
        "MATTHC": code,
        "TENTTHC": "Thủ tục đăng ký khai sinh",
        "QUYETDINHCONGBO": "163/QĐ-BTP",
        "LINHVUCTHUCHIEN": [{"TENLINHVUC": "Hộ tịch"}],
        "CAPTHUCHIEN": [{"MACAP": "xa", "TENCAP": "Cấp Xã"}],
        "COQUANTHUCHIEN": [{"TENDONVI": "Ủy ban nhân dân cấp xã"}],
        "DOITUONGTHUCHIEN": [{"TENDOITUONG": "Công dân Việt Nam"}],
        "CACHTHUCTHUCHIEN": [
            {"KENH": "1", "THOIGIAN": [{"THOIGIANGIAIQUYET": 3, "DONVITINH": "Ngày làm việc", "MOTA": "",
                                        "PHILEPHI": [{"LOAIPHILEPHI": "Lệ phí", "SOTIEN": 8000, "MOTA": "8.000 đồng/bản"}]}]},
            {"KENH": "2", "THOIGIAN": [{"THOIGIANGIAIQUYET": 3, "DONVITINH": "Ngày làm việc",
                                        "PHILEPHI": [{"LOAIPHILEPHI": "Lệ phí", "SOTIEN": 8000, "MOTA": "8.000 đồng/bản"}]}]},
        ],
        "THANHPHANHOSO": [
            {"TRUONGHOP": "", "GIAYTO": [
                {"TENGIAYTO": "Tờ khai đăng ký khai sinh", "SOBANCHINH": 1, "SOBANSAO": 0, "TENMAUDON": "Mẫu TK01", "BATBUOC": 1},
                {"TENGIAYTO": "Giấy chứng sinh", "SOBANCHINH": 1, "SOBANSAO": 0, "BATBUOC": 1},
            ]},
            {"TRUONGHOP": "Giấy tờ phải xuất trình", "GIAYTO": [
                {"TENGIAYTO": "Thẻ căn cước", "SOBANCHINH": 1, "SOBANSAO": 0, "BATBUOC": 0, "MALOAIGIAYTO": "CCCD"},
            ]},
        ],
        "KETQUATHUCHIEN": [{"MAKETQUA": "KQ.G15.000031", "TENKETQUA": "Giấy khai sinh"}],
        "CANCUPHAPLY": [{"SOVANBAN": "60/2014/QH13", "TENVANBAN": "Luật Hộ tịch"}],
        "TRINHTUTHUCHIEN": [{"TRUONGHOP": "", "TRINHTU": [{"TENTRINHTU": "Bước 1: Nộp hồ sơ."}, {"TENTRINHTU": "Bước 2: Nhận kết quả."}]}],
        "YEUCAU": "",
        "MUCDODVC": "TOANTRINH",
    }
    base.update(overrides)
    return base


def counts():
    return {model.__name__: model.objects.count() for model in MODELS}


@pytest.fixture
def sample_catalog():
    """The committed real records, converted (the same path the demo catalog took)."""
    return convert_records(load_source(SAMPLES)).records


# --- A good file ---------------------------------------------------------------------------------


def test_import_creates_procedures_with_a_published_version(sample_catalog):
    report = catalog_import(records=sample_catalog, source="samples.json")

    assert report.ok and report.errors == []
    assert (report.total, report.created, report.updated, report.unchanged) == (9, 9, 0, 0)
    procedure = Procedure.objects.get(code="1.001193")
    version = procedure.current_version
    assert (version.number, version.status, version.valid_from) == (1, "published", timezone.localdate())
    assert version.name == "Thủ tục đăng ký khai sinh"
    assert version.field.code == "ho-tich" and version.field.name == "Hộ tịch"
    assert [level.code for level in version.levels.all()] == ["xa"]
    assert [(t.channel, t.amount, t.unit) for t in version.times.all()] == [
        (1, Decimal(1), "working_days"), (2, Decimal(1), "working_days"), (3, Decimal(1), "working_days")]
    assert version.online_level == "full"
    assert version.content_hash == content_hash(next(r for r in sample_catalog if r["MATTHC"] == "1.001193"))
    assert version.search_text == fold("1.001193 Thủ tục đăng ký khai sinh Hộ tịch")
    assert version.steps_text.startswith("- Nếu lựa chọn hình thức nộp hồ sơ trực tiếp")
    assert version.results.get().code == "KQ.G15.000031"
    assert version.legal_basis.filter(number="60/2014/QH13").exists()
    presented = version.documents.filter(case="Giấy tờ phải xuất trình")
    assert set(presented.values_list("document_type_code", flat=True)) == {"CCCD", "XNCT"}
    assert not presented.filter(mandatory=True).exists()
    steps = list(version.steps.order_by("order"))
    assert [s.role for s in steps] == [StaffRole.RECEPTION_CLERK, StaffRole.SPECIALIST, StaffRole.LEADER]
    assert [s.share_percent for s in steps] == [10, 70, 20]  # percent of each channel's time, adding up to 100
    assert "samples.json" in version.note


def test_processing_time_rules(sample_catalog):
    catalog_import(records=sample_catalog)
    by_code = {p.code: p.current_version for p in Procedure.objects.select_related("current_version")}
    # No time published at the counter (chứng thực): kept as 0, "within the day", with the catalog's remark;
    # a time within half a working day gets the two-step workflow.
    counter = by_code["2.000815"].times.get(channel=1)
    assert (counter.amount, counter.unit) == (Decimal(0), "working_days")
    assert "Không công bố thời hạn giải quyết" in counter.description
    assert [s.role for s in by_code["2.000815"].steps.all()] == [StaffRole.SPECIALIST, StaffRole.LEADER]
    # Fees: the same on every channel is one Fee; a USD fee keeps its amount in the name.
    fees = {f.name: f for f in by_code["2.000815"].fees.all()}
    assert (fees["Phí"].amount, fees["Phí"].channel) == (2000, None)
    assert fees["Lệ phí 10 USD"].amount == 0
    # A fee that differs by channel is kept per channel: 50,000 at the counter, 150,000 online and by post.
    household = [(f.channel, f.amount) for f in by_code["1.001612"].fees.order_by("channel")]
    assert household == [(1, 50000), (2, 150000), (3, 150000)]


@pytest.mark.parametrize(
    ("amount", "unit", "stored"),
    [
        (15, "Ngày làm việc", ("15", "working_days")),
        (30, "Ngày", ("30", "calendar_days")),
        (4, "Giờ", ("4", "working_hours")),  # time at the agency: working hours, not 4/8 of a day
        (4, "Giờ làm việc", ("4", "working_hours")),
        (0, "Ngày làm việc", ("0", "working_days")),  # 0: within the day
        (2, "Tháng", ("2", "months")),
        (3, "Tuần", ("21", "calendar_days")),  # 3 weeks end on the same day as 21 calendar days (art. 148)
        ("1,5", "Ngày làm việc", ("1.5", "working_days")),
    ],
)
def test_times_keep_their_unit(amount, unit, stored):
    channels = [{"KENH": "1", "THOIGIAN": [{"THOIGIANGIAIQUYET": amount, "DONVITINH": unit}]}]
    catalog_import(records=[record(CACHTHUCTHUCHIEN=channels)])
    time = Procedure.objects.get().current_version.times.get()
    assert (time.amount, time.unit) == (Decimal(stored[0]), stored[1])


def test_every_channel_keeps_its_own_time():
    channels = [
        {"KENH": "1", "THOIGIAN": [{"THOIGIANGIAIQUYET": 15, "DONVITINH": "Ngày làm việc"}]},
        {"KENH": "2", "THOIGIAN": [{"THOIGIANGIAIQUYET": 20, "DONVITINH": "Ngày"}]},
    ]
    catalog_import(records=[record(CACHTHUCTHUCHIEN=channels)])
    version = Procedure.objects.get().current_version
    assert [(t.channel, t.amount, t.unit) for t in version.times.all()] == [
        (1, Decimal(15), "working_days"), (2, Decimal(20), "calendar_days")]


def test_a_time_beyond_ten_years_is_refused():
    channels = [{"KENH": "1", "THOIGIAN": [{"THOIGIANGIAIQUYET": 121, "DONVITINH": "Tháng"}]}]
    report = catalog_import(records=[record(CACHTHUCTHUCHIEN=channels)])
    assert not report.ok and "121" in str(report.errors[0])
    assert not Procedure.objects.exists()


def test_fields_by_code_by_name_or_new():
    existing = FieldFactory(code="HT", name="Hộ tịch")
    report = catalog_import(records=[
        record("1.000001"),
        record("1.000002", LINHVUCTHUCHIEN=[{"MALINHVUC": "G15-CT", "TENLINHVUC": "Chứng thực"}]),
        record("1.000003", LINHVUCTHUCHIEN=[{"TENLINHVUC": "Thành lập và hoạt động doanh nghiệp (hộ kinh doanh)"}]),
    ])
    assert report.created == 3
    fields = {p.code: p.current_version.field for p in Procedure.objects.select_related("current_version__field")}
    assert fields["1.000001"] == existing
    assert fields["1.000002"].code == "G15-CT"
    assert fields["1.000003"].code == "thanh-lap-va-hoat-dong-doanh-ng-3c7bde44"  # a slug cut to 40 with a hash


# --- Importing again -----------------------------------------------------------------------------


def test_reimporting_the_same_file_changes_nothing(sample_catalog, django_assert_max_num_queries):
    catalog_import(records=sample_catalog)
    before = counts()
    versions = dict(ProcedureVersion.objects.values_list("id", "content_hash"))

    with django_assert_max_num_queries(4):
        report = catalog_import(records=copy.deepcopy(sample_catalog))

    assert (report.created, report.updated, report.unchanged) == (0, 0, 9)
    assert counts() == before
    assert dict(ProcedureVersion.objects.values_list("id", "content_hash")) == versions


def test_the_query_count_does_not_grow_with_the_file(django_assert_max_num_queries):
    small = [record(f"1.{n:06d}") for n in range(3)]
    large = [record(f"1.{n:06d}") for n in range(60)]
    catalog_import(records=large)
    with django_assert_max_num_queries(4):
        catalog_import(records=small)
    with django_assert_max_num_queries(4):
        catalog_import(records=large)


def test_a_changed_record_gets_a_new_version_and_the_old_one_stays():
    catalog_import(records=[record()])
    procedure = Procedure.objects.get()
    first = procedure.current_version
    # An administrator renamed the steps and gave the procedure its agencies: both carry over.
    first.steps.filter(order=2).update(name="Công chức tư pháp - hộ tịch thẩm định")
    ward = AgencyFactory(code="000.11.31.H48", name="Ủy ban nhân dân phường Hải Châu")
    first.agencies.set([ward])
    first_documents = list(first.documents.values_list("name", flat=True))

    changed = record(TENTTHC="Đăng ký khai sinh")
    changed["THANHPHANHOSO"][0]["GIAYTO"].pop()
    report = catalog_import(records=[changed])

    assert (report.created, report.updated, report.unchanged) == (0, 1, 0)
    procedure.refresh_from_db()
    second = procedure.current_version
    assert (second.number, second.status, second.name) == (2, "published", "Đăng ký khai sinh")
    assert second.steps.get(order=2).name == "Công chức tư pháp - hộ tịch thẩm định"
    assert list(second.agencies.all()) == [ward]
    assert second.documents.count() == 2
    first.refresh_from_db()
    assert (first.number, first.status, first.name) == (1, "published", "Thủ tục đăng ký khai sinh")
    assert list(first.documents.values_list("name", flat=True)) == first_documents
    assert first.steps.count() == 3


def test_a_new_processing_time_keeps_the_agencys_workflow():
    """Step shares are percentages of whatever time the catalog publishes: a longer time keeps the steps."""
    catalog_import(records=[record()])
    Procedure.objects.get().current_version.steps.filter(order=2).update(name="Bước riêng")
    slower = record(CACHTHUCTHUCHIEN=[{"KENH": "1", "THOIGIAN": [{"THOIGIANGIAIQUYET": 10, "DONVITINH": "Ngày làm việc"}]}])
    catalog_import(records=[slower])
    version = Procedure.objects.get().current_version
    assert version.number == 2
    assert version.times.get().amount == Decimal(10)
    assert sum(version.steps.values_list("share_percent", flat=True)) == 100
    assert version.steps.filter(name="Bước riêng").exists()


def test_procedures_made_elsewhere_are_updated_too():
    procedure = ProcedureFactory(code="1.001193", processing_days=Decimal("3"))
    report = catalog_import(records=[record()])
    assert (report.created, report.updated) == (0, 1)
    procedure.refresh_from_db()
    assert procedure.current_version.number == 2
    assert procedure.versions.count() == 2


def test_dry_run_writes_nothing():
    before = counts()
    report = catalog_import(records=[record("1.000001"), record("1.000002")], dry_run=True)
    assert (report.created, report.dry_run) == (2, True)
    assert counts() == before


# --- Bad files: nothing imported, every bad record reported ---------------------------------------


def test_every_bad_record_is_reported_and_nothing_is_imported():
    bad_number = record("1.000003")
    bad_number["CACHTHUCTHUCHIEN"][0]["THOIGIAN"][0]["THOIGIANGIAIQUYET"] = "mười lăm"
    negative_fee = record("1.000004")
    negative_fee["CACHTHUCTHUCHIEN"][1]["THOIGIAN"][0]["PHILEPHI"][0]["SOTIEN"] = -8000
    wrong_types = record("1.000005", CAPTHUCHIEN="xa", TENTTHC=12)
    wrong_types["THANHPHANHOSO"][0]["GIAYTO"][1]["SOBANCHINH"] = 1.5
    missing_code = record()
    del missing_code["MATTHC"]
    records = [
        record("1.000001"),
        missing_code,
        bad_number,
        negative_fee,
        wrong_types,
        record("1.000001"),  # the same MATTHC again
        record("1.000007", CACHTHUCTHUCHIEN=[{"KENH": "9", "THOIGIAN": [{"THOIGIANGIAIQUYET": 1, "DONVITINH": "Năm"}]}]),
        "not an object",
    ]
    before = counts()

    report = catalog_import(records=records, source="bad.json")

    assert counts() == before
    assert not report.ok and report.created == 0
    found = {(e.index, e.code, e.path) for e in report.errors}
    assert found == {
        (1, "", "[1].MATTHC"),
        (2, "1.000003", "[2].CACHTHUCTHUCHIEN[0].THOIGIAN[0].THOIGIANGIAIQUYET"),
        (3, "1.000004", "[3].CACHTHUCTHUCHIEN[1].THOIGIAN[0].PHILEPHI[0].SOTIEN"),
        (4, "1.000005", "[4].TENTTHC"),
        (4, "1.000005", "[4].CAPTHUCHIEN"),
        (4, "1.000005", "[4].THANHPHANHOSO[0].GIAYTO[1].SOBANCHINH"),
        (5, "1.000001", "[5].MATTHC"),
        (6, "1.000007", "[6].CACHTHUCTHUCHIEN[0].KENH"),
        (6, "1.000007", "[6].CACHTHUCTHUCHIEN[0].THOIGIAN[0].DONVITINH"),
        (7, "", "[7]"),
    }
    assert report.bad_records == 7
    messages = {e.path: e.message for e in report.errors}
    assert "required" in messages["[1].MATTHC"]
    assert "mười lăm" in messages["[2].CACHTHUCTHUCHIEN[0].THOIGIAN[0].THOIGIANGIAIQUYET"]
    assert "-8000" in messages["[3].CACHTHUCTHUCHIEN[1].THOIGIAN[0].PHILEPHI[0].SOTIEN"]
    assert "more than once" in messages["[5].MATTHC"] and "[0]" in messages["[5].MATTHC"]
    assert str(report.errors[0]).startswith("[1].MATTHC: ")


def test_a_good_record_in_a_bad_file_is_not_imported_either():
    report = catalog_import(records=[record("1.000001"), record("1.000002", LINHVUCTHUCHIEN=[])])
    assert [e.path for e in report.errors] == ["[1].LINHVUCTHUCHIEN"]
    assert not Procedure.objects.exists()


def test_the_contract_limits_are_the_models_limits():
    fields = {
        "MATTHC": Procedure._meta.get_field("code"),
        "TENTTHC": ProcedureVersion._meta.get_field("name"),
        "MALINHVUC": Field._meta.get_field("code"),
        "TENLINHVUC": Field._meta.get_field("name"),
        "QUYETDINHCONGBO": ProcedureVersion._meta.get_field("decision_no"),
        "TRUONGHOP": RequiredDocument._meta.get_field("case"),
        "TENMAUDON": RequiredDocument._meta.get_field("form_name"),
        "MALOAIGIAYTO": RequiredDocument._meta.get_field("document_type_code"),
        "SOVANBAN": LegalDocument._meta.get_field("number"),
        "MAKETQUA": ResultDocument._meta.get_field("code"),
    }
    assert {key: field.max_length for key, field in fields.items()} == MAX_LENGTHS
    _procedures, errors = parse_catalog([record(TENTTHC="x" * 2001)])
    assert [e.path for e in errors] == ["[0].TENTTHC"]


def test_a_catalog_object_with_data_is_accepted():
    assert catalog_import(records={"data": [record()]}).created == 1
    report = catalog_import(records={"items": []})
    assert not report.ok and report.errors[0].path == ""


# --- The demo catalog ----------------------------------------------------------------------------


def test_the_demo_catalog_imports_cleanly_and_twice_is_once():
    records = demo_catalog_records()
    report = catalog_import(records=records, source="demo catalog")
    assert report.ok and report.created == len(records) >= 35
    assert Procedure.objects.filter(current_version__isnull=True).count() == 0
    assert ImplementationLevel.objects.filter(code__in=["tinh", "xa"], procedureversion__isnull=False).distinct().count() == 2
    for version in ProcedureVersion.objects.all():
        assert sum(version.steps.values_list("share_percent", flat=True)) == 100
        assert version.times.exists()
    again = catalog_import(records=demo_catalog_records())
    assert (again.created, again.updated, again.unchanged) == (0, 0, len(records))


# --- The command ---------------------------------------------------------------------------------


def write(tmp_path, name, data):
    path = tmp_path / name
    path.write_text(data if isinstance(data, str) else json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return path


def test_command_imports_and_reports(tmp_path, capsys):
    path = write(tmp_path, "catalog.json", [record("1.000001"), record("1.000002")])
    call_command("import_catalog", str(path))
    assert "2 created, 0 updated" in capsys.readouterr().out
    call_command("import_catalog", str(path))
    assert "2 unchanged" in capsys.readouterr().out
    assert Procedure.objects.count() == 2


def test_command_dry_run(tmp_path, capsys):
    path = write(tmp_path, "catalog.json", {"data": [record()]})
    call_command("import_catalog", str(path), "--dry-run")
    assert "1 created" in capsys.readouterr().out
    assert not Procedure.objects.exists()


def test_command_lists_every_error_and_exits_1(tmp_path, capsys):
    bad = record("1.000002")
    bad["CACHTHUCTHUCHIEN"][0]["THOIGIAN"][0]["THOIGIANGIAIQUYET"] = -1
    path = write(tmp_path, "bad.json", [record("1.000001"), bad, record("1.000001")])
    with pytest.raises(CommandError) as error:
        call_command("import_catalog", str(path))
    assert error.value.returncode == 1  # manage.py exits with it
    err = capsys.readouterr().err
    assert "2 errors in 2 of 3 records" in err
    assert "[1].CACHTHUCTHUCHIEN[0].THOIGIAN[0].THOIGIANGIAIQUYET (1.000002)" in err
    assert "[2].MATTHC (1.000001)" in err
    assert not Procedure.objects.exists()


def test_manage_py_exits_1_on_a_bad_catalog(tmp_path):
    """The real process: a bad record is refused before the database is touched, with exit code 1."""
    bad = record(CAPTHUCHIEN=[{"MACAP": "huyen"}])
    path = write(tmp_path, "bad.json", [bad])
    env = {**os.environ, "DJANGO_ENV": "test", "DATABASE_URL": f"sqlite:///{tmp_path / 'unused.sqlite3'}"}
    result = subprocess.run(  # noqa: S603 - our own manage.py with a fixed argument list
        [sys.executable, "manage.py", "import_catalog", str(path)],
        cwd=settings_module.BASE_DIR, env=env, capture_output=True, text=True, timeout=120,
    )
    assert result.returncode == 1
    assert "[0].CAPTHUCHIEN[0].MACAP (1.001193)" in result.stderr


@pytest.mark.parametrize(
    ("content", "reason"),
    [("[{\"MATTHC\": ", "not valid JSON"), ("{\"items\": []}", "JSON list"), (None, "Cannot read")],
)
def test_command_refuses_a_file_that_is_not_a_catalog(tmp_path, content, reason):
    path = write(tmp_path, "broken.json", content) if content is not None else tmp_path / "missing.json"
    with pytest.raises(CommandError, match=reason) as error:
        call_command("import_catalog", str(path))
    assert error.value.returncode == 1
    assert not Procedure.objects.exists()


# --- The default workflow ------------------------------------------------------------------------


def test_default_workflow_shape():
    # Percent of the dossier's time: reception 10, the specialist 70, the leader 20; a short procedure
    # (within half a working day) has the specialist receive and appraise (80) and the leader approve (20).
    assert [(role, share) for _n, role, share in workflow_default_steps()] == [
        (StaffRole.RECEPTION_CLERK, Decimal(10)),
        (StaffRole.SPECIALIST, Decimal(70)),
        (StaffRole.LEADER, Decimal(20)),
    ]
    assert [share for *_x, share in workflow_default_steps(short=True)] == [Decimal(80), Decimal(20)]


def test_shares_must_add_up_to_a_hundred():
    from django.core.exceptions import ValidationError

    from procedures.services import workflow_check_shares

    workflow_check_shares(shares=[Decimal("33.33"), Decimal("33.33"), Decimal("33.34")])
    with pytest.raises(ValidationError, match="99,99"):
        workflow_check_shares(shares=[Decimal("33.33"), Decimal("33.33"), Decimal("33.33")])


def test_factory_makes_a_procedure_in_force():
    procedure = ProcedureFactory(processing_days=Decimal("3"), fee=8000)
    version = procedure.current_version
    assert version.is_published and version.fees.get().amount == 8000
    assert sum(version.steps.values_list("share_percent", flat=True)) == 100
    province = AgencyFactory(level="province")
    ward = AgencyFactory(parent=province)
    assert Agency.objects.get_parent(ward) == province


# --- The whole national file (when this machine has it) ------------------------------------------


@pytest.mark.slow
@pytest.mark.skipif(not SHARED_ALL.is_file(), reason=f"{SHARED_ALL} is not on this machine")
def test_the_2642_record_file_imports_in_well_under_a_minute():
    records = convert_records(load_source(SHARED_ALL)).records
    started = time.monotonic()
    report = catalog_import(records=records, source="all")
    elapsed = time.monotonic() - started
    assert report.ok and report.created == 2642
    assert elapsed < 60, f"{elapsed:.1f} s"
    assert Procedure.objects.filter(current_version__isnull=True).count() == 0


@pytest.mark.parametrize(
    ("path", "value"),
    [
        (("CACHTHUCTHUCHIEN", 0, "THOIGIAN", 0, "THOIGIANGIAIQUYET"), "1e30"),
        (("CACHTHUCTHUCHIEN", 0, "THOIGIAN", 0, "THOIGIANGIAIQUYET"), 20000),  # 20,000 working days
        (("CACHTHUCTHUCHIEN", 0, "THOIGIAN", 0, "THOIGIANGIAIQUYET"), "NaN"),
        (("CACHTHUCTHUCHIEN", 0, "THOIGIAN", 0, "PHILEPHI", 0, "SOTIEN"), 10**16),
        (("CACHTHUCTHUCHIEN", 0, "THOIGIAN", 0, "PHILEPHI", 0, "SOTIEN"), True),
        (("THANHPHANHOSO", 0, "GIAYTO", 0, "SOBANSAO"), 40000),
        (("THANHPHANHOSO", 0, "GIAYTO", 0, "BATBUOC"), "có"),
    ],
)
def test_out_of_range_values_are_errors_not_crashes(path, value):
    bad = record()
    target = bad
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    report = catalog_import(records=[bad])
    assert not report.ok and not Procedure.objects.exists()
    assert report.errors[0].path.startswith("[0].")
