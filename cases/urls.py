"""Dossier pages: the citizen's side, the officials' workspace, the public lookup."""

from django.urls import include, path

app_name = "cases"

urlpatterns = [
    path("", include("cases.views.citizen_urls")),
    path("can-bo/", include("cases.views.staff_urls")),
]
