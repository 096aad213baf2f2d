"""The declaration (tờ khai) on a page: the tree a template renders from a version's schema and UI, the
POST parsed back into ``form_data``, and the answers shown as labelled sections (with what a supplement
changed). docs/declarations.md is the contract; validation itself is ``cases.declarations``'."""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext as _
from jsonschema import Draft202012Validator

ADD = "_add"  # a submit button's name: value = the repeatable group's path
REMOVE = "_remove"  # value = the item's path, "members.2"
REFILL = "_refill"  # value = the path of an answer some prefill depends on: fill in again for it
TEXTAREA_FROM = 500  # a string allowed longer than this is a paragraph, not a line
TRUE, FALSE = "true", "false"


# --- the schema ----------------------------------------------------------------------------------------

def has_declaration(version) -> bool:
    return bool(getattr(version, "form_schema", None))


def resolve(root: Mapping, node: Mapping | None) -> dict:
    """``node`` with a local ``$ref`` replaced by what it points at (its own keywords win, e.g. a title)."""
    node = dict(node or {})
    seen = 0
    while "$ref" in node and seen < 10:
        ref = node.pop("$ref")
        target: Any = root
        if isinstance(ref, str) and ref.startswith("#/"):
            for part in ref[2:].split("/"):
                target = target.get(part, {}) if isinstance(target, Mapping) else {}
        node = {**(target if isinstance(target, Mapping) else {}), **node}
        seen += 1
    return node


def kind_of(node: Mapping, ui: Mapping | None = None) -> str:
    ui = ui or {}
    kind = node.get("type")
    if isinstance(kind, list):  # ["string", "null"]: the first real type
        kind = next((k for k in kind if k != "null"), None)
    if kind == "object" or (kind is None and "properties" in node):
        return "group"
    if kind == "array":
        return "repeat"
    if kind == "boolean":
        return "boolean"
    if kind == "integer":
        return "money" if node.get("x-kind") == "money" else "integer"
    if kind == "number":
        return "number"
    if "x-codelist" in node:
        return "codelist"
    if "enum" in node:
        return "enum"
    if node.get("format") == "date":
        return "date"
    if ui.get("widget") == "textarea" or (node.get("maxLength") or 0) > TEXTAREA_FROM:
        return "textarea"
    return "text"


def _ui_path(path: str) -> str:
    """``members.2.full_name`` → ``members.full_name``: the UI keys fields without array indexes."""
    return ".".join(p for p in path.split(".") if not p.isdigit())


def _join(prefix: str, key: str) -> str:
    return f"{prefix}.{key}" if prefix else key


def _matches(schema: Mapping, root: Mapping, instance: Any) -> bool:
    try:
        return Draft202012Validator({**schema, "$defs": root.get("$defs", {})}).is_valid(instance)
    except Exception:  # a malformed condition is no condition  # noqa: BLE001
        return False


def required_keys(root: Mapping, node: Mapping, value: Any) -> set[str]:
    """The properties ``node`` requires of ``value``: its ``required`` and each ``if``/``then`` whose
    condition holds (``else`` when it does not), also inside ``allOf``."""
    keys = set(node.get("required") or ())
    for part in [node, *(resolve(root, p) for p in node.get("allOf") or ())]:
        if part is not node:
            keys |= set(part.get("required") or ())
        if "if" in part:
            branch = part.get("then") if _matches(part["if"], root, value if value is not None else {}) else part.get("else")
            keys |= set((branch or {}).get("required") or ())
    return keys


def codelist_keys(schema: Any) -> set[str]:
    """Every ``x-codelist`` a schema names."""
    found: set[str] = set()
    if isinstance(schema, Mapping):
        if isinstance(schema.get("x-codelist"), str):
            found.add(schema["x-codelist"])
        for value in schema.values():
            found |= codelist_keys(value)
    elif isinstance(schema, list):
        for value in schema:
            found |= codelist_keys(value)
    return found


class Codes:
    """The code lists of a declaration, read together in one query the first time one is needed."""

    def __init__(self, schema: Mapping | None = None):
        self.keys = codelist_keys(schema or {})
        self._lists: dict[str, dict[str, tuple[str, str]]] | None = None

    def _load(self, key: str) -> dict[str, tuple[str, str]]:
        if self._lists is None or key not in self._lists:
            from procedures.selectors import code_lists

            self._lists = {**(self._lists or {}), **code_lists(self.keys | {key})}
        return self._lists[key]

    def choices(self, key: str) -> list[tuple[str, str, str | None]]:
        return [(code, name, parent) for code, (name, parent) in self._load(key).items()]

    def name(self, key: str, code: Any) -> str:
        found = self._load(key).get(str(code))
        return found[0] if found else str(code)


def flat_prefill(prefilled: Mapping | None) -> dict:
    """Prefilled values per leaf path: an address prefilled as a whole ({province, commune, street}) gives
    each of its parts, from the same source."""
    out: dict[str, Any] = {}
    for path, filled in (prefilled or {}).items():
        if isinstance(filled.value, Mapping):
            for key, value in filled.value.items():
                if value not in (None, ""):
                    out[_join(path, key)] = type(filled)(value, filled.source, filled.verified)
        else:
            out[path] = filled
    return out


# --- the page's tree -----------------------------------------------------------------------------------

@dataclass
class Node:
    """One field of the page: a leaf (text, textarea, integer, money, number, date, boolean, codelist,
    enum), a group (its ``children``) or a repeatable group (its ``items``)."""

    path: str
    key: str
    label: str
    kind: str
    schema: dict
    required: bool = False
    help: str = ""
    placeholder: str = ""
    widget: str = ""
    value: Any = None
    raw: str = ""
    source: str = ""
    readonly: bool = False
    display: str = ""
    errors: list[str] = field(default_factory=list)
    show_if: dict | None = None
    choices: list[tuple[str, str]] = field(default_factory=list)
    groups: list[tuple[str, list[tuple[str, str, str]]]] = field(default_factory=list)
    parent_field: str = ""
    children: list[Node] = field(default_factory=list)
    items: list[Item] = field(default_factory=list)
    can_add: bool = False
    refill: bool = False
    max_items: int | None = None
    min_items: int = 0
    item_label: str = ""
    hide_legend: bool = False  # a group whose name is its section's title: said once

    @property
    def id(self) -> str:
        return "f-" + self.path.replace(".", "-")

    @property
    def input_type(self) -> str:
        fmt = self.schema.get("format")
        if self.kind == "date":
            return "date"
        return {"email": "email", "vn-phone": "tel"}.get(fmt, "text")

    @property
    def inputmode(self) -> str:
        if self.kind in ("integer", "money") or self.schema.get("format") in ("vn-id-number",):
            return "numeric"
        if self.kind == "number":
            return "decimal"
        return ""

    @property
    def maxlength(self) -> int | None:
        return self.schema.get("maxLength")

    @property
    def autocomplete(self) -> str:
        return {"email": "email", "vn-phone": "tel"}.get(self.schema.get("format"), "off" if self.schema.get(
            "format") == "vn-id-number" else "")

    @property
    def is_group(self) -> bool:
        return self.kind == "group"

    @property
    def is_repeat(self) -> bool:
        return self.kind == "repeat"

    @property
    def is_choice(self) -> bool:
        return self.kind in ("boolean", "enum", "codelist")

    @property
    def checkbox(self) -> bool:
        """A yes/no the UI shows as one tick box (unticked is "no": the page posts "false" beside it)."""
        return self.kind == "boolean" and self.widget == "checkbox"

    @property
    def radios(self) -> bool:
        """Radio buttons for yes/no and short lists (or when the UI asks); a select otherwise."""
        if self.checkbox:
            return False
        if self.widget in ("radio", "select"):
            return self.widget == "radio" and not self.groups
        return self.kind == "boolean" or (self.kind == "enum" and len(self.choices) <= 5)

    @property
    def describedby(self) -> str:
        ids = []
        if self.help:
            ids.append(f"{self.id}-hint")
        if self.show_if:
            ids.append(f"{self.id}-cond")
        if self.errors:
            ids.append(f"{self.id}-error")
        return " ".join(ids)


@dataclass
class Item:
    index: int
    path: str
    number: int
    children: list[Node]
    blank: bool = False

    @property
    def id(self) -> str:
        return "f-" + self.path.replace(".", "-")


@dataclass
class Section:
    title: str
    nodes: list[Node]
    id: str = ""

    @property
    def verified(self) -> bool:
        """Whether a value of this section comes read-only from a verified source."""
        def walk(nodes):
            return any(n.readonly or walk(n.children) or any(walk(i.children) for i in n.items) for n in nodes)
        return walk(self.nodes)


@dataclass
class Declaration:
    """What the template renders: the sections, and every error with the field it belongs to."""

    title: str
    description: str
    sections: list[Section]
    summary: list[tuple[str, str, str]]  # (anchor id or "", label, message)
    nodes: dict[str, Node]

    @property
    def has_errors(self) -> bool:
        return bool(self.summary)


def _get(data: Any, path: str) -> Any:
    for part in path.split(".") if path else ():
        if isinstance(data, list) and part.isdigit():
            index = int(part)
            data = data[index] if index < len(data) else None
        elif isinstance(data, Mapping):
            data = data.get(part)
        else:
            return None
        if data is None:
            return None
    return data


def _format_input(kind: str, value: Any) -> str:
    if value is None:
        return ""
    if kind == "money" and isinstance(value, int):
        return money(value)
    if kind == "boolean":
        return TRUE if value is True else FALSE if value is False else ""
    return str(value)


def money(value: int) -> str:
    """1500000 → "1.500.000"."""
    sign = "-" if value < 0 else ""
    return sign + f"{abs(int(value)):,}".replace(",", ".")


def _condition(root: Mapping, spec: Mapping | None, parent_schema: Mapping, parent_path: str) -> dict | None:
    """A ``show_if`` with its field's full path (a sibling first, else from the root)."""
    if not spec or not spec.get("field"):
        return None
    name = str(spec["field"])
    first = name.split(".")[0]
    full = _join(parent_path, name) if first in (parent_schema.get("properties") or {}) else name
    out = {"field": full}
    if "equals" in spec:
        out["equals"] = spec["equals"]
    if "in" in spec:
        out["in"] = list(spec["in"] or [])
    return out


def condition_holds(cond: Mapping, data: Any) -> bool:
    value = _get(data, cond["field"])
    if "equals" in cond:
        return value == cond["equals"]
    if "in" in cond:
        return value in cond["in"]
    return bool(value)


class _Builder:
    def __init__(self, schema, ui, *, data, raw, errors, prefilled, codes, extra_rows):
        self.root = schema
        self.ui = ui or {}
        self.fields_ui: Mapping = self.ui.get("fields") or {}
        self.data = data or {}
        self.raw = raw
        self.errors = {k: list(v) for k, v in (errors or {}).items()}
        self.prefilled = flat_prefill(prefilled)
        self.codes = codes or Codes(schema)
        self.extra_rows = extra_rows or {}
        self.nodes: dict[str, Node] = {}

    def node(self, key: str, schema: Mapping, path: str, *, required: bool, parent_schema: Mapping,
             parent_path: str) -> Node:
        schema = resolve(self.root, schema)
        ui = self.fields_ui.get(_ui_path(path)) or {}
        kind = kind_of(schema, ui)
        node = Node(
            path=path, key=key, label=str(schema.get("title") or key), kind=kind, schema=schema, required=required,
            help=str(ui.get("help") or schema.get("description") or ""), placeholder=str(ui.get("placeholder") or ""),
            widget=str(ui.get("widget") or ""),
            show_if=_condition(self.root, ui.get("show_if"), parent_schema, parent_path),
            errors=self.errors.pop(path, []),
        )
        self.nodes[path] = node
        value = _get(self.data, path)
        if kind == "group":
            value = value if isinstance(value, Mapping) else {}
            needed = required_keys(self.root, schema, value)
            node.children = [
                self.node(k, sub, _join(path, k), required=k in needed, parent_schema=schema, parent_path=path)
                for k, sub in (schema.get("properties") or {}).items()
            ]
            return node
        if kind == "repeat":
            return self.repeat(node, schema, path, value)
        self.leaf(node, schema, path, value, ui)
        return node

    def repeat(self, node: Node, schema: Mapping, path: str, value: Any) -> Node:
        items_schema = resolve(self.root, schema.get("items") or {})
        saved = [v for v in value if isinstance(v, Mapping)] if isinstance(value, list) else []
        node.max_items = schema.get("maxItems")
        node.min_items = schema.get("minItems") or 0
        node.item_label = str(items_schema.get("title") or node.label)
        count = len(saved)
        if self.raw is not None:  # a re-shown POST: as many rows as were typed in
            typed = {int(k.split(".")[len(path.split("."))]) for k in self.raw
                     if k.startswith(path + ".") and k.split(".")[len(path.split("."))].isdigit()}
            count = max([count, *(i + 1 for i in typed)])
        blanks = self.extra_rows.get(path, 1)
        if node.max_items is not None:
            blanks = max(0, min(blanks, node.max_items - count))
        for index in range(count + blanks):
            item_path = _join(path, str(index))
            item_value = saved[index] if index < len(saved) else {}
            needed = required_keys(self.root, items_schema, item_value)
            children = [
                self.node(k, sub, _join(item_path, k), required=k in needed, parent_schema=items_schema,
                          parent_path=item_path)
                for k, sub in (items_schema.get("properties") or {}).items()
            ]
            node.items.append(Item(index=index, path=item_path, number=index + 1, children=children,
                                   blank=index >= count))
        node.can_add = node.max_items is None or count + blanks < node.max_items
        return node

    def leaf(self, node: Node, schema: Mapping, path: str, value: Any, ui: Mapping) -> None:
        kind = node.kind
        filled = self.prefilled.get(_ui_path(path)) if path == _ui_path(path) else None
        if filled is not None and getattr(filled, "value", None) not in (None, ""):
            node.source = str(filled.source or "")
            if filled.verified:
                node.readonly = True
                value = filled.value
            elif value is None:
                value = filled.value
        node.value = value
        if self.raw is not None and path in self.raw and not node.readonly:
            node.raw = self.raw[path]
        else:
            node.raw = _format_input(kind, value)
        if kind == "boolean":
            node.choices = [(TRUE, _("Yes")), (FALSE, _("No"))]
        elif kind == "enum":
            labels = ui.get("choices") or {}
            if isinstance(labels, list):  # [[value, label], ...]
                labels = {str(v): lab for v, lab in labels}
            node.choices = [(str(v), str(labels.get(str(v), v))) for v in schema.get("enum") or ()]
        elif kind == "codelist":
            key = schema["x-codelist"]
            parent = schema.get("x-parent")
            if parent:
                node.parent_field = _join(path.rsplit(".", 1)[0], parent) if "." in path else parent
                parent_schema = resolve(self.root, self._sibling_schema(path, parent))
                parent_key = parent_schema.get("x-codelist", parent)
                names = {code: name for code, name, _p in self.codes.choices(parent_key)}
                grouped: dict[str, list[tuple[str, str, str]]] = {}
                for code, name, up in self.codes.choices(key):
                    grouped.setdefault(up or "", []).append((code, name, up or ""))
                node.groups = [(names.get(up, up), options) for up, options in grouped.items()]
            node.choices = [(code, name) for code, name, _p in self.codes.choices(key)]
        node.display = display_value(self.root, schema, value, self.codes, ui=ui) if value is not None else ""

    def _sibling_schema(self, path: str, key: str) -> Mapping:
        parts = path.split(".")[:-1]
        node: Mapping = self.root
        for part in parts:
            node = resolve(self.root, node)
            node = (node.get("items") or {}) if part.isdigit() else (node.get("properties") or {}).get(part, {})
        return (resolve(self.root, node).get("properties") or {}).get(key, {})


def build(schema: Mapping, ui: Mapping | None, *, data: Mapping | None = None, raw: Mapping | None = None,
          errors: Mapping | None = None, prefilled: Mapping | None = None, codes: Codes | None = None,
          extra_rows: Mapping | None = None, refill: set[str] | frozenset[str] = frozenset()) -> Declaration:
    """The page's tree: sections in the UI's order, each field with its value (``raw``: what was typed, to
    show again after a POST), prefilled value, read-only when verified, its errors and its condition.
    ``refill``: the answers some prefill depends on (a "fill in" button beside each, clicked by the script
    when the answer changes)."""
    builder = _Builder(schema, ui, data=data, raw=raw, errors=errors, prefilled=prefilled, codes=codes,
                       extra_rows=extra_rows)
    props = schema.get("properties") or {}
    needed = required_keys(schema, schema, data or {})
    made = {k: builder.node(k, sub, k, required=k in needed, parent_schema=schema, parent_path="")
            for k, sub in props.items()}
    sections, placed = [], set()
    for number, section in enumerate((ui or {}).get("sections") or (), start=1):
        nodes = [made[k] for k in section.get("fields") or () if k in made and k not in placed]
        placed.update(n.key for n in nodes)
        if nodes:
            title = str(section.get("title") or "")
            for node in nodes:
                node.hide_legend = node.kind == "group" and node.label.strip().lower() == title.strip().lower()
            sections.append(Section(title=title, nodes=nodes, id=f"s-{number}"))
    rest = [n for k, n in made.items() if k not in placed]
    if rest:
        sections.append(Section(title="" if sections else str(schema.get("title") or ""), nodes=rest,
                                id=f"s-{len(sections) + 1}"))
    nodes = builder.nodes
    for path in refill:
        if path in nodes:
            nodes[path].refill = True
    for node in nodes.values():
        if node.show_if:
            target = nodes.get(node.show_if["field"])
            node.show_if["label"] = target.label if target else node.show_if["field"]
            wanted = [node.show_if["equals"]] if "equals" in node.show_if else node.show_if.get("in", [])
            names = dict(target.choices) if target else {}
            node.show_if["values"] = [names.get(_format_input(target.kind if target else "", v), str(v)) for v in wanted]
            node.show_if["json"] = json.dumps({k: v for k, v in node.show_if.items() if k in ("field", "equals", "in")})
            node.show_if["holds"] = condition_holds(node.show_if, data or {})
    summary = []
    for node in nodes.values():
        for message in node.errors:
            summary.append((_anchor(node), node.label, message))
    for _path, messages in builder.errors.items():  # the whole form's, or a path no field shows
        for message in messages:
            summary.append(("", "", message))
    return Declaration(title=str(schema.get("title") or ""), description=str(schema.get("description") or ""),
                       sections=sections, summary=summary, nodes=nodes)


def _anchor(node: Node) -> str:
    if node.kind == "group" and node.children:
        return _anchor(node.children[0])
    if node.kind == "repeat":
        return node.id
    if node.is_choice and node.radios and not node.readonly:
        return f"{node.id}-0"
    return node.id


first_input = _anchor


def value_at(data: Any, path: str) -> Any:
    """The value at a field path of ``form_data`` (None when absent)."""
    return _get(data, path)


def with_value(data: dict, path: str, value: Any) -> dict:
    """A copy of ``data`` with ``value`` at ``path`` (objects on the way made as needed; not into arrays)."""
    import copy

    out = copy.deepcopy(data)
    node = out
    parts = path.split(".")
    for part in parts[:-1]:
        if not isinstance(node.get(part), dict):
            node[part] = {}
        node = node[part]
    node[parts[-1]] = value
    return out


def parent_path(path: str | None) -> str:
    """The id of the repeatable group an item path belongs to: ``members.2`` → ``f-members``."""
    return "f-" + str(path or "").rsplit(".", 1)[0].replace(".", "-") if path else ""


# --- parsing a POST ------------------------------------------------------------------------------------

_DMY = re.compile(r"^(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{4})$")


def _date(text: str) -> str:
    """An ISO date as typed, or a Vietnamese dd/mm/yyyy turned into one (the validator judges the rest)."""
    found = _DMY.match(text)
    if found:
        day, month, year = (int(g) for g in found.groups())
        try:
            return dt.date(year, month, day).isoformat()
        except ValueError:
            return text
    return text


def _money(text: str) -> int | None:
    cleaned = re.sub(r"(?i)\s|đồng|đ|vnd|\.|,", "", text)
    return int(cleaned) if cleaned.isdigit() else None


def parse(schema: Mapping, ui: Mapping | None, post: Mapping, *, prefilled: Mapping | None = None
          ) -> tuple[dict, dict[str, list[str]], dict[str, str]]:
    """A POST (flat names = field paths) → (``form_data``, errors of type per path, what was typed per path).

    Empty inputs are absent; a repeatable group keeps its non-empty rows, renumbered, without the one
    whose "remove" button was pressed; a section whose ``show_if`` does not hold is dropped; a verified
    prefilled value is the source's, whatever was posted."""
    removed = str(post.get(REMOVE) or "")
    errors: dict[str, list[str]] = {}
    raw: dict[str, str] = {}
    prefilled = flat_prefill(prefilled)

    def value_of(name: str) -> str:
        getter = getattr(post, "get", None)
        value = getter(name, "") if getter else ""
        return str(value if value is not None else "").strip()

    def walk_object(node: Mapping, source: str, target: str) -> dict:
        out: dict[str, Any] = {}
        for key, sub in (node.get("properties") or {}).items():
            got = walk(resolve(schema, sub), _join(source, key), _join(target, key))
            if got is not None:
                out[key] = got
        return out

    def walk(node: Mapping, source: str, target: str) -> Any:
        kind = kind_of(node, (ui or {}).get("fields", {}).get(_ui_path(target)) or {})
        if kind == "group":
            return walk_object(node, source, target) or None
        if kind == "repeat":
            item_schema = resolve(schema, node.get("items") or {})
            depth = len(source.split("."))
            indexes = sorted({int(k.split(".")[depth]) for k in _keys(post)
                              if k.startswith(source + ".") and len(k.split(".")) > depth
                              and k.split(".")[depth].isdigit()})
            items = []
            for index in indexes:
                item_source = _join(source, str(index))
                if item_source == removed:
                    continue
                prefix = _join(target, str(len(items)))
                item = walk_object(item_schema, item_source, prefix)
                if any(k.startswith(prefix + ".") for k in raw):
                    items.append(item)  # a row typed in, even if nothing of it is valid yet
            return items or None
        filled = prefilled.get(target)
        if filled is not None and getattr(filled, "verified", False) and filled.value not in (None, ""):
            return filled.value
        text = value_of(source)
        if not text:
            return None
        field_ui = (ui or {}).get("fields", {}).get(_ui_path(target)) or {}
        if not (kind == "boolean" and field_ui.get("widget") == "checkbox" and text == FALSE):
            raw[target] = text  # an unticked box's "false" is no typing (an empty row stays empty)
        if kind == "boolean":
            if text.lower() in (TRUE, "on", "1", "yes", "co", "có"):
                return True
            if text.lower() in (FALSE, "0", "no", "khong", "không"):
                return False
            errors[target] = [_("Choose yes or no.")]
            return None
        if kind == "integer":
            cleaned = text.replace(".", "").replace(" ", "") if re.fullmatch(r"-?\d{1,3}(\.\d{3})+", text) else text
            if re.fullmatch(r"-?\d+", cleaned):
                return int(cleaned)
            errors[target] = [_("Enter a whole number, for example 3.")]
            return None
        if kind == "number":
            try:
                return float(text.replace(",", "."))
            except ValueError:
                errors[target] = [_("Enter a number.")]
                return None
        if kind == "money":
            amount = _money(text)
            if amount is None:
                errors[target] = [_("Enter an amount in đồng, digits only, for example 1.500.000.")]
            return amount
        if kind == "date":
            return _date(text)
        return text

    data = walk_object(schema, "", "")
    data = drop_hidden(schema, ui, data)
    return data, errors, raw


def _keys(post: Mapping) -> list[str]:
    return list(post.keys())


def posted_rows(post: Mapping, path: str) -> int:
    """How many rows of the repeatable group ``path`` the page showed (typed in or blank)."""
    depth = len(path.split("."))
    return len({k.split(".")[depth] for k in _keys(post)
                if k.startswith(path + ".") and len(k.split(".")) > depth and k.split(".")[depth].isdigit()})


def drop_hidden(schema: Mapping, ui: Mapping | None, data: dict) -> dict:
    """``data`` without the answers of fields whose ``show_if`` does not hold (a section hidden by the
    applicant's own answer is not part of the declaration)."""
    fields_ui = (ui or {}).get("fields") or {}
    conditional = {path: spec["show_if"] for path, spec in fields_ui.items()
                   if isinstance(spec, Mapping) and spec.get("show_if")}
    if not conditional:
        return data

    def walk(node: Mapping, value: Any, path: str, root_value: dict) -> Any:
        node = resolve(schema, node)
        if isinstance(value, dict):
            out = {}
            for key, sub in (node.get("properties") or {}).items():
                if key not in value:
                    continue
                child_path = _join(path, key)
                spec = conditional.get(_ui_path(child_path))
                if spec:
                    cond = _condition(schema, spec, node, path)
                    if cond and not condition_holds(cond, root_value):
                        continue
                kept = walk(sub, value[key], child_path, root_value)
                if kept not in (None, {}, []):
                    out[key] = kept
            extra = {k: v for k, v in value.items() if k not in (node.get("properties") or {})}
            return {**out, **extra}
        if isinstance(value, list):
            items_schema = node.get("items") or {}
            return [walk(items_schema, v, _join(path, str(i)), root_value) for i, v in enumerate(value)]
        return value

    return walk(schema, data, "", data)


def without(data: dict, paths) -> dict:
    """``data`` without the scalar values at ``paths`` (the ones with errors: a draft keeps what is valid)."""
    import copy

    out = copy.deepcopy(data)
    for path in paths:
        parts = [p for p in path.split(".") if p]
        if not parts:
            continue
        parent = _get(out, ".".join(parts[:-1])) if len(parts) > 1 else out
        last = parts[-1]
        if isinstance(parent, dict) and last in parent and not isinstance(parent[last], (dict, list)):
            parent.pop(last)
        elif isinstance(parent, list) and last.isdigit() and int(last) < len(parent) and not isinstance(
                parent[int(last)], (dict, list)):
            parent.pop(int(last))
    return _prune_empty(out)


def _prune_empty(value: Any) -> Any:
    if isinstance(value, dict):
        cleaned = {k: _prune_empty(v) for k, v in value.items()}
        return {k: v for k, v in cleaned.items() if v not in ({}, None)}
    if isinstance(value, list):
        return [v for v in (_prune_empty(v) for v in value) if v not in ({}, None)]
    return value


def merge_errors(*sources: Mapping | None) -> dict[str, list[str]]:
    """Errors per path from several sources, a path's first source winning (a type error is not also
    reported as missing)."""
    out: dict[str, list[str]] = {}
    for source in sources:
        for path, messages in (source or {}).items():
            if path in out and path:
                continue
            out.setdefault(path, [])
            out[path].extend(m for m in (messages if isinstance(messages, (list, tuple)) else [messages])
                             if m not in out[path])
    return out


# --- showing the answers -------------------------------------------------------------------------------

def display_value(root: Mapping, schema: Mapping, value: Any, codes: Codes, *, ui: Mapping | None = None) -> str:
    """A value as a person reads it: a code list's name, dd/mm/yyyy, 1.500.000 đồng, Có/Không."""
    if value is None or value == "":
        return ""
    kind = kind_of(schema, ui)
    if kind == "boolean":
        return _("Yes") if value is True else _("No") if value is False else str(value)
    if kind == "money" and isinstance(value, (int, float)):
        return f"{money(int(value))} đồng"
    if kind == "date" and isinstance(value, str):
        try:
            return dt.date.fromisoformat(value).strftime("%d/%m/%Y")
        except ValueError:
            return value
    if kind == "codelist":
        return codes.name(schema["x-codelist"], value)
    if kind == "enum":
        labels = (ui or {}).get("choices") or {}
        if isinstance(labels, list):
            labels = {str(v): lab for v, lab in labels}
        return str(labels.get(str(value), value))
    return str(value)


@dataclass
class Row:
    """One answer shown: a leaf (``text``) or a group with its ``rows`` (an item of a repeatable group
    is a group labelled with its number)."""

    label: str
    text: str = ""
    rows: list[Row] = field(default_factory=list)
    path: str = ""
    long: bool = False


def _rows(root: Mapping, ui: Mapping, schema: Mapping, value: Any, path: str, codes: Codes) -> list[Row]:
    fields_ui = (ui or {}).get("fields") or {}
    rows = []
    for key, sub in (schema.get("properties") or {}).items():
        if not isinstance(value, Mapping) or value.get(key) in (None, "", [], {}):
            continue
        sub = resolve(root, sub)
        child_path = _join(path, key)
        sub_ui = fields_ui.get(_ui_path(child_path)) or {}
        kind = kind_of(sub, sub_ui)
        label = str(sub.get("title") or key)
        child = value[key]
        if kind == "group":
            inner = _rows(root, ui, sub, child, child_path, codes)
            if inner:
                rows.append(Row(label=label, rows=inner, path=child_path))
        elif kind == "repeat":
            items_schema = resolve(root, sub.get("items") or {})
            item_label = str(items_schema.get("title") or label)
            items = [Row(label=f"{item_label} {i}", rows=_rows(root, ui, items_schema, v, _join(child_path, str(i - 1)), codes),
                         path=_join(child_path, str(i - 1)))
                     for i, v in enumerate(child if isinstance(child, list) else [], start=1)]
            rows.append(Row(label=label, rows=items, path=child_path))
        else:
            rows.append(Row(label=label, text=display_value(root, sub, child, codes, ui=sub_ui), path=child_path,
                            long=kind == "textarea"))
    return rows


def answers(schema: Mapping, ui: Mapping | None, data: Mapping | None, *, codes: Codes | None = None
            ) -> list[dict]:
    """The declared answers as sections (``{"title", "rows"}``) in the UI's order: labels from the schema,
    names not codes; unanswered fields are left out."""
    codes = codes or Codes(schema)
    ui = ui or {}
    data = data or {}
    everything = _rows(schema, ui, schema, data, "", codes)
    by_key = {row.path: row for row in everything}
    sections, placed = [], set()
    for section in ui.get("sections") or ():
        rows = [by_key[k] for k in section.get("fields") or () if k in by_key and k not in placed]
        placed.update(r.path for r in rows)
        title = str(section.get("title") or "")
        if len(rows) == 1 and rows[0].rows and rows[0].label.strip().lower() == title.strip().lower():
            rows = rows[0].rows  # a group named as its section: its answers, said once
        if rows:
            sections.append({"title": title, "rows": rows})
    rest = [r for r in everything if r.path not in placed]
    if rest:
        sections.append({"title": "", "rows": rest})
    return sections


def _flat(root: Mapping, ui: Mapping, schema: Mapping, value: Any, path: str, labels: tuple, codes: Codes,
          out: dict) -> None:
    fields_ui = (ui or {}).get("fields") or {}
    if not isinstance(value, Mapping):
        return
    for key, sub in (schema.get("properties") or {}).items():
        if key not in value:
            continue
        sub = resolve(root, sub)
        child_path = _join(path, key)
        sub_ui = fields_ui.get(_ui_path(child_path)) or {}
        kind = kind_of(sub, sub_ui)
        label = (*labels, str(sub.get("title") or key))
        if kind == "group":
            _flat(root, ui, sub, value[key], child_path, label, codes, out)
        elif kind == "repeat":
            items_schema = resolve(root, sub.get("items") or {})
            item_label = str(items_schema.get("title") or label[-1])
            for i, item in enumerate(value[key] if isinstance(value[key], list) else []):
                _flat(root, ui, items_schema, item, _join(child_path, str(i)), (*labels, f"{item_label} {i + 1}"),
                      codes, out)
        else:
            out[child_path] = (" › ".join(label), display_value(root, sub, value[key], codes, ui=sub_ui))


def changes(schema: Mapping, ui: Mapping | None, before: Mapping | None, after: Mapping | None, *,
            codes: Codes | None = None) -> list[dict]:
    """What a supplement changed in the declaration: ``{"label", "before", "after"}`` per answer that
    differs, in the schema's order (answers added or removed included)."""
    codes = codes or Codes(schema)
    old: dict = {}
    new: dict = {}
    _flat(schema, ui or {}, schema, before or {}, "", (), codes, old)
    _flat(schema, ui or {}, schema, after or {}, "", (), codes, new)
    order = list(new) + [p for p in old if p not in new]
    rows = []
    for path in order:
        was, now = old.get(path, ("", "")), new.get(path, ("", ""))
        if was[1] != now[1]:
            rows.append({"path": path, "label": now[0] or was[0], "before": was[1], "after": now[1]})
    return rows


def free_text(form_data: Mapping | None) -> str:
    """The request of a procedure without a declaration (older demo dossiers call it ``request``)."""
    data = form_data or {}
    return str(data.get("request_details") or data.get("request") or "")


def for_dossier(dossier, events=()) -> dict:
    """What a dossier's pages show of its request: the declaration as sections (``sections``, its
    ``title``), or the free text of a procedure without one (``request_text``), and what the latest
    supplement changed in it (``changes``: from the supplement event's ``form_data_before``)."""
    version = dossier.version
    if not has_declaration(version):
        return {"sections": [], "title": "", "request_text": free_text(dossier.form_data), "changes": []}
    schema, ui = version.form_schema, version.form_ui or {}
    codes = Codes(schema)
    changed: list[dict] = []
    revised = [e for e in events if e.action == "supplement" and isinstance((e.data or {}).get("form_data_before"), dict)]
    if revised:
        latest = revised[-1]
        after = latest.data.get("form_data_after")
        changed = changes(schema, ui, latest.data["form_data_before"],
                          after if isinstance(after, dict) else dossier.form_data, codes=codes)
        for row in changed:
            row["at"] = latest.at
    return {"sections": answers(schema, ui, dossier.form_data, codes=codes), "title": str(schema.get("title") or ""),
            "request_text": "", "changes": changed}
