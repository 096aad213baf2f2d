"""Turn the national portal's public procedure pages (the shared data files) into the national catalog shape.

The shared files keep the portal's page text as crawled, dirt included (see /work/shared/data/README.md);
every cleaning rule lives here, in code, and docs/catalog-format.md lists them. The output is what
``import_catalog`` reads and what the mock national portal serves. Same input, byte-identical output.
"""

from __future__ import annotations

import gzip
import json
import re
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from .national_catalog import (
    CHANNEL_COUNTER,
    CHANNEL_ONLINE,
    CHANNEL_POSTAL,
    CHANNELS,
    CURRENCY_USD,
    CURRENCY_VND,
    MAX_LENGTHS,
    PROCEDURE_CODE,
    UNIT_DAYS,
    UNIT_HOURS,
    UNIT_MONTHS,
    UNIT_WEEKS,
    UNIT_WORKING_DAYS,
    UNIT_WORKING_HOURS,
    catalog_records,
    clean_text,
)
from .search import fold

FIXTURES_DIR = Path(__file__).resolve().parent / "fixtures"
DEMO_CATALOG = FIXTURES_DIR / "demo_catalog.json"
DEMO_CATALOG_EXTRA = FIXTURES_DIR / "demo_catalog_extra.json"
DEMO_CODES = FIXTURES_DIR / "demo_codes.txt"
DECLARATIONS_DIR = FIXTURES_DIR / "declarations"

SOURCE_CHANNELS = {name: kind for kind, name in CHANNELS.items()}
SOURCE_LEVELS = {"cap bo": "bo", "cap tinh": "tinh", "cap xa": "xa", "co quan khac": "khac", "cap huyen": "xa"}
LEVEL_NAMES = {"bo": "Cấp Bộ", "tinh": "Cấp Tỉnh", "xa": "Cấp Xã", "khac": "Cơ quan khác"}
NO_INFORMATION = {"", "khong co thong tin", "khong", "khong quy dinh", "khong co"}

# The document types a citizen's data store can hold and reuse (MALOAIGIAYTO), found by the start of
# a document's name once bullets and "bản sao"-like prefixes are gone. First match wins.
_DOC_PREFIX = r"^(?:(?:01|mot|1)\s+)?(?:ban (?:sao|chinh|chup|goc|dien tu)(?: co chung thuc| hop le)?(?: cua| hoac ban chinh)?\s+)?"
DOCUMENT_TYPES = [
    ("CCCD", re.compile(_DOC_PREFIX + r"(?:the can cuoc|can cuoc|cccd|chung minh nhan dan|cmnd|giay to tuy than"
                                      r"|giay to chung minh nhan than|ho chieu ?/ ?the can cuoc)")),
    ("GKS", re.compile(_DOC_PREFIX + r"(?:giay khai sinh|trich luc (?:dang ky )?khai sinh)")),
    ("GCNKH", re.compile(_DOC_PREFIX + r"(?:giay chung nhan ket hon|trich luc (?:dang ky )?ket hon)")),
    ("XNTTHN", re.compile(_DOC_PREFIX + r"giay xac nhan tinh trang hon nhan")),
    ("XNCT", re.compile(_DOC_PREFIX + r"(?:(?:giay to|giay|van ban)\b[^.;:]{0,40}(?:noi cu tru|thong tin ve cu tru"
                                      r"|xac nhan (?:thong tin )?(?:ve )?cu tru)|so ho khau)")),
    ("GCNQSDD", re.compile(_DOC_PREFIX + r"giay chung nhan (?:quyen su dung dat|quyen so huu nha o)")),
    ("LLTP", re.compile(_DOC_PREFIX + r"phieu ly lich tu phap")),
    ("GUQ", re.compile(_DOC_PREFIX + r"(?:van ban|giay) uy quyen")),
]
#: Types the portal looks up in national databases, so presenting them does not need a visit.
LOOKED_UP_TYPES = {"CCCD", "XNCT"}

_BULLET = re.compile(r"^(?:[-+*•–—_.;,)]+\s*|\(?[0-9ivx]{1,4}[.)]\s+|\(?[a-zđ][.)]\s+)+", re.IGNORECASE)
_GENERIC_GROUPS = re.compile(
    r"^(?:cac )?(?:thanh phan ho so|giay to phai nop|ho so gom|ho so bao gom|bao gom|ho so|thanh phan)"
    r"(?:,? (?:gom|bao gom|nhu sau))?(?: \(ban chinh\))?(?:, moi loai 01 ban, gom)?$"
)
_PRESENTED_GROUP = re.compile(r"^(?:cac )?giay to (?:phai |can )?xuat trinh")
_CONDITIONAL = re.compile(
    r"^(?:truong hop|neu|doi voi truong hop)\b|\(neu\b|trong truong hop|neu (?:nguoi )?(?:co )?(?:yeu cau )?lua chon"
)

_DURATION = re.compile(r"^(\d+(?:[.,]\d+)?)\s*([^\d]*)$")
_UNIT_WORDS = {
    "": UNIT_WORKING_DAYS,
    "ngay lam viec": UNIT_WORKING_DAYS,
    "ngay": UNIT_DAYS,
    "gio": UNIT_HOURS,
    "gio lam viec": UNIT_WORKING_HOURS,
    "tuan": UNIT_WEEKS,
    "thang": UNIT_MONTHS,
}
_NUMBER_WORDS = {"một": 1, "hai": 2, "ba": 3, "bốn": 4, "năm": 5, "bảy": 7, "mười": 10, "mười lăm": 15}
_DEADLINE = re.compile(
    r"(?:trong thời hạn|trong vòng|trong|không quá|chậm nhất(?: là)?|tối đa)\s+(?:là\s+)?"
    r"(\d{1,3}|mười lăm|một|hai|ba|bốn|năm|bảy|mười)\s*"
    r"(?:\([^)]{0,20}\)\s*)?(ngày làm việc|ngày|giờ làm việc|giờ|tháng)(?!\w)",
    re.IGNORECASE,
)
_NEXT_DAY = re.compile(r"trong ngày làm việc tiếp theo", re.IGNORECASE)
_SAME_DAY = re.compile(r"(?<!\w)(?:ngay\s+)?trong\s+(?:ngày|buổi)(?!\w)(?!\s+làm việc tiếp theo)", re.IGNORECASE)

_MONEY = re.compile(r"^(\d[\d.,]*)\s*(Việt Nam Đồng|VNĐ|VND|Đồng|đồng|đ|USD)(?!\w)", re.IGNORECASE)
_MONEY_IN_TEXT = re.compile(r"(?<![\d.,])(\d{1,3}(?:[.,]\d{3})+|\d+)\s*(?:đồng|đ|VNĐ|VND|Đồng)(?!\w)", re.IGNORECASE)
# Concatenated source cells: channel, then the time digit, then the fee ("Trực tuyến120,000 VNĐ(...)").
_RAW_ROW = re.compile(r"^(\d)(\d[\d.,]*)\s*(Việt Nam Đồng|VNĐ|VND|Đồng|đồng|USD)(?!\w)\s*(.*)$", re.DOTALL)


_RAW_TABLE_ROW = re.compile(r"(Trực tiếp|Trực tuyến|Dịch vụ bưu chính)(.{0,200}?)(Miễn phí|Không có thông tin)")


@dataclass
class Conversion:
    """The converted records, and what the conversion had to guess or shorten."""

    records: list[dict] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)


# --- Entry points --------------------------------------------------------------------------------


def load_source(path: str | Path) -> list[dict]:
    """The records of a page-shape file (.json or .json.gz)."""
    path = Path(path)
    raw = path.read_bytes()
    if path.suffix == ".gz":
        raw = gzip.decompress(raw)
    return catalog_records(json.loads(raw.decode("utf-8-sig")))


def read_codes(path: str | Path) -> list[str]:
    """Procedure codes, one a line; ``#`` starts a comment."""
    codes = []
    for line in Path(path).read_text(encoding="utf-8").splitlines():
        code = line.split("#", 1)[0].strip()
        if code:
            codes.append(code)
    return codes


def convert_records(source: list[dict], *, codes: list[str] | None = None, limit: int | None = None) -> Conversion:
    """Convert page-shape records (in their order), keeping only ``codes`` if given, at most ``limit``."""
    result = Conversion()
    wanted = set(codes) if codes is not None else None
    seen: set[str] = set()
    for position, record in enumerate(source):
        if limit is not None and len(result.records) >= limit:
            break
        code = clean_text(str(record.get("code") or ""), one_line=True) if isinstance(record, dict) else ""
        if wanted is not None and code not in wanted:
            continue
        if not code or not PROCEDURE_CODE.match(code):
            result.skipped.append(f"[{position}] {code or '?'}: not a procedure code")
            continue
        if code in seen:
            result.skipped.append(f"[{position}] {code}: appears again, the first record is kept")
            continue
        seen.add(code)
        result.records.append(convert_record(record, warnings=result.warnings))
    if wanted is not None:
        for code in codes:
            if code not in seen:
                result.skipped.append(f"{code}: not in the source")
    return result


def dump_catalog(records: list[dict]) -> str:
    """The catalog file's text: stable key order, one space indent, a final newline."""
    return json.dumps(records, ensure_ascii=False, indent=1) + "\n"


def declaration_example(code: str) -> dict:
    """A filled-in declaration of a demo procedure (``fixtures/declarations/examples/<MATTHC>.json``), for the
    demo's dossiers and the tests; {} when the procedure has none."""
    path = DECLARATIONS_DIR / "examples" / f"{code}.json"
    return json.loads(path.read_text(encoding="utf-8")) if path.is_file() else {}


def demo_answers(code: str) -> dict:
    """What the demo's dossiers of a procedure answer: its filled-in declaration, or a request in free text."""
    return declaration_example(code) or {"request": "Đề nghị giải quyết theo quy định."}


def demo_catalog_records() -> list[dict]:
    """The demo catalog (converted real procedures, then the hand-written extra ones), in national shape, each
    with its declaration (``TOKHAI``) when ``fixtures/declarations/<MATTHC>.json`` has one."""
    records = []
    for path in (DEMO_CATALOG, DEMO_CATALOG_EXTRA):
        records.extend(catalog_records(json.loads(path.read_text(encoding="utf-8"))))
    for record in records:
        declaration = DECLARATIONS_DIR / f"{record.get('MATTHC')}.json"
        if declaration.is_file():
            record["TOKHAI"] = json.loads(declaration.read_text(encoding="utf-8"))
    return records


# --- One record ----------------------------------------------------------------------------------


def _text(value, *, one_line=False) -> str:
    if value is None:
        return ""
    return clean_text(str(value), one_line=one_line)


def _informative(value, *, one_line=False) -> str:
    """The text, or "" when it only says there is no information."""
    text = _text(value, one_line=one_line)
    return "" if fold(text).rstrip(".") in NO_INFORMATION else text


def _fit(text: str, limit: int) -> str:
    """Shorten to ``limit`` characters at a word boundary, ending with an ellipsis."""
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    if " " in cut[limit // 2 :]:
        cut = cut[: cut.rfind(" ")]
    return cut.rstrip(" ,;:-") + "…"


def convert_record(record: dict, *, warnings: list[str]) -> dict:
    """One page-shape record in the national shape (see docs/catalog-format.md)."""
    code = _text(record.get("code"), one_line=True)
    name = _text(record.get("name"), one_line=True)
    if len(name) > MAX_LENGTHS["TENTTHC"]:
        warnings.append(f"{code}: name of {len(name)} characters shortened to {MAX_LENGTHS['TENTTHC']}")
        name = _fit(name, MAX_LENGTHS["TENTTHC"])
    steps_source = _text(record.get("steps"))
    channels = _channels(record, code=code, steps=steps_source, warnings=warnings)
    documents = _documents(record.get("documents") or [])
    out = {
        "MATTHC": code,
        "TENTTHC": name,
        "QUYETDINHCONGBO": _fit(_informative(record.get("decision_no"), one_line=True), MAX_LENGTHS["QUYETDINHCONGBO"]),
        "LINHVUCTHUCHIEN": [{"TENLINHVUC": _fit(_text(record.get("field"), one_line=True), MAX_LENGTHS["TENLINHVUC"])}],
        "CAPTHUCHIEN": _levels(record.get("level"), code=code, warnings=warnings),
        "COQUANTHUCHIEN": [
            {"TENDONVI": agency}
            for agency in [_informative(record.get("agency"), one_line=True)
                           or _informative(record.get("agency_from_list"), one_line=True)]
            if agency
        ],
        "COQUANCOTHAMQUYEN": _informative(record.get("competent_authority")),
        "DOITUONGTHUCHIEN": [{"TENDOITUONG": t} for t in _split_outside_brackets(_informative(record.get("target"), one_line=True))],
        "CACHTHUCTHUCHIEN": channels,
        "THANHPHANHOSO": documents,
        "KETQUATHUCHIEN": _results(record.get("results") or []),
        "CANCUPHAPLY": _legal_basis(record.get("legal_basis") or []),
        "TRINHTUTHUCHIEN": _steps(steps_source),
        "YEUCAU": _informative(record.get("requirements")),
        "MUCDODVC": _online_level(channels, documents),
    }
    return out


def _levels(value, *, code: str, warnings: list[str]) -> list[dict]:
    levels = []
    for part in _text(value, one_line=True).split(","):
        level = SOURCE_LEVELS.get(fold(part))
        if level and level not in [x["MACAP"] for x in levels]:
            levels.append({"MACAP": level, "TENCAP": LEVEL_NAMES[level]})
        elif part.strip() and not level:
            warnings.append(f"{code}: unknown level “{part.strip()}” left out")
    if not levels:
        warnings.append(f"{code}: no level given, “khac” assumed")
        levels.append({"MACAP": "khac", "TENCAP": LEVEL_NAMES["khac"]})
    return levels


def _split_outside_brackets(text: str) -> list[str]:
    """"A, B (x, y), C" → ["A", "B (x, y)", "C"]."""
    parts, depth, current = [], 0, []
    for char in text:
        if char == "(":
            depth += 1
        elif char == ")":
            depth = max(0, depth - 1)
        if char == "," and depth == 0:
            parts.append("".join(current))
            current = []
        else:
            current.append(char)
    parts.append("".join(current))
    return [p.strip() for p in parts if p.strip()]


# --- Channels, times and fees --------------------------------------------------------------------


def parse_duration(text) -> tuple[Decimal, str] | None:
    """"15 Ngày làm việc" → (15, "Ngày làm việc"); "1" (no unit) → working days; otherwise None."""
    match = _DURATION.match(_text(text, one_line=True))
    if not match:
        return None
    unit = _UNIT_WORDS.get(fold(match.group(2)).strip(" .,;"))
    if unit is None:
        return None
    return Decimal(match.group(1).replace(",", ".")), unit


def mine_duration(*texts: str) -> tuple[Decimal, str, str] | None:
    """A deadline stated in prose ("trong thời hạn 03 ngày làm việc", "ngay trong ngày"), first text first."""
    for text in texts:
        if not text:
            continue
        found = []
        for match in _DEADLINE.finditer(text):
            unit = _UNIT_WORDS[fold(match.group(2))]
            number = match.group(1).lower()
            amount = Decimal(_NUMBER_WORDS[number]) if number in _NUMBER_WORDS else Decimal(number)
            found.append((match.start(), amount, unit, match.group(0)))
        for match in _NEXT_DAY.finditer(text):
            found.append((match.start(), Decimal(1), UNIT_WORKING_DAYS, match.group(0)))
        for match in _SAME_DAY.finditer(text):
            found.append((match.start(), Decimal(0), UNIT_WORKING_DAYS, match.group(0)))
        if found:
            _start, amount, unit, phrase = min(found, key=lambda f: f[0])
            return amount, unit, phrase.strip()
    return None


def parse_money(text: str) -> tuple[int, str] | None:
    """"50,000 Việt Nam Đồng" / "Lệ phí : 8.000 Đồng" / "10 USD" → (amount, currency); None otherwise."""
    cleaned = _text(text, one_line=True)
    cleaned = re.sub(r"^(?:lệ phí|phí)\s*:?\s*", "", cleaned, flags=re.IGNORECASE)
    match = _MONEY.match(cleaned)
    if not match:
        return None
    currency = CURRENCY_USD if match.group(2).upper() == "USD" else CURRENCY_VND
    return int(re.sub(r"[.,]", "", match.group(1))), currency


def _format_money(amount: int, currency: str) -> str:
    if currency == CURRENCY_USD:
        return f"{amount} USD"
    return f"{amount:,}".replace(",", ".") + " đồng"


def _fee_kind(*texts: str) -> str:
    folded = " ".join(fold(t) for t in texts if t)
    if "le phi" in folded:
        return "Lệ phí"
    if re.search(r"(?<!\w)phi(?!\w)", folded):
        return "Phí"
    return "Lệ phí"


def _split_description(description: str) -> tuple[str, str]:
    """A source description is "(fee detail)channel detail": returns (fee note, channel note)."""
    text = _text(description)
    if text.startswith("("):
        depth = 0
        for i, char in enumerate(text):
            depth += char == "("
            depth -= char == ")"
            if depth == 0:
                inner, rest = _unwrap(text[1:i].strip()), text[i + 1 :].strip()
                if inner.startswith("/") and (_MONEY_IN_TEXT.search(rest) or re.search(r"\d\s*USD", rest)):
                    return f"{inner}; {rest}", ""  # "(/trang)Tại UBND cấp xã: 2.000 đồng/trang; ..."
                return inner, rest
        return text[1:].strip(), ""
    if re.match(r"(?:lệ phí|phí|mức thu|mức phí)\b", text, flags=re.IGNORECASE):
        return text, ""
    return "", text


def _unwrap(text: str) -> str:
    """"((a) b)" stays; "(a b)" → "a b": drop brackets that wrap the whole text."""
    while text.startswith("(") and text.endswith(")"):
        depth = 0
        for i, char in enumerate(text):
            depth += char == "("
            depth -= char == ")"
            if depth == 0 and i < len(text) - 1:
                return text
        text = text[1:-1].strip()
    return text


def _fee_items(fee_text, fee_note: str, *, code: str, warnings: list[str]) -> list[dict]:
    """The PHILEPHI entries of one source row (none when free)."""
    fee_text = _text(fee_text, one_line=True)
    if fold(fee_text).startswith("mien phi"):
        # Free, but keep a note that refers to a fee schedule ("Thực hiện theo Thông tư số 244/2016/TT-BTC").
        if re.search(r"(?<!miễn )(?<!\w)phí(?!\w)", fee_note, flags=re.IGNORECASE):
            return [{"LOAIPHILEPHI": _fee_kind(fee_note), "SOTIEN": 0, "DONVI": CURRENCY_VND,
                     "MOTA": f"Miễn phí. {fee_note}"}]
        return []
    money = parse_money(fee_text)
    if money is None and fee_note:
        match = _MONEY_IN_TEXT.search(fee_note)
        if match:
            money = int(re.sub(r"[.,]", "", match.group(1))), CURRENCY_VND
    if money is None:
        if fee_note and re.search(r"(?<!\w)phí(?!\w)", fee_note, flags=re.IGNORECASE):
            return [{"LOAIPHILEPHI": _fee_kind(fee_note), "SOTIEN": 0, "DONVI": CURRENCY_VND, "MOTA": fee_note}]
        return []
    amount, currency = money
    if currency == CURRENCY_VND and re.search(rf"(?<![\d.,]){amount}\s*USD", fee_note):
        currency = CURRENCY_USD  # "155 VNĐ" beside "(... 155 USD/thẻ)"
        warnings.append(f"{code}: fee “{fee_text}” read as {amount} USD")
    elif currency == CURRENCY_VND and 0 < amount < 1000:
        # The portal's form is often filled in thousands: "20 VNĐ" beside "(20.000 đồng/tờ khai)".
        warnings.append(f"{code}: fee “{fee_text}” read as {amount * 1000:,} đồng".replace(",", "."))
        amount *= 1000
    note = fee_note
    if note.startswith("/"):
        note = _format_money(amount, currency) + note  # "/trang; ..." → "2.000 đồng/trang; ..."
    return [{"LOAIPHILEPHI": _fee_kind(fee_note, fee_text), "SOTIEN": amount, "DONVI": currency, "MOTA": note}]


def _json_number(value: Decimal):
    return int(value) if value == value.to_integral_value() else float(value)


def _time_entry(kind: str, time_text, fee_text, description, raw, *, code: str, steps: str, warnings: list[str]):
    fee_note, channel_note = _split_description(description)
    duration = parse_duration(time_text)
    notes = [channel_note] if channel_note else []
    if duration is None and time_text is None and raw:
        # Time and fee ran together in the source cell: the time is its first digit.
        channel_name = CHANNELS[kind]
        rest = _text(raw)
        rest = rest[len(channel_name):] if rest.startswith(channel_name) else rest
        match = _RAW_ROW.match(rest)
        if match:
            duration = Decimal(match.group(1)), UNIT_WORKING_DAYS
            fee_text = f"{match.group(2)} {match.group(3)}"
            fee_note, channel_note = _split_description(match.group(4))
            notes = [channel_note] if channel_note else []
            warnings.append(f"{code}: time {match.group(1)} and fee {fee_text} split from “{rest[:40]}”")
    if duration is None:
        mined = mine_duration(channel_note, steps)
        if mined:
            amount, unit, phrase = mined
            duration = amount, unit
            notes.append(f"Thời hạn theo mô tả của thủ tục: “{phrase}”")
            warnings.append(f"{code}: time “{phrase}” taken from the description")
        else:
            duration = Decimal(0), UNIT_WORKING_DAYS
            notes.append("Không công bố thời hạn giải quyết")
            warnings.append(f"{code}: no processing time published for {CHANNELS[kind]}")
    amount, unit = duration
    return {
        "THOIGIANGIAIQUYET": _json_number(amount),
        "DONVITINH": unit,
        "MOTA": "\n".join(notes),
        "PHILEPHI": _fee_items(fee_text, fee_note, code=code, warnings=warnings),
    }


def _channels(record: dict, *, code: str, steps: str, warnings: list[str]) -> list[dict]:
    rows = []  # (kind, time text, fee text, description, raw)
    fees = record.get("fees") or []
    for i, method in enumerate(record.get("methods") or []):
        kind = SOURCE_CHANNELS.get(_text(method.get("channel"), one_line=True))
        if kind is None:
            warnings.append(f"{code}: unknown channel “{method.get('channel')}” left out")
            continue
        fee = fees[i] if i < len(fees) and fees[i].get("channel") == method.get("channel") else {}
        fee_text = method.get("fee") if method.get("fee") is not None else fee.get("fee")
        rows.append((kind, method.get("time"), fee_text, method.get("description") or fee.get("description"),
                     method.get("raw")))
    if not rows:
        rows = _rows_from_summary(record)
    if not rows:
        warnings.append(f"{code}: no channel in the source, counter (1) assumed")
        rows = [(CHANNEL_COUNTER, "", "", "", "")]
    by_kind: dict[str, list[dict]] = {}
    for kind, time_text, fee_text, description, raw in rows:
        entry = _time_entry(kind, time_text, fee_text, description, raw, code=code, steps=steps, warnings=warnings)
        entries = by_kind.setdefault(kind, [])
        if entry not in entries:
            entries.append(entry)
    return [
        {"KENH": kind, "TENKENH": CHANNELS[kind], "THOIGIAN": by_kind[kind]}
        for kind in (CHANNEL_COUNTER, CHANNEL_ONLINE, CHANNEL_POSTAL)
        if kind in by_kind
    ]


def _rows_from_summary(record: dict) -> list[tuple]:
    """Rows from ``processing_time`` ("Trực tuyến: 1; Trực tiếp: 15 Ngày") when ``methods`` is empty,
    else the channels named in the raw method table."""
    rows = []
    fees = {}
    for fee in record.get("fees") or []:
        fees.setdefault(_text(fee.get("channel"), one_line=True), fee)
    for part in _text(record.get("processing_time"), one_line=True).split(";"):
        name, _sep, value = part.partition(":")
        kind = SOURCE_CHANNELS.get(name.strip())
        if kind:
            fee = fees.get(name.strip(), {})
            rows.append((kind, value.strip(), fee.get("fee"), fee.get("description"), None))
    if rows:
        return rows
    # "Hình thức nộpThời gianPhí, lệ phíMô tả" then, per channel: its name, the time text, the fee.
    table = _text((record.get("raw") or {}).get("cach_thuc_thuc_hien"), one_line=True)
    seen = set()
    for match in _RAW_TABLE_ROW.finditer(table.removeprefix("Hình thức nộpThời gianPhí, lệ phíMô tả")):
        kind = SOURCE_CHANNELS[match.group(1)]
        if kind not in seen:
            seen.add(kind)
            rows.append((kind, match.group(2).strip(), match.group(3), match.group(2).strip(), None))
    return rows


def _online_level(channels: list[dict], documents: list[dict]) -> str:
    """TOANTRINH: an online channel with a published time, and nothing to show in person that the portal
    cannot look up; MOTPHAN: an online channel otherwise; CUNGCAPTHONGTIN: no online channel."""
    online = next((c for c in channels if c["KENH"] == CHANNEL_ONLINE), None)
    if online is None:
        return "CUNGCAPTHONGTIN"
    published = any("Không công bố thời hạn giải quyết" not in t["MOTA"] for t in online["THOIGIAN"])
    in_person = any(
        doc["SOBANCHINH"] > 0 and doc.get("MALOAIGIAYTO", "") not in LOOKED_UP_TYPES
        for group in documents
        if group["TRUONGHOP"] == PRESENTED_CASE
        for doc in group["GIAYTO"]
    )
    return "TOANTRINH" if published and not in_person else "MOTPHAN"


# --- Documents, results, legal basis, steps ------------------------------------------------------

PRESENTED_CASE = "Giấy tờ phải xuất trình"


def document_type(name: str) -> str:
    """The reusable document type of a document name (CCCD, GKS, ...), or ""."""
    folded = _BULLET.sub("", fold(name)).strip()
    for code, pattern in DOCUMENT_TYPES:
        if pattern.search(folded):
            return code
    return ""


def _documents(rows: list[dict]) -> list[dict]:
    groups: dict[str, list[dict]] = {}
    for row in rows:
        name = _BULLET.sub("", _text(row.get("name"))).strip()
        originals, form_number = _count(row.get("originals"))
        copies = _count(row.get("copies"))[0] + _count(row.get("photocopies"))[0]
        if form_number and re.search(r"(?<!\w)số$", name):
            name = f"{name} {form_number}"  # "theo Mẫu số" + "18" of "181 bản chính"
        group = _text(row.get("group"), one_line=True).rstrip(" :")
        folded_group = fold(_BULLET.sub("", group))
        if originals == 0 and copies == 0:
            continue  # a note, not a document: nothing to hand in
        if name.endswith(":") or not re.search(r"\w", name) or folded_group == "luu y":
            continue  # a heading, a stray fragment, or the notes section
        presented = bool(_PRESENTED_GROUP.match(folded_group))
        if presented:
            case = PRESENTED_CASE
        elif not group or _GENERIC_GROUPS.match(folded_group):
            case = ""
        else:
            case = _fit(group, MAX_LENGTHS["TRUONGHOP"])
        mandatory = not presented and not case and not _CONDITIONAL.search(fold(name))
        doc = {
            "TENGIAYTO": name,
            "SOBANCHINH": originals,
            "SOBANSAO": copies,
            "TENMAUDON": _fit("; ".join(_text(f, one_line=True) for f in row.get("forms") or []),
                              MAX_LENGTHS["TENMAUDON"]),
            "BATBUOC": 1 if mandatory else 0,
        }
        type_code = document_type(name)
        if type_code:
            doc["MALOAIGIAYTO"] = type_code
        entries = groups.setdefault(case, [])
        if doc not in entries:
            entries.append(doc)
    ordered = sorted(groups, key=lambda case: (case == PRESENTED_CASE, list(groups).index(case)))
    return [{"TRUONGHOP": case, "GIAYTO": groups[case]} for case in ordered]


def _count(value) -> tuple[int, str]:
    """A number of copies, and the digits of a form number that ran into it in the source.

    No dossier asks for more than 10 originals of one paper: "181 bản chính" is "Mẫu số 18" then "1 bản
    chính", "20261" the year of a circular then 1. The last digit is the count.
    """
    number = int(value or 0)
    if number <= 10:
        return number, ""
    digits = str(number)
    return int(digits[-1]), digits[:-1]


def _results(rows: list[dict]) -> list[dict]:
    results = []
    for row in rows:
        name = _informative(row.get("name"))
        if name:
            entry = {"MAKETQUA": _fit(_text(row.get("code"), one_line=True), MAX_LENGTHS["MAKETQUA"]), "TENKETQUA": name}
            if entry not in results:
                results.append(entry)
    return results


def _legal_basis(rows: list[dict]) -> list[dict]:
    legal = []
    for row in rows:
        number = _fit(_text(row.get("code"), one_line=True), MAX_LENGTHS["SOVANBAN"])
        title = _text(row.get("title"), one_line=True) or number
        if title:
            entry = {"SOVANBAN": number, "TENVANBAN": title}
            if entry not in legal:
                legal.append(entry)
    return legal


def _steps(text: str) -> list[dict]:
    steps = [line.strip() for line in text.split("\n") if line.strip()]
    return [{"TRUONGHOP": "", "TRINHTU": [{"TENTRINHTU": step} for step in steps]}] if steps else []
