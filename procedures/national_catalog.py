"""The national procedure catalog's JSON shape (LayThuTuc): read and check records, without the database.

docs/catalog-format.md is the contract this module enforces. ``parse_catalog`` collects every error of
every record, each with its position, so one run tells the sender everything that is wrong.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import re
import unicodedata
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path

from django.utils.translation import gettext as _
from jsonschema import Draft202012Validator
from jsonschema.exceptions import SchemaError

from core.text import fold

# --- The vocabulary ------------------------------------------------------------------------------

#: KENH: the national channel codes (KenhThucHien), as the dossier sync uses them too.
CHANNELS = {"1": "Trực tiếp", "2": "Trực tuyến", "3": "Dịch vụ bưu chính"}
CHANNEL_COUNTER, CHANNEL_ONLINE, CHANNEL_POSTAL = "1", "2", "3"

#: CAPTHUCHIEN[].MACAP: the implementation levels (ImplementationLevel codes, migration 0002).
LEVELS = {"bo": "Cấp bộ", "tinh": "Cấp tỉnh", "xa": "Cấp xã", "khac": "Cơ quan khác"}

#: MUCDODVC → ProcedureVersion.OnlineLevel.
ONLINE_LEVELS = {"TOANTRINH": "full", "MOTPHAN": "partial", "CUNGCAPTHONGTIN": "info"}

#: DONVITINH of THOIGIANGIAIQUYET.
UNIT_WORKING_DAYS = "Ngày làm việc"
UNIT_DAYS = "Ngày"
UNIT_WORKING_HOURS = "Giờ làm việc"
UNIT_HOURS = "Giờ"
UNIT_WEEKS = "Tuần"
UNIT_MONTHS = "Tháng"
UNITS = (UNIT_WORKING_DAYS, UNIT_DAYS, UNIT_WORKING_HOURS, UNIT_HOURS, UNIT_WEEKS, UNIT_MONTHS)

#: LOAIPHILEPHI.
FEE_KINDS = ("Phí", "Lệ phí")
#: PHILEPHI[].DONVI: the currency of SOTIEN (đồng unless it says USD).
CURRENCY_VND = "Đồng"
CURRENCY_USD = "USD"
CURRENCIES = (CURRENCY_VND, CURRENCY_USD)

#: DONVITINH → the unit a ProcessingTime keeps (TimeUnit values), with the factor its amount is multiplied
#: by. Nothing is converted into another unit: "Giờ" in the catalog is time at the agency, i.e. working
#: hours; a week is seven calendar days, which is the same period under Civil Code art. 148.
UNIT_OF = {
    UNIT_WORKING_DAYS: ("working_days", 1),
    UNIT_DAYS: ("calendar_days", 1),
    UNIT_WORKING_HOURS: ("working_hours", 1),
    UNIT_HOURS: ("working_hours", 1),
    UNIT_WEEKS: ("calendar_days", 7),
    UNIT_MONTHS: ("months", 1),
}
#: The longest time the portal accepts per unit (about ten years: a deadline is computed on a calendar).
MAX_TIME = {"working_days": 2500, "calendar_days": 3650, "working_hours": 20000, "months": 120}
MAX_AMOUNT_OF_TIME = 100_000  # as published; the stored amount must also be within MAX_TIME
MAX_FEE = 10**15  # đồng; Fee.amount is a 64-bit integer
HUNDREDTH = Decimal("0.01")

#: Our storage limits (the models' max_length), part of the contract: longer text is an error.
MAX_LENGTHS = {
    "MATTHC": 40,
    "TENTTHC": 2000,
    "MALINHVUC": 40,
    "TENLINHVUC": 255,
    "QUYETDINHCONGBO": 100,
    "TRUONGHOP": 500,
    "TENMAUDON": 500,
    "MALOAIGIAYTO": 40,
    "SOVANBAN": 200,
    "MAKETQUA": 60,
}

PROCEDURE_CODE = re.compile(r"^[0-9]\.[0-9]{6}$|^[A-Z0-9][A-Z0-9._-]{2,39}$")

_INVISIBLE = re.compile("[\u200b\u200c\u200d\u200e\u200f\u2060\ufeff\u00ad]")
_SPACES = re.compile("[\u00a0\u2007\u202f\u2009\u200a\u3000\t]")
_LINE_SPACES = re.compile(r" *\n *")


def clean_text(value: str, *, one_line: bool = False) -> str:
    """NFC, without zero-width characters or non-breaking spaces, runs of spaces collapsed.

    ``one_line`` also folds line breaks (names, codes); otherwise paragraphs are kept.
    """
    text = _SPACES.sub(" ", _INVISIBLE.sub("", unicodedata.normalize("NFC", value)))
    if one_line:
        return " ".join(text.split())
    text = _LINE_SPACES.sub("\n", re.sub(r" {2,}", " ", text.replace("\r\n", "\n").replace("\r", "\n")))
    return re.sub(r"\n{3,}", "\n\n", text).strip()


def canonical_json(record) -> str:
    """The one serialisation of a record that ``content_hash`` is computed over."""
    return json.dumps(record, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def content_hash(record) -> str:
    return hashlib.sha256(canonical_json(record).encode()).hexdigest()


def format_number(value: Decimal) -> str:
    """1.50 → "1,5"; 15 → "15" (Vietnamese decimal comma)."""
    text = f"{value.normalize():f}"
    return text.replace(".", ",")


# --- What a record becomes -----------------------------------------------------------------------


@dataclass(frozen=True)
class CatalogError:
    """One thing wrong with the input, with where it is: ``[12].CACHTHUCTHUCHIEN[0].KENH``."""

    index: int | None
    code: str
    path: str
    message: str

    def __str__(self) -> str:
        where = self.path or _("file")
        return f"{where} ({self.code}): {self.message}" if self.code else f"{where}: {self.message}"


@dataclass(frozen=True)
class FeeItem:
    kind: str
    amount: int
    currency: str
    description: str


@dataclass(frozen=True)
class TimeItem:
    amount: Decimal
    unit: str
    description: str
    fees: tuple[FeeItem, ...]


@dataclass(frozen=True)
class Channel:
    kind: str
    times: tuple[TimeItem, ...]

    @property
    def name(self) -> str:
        return CHANNELS[self.kind]


@dataclass(frozen=True)
class DocumentItem:
    case: str
    name: str
    originals: int
    copies: int
    form_name: str
    mandatory: bool
    type_code: str


@dataclass(frozen=True)
class ResultItem:
    code: str
    name: str


@dataclass(frozen=True)
class LegalItem:
    number: str
    title: str


@dataclass(frozen=True)
class PublishedTime:
    """One processing time of one channel, in the unit the portal keeps (``procedures.models.TimeUnit``)."""

    channel: int
    amount: Decimal
    unit: str
    description: str


@dataclass
class NationalProcedure:
    """One procedure record of the national catalog, checked and cleaned."""

    index: int
    code: str
    name: str
    field_code: str
    field_name: str
    levels: tuple[str, ...]
    agencies: tuple[str, ...]
    authority: str
    target: str
    decision_no: str
    channels: tuple[Channel, ...]
    documents: tuple[DocumentItem, ...]
    results: tuple[ResultItem, ...]
    legal_basis: tuple[LegalItem, ...]
    steps_text: str
    requirements: str
    online_level: str
    content_hash: str
    form_schema: dict = field(default_factory=dict)  # TOKHAI.schema: the declaration (docs/declarations.md)
    form_ui: dict = field(default_factory=dict)

    def times(self) -> list[PublishedTime]:
        """Every channel's times as published, each distinct time once per channel, in the catalog's order."""
        found: list[PublishedTime] = []
        for channel in self.channels:
            for time in channel.times:
                unit, factor = UNIT_OF[time.unit]
                item = PublishedTime(int(channel.kind), time.amount * factor, unit, time.description)
                if item not in found:
                    found.append(item)
        return found

    def fees(self) -> list[tuple[FeeItem, tuple[str, ...]]]:
        """Each distinct fee with the channels it applies to, in the order first met."""
        found: dict[FeeItem, list[str]] = {}
        for channel in self.channels:
            for time in channel.times:
                for fee in time.fees:
                    kinds = found.setdefault(fee, [])
                    if channel.kind not in kinds:
                        kinds.append(channel.kind)
        return [(fee, tuple(kinds)) for fee, kinds in found.items()]

    @property
    def channel_kinds(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(c.kind for c in self.channels))


# --- Reading a file ------------------------------------------------------------------------------


class CatalogFileError(Exception):
    """The file cannot be read as a catalog at all (missing, not JSON, wrong top-level shape)."""


def load_catalog_file(path: str | Path) -> list:
    """The records of a catalog file (.json or .json.gz): a JSON list, or an object ``{"data": [...]}``."""
    path = Path(path)
    try:
        raw = gzip.decompress(path.read_bytes()) if path.suffix == ".gz" else path.read_bytes()
    except OSError as exc:
        raise CatalogFileError(_("Cannot read %(path)s: %(reason)s") % {"path": path, "reason": exc.strerror}) from exc
    try:
        data = json.loads(raw.decode("utf-8-sig"))
    except UnicodeDecodeError as exc:
        raise CatalogFileError(_("%(path)s is not UTF-8 text.") % {"path": path}) from exc
    except json.JSONDecodeError as exc:
        raise CatalogFileError(
            _("%(path)s is not valid JSON: %(reason)s at line %(line)d, column %(column)d.")
            % {"path": path, "reason": exc.msg, "line": exc.lineno, "column": exc.colno}
        ) from exc
    return catalog_records(data)


def catalog_records(data) -> list:
    """The list of records in already-decoded JSON (a list, or an object with a ``data`` list)."""
    if isinstance(data, dict) and isinstance(data.get("data"), list):
        return data["data"]
    if isinstance(data, list):
        return data
    raise CatalogFileError(_('A catalog is a JSON list of procedures, or an object {"data": [...]}.'))


# --- Checking records ----------------------------------------------------------------------------

_JSON_TYPES = {dict: "object", list: "array", str: "string", bool: "boolean", int: "number", float: "number"}


def _json_type(value) -> str:
    return "null" if value is None else _JSON_TYPES.get(type(value), type(value).__name__)


class _Reader:
    """Reads one record, noting every problem with its path instead of stopping at the first."""

    def __init__(self, index: int, errors: list[CatalogError]):
        self.index = index
        self.code = ""
        self.errors = errors
        self.failed = False

    def error(self, path: str, message: str) -> None:
        self.failed = True
        self.errors.append(CatalogError(self.index, self.code, f"[{self.index}]{path}", message))

    def text(self, obj: dict, key: str, path: str, *, required=False, one_line=True, default="", limit=None) -> str:
        value = obj.get(key)
        where = f"{path}.{key}"
        if value is None or value == "":
            if required:
                self.error(where, _("This field is required."))
            return default
        if isinstance(value, (int, float)) and not isinstance(value, bool) and key in ("MATTHC", "KENH"):
            value = str(value)
        if not isinstance(value, str):
            self.error(where, _("Expected text (a JSON string), not %(type)s.") % {"type": _json_type(value)})
            return default
        value = clean_text(value, one_line=one_line)
        if required and not value:
            self.error(where, _("This field is required."))
        if limit and len(value) > limit:
            self.error(
                where, _("Longer than %(limit)d characters (%(length)d).") % {"limit": limit, "length": len(value)}
            )
        return value

    def objects(self, obj: dict, key: str, path: str, *, required=False) -> list[tuple[str, dict]]:
        value = obj.get(key)
        where = f"{path}.{key}"
        if value is None:
            if required:
                self.error(where, _("This field is required."))
            return []
        if not isinstance(value, list):
            self.error(where, _("Expected a list (a JSON array), not %(type)s.") % {"type": _json_type(value)})
            return []
        if required and not value:
            self.error(where, _("Needs at least one entry."))
        items = []
        for i, item in enumerate(value):
            if not isinstance(item, dict):
                self.error(f"{where}[{i}]", _("Expected an object, not %(type)s.") % {"type": _json_type(item)})
                continue
            items.append((f"{where}[{i}]", item))
        return items

    def number(self, obj: dict, key: str, path: str, *, integer=False, default=None, required=True, maximum=None):
        """A number of at least 0: a JSON number, or a string holding one (some senders quote numbers)."""
        value = obj.get(key)
        where = f"{path}.{key}"
        if value is None or value == "":
            if required:
                self.error(where, _("This field is required."))
            return default
        if isinstance(value, bool) or not isinstance(value, (int, float, str)):
            self.error(where, _("Expected a number, not %(type)s.") % {"type": _json_type(value)})
            return default
        try:
            number = Decimal(str(value).strip().replace(",", "."))
        except InvalidOperation:
            self.error(where, _("“%(value)s” is not a number.") % {"value": value})
            return default
        if not number.is_finite():
            self.error(where, _("“%(value)s” is not a number.") % {"value": value})
            return default
        if number < 0:
            self.error(where, _("Must be 0 or more, not %(value)s.") % {"value": value})
            return default
        if maximum is not None and number > maximum:
            self.error(where, _("Must be at most %(max)s, not %(value)s.") % {"max": maximum, "value": value})
            return default
        if integer:
            if number != number.to_integral_value():
                self.error(where, _("Must be a whole number, not %(value)s.") % {"value": value})
                return default
            return int(number)
        return number

    def flag(self, obj: dict, key: str, path: str, *, default: bool) -> bool:
        value = obj.get(key)
        if value is None or value == "":
            return default
        if value in (1, "1", True):
            return True
        if value in (0, "0", False):
            return False
        self.error(f"{path}.{key}", _("Must be 1 or 0, not %(value)s.") % {"value": json.dumps(value, ensure_ascii=False)})
        return default


def parse_catalog(data) -> tuple[list[NationalProcedure], list[CatalogError]]:
    """Check every record of a catalog; returns the good records and every error found.

    ``data`` is the list of records, or an object ``{"data": [...]}``. A MATTHC that appears twice is
    an error at its second record.
    """
    try:
        records = catalog_records(data)
    except CatalogFileError as exc:
        return [], [CatalogError(None, "", "", str(exc))]
    procedures: list[NationalProcedure] = []
    errors: list[CatalogError] = []
    seen: dict[str, int] = {}
    for index, record in enumerate(records):
        procedure = parse_record(record, index=index, errors=errors)
        if procedure is None:
            continue
        if procedure.code in seen:
            errors.append(
                CatalogError(
                    index,
                    procedure.code,
                    f"[{index}].MATTHC",
                    _("MATTHC %(code)s appears more than once in this file (first at record [%(first)d]).")
                    % {"code": procedure.code, "first": seen[procedure.code]},
                )
            )
            continue
        seen[procedure.code] = index
        procedures.append(procedure)
    return procedures, errors


def parse_record(record, *, index: int, errors: list[CatalogError]) -> NationalProcedure | None:
    """One record, or None with its errors appended to ``errors``."""
    r = _Reader(index, errors)
    if not isinstance(record, dict):
        r.error("", _("A procedure record is a JSON object, not %(type)s.") % {"type": _json_type(record)})
        return None
    code = r.text(record, "MATTHC", "", required=True, limit=MAX_LENGTHS["MATTHC"])
    if code and not PROCEDURE_CODE.match(code):
        r.error(".MATTHC", _("“%(code)s” is not a procedure code: a national code looks like 1.001193, a local one "
                             "like LOCAL-BTXH-01 (capitals, digits, dots, dashes).") % {"code": code})
    r.code = code
    name = r.text(record, "TENTTHC", "", required=True, limit=MAX_LENGTHS["TENTTHC"])

    field_code, field_name = "", ""
    fields = r.objects(record, "LINHVUCTHUCHIEN", "", required=True)
    for i, (path, item) in enumerate(fields):
        item_code = r.text(item, "MALINHVUC", path, limit=MAX_LENGTHS["MALINHVUC"])
        item_name = r.text(item, "TENLINHVUC", path, required=True, limit=MAX_LENGTHS["TENLINHVUC"])
        if i == 0:
            field_code, field_name = item_code, item_name

    levels = []
    for path, item in r.objects(record, "CAPTHUCHIEN", "", required=True):
        level = r.text(item, "MACAP", path, required=True)
        if level and level not in LEVELS:
            r.error(f"{path}.MACAP", _("Unknown level “%(value)s”: use bo, tinh, xa or khac.") % {"value": level})
        elif level and level not in levels:
            levels.append(level)

    agencies = []
    for path, item in r.objects(record, "COQUANTHUCHIEN", ""):
        agency = r.text(item, "TENDONVI", path, required=True)
        if agency:
            agencies.append(agency)
    authority = r.text(record, "COQUANCOTHAMQUYEN", "", one_line=False)

    targets = []
    for path, item in r.objects(record, "DOITUONGTHUCHIEN", ""):
        target = r.text(item, "TENDOITUONG", path, required=True)
        if target:
            targets.append(target)
    target_text = r.text(record, "MOTADOITUONGTHUCHIEN", "", one_line=False) or ", ".join(targets)

    channels = tuple(_parse_channels(r, record))
    documents = tuple(_parse_documents(r, record))

    results = []
    for path, item in r.objects(record, "KETQUATHUCHIEN", ""):
        result_name = r.text(item, "TENKETQUA", path, required=True, one_line=False)
        results.append(ResultItem(code=r.text(item, "MAKETQUA", path, limit=MAX_LENGTHS["MAKETQUA"]), name=result_name))

    legal = []
    for path, item in r.objects(record, "CANCUPHAPLY", ""):
        number = r.text(item, "SOVANBAN", path, limit=MAX_LENGTHS["SOVANBAN"])
        title = r.text(item, "TENVANBAN", path, one_line=False)
        if not number and not title:
            r.error(path, _("A legal basis needs SOVANBAN or TENVANBAN."))
        legal.append(LegalItem(number=number, title=title or number))

    steps = []
    for path, item in r.objects(record, "TRINHTUTHUCHIEN", ""):
        case = r.text(item, "TRUONGHOP", path, one_line=False)
        if case:
            steps.append(case)
        for step_path, step in r.objects(item, "TRINHTU", path):
            text = r.text(step, "TENTRINHTU", step_path, required=True, one_line=False)
            if text:
                steps.append(text)

    online = r.text(record, "MUCDODVC", "")
    if online and online not in ONLINE_LEVELS:
        r.error(".MUCDODVC", _("Unknown online service level “%(value)s”: use TOANTRINH, MOTPHAN or "
                               "CUNGCAPTHONGTIN.") % {"value": online})
    if not online:
        online = "MOTPHAN" if CHANNEL_ONLINE in {c.kind for c in channels} else "CUNGCAPTHONGTIN"

    decision_no = r.text(record, "QUYETDINHCONGBO", "", limit=MAX_LENGTHS["QUYETDINHCONGBO"])
    requirements = r.text(record, "YEUCAU", "", one_line=False)
    form_schema, form_ui = _parse_declaration(r, record)
    if r.failed:
        return None
    procedure = NationalProcedure(
        index=index,
        code=code,
        name=name,
        field_code=field_code,
        field_name=field_name,
        levels=tuple(levels),
        agencies=tuple(agencies),
        authority=authority,
        target=target_text,
        decision_no=decision_no,
        channels=channels,
        documents=documents,
        results=tuple(results),
        legal_basis=tuple(legal),
        steps_text="\n".join(steps),
        requirements=requirements,
        online_level=ONLINE_LEVELS[online],
        content_hash=content_hash(record),
        form_schema=form_schema,
        form_ui=form_ui,
    )
    for time in procedure.times():
        if time.amount > MAX_TIME[time.unit]:
            r.error(".CACHTHUCTHUCHIEN", _("A processing time of %(amount)s %(unit)s is more than %(max)s.")
                    % {"amount": format_number(time.amount), "unit": time.unit, "max": MAX_TIME[time.unit]})
            return None
    return procedure


def _parse_channels(r: _Reader, record: dict):
    for path, item in r.objects(record, "CACHTHUCTHUCHIEN", "", required=True):
        kind = r.text(item, "KENH", path, required=True)
        if kind and kind not in CHANNELS:
            r.error(f"{path}.KENH", _("Unknown channel “%(value)s”: use 1 (at the counter), 2 (online) or 3 "
                                      "(by post).") % {"value": kind})
        times = []
        for time_path, time in r.objects(item, "THOIGIAN", path, required=True):
            amount = r.number(time, "THOIGIANGIAIQUYET", time_path, maximum=MAX_AMOUNT_OF_TIME)
            unit = r.text(time, "DONVITINH", time_path, required=True)
            if unit and unit not in UNITS:
                r.error(f"{time_path}.DONVITINH", _("Unknown unit “%(value)s”: use %(units)s.")
                        % {"value": unit, "units": ", ".join(UNITS)})
            fees = []
            for fee_path, fee in r.objects(time, "PHILEPHI", time_path):
                fee_kind = r.text(fee, "LOAIPHILEPHI", fee_path, required=True)
                if fee_kind and fee_kind not in FEE_KINDS:
                    r.error(f"{fee_path}.LOAIPHILEPHI", _("Unknown kind of fee “%(value)s”: use Phí or Lệ phí.")
                            % {"value": fee_kind})
                fee_amount = r.number(fee, "SOTIEN", fee_path, integer=True, maximum=MAX_FEE)
                currency = r.text(fee, "DONVI", fee_path, default=CURRENCY_VND)
                if currency not in CURRENCIES:
                    r.error(f"{fee_path}.DONVI", _("Unknown currency “%(value)s”: use Đồng or USD.")
                            % {"value": currency})
                fees.append(FeeItem(fee_kind, fee_amount or 0, currency,
                                    r.text(fee, "MOTA", fee_path, one_line=False)))
            times.append(TimeItem(amount if amount is not None else Decimal(0), unit,
                                  r.text(time, "MOTA", time_path, one_line=False), tuple(fees)))
        if kind in CHANNELS:
            yield Channel(kind=kind, times=tuple(times))


def _parse_declaration(r: _Reader, record: dict) -> tuple[dict, dict]:
    """``TOKHAI``: ``{"schema": JSON Schema draft 2020-12, "ui": {...}}``, the procedure's declaration."""
    declaration = record.get("TOKHAI")
    if declaration is None:
        return {}, {}
    if not isinstance(declaration, dict) or not isinstance(declaration.get("schema"), dict):
        r.error(".TOKHAI", _("TOKHAI must be an object with a schema."))
        return {}, {}
    ui = declaration.get("ui") or {}
    if not isinstance(ui, dict):
        r.error(".TOKHAI.ui", _("TOKHAI.ui must be an object."))
        return {}, {}
    try:
        Draft202012Validator.check_schema(declaration["schema"])
    except SchemaError as error:
        r.error(".TOKHAI.schema", _("The declaration is not valid JSON Schema: %(reason)s") % {"reason": error.message})
        return {}, {}
    return declaration["schema"], ui


def declaration_component(name: str, form_schema: dict, form_ui: dict) -> bool:
    """Whether a required document is the declaration the version's electronic form stands for: its name
    begins with the declaration's title ("Tờ khai đăng ký khai sinh theo mẫu …" for "TỜ KHAI ĐĂNG KÝ KHAI
    SINH"), or with the ``ui``'s ``component`` when the catalog names it otherwise, or it is the civil-status
    "Mẫu hộ tịch điện tử tương tác" (the online form itself)."""
    if not form_schema:
        return False
    folded = _words(name)
    prefixes = [_words(str(form_ui.get("component") or "")), _words(str(form_schema.get("title") or "")),
                "mau ho tich dien tu tuong tac"]
    return any(prefix and folded.startswith(prefix) for prefix in prefixes)


def _words(text: str) -> str:
    return " ".join(re.sub(r"[^\w]+", " ", fold(text).casefold()).split())


def _parse_documents(r: _Reader, record: dict):
    for path, group in r.objects(record, "THANHPHANHOSO", ""):
        case = r.text(group, "TRUONGHOP", path, limit=MAX_LENGTHS["TRUONGHOP"])
        for doc_path, doc in r.objects(group, "GIAYTO", path):
            name = r.text(doc, "TENGIAYTO", doc_path, required=True, one_line=False)
            originals = r.number(doc, "SOBANCHINH", doc_path, integer=True, required=False, default=0, maximum=32767)
            copies = r.number(doc, "SOBANSAO", doc_path, integer=True, required=False, default=0, maximum=32767)
            yield DocumentItem(
                case=case,
                name=name,
                originals=originals or 0,
                copies=copies or 0,
                form_name=r.text(doc, "TENMAUDON", doc_path, limit=MAX_LENGTHS["TENMAUDON"]),
                mandatory=r.flag(doc, "BATBUOC", doc_path, default=True),
                type_code=r.text(doc, "MALOAIGIAYTO", doc_path, limit=MAX_LENGTHS["MALOAIGIAYTO"]),
            )


# --- The import's report -------------------------------------------------------------------------


@dataclass
class ImportReport:
    """What ``catalog_import`` did: counts of procedures, or every error and nothing written."""

    source: str = ""
    total: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[CatalogError] = field(default_factory=list)
    dry_run: bool = False
    created_codes: list[str] = field(default_factory=list)
    updated_codes: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def bad_records(self) -> int:
        return len({e.index for e in self.errors})
