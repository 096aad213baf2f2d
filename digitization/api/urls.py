"""Data-store routes of the API, and a dossier's documents (an upload or a stored document reused)."""

from django.urls import path

from . import views

urlpatterns = [
    path("dossiers/<int:pk>/documents/", views.DossierDocumentsView.as_view(), name="api-dossier-documents"),
    path("me/documents/", views.MyDocumentsView.as_view(), name="api-my-documents"),
    path("me/documents/<int:pk>/", views.MyDocumentView.as_view(), name="api-my-document"),
    path("me/documents/<int:pk>/file/", views.MyDocumentFileView.as_view(), name="api-my-document-file"),
    path("public/results/verify/", views.PublicVerifyFileView.as_view(), name="api-verify-file"),
    path("public/results/<str:code>/", views.PublicResultView.as_view(), name="api-public-result"),
]
