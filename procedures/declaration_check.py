"""The check a declaration (tờ khai) passes before it is kept or shown: its schema is JSON Schema draft 2020-12
whose references point inside it, its layout has the shape docs/declarations.md gives it. The version admin and
its live preview share it; ``layout_notes`` adds what is allowed but probably a slip."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from django.utils.translation import gettext as _
from jsonschema import Draft202012Validator
from jsonschema.validators import validator_for

MAX_PROBLEMS = 10  # past these, the first ones are what to fix


def schema_problems(schema: Any) -> list[str]:
    """What makes ``schema`` unfit as a declaration's schema, each in the user's language; [] when it is fit.
    ``{}`` (no declaration) is fit. The metaschema's errors come all at once (``check_schema`` stops at the
    best one), with where they are in the schema."""
    if not isinstance(schema, dict):
        return [_("The declaration's schema must be a JSON object.")]
    meta = validator_for(Draft202012Validator.META_SCHEMA, default=Draft202012Validator)
    checker = meta(Draft202012Validator.META_SCHEMA, format_checker=meta.FORMAT_CHECKER)
    problems = [
        _("The declaration is not valid JSON Schema at %(where)s: %(reason)s")
        % {"where": error.json_path, "reason": error.message}
        for error in sorted(checker.iter_errors(schema), key=lambda e: [str(p) for p in e.absolute_path])
    ]
    if not problems:
        problems = list(_reference_problems(schema))
    return problems[:MAX_PROBLEMS]


def _reference_problems(schema: dict) -> Iterator[str]:
    """A ``$ref`` must point inside the schema: the portal fetches no other document (the validator would fail on
    every answer)."""
    for ref in sorted(set(keyword_values(schema, "$ref"))):
        if not isinstance(ref, str):
            continue
        if not ref.startswith("#"):
            yield _("“%(ref)s”: a reference must point inside the schema, as “#/$defs/address” does.") % {"ref": ref}
        elif _pointer(schema, ref) is None:
            yield _("“%(ref)s” points at nothing in the schema.") % {"ref": ref}


def keyword_values(node: Any, key: str) -> Iterator[Any]:
    """Every value of ``key`` anywhere in a schema."""
    if isinstance(node, Mapping):
        if key in node:
            yield node[key]
        for value in node.values():
            yield from keyword_values(value, key)
    elif isinstance(node, list):
        for value in node:
            yield from keyword_values(value, key)


def _pointer(root: Any, ref: str) -> Any:
    """What the local reference ``ref`` ("#/$defs/address") points at, None when nothing."""
    target = root
    for part in [p for p in ref[1:].split("/") if p]:
        part = part.replace("~1", "/").replace("~0", "~")
        if isinstance(target, Mapping) and part in target:
            target = target[part]
        elif isinstance(target, list) and part.isdigit() and int(part) < len(target):
            target = target[int(part)]
        else:
            return None
    return target


def layout_problems(ui: Any) -> list[str]:
    """What makes ``ui`` unfit as a declaration's layout (a shape the page cannot be built from); [] when fit."""
    if not isinstance(ui, dict):
        return [_("The layout must be a JSON object.")]
    problems = []
    sections = ui.get("sections", [])
    if not isinstance(sections, list):
        problems.append(_("“sections” must be a list."))
        sections = []
    for number, section in enumerate(sections, start=1):
        if not isinstance(section, dict) or not isinstance(section.get("title", ""), str):
            problems.append(_("Section %(n)s must be an object with a “title” and its “fields”.") % {"n": number})
            continue
        names = section.get("fields", [])
        if not isinstance(names, list) or not all(isinstance(name, str) for name in names):
            problems.append(_("The “fields” of section %(n)s must be a list of field names.") % {"n": number})
    fields = ui.get("fields", {})
    if not isinstance(fields, dict):
        problems.append(_("“fields” must be an object keyed by field path."))
        fields = {}
    for path, spec in fields.items():
        if not isinstance(spec, dict):
            problems.append(_("“fields.%(path)s” must be an object.") % {"path": path})
            continue
        show_if = spec.get("show_if")
        if show_if is not None and not (isinstance(show_if, dict) and isinstance(show_if.get("field"), str)
                                        and isinstance(show_if.get("in", []), list)):
            problems.append(_("“fields.%(path)s.show_if” must be an object with the “field” it depends on.")
                            % {"path": path})
        choices = spec.get("choices")
        if choices is not None and not (isinstance(choices, dict) or (isinstance(choices, list) and all(
                isinstance(pair, list) and len(pair) == 2 for pair in choices))):
            problems.append(_("“fields.%(path)s.choices” must be an object of labels keyed by value.") % {"path": path})
    problems += _closing_problems(ui)
    return problems[:MAX_PROBLEMS]


def _closing_problems(ui: dict) -> Iterator[str]:
    """The printed declaration's close: ``signatures`` (who signs, in order) and ``commitment`` (its own
    wording of the commitment), both optional."""
    signatures = ui.get("signatures", [])
    if not isinstance(signatures, list):
        yield _("“signatures” must be a list of signature blocks.")
        signatures = []
    for number, block in enumerate(signatures, start=1):
        if not (isinstance(block, dict) and isinstance(block.get("title"), str) and block["title"].strip()
                and isinstance(block.get("name", ""), str) and isinstance(block.get("note", ""), str)):
            yield _("Signature block %(n)s must be an object with a “title”, and may have the “name” of the field "
                    "holding the signer's name and a “note”.") % {"n": number}
            continue
        show_if = block.get("show_if")
        if show_if is not None and not (isinstance(show_if, dict) and isinstance(show_if.get("field"), str)
                                        and isinstance(show_if.get("in", []), list)):
            yield _("“signatures.%(n)s.show_if” must be an object with the “field” it depends on.") % {"n": number}
    if not isinstance(ui.get("commitment", ""), str):
        yield _("“commitment” must be a text.")


def declaration_problems(schema: Any, ui: Any) -> list[str]:
    """The schema's problems, then the layout's."""
    return [*schema_problems(schema), *layout_problems(ui)]


def layout_notes(schema: dict, ui: dict) -> list[str]:
    """What a fit layout probably got wrong (the page is still built: a field in no section comes after the
    sections, a name that is no field is left out). Call it only when ``declaration_problems`` found none."""
    if not schema:
        return []
    known = set(field_paths(schema))
    top = list(_resolve(schema, schema).get("properties") or {})
    notes = []
    placed: list[str] = []
    for section in ui.get("sections") or ():
        for name in section.get("fields") or ():
            if name not in top:
                notes.append(_("Section “%(title)s” lists “%(name)s”, which the schema does not have.")
                             % {"title": section.get("title") or "", "name": name})
            elif name in placed:
                notes.append(_("“%(name)s” is listed in more than one section.") % {"name": name})
            placed.append(name)
    if ui.get("sections"):
        notes.extend(_("“%(name)s” is in no section: it is shown after the sections.") % {"name": name}
                     for name in top if name not in placed)
    for number, block in enumerate(ui.get("signatures") or (), start=1):
        for path in (block.get("name"), (block.get("show_if") or {}).get("field")):
            if path and path not in known:
                notes.append(_("Signature block %(n)s refers to “%(path)s”, which the schema does not have.")
                             % {"n": number, "path": path})
    for path, spec in (ui.get("fields") or {}).items():
        if path not in known:
            notes.append(_("The layout describes “%(path)s”, which the schema does not have.") % {"path": path})
            continue
        depends = (spec.get("show_if") or {}).get("field")
        if depends and depends not in known and _sibling(path, depends) not in known:
            notes.append(_("“%(path)s” is shown only depending on “%(field)s”, which the schema does not have.")
                         % {"path": path, "field": depends})
    return notes[:MAX_PROBLEMS]


def _sibling(path: str, name: str) -> str:
    return f"{path.rsplit('.', 1)[0]}.{name}" if "." in path else name


def _resolve(node: Any, root: dict) -> dict:
    """``node`` with its local ``$ref`` followed (a few levels at most)."""
    for _depth in range(10):
        if not (isinstance(node, dict) and isinstance(node.get("$ref"), str) and node["$ref"].startswith("#")):
            break
        target = _pointer(root, node["$ref"])
        node = {**(target if isinstance(target, dict) else {}), **{k: v for k, v in node.items() if k != "$ref"}}
    return node if isinstance(node, dict) else {}


def field_paths(schema: dict, node: Any = None, prefix: str = "", depth: int = 0) -> Iterator[str]:
    """Every field's path as the layout names it: dotted, array items without their index
    (``members.full_name``)."""
    node = _resolve(schema if node is None else node, schema)
    if depth > 20:
        return
    if node.get("type") == "array":
        node = _resolve(node.get("items") or {}, schema)
    for name, sub in (node.get("properties") or {}).items():
        path = f"{prefix}.{name}" if prefix else name
        yield path
        yield from field_paths(schema, sub, path, depth + 1)
