"""Routes of the public lookup by dossier code (filled by the citizen pages)."""

urlpatterns = []
