"""Routes of the applicant's online payment pages, mounted at /ho-so/ (beside the dossier pages) in the
"payments" namespace."""

from django.urls import path

from . import payment_views

app_name = "payments"

urlpatterns = [
    path("<int:pk>/thanh-toan/", payment_views.pay, name="pay"),
    path("thanh-toan/ket-qua/", payment_views.payment_return, name="return"),
    path("<int:pk>/bien-lai/<str:reference>/", payment_views.payment_receipt, name="receipt"),
]
