"""Migration operations of the project's own, for the migrations of every app (so below them all)."""

from django.db.migrations.operations import AddIndex


class AddIndexConcurrently(AddIndex):
    """``AddIndex`` that PostgreSQL builds without blocking writes (``CREATE INDEX CONCURRENTLY``): on a
    province's outbox of millions of rows a plain build holds every dossier action for tens of seconds.
    Other databases get a plain ``AddIndex``. The migration must say ``atomic = False``.

    (``django.contrib.postgres.operations.AddIndexConcurrently`` is PostgreSQL-only; the embedded default
    runs on SQLite.)"""

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        model = to_state.apps.get_model(app_label, self.model_name)
        if schema_editor.connection.vendor != "postgresql":
            return super().database_forwards(app_label, schema_editor, from_state, to_state)
        if self.allow_migrate_model(schema_editor.connection.alias, model):
            schema_editor.add_index(model, self.index, concurrently=True)

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        model = from_state.apps.get_model(app_label, self.model_name)
        if schema_editor.connection.vendor != "postgresql":
            return super().database_backwards(app_label, schema_editor, from_state, to_state)
        if self.allow_migrate_model(schema_editor.connection.alias, model):
            schema_editor.remove_index(model, self.index, concurrently=True)

    def describe(self):
        return super().describe() + " (concurrently on PostgreSQL)"
