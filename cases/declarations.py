"""A dossier's declaration (tờ khai): the one validator of its answers, for the wizard, the counter and the API,
and the values the portal already knows (prefill). The schema's conventions are in docs/declarations.md."""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterator
from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils.translation import gettext as _
from jsonschema import Draft202012Validator, FormatChecker, validators
from jsonschema.exceptions import ValidationError as SchemaError

from accounts import population
from accounts.validators import validate_citizen_id, validate_phone
from core.text import fold
from procedures.selectors import code_lists

CODE_LISTS = ("sex", "ethnicity", "nationality", "relationship", "province", "commune")
SEX_CODES = {"male": "1", "female": "2"}

# --- validation ---------------------------------------------------------------------------------------------

FORMATS = FormatChecker(formats=("date", "email"))


@FORMATS.checks("vn-id-number", raises=DjangoValidationError)
def _id_number(value: object) -> bool:
    if isinstance(value, str):
        validate_citizen_id(value)
    return True


@FORMATS.checks("vn-phone", raises=DjangoValidationError)
def _phone(value: object) -> bool:
    if isinstance(value, str):
        validate_phone(value)
    return True


def _codelist_keyword(lists: dict[str, dict[str, tuple[str, str]]]):
    def check(validator, key, instance, schema) -> Iterator[SchemaError]:
        if isinstance(instance, str) and instance not in lists.get(key, {}):
            yield SchemaError(f"{instance!r} is not in the code list {key!r}", validator="x-codelist")

    return check


def _lists_of(schema: Any) -> set[str]:
    """Every ``x-codelist`` a schema names."""
    found: set[str] = set()
    if isinstance(schema, dict):
        if isinstance(schema.get("x-codelist"), str):
            found.add(schema["x-codelist"])
        for value in schema.values():
            found |= _lists_of(value)
    elif isinstance(schema, list):
        for value in schema:
            found |= _lists_of(value)
    return found


def check_schema(schema: dict) -> None:
    """Raise jsonschema's SchemaError when ``schema`` is not valid JSON Schema draft 2020-12."""
    Draft202012Validator.check_schema(schema)


class DeclarationInvalid(DjangoValidationError):
    """The declaration's answers are not valid: ``paths`` holds the messages per field path (the API answers
    ``{"form_data": paths}``); as a Django ValidationError it is one ``form_data`` error summing them up."""

    def __init__(self, paths: dict[str, list[str]]):
        self.paths = paths
        super().__init__({"form_data": [_("The declaration has %(n)s answers to correct.") % {"n": len(paths)}]})


# A draft is saved as the applicant goes: answers must have the right form, but may still be missing.
_MISSING = ("required", "minItems", "minLength")


def declaration_check(schema: dict, data: Any, *, complete: bool) -> None:
    """Raise DeclarationInvalid unless ``data`` answers ``schema``; ``complete=False`` (a draft being filled
    in) lets required answers be missing."""
    errors = declaration_errors(schema, data, complete=complete)
    if errors:
        raise DeclarationInvalid(errors)


def declaration_errors(schema: dict, data: Any, *, complete: bool = True) -> dict[str, list[str]]:
    """The answers' errors per field path ("child.date_of_birth", "members.2.full_name"; "" for the form as a
    whole), each in Vietnamese; empty when the answers are valid. ``complete=False``: missing answers are not
    errors yet. Code lists are read once per call."""
    if not schema:
        return {}
    lists = code_lists(_lists_of(schema))
    cls = validators.extend(Draft202012Validator, {"x-codelist": _codelist_keyword(lists)})
    validator = cls(schema, format_checker=FORMATS)
    errors: dict[str, list[str]] = {}
    for error in validator.iter_errors(data):
        if not complete and error.validator in _MISSING:
            continue
        for path, message in _messages(error):
            errors.setdefault(path, [])
            if message not in errors[path]:
                errors[path].append(message)
    for path, message in _parent_errors(schema, data, (), lists, schema):
        errors.setdefault(path, []).append(message)
    return errors


def _join(parts) -> str:
    return ".".join(str(p) for p in parts)


def _messages(error: SchemaError) -> Iterator[tuple[str, str]]:
    path = list(error.absolute_path)
    kind = error.validator
    value = error.validator_value
    if kind == "required":
        present = error.instance if isinstance(error.instance, dict) else {}
        for name in value:
            if name not in present:
                yield _join([*path, name]), _("This field is required.")
        return
    yield _join(path), _message(error, kind, value)


def _message(error: SchemaError, kind: str, value: Any) -> str:
    if kind == "format":
        if isinstance(error.cause, DjangoValidationError):
            return " ".join(str(m) for m in error.cause.messages)
        return {
            "date": _("Give a date as YYYY-MM-DD."),
            "email": _("Give a valid e-mail address."),
        }.get(value, _("This value is not in the expected form."))
    if kind == "type":
        kinds = value if isinstance(value, list) else [value]
        if "integer" in kinds or "number" in kinds:
            return _("Give a whole number.")
        if "boolean" in kinds:
            return _("Answer yes or no.")
        if "array" in kinds or "object" in kinds:
            return _("This part of the declaration is not in the expected form.")
        return _("Give a text.")
    if kind == "minLength":
        return _("This field is required.") if value == 1 else _("Give at least %(n)s characters.") % {"n": value}
    if kind == "maxLength":
        return _("Give at most %(n)s characters.") % {"n": value}
    if kind in ("minimum", "exclusiveMinimum"):
        return _("The smallest value allowed is %(n)s.") % {"n": value}
    if kind in ("maximum", "exclusiveMaximum"):
        return _("The largest value allowed is %(n)s.") % {"n": value}
    if kind in ("enum", "const", "x-codelist"):
        return _("Choose one of the values offered.")
    if kind == "minItems":
        return _("Give at least %(n)s.") % {"n": value}
    if kind == "maxItems":
        return _("Give at most %(n)s.") % {"n": value}
    if kind == "pattern":
        return _("This value is not in the expected form.")
    if kind == "additionalProperties":
        return _("The declaration has no such field.")
    return _("This value is not accepted: %(reason)s") % {"reason": error.message}


def _parent_errors(schema: Any, data: Any, path: tuple, lists, root: dict) -> Iterator[tuple[str, str]]:
    """``x-parent``: a commune must belong to the province chosen beside it."""
    schema = _resolve(schema, root)
    if not isinstance(schema, dict) or not isinstance(data, dict):
        return
    for name, sub in (schema.get("properties") or {}).items():
        sub = _resolve(sub, root)
        value = data.get(name)
        parent_key = sub.get("x-parent") if isinstance(sub, dict) else None
        if parent_key and isinstance(value, str) and isinstance(data.get(parent_key), str):
            known = lists.get(sub.get("x-codelist", ""), {}).get(value)
            if known is not None and known[1] != data[parent_key]:
                yield _join([*path, name]), _("Choose a commune of the province chosen.")
        if isinstance(value, dict):
            yield from _parent_errors(sub, value, (*path, name), lists, root)
        elif isinstance(value, list) and isinstance(sub, dict) and isinstance(sub.get("items"), dict):
            for i, item in enumerate(value):
                yield from _parent_errors(sub["items"], item, (*path, name, i), lists, root)


def _resolve(sub: Any, root: dict) -> Any:
    """A local ``$ref`` ("#/$defs/address") read from the root schema, else ``sub`` itself."""
    if isinstance(sub, dict) and isinstance(sub.get("$ref"), str) and sub["$ref"].startswith("#/$defs/"):
        return (root.get("$defs") or {}).get(sub["$ref"].removeprefix("#/$defs/"), sub)
    return sub


# --- prefill ------------------------------------------------------------------------------------------------

@dataclasses.dataclass(frozen=True)
class Prefilled:
    """A value the portal knows before the applicant types: where it came from, and whether it is verified
    (then it is shown read-only)."""

    value: Any
    source: str
    verified: bool


PREFILL_KEYS = (
    "profile.full_name", "profile.id_number", "profile.date_of_birth", "profile.sex", "profile.phone",
    "profile.email", "profile.address",
    "population.full_name", "population.id_number", "population.date_of_birth", "population.sex",
    "population.ethnicity", "population.nationality", "population.permanent_address", "population.current_address",
    *(f"population.{kin}.{field}" for kin in ("father", "mother", "spouse")
      for field in ("full_name", "id_number", "date_of_birth", "permanent_address")),
    "business.name", "business.tax_code", "business.address", "business.representative",
)


@dataclasses.dataclass(frozen=True)
class PrefillSource:
    """One place a field's value may come from: a key of ``PREFILL_KEYS``, and the answer it depends on, if any
    (``{"field": "requester.relationship", "in": ["07"]}``: the applicant's own record fills the mother's
    details only when the applicant says they are the mother)."""

    key: str
    when: dict | None = None

    def applies(self, data: Any) -> bool:
        if self.when is None:
            return True
        value = _value_at(data, self.when.get("field", ""))
        if "equals" in self.when:
            return value == self.when["equals"]
        if "in" in self.when:
            return value in self.when["in"]
        return bool(value)


def _value_at(data: Any, path: str) -> Any:
    for part in path.split(".") if path else ():
        if not isinstance(data, dict):
            return None
        data = data.get(part)
    return data


def _prefill_sources(spec: Any) -> tuple[PrefillSource, ...] | None:
    """An ``x-prefill`` as its sources in order: a key, or a list of keys and ``{"from": key, "if": {...}}``."""
    entries = [spec] if isinstance(spec, str | dict) else spec if isinstance(spec, list) else None
    if not entries:
        return None
    sources = []
    for entry in entries:
        if isinstance(entry, str):
            sources.append(PrefillSource(entry))
        elif isinstance(entry, dict) and isinstance(entry.get("from"), str) and isinstance(entry.get("if"), dict | None):
            sources.append(PrefillSource(entry["from"], entry.get("if")))
        else:
            return None
    return tuple(sources)


def prefill_fields(schema: dict, path: tuple = (), root: dict | None = None
                   ) -> Iterator[tuple[str, tuple[PrefillSource, ...], dict]]:
    """(field path, its prefill sources, field schema) of every field with an ``x-prefill``: one key, or a list
    tried in order (``["population.full_name", "profile.full_name"]``: the verified value, else the account's),
    each entry a key or ``{"from": key, "if": condition}``. A ``$ref`` to ``$defs`` is followed; the
    ``x-prefill`` may sit beside the ``$ref``."""
    root = schema if root is None else root
    if not isinstance(schema, dict):
        return
    sources = _prefill_sources(schema.get("x-prefill"))
    if sources:
        yield _join(path), sources, _resolve(schema, root)
    for name, sub in (_resolve(schema, root).get("properties") or {}).items():
        yield from prefill_fields(sub, (*path, name), root)


def prefill_triggers(schema: dict) -> set[str]:
    """The paths of the answers some prefill depends on (the page fills in again when one changes)."""
    return {source.when["field"] for _path, sources, _field in prefill_fields(schema) for source in sources
            if source.when and isinstance(source.when.get("field"), str)}


_SPOUSES = ("vo", "chong")
_PARENTS = {"father": ("cha", "bo", "cha de", "bo de"), "mother": ("me", "me de")}
_CHILDREN = ("con", "con de", "con ruot")
_HEAD = "chu ho"


def _kin(record: population.Record) -> dict[str, population.Relative]:
    """The applicant's spouse, father and mother among their household's members. The residence register
    names each member's relation to the household's head, not to the applicant: the head's "Vợ" is the head's
    spouse, and the head is the spouse of a "Vợ"; the head's "Cha" / "Mẹ" are the head's parents, and the head
    and their spouse (told apart by sex) are the parents of a "Con"."""
    own = _folded(record.relation_to_head) or _HEAD
    members = [(_folded(r.relation), r) for r in record.household]
    head = next((r for words, r in members if words == _HEAD), None)
    found: dict[str, population.Relative] = {}
    if own == _HEAD:
        spouse = next((r for words, r in members if words in _SPOUSES), None)
        found.update({role: r for role, words in _PARENTS.items() for w, r in members if w in words})
    elif own in _SPOUSES:
        spouse = head
    else:
        spouse = None
        if own in _CHILDREN and head is not None:
            head_spouse = next((r for words, r in members if words in _SPOUSES), None)
            for parent in (head, head_spouse):
                role = {"male": "father", "female": "mother"}.get(parent.gender if parent else "")
                if role:
                    found[role] = parent
    if spouse is not None:
        found["spouse"] = spouse
    return found


def _sources(user, business) -> dict[str, Any]:
    profile = getattr(user, "citizen_profile", None) if user is not None else None
    record = None
    if profile is not None and profile.is_verified:
        try:
            record = population.for_user(user)
        except population.Unavailable:
            record = None
    values: dict[str, Any] = {}
    if profile is not None:
        values.update({
            "profile.full_name": profile.full_name, "profile.id_number": profile.id_number,
            "profile.date_of_birth": profile.date_of_birth.isoformat() if profile.date_of_birth else None,
            "profile.sex": SEX_CODES.get(profile.gender), "profile.phone": profile.phone,
            "profile.email": user.email, "profile.address": profile.address,
        })
    if record is not None:
        values.update({
            "population.full_name": record.full_name, "population.id_number": record.id_number,
            "population.date_of_birth": record.date_of_birth.isoformat() if record.date_of_birth else None,
            "population.sex": SEX_CODES.get(record.gender), "population.ethnicity": record.ethnicity,
            "population.nationality": record.nationality, "population.permanent_address": record.permanent_residence,
            "population.current_address": record.current_residence,
        })
        for role, relative in _kin(record).items():
            values.update({
                f"population.{role}.full_name": relative.name, f"population.{role}.id_number": relative.id_number,
                f"population.{role}.date_of_birth": relative.date_of_birth,
                # A member of the applicant's household has its permanent residence (the register's own fact).
                f"population.{role}.permanent_address": record.permanent_residence,
            })
    if business is not None:
        values.update({"business.name": business.name, "business.tax_code": business.tax_code,
                       "business.address": business.address, "business.representative": business.representative})
    return {key: value for key, value in values.items() if value not in (None, "")}


def prefill(schema: dict, *, user, business=None, data: Any = None) -> dict[str, Prefilled]:
    """The known value of every field of ``schema`` that says where it prefills from, keyed by field path.
    Population values are verified (read-only on the page); profile and business values are the applicant's
    own and may be changed. A source with a condition counts only when ``data`` (the answers so far) meets it.
    Names are turned into codes for code-list fields ("Kinh" → "01"), and an address text into its province,
    commune and street."""
    fields = list(prefill_fields(schema))
    if not fields:
        return {}
    known = _sources(user, business)
    lists = code_lists(_lists_of(schema))
    found: dict[str, Prefilled] = {}
    for path, sources, field in fields:
        for source in sources:
            if source.key not in known or not source.applies(data):
                continue
            value = _as_field(known[source.key], field, lists)
            if value is not None:
                found[path] = Prefilled(value, source.key.split(".", 1)[0], source.key.startswith("population."))
                break
    return found


def _folded(text: str) -> str:
    return fold(text).casefold()


def _code_for(text: str, entries: dict[str, tuple[str, str]]) -> str | None:
    if text in entries:
        return text
    wanted = _folded(text)
    return next((code for code, (name, _parent) in entries.items() if _folded(name) == wanted), None)


def _as_field(value: Any, field: dict, lists) -> Any:
    key = field.get("x-codelist")
    if key:
        return _code_for(str(value), lists.get(key, {}))
    if field.get("type") == "object" and "province" in (field.get("properties") or {}):
        return _address(str(value), lists)
    return value


def _address(text: str, lists) -> dict:
    """An address text as {province, commune, street}: the province and commune whose names it contains."""
    folded = _folded(text)
    out: dict[str, str] = {"street": text}
    province = next((code for code, (name, _p) in lists.get("province", {}).items()
                     if _bare(name) and _bare(name) in folded), None)
    if province:
        out["province"] = province
        commune = next((code for code, (name, parent) in lists.get("commune", {}).items()
                        if parent == province and _bare(name) in folded), None)
        if commune:
            out["commune"] = commune
    return out


def _bare(name: str) -> str:
    """A unit's name without its kind: "Thành phố Đà Nẵng" → "da nang"."""
    return re.sub(r"^(thanh pho|tinh|phuong|xa|dac khu)\s+", "", _folded(name))
