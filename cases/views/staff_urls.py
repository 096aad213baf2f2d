"""Routes of the officials' pages, mounted at /ho-so/can-bo/ in the "cases" namespace."""

from django.urls import path

from . import book, staff

urlpatterns = [
    path("", staff.workspace, name="workspace"),
    path("tiep-nhan/", staff.intake, name="intake"),
    path("so-theo-doi/", book.tracking_book, name="tracking-book"),
    path("<int:pk>/", staff.dossier_page, name="staff-dossier"),
    path("<int:pk>/thao-tac/<slug:action>/", staff.dossier_act, name="staff-act"),
    path("<int:pk>/tai-lieu/<int:document_pk>/", staff.document, name="staff-document"),
]
