"""API routes of the integrations, mounted under /api/v1/: the payment gateway's callback, the dossiers the national portal forwards."""

from django.urls import path

from . import views

urlpatterns = [
    path("payments/callback/", views.PaymentCallbackView.as_view(), name="api-payment-callback"),
    path("national/dossiers/", views.NationalDossierView.as_view(), name="api-national-dossiers"),
]
