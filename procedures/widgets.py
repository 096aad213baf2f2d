"""A JSON document edited as text in the admin: pretty-printed in the order it was written, its syntax checked as
the administrator types (static/js/json_editor.js), a button that lays it out again."""

from __future__ import annotations

import json

from django import forms
from django.utils.translation import gettext as _


class TypedJSON(str):
    """The text an administrator typed, shown again as typed (not laid out again) when the form comes back."""


class OrderedJSONFormField(forms.JSONField):
    """The form field of an ``OrderedJSONField``: shown with an indent of 2 and its characters as they are (no
    ``\\u`` escapes); an empty text is ``{}``; a change of key order is a change (the order of a schema's
    ``properties`` is the order of the form's fields)."""

    def to_python(self, value):
        value = super().to_python(value)
        return {} if value is None else value

    def bound_data(self, data, initial):
        if self.disabled:
            return initial
        return TypedJSON("" if data is None else data)

    def prepare_value(self, value):
        if isinstance(value, (TypedJSON, forms.fields.InvalidJSONInput)):
            return value
        return json.dumps(value, ensure_ascii=False, indent=2, cls=self.encoder)

    def has_changed(self, initial, data):
        if self.disabled:
            return False
        try:
            typed = self.to_python(data)
        except forms.ValidationError:
            return True
        return json.dumps(initial, cls=self.encoder) != json.dumps(typed, cls=self.encoder)


def editor_messages() -> dict[str, str]:
    """What the editor's script says, in the user's language (``%(name)s`` is filled in by the script)."""
    return {
        "at": _("Line %(line)s, column %(column)s: %(reason)s"),
        "end": _("the text ends too early: a closing brace, bracket or quote is missing"),
        "value": _("a value is expected here: a text in double quotes, a number, true, false, null, {…} or […]"),
        "key": _("a key in double quotes is expected here"),
        "colon": _("a colon (:) is expected after the key"),
        "object": _("a comma (,) or a closing brace (}) is expected here"),
        "array": _("a comma (,) or a closing bracket (]) is expected here"),
        "trailing": _("a comma cannot come just before a closing brace or bracket"),
        "string": _("this text is not closed: a double quote (\") is missing"),
        "control": _("a line break or a tab inside a text must be written \\n or \\t"),
        "escape": _("this backslash (\\) does not start a valid escape"),
        "number": _("this number is not written as JSON writes numbers"),
        "quote": _("texts and keys are written in double quotes (\"), not single quotes"),
        "comment": _("JSON allows no comments"),
        "word": _("unknown word “%(word)s”: JSON knows only true, false and null"),
        "extra": _("something follows the end of the document"),
        "duplicate": _("Line %(line)s: the key “%(key)s” appears twice in the same object; only the last one is kept."),
        "valid": _("Valid JSON"),
        "go": _("Go to the error"),
    }


class JSONEditor(forms.Textarea):
    """A monospace text area for a JSON document with line numbers, its syntax error under it (in the user's
    language, with line and column) and a "Reformat" button; a plain text area without JavaScript."""

    template_name = "procedures/widgets/json_editor.html"

    class Media:
        css = {"all": ["css/declaration_admin.css"]}
        js = ["js/json_editor.js"]

    def __init__(self, attrs=None):
        defaults = {"rows": 24, "cols": 80, "class": "json-editor-input", "spellcheck": "false", "wrap": "off",
                    "autocomplete": "off", "autocapitalize": "off", "data-json-editor-input": ""}
        super().__init__({**defaults, **(attrs or {})})

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        widget = context["widget"]
        error_id = f"{widget['attrs'].get('id') or name}_json"
        described = widget["attrs"].get("aria-describedby", "")
        widget["attrs"]["aria-describedby"] = f"{described} {error_id}".strip()
        widget["error_id"] = error_id
        widget["messages"] = json.dumps(editor_messages(), ensure_ascii=False)
        return context
