"""Routes of the 766 index pages: the leaders' dashboard at /chi-so-766/, the public page at
/cong-khai/chi-so-766/ (mounted in dvc_portal.urls)."""

from django.urls import path

from . import index_views

urlpatterns = [
    path("chi-so-766/", index_views.dashboard, name="index766-dashboard"),
    path("chi-so-766/tinh-lai/", index_views.refresh, name="index766-refresh"),
    path("chi-so-766/chi-tiet/", index_views.drilldown, name="index766-drilldown"),
    path("cong-khai/chi-so-766/", index_views.public, name="index766-public"),
]
