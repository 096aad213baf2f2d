"""The owner's data store and its reuse in a dossier, the public verification of results, the officials'
digitization actions."""

from django.urls import path

from . import views

app_name = "digitization"

urlpatterns = [
    path("kho-du-lieu/", views.store, name="store"),
    path("kho-du-lieu/<int:pk>/", views.store_document, name="store-document"),
    path("kho-du-lieu/<int:pk>/tep/", views.store_download, name="store-download"),
    path("kho-du-lieu/tai-su-dung/<int:pk>/", views.dossier_reuse, name="reuse"),
    path("xac-minh/", views.verify, name="verify"),
    path("xac-minh/<str:code>/", views.verify_code, name="verify-code"),
    path("ho-so/can-bo/<int:pk>/so-hoa/<int:document_pk>/tep/", views.staff_download, name="staff-download"),
    path("ho-so/can-bo/<int:pk>/so-hoa/<int:document_pk>/kiem-tra/", views.staff_review, name="staff-review"),
    path("ho-so/can-bo/<int:pk>/so-hoa/<int:document_pk>/thu-lai/", views.staff_retry, name="staff-retry"),
]
