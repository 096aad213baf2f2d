"""Version 1 of the API: each app adds its routes here."""

from django.urls import include, path

urlpatterns = [
    path("auth/", include("accounts.api.urls")),
    path("", include("procedures.api.urls")),
    path("", include("cases.api.urls")),
    path("", include("digitization.api.urls")),
    path("", include("integrations.urls")),
    path("", include("satisfaction.api.urls")),
]
