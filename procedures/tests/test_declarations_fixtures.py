"""The demo catalog's declarations (procedures/fixtures/declarations/<MATTHC>.json) keep the contract of
docs/declarations.md: valid JSON Schema draft 2020-12, sections that cover every field once, known
code lists and formats, conditions on real fields, a named legal text, and a filled example each that
validates."""

import json
import re
from pathlib import Path

import pytest
from jsonschema import Draft202012Validator, FormatChecker

from procedures.declaration_check import keyword_values

DIR = Path(__file__).resolve().parent.parent / "fixtures" / "declarations"
FILES = sorted(DIR.glob("*.json"))
IDS = [path.stem for path in FILES]

CODE_LISTS = {"sex", "ethnicity", "nationality", "relationship", "province", "commune"}
FORMATS = {"date", "vn-id-number", "vn-phone", "email"}
WIDGETS = {"textarea", "radio", "select", "checkbox"}
UI_FIELD_KEYS = {"help", "placeholder", "widget", "choices", "show_if"}
LEGAL_TEXT = re.compile(r"(Thông tư|Nghị định|Luật|Quyết định|Mẫu số)[^;]*?\d+/\d{4}/[A-ZĐ]")
# Certified copies (chứng thực) are done on sight of the original: the law gives them no declaration.
NO_DECLARATION = {"2.000815", "2.000884", "2.000908"}


def load(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


def resolve(node: dict, root: dict) -> dict:
    ref = node.get("$ref")
    if isinstance(ref, str):
        assert ref.startswith("#/$defs/"), ref
        return root["$defs"][ref.removeprefix("#/$defs/")]
    return node


def fields(node: dict, root: dict, path: tuple = ()):
    """(path, field schema as written, field schema resolved) of every property, array items without index."""
    node = resolve(node, root)
    if node.get("type") == "array":
        node = resolve(node["items"], root)
    for name, sub in (node.get("properties") or {}).items():
        yield (*path, name), sub, resolve(sub, root)
        yield from fields(sub, root, (*path, name))


def field_at(schema: dict, dotted: str) -> dict | None:
    node = schema
    for part in dotted.split("."):
        node = resolve(node, schema)
        if node.get("type") == "array":
            node = resolve(node["items"], schema)
        node = (node.get("properties") or {}).get(part)
        if node is None:
            return None
    return resolve(node, schema)


def conditions(schema: dict):
    """(flag field, its required value, the fields it makes required) of the root's if/then rules."""
    for rule in [schema, *schema.get("allOf", [])]:
        if "if" not in rule:
            continue
        (flag, test), = rule["if"]["properties"].items()
        assert rule["if"]["required"] == [flag]
        yield flag, test["const"], rule["then"]["required"]


def test_at_least_twelve_declarations():
    assert len(FILES) >= 12, [p.name for p in FILES]


def test_certified_copies_have_none():
    assert not NO_DECLARATION & set(IDS)


def test_demo_catalog_holds_each_procedure():
    catalog = DIR.parent
    codes = {r["MATTHC"] for name in ("demo_catalog.json", "demo_catalog_extra.json") for r in load(catalog / name)}
    assert set(IDS) <= codes


@pytest.mark.parametrize("path", FILES, ids=IDS)
def test_schema_is_draft_2020_12_with_title_and_legal_text(path):
    schema = load(path)["schema"]
    Draft202012Validator.check_schema(schema)
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert schema["type"] == "object"
    assert schema["title"].strip() and schema["title"] == schema["title"].upper()
    assert LEGAL_TEXT.search(schema["description"]), schema["description"]
    address = schema["$defs"]["address"]
    assert address["type"] == "object"
    assert address["properties"]["province"]["x-codelist"] == "province"
    assert address["properties"]["commune"]["x-codelist"] == "commune"
    assert address["properties"]["commune"]["x-parent"] == "province"
    assert address["properties"]["street"]["type"] == "string"


@pytest.mark.parametrize("path", FILES, ids=IDS)
def test_every_field_is_a_kind_of_the_contract(path):
    schema = load(path)["schema"]
    for field_path, written, field in fields(schema, schema):
        name = ".".join(field_path)
        assert re.fullmatch(r"[a-z][a-z0-9_]*", field_path[-1]), name
        assert written.get("title") or field.get("title"), f"{name} has no label"
        kind = field.get("type")
        assert kind in {"string", "integer", "boolean", "array", "object"}, name
        if kind == "string":
            assert (field.get("maxLength") or field.get("format") or field.get("x-codelist")
                    or field.get("enum")), f"{name}: a text needs maxLength, a format, a code list or an enum"
            assert field.get("format", "date") in FORMATS, name
        if kind == "integer":
            assert field.get("minimum", -1) >= 0, name
            if field.get("x-kind") == "money":
                assert field["maximum"] == 1000000000000, name
        if kind == "array":
            assert field["items"]["type"] == "object" and field["maxItems"] <= 20 and "minItems" in field, name


@pytest.mark.parametrize("path", FILES, ids=IDS)
def test_sections_cover_every_top_level_field_once(path):
    declaration = load(path)
    listed = [name for section in declaration["ui"]["sections"] for name in section["fields"]]
    assert all(section["title"].strip() for section in declaration["ui"]["sections"])
    assert len(listed) == len(set(listed)), f"listed twice: {[n for n in listed if listed.count(n) > 1]}"
    assert set(listed) == set(declaration["schema"]["properties"])


@pytest.mark.parametrize("path", FILES, ids=IDS)
def test_ui_fields_are_real_paths_with_known_options(path):
    declaration = load(path)
    schema = declaration["schema"]
    for dotted, options in declaration["ui"]["fields"].items():
        field = field_at(schema, dotted)
        assert field is not None, f"{dotted} is not a field"
        assert set(options) <= UI_FIELD_KEYS, dotted
        assert options.get("widget", "textarea") in WIDGETS, dotted
        if "choices" in options:
            assert set(options["choices"]) == set(field["enum"]), dotted


@pytest.mark.parametrize("path", FILES, ids=IDS)
def test_fixed_lists_are_labelled(path):
    declaration = load(path)
    schema = declaration["schema"]
    for field_path, _written, field in fields(schema, schema):
        if "enum" in field:
            labels = declaration["ui"]["fields"].get(".".join(field_path), {}).get("choices")
            assert labels and set(labels) == set(field["enum"]), ".".join(field_path)


@pytest.mark.parametrize("path", FILES, ids=IDS)
def test_code_lists_are_known(path):
    # (Their prefill keys are checked against cases.declarations.PREFILL_KEYS in cases/tests/test_declarations.py.)
    assert set(keyword_values(load(path)["schema"], "x-codelist")) <= CODE_LISTS


@pytest.mark.parametrize("path", FILES, ids=IDS)
def test_conditions_refer_to_real_fields(path):
    declaration = load(path)
    schema, ui = declaration["schema"], declaration["ui"]
    for dotted, options in ui["fields"].items():
        condition = options.get("show_if")
        if condition is None:
            continue
        target = field_at(schema, condition["field"])
        assert target is not None, f"{dotted} is shown on {condition['field']}, which is not a field"
        assert ("equals" in condition) != ("in" in condition), dotted
        allowed = [condition["equals"]] if "equals" in condition else condition["in"]
        for value in allowed:
            if target["type"] == "boolean":
                assert isinstance(value, bool), dotted
            else:
                assert value in target["enum"], dotted
    # A section the schema requires only on a condition is shown on that same condition.
    for flag, value, required in conditions(schema):
        assert flag in schema["properties"], flag
        for name in required:
            assert name in schema["properties"], name
            shown = ui["fields"].get(name, {}).get("show_if")
            assert shown and shown["field"] == flag, f"{name} is required when {flag}={value} but not shown so"
            assert shown.get("equals", value) == value and value in shown.get("in", [value]), name


@pytest.mark.parametrize("path", FILES, ids=IDS)
def test_the_example_validates_and_an_empty_declaration_does_not(path):
    schema = load(path)["schema"]
    example = load(DIR / "examples" / path.name)
    validator = Draft202012Validator(schema, format_checker=FormatChecker(formats=("date", "email")))
    assert [e.message for e in validator.iter_errors(example)] == []
    assert not validator.is_valid({})
    # The example answers every field its form requires, at the root.
    assert set(schema["required"]) <= set(example)


@pytest.mark.parametrize("path", FILES, ids=IDS)
def test_a_conditional_section_is_required_only_when_its_condition_holds(path):
    schema = load(path)["schema"]
    example = load(DIR / "examples" / path.name)
    validator = Draft202012Validator(schema, format_checker=FormatChecker(formats=("date", "email")))
    for flag, value, required in conditions(schema):
        shown = {**example, flag: value}
        for name in required:
            shown.pop(name, None)
        assert not validator.is_valid(shown), f"{flag}={value} must require {required}"
        if isinstance(value, bool):
            hidden = {key: v for key, v in example.items() if key not in required}
            hidden[flag] = not value
            assert [e.message for e in validator.iter_errors(hidden)] == [], flag


def test_every_example_has_its_declaration():
    assert {p.stem for p in (DIR / "examples").glob("*.json")} == set(IDS)
