"""Routes of the public dossier lookup by code, mounted at /tra-cuu/ (no namespace)."""

from django.urls import path

from . import citizen

urlpatterns = [
    path("", citizen.lookup, name="lookup"),
    path("<str:code>/", citizen.lookup_code, name="lookup-code"),
]
