"""Dossier pages: the citizen's side, the officials' workspace, the public lookup; the declaration preview of the
version admin (a declaration is rendered by this app)."""

from django.urls import include, path

from .views.declaration_preview import declaration_preview

app_name = "cases"

urlpatterns = [
    path("", include("cases.views.citizen_urls")),
    path("can-bo/", include("cases.views.staff_urls")),
    path("quan-tri/to-khai/xem-truoc/", declaration_preview, name="declaration-preview"),
]
