"""Routes of the sync desk, mounted at /dong-bo/: a tab per direction (vao, ra, danh-muc) and its buttons."""

from django.urls import path

from . import desk_views

urlpatterns = [
    path("", desk_views.desk_page, name="sync-desk"),
    path("danh-muc/dong-bo-ngay/", desk_views.catalog_now, name="sync-desk-catalog"),
    path("ra/<int:dossier_id>/gui-lai/", desk_views.resend, name="sync-desk-resend"),
    path("vao/<int:inbound_id>/xu-ly-lai/", desk_views.reprocess, name="sync-desk-reprocess"),
    path("<slug:direction>/", desk_views.desk_page, name="sync-desk-direction"),
]
