"""Model fields of the project's own."""

import json

from django.db import models


class OrderedJSONField(models.JSONField):
    """A JSONField that keeps its object keys in the order they were written: on PostgreSQL it is stored as
    text (``jsonb`` reorders keys, shortest first; ``json`` has no equality, which ``DISTINCT`` over the row
    needs). For documents whose key order means something, such as a declaration's JSON Schema, whose
    ``properties`` are its fields in order; not for values queried by key. Other databases store text too."""

    def db_type(self, connection):
        if connection.vendor == "postgresql":
            return "text"
        return super().db_type(connection)

    def get_db_prep_value(self, value, connection, prepared=False):
        # Django adapts JSON values as jsonb (a cast that would reorder the keys): give PostgreSQL the text.
        if connection.vendor == "postgresql" and value is not None and not hasattr(value, "resolve_expression"):
            return json.dumps(value, cls=self.encoder, ensure_ascii=False)
        return super().get_db_prep_value(value, connection, prepared)
