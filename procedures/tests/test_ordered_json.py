"""OrderedJSONField keeps an object's keys in the order written (PostgreSQL's jsonb would sort them)."""

import pytest

from procedures.tests.factories import ProcedureFactory

pytestmark = pytest.mark.django_db


def test_a_declarations_fields_keep_their_order():
    procedure = ProcedureFactory()
    version = procedure.current_version
    schema = {"type": "object", "properties": {"full_name": {}, "relationship": {}, "disabled": {}, "a": {}}}
    type(version).objects.filter(pk=version.pk).update(form_schema=schema)
    version.refresh_from_db()
    # jsonb would give a, disabled, full_name, relationship (shortest key first).
    assert list(version.form_schema["properties"]) == ["full_name", "relationship", "disabled", "a"]
