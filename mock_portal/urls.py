"""Routes of the mock national portal (its own process: mock_portal.settings)."""

from django.urls import path

from . import views

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz/", views.healthz, name="healthz"),
    path("_faults/", views.faults, name="faults"),
    path("api/DongBoHoSoMC", views.sync, name="sync"),
    path("api/CapNhatTienDoHoSoMC", views.progress, name="progress"),
    path("api/DanhGiaHoSo", views.rating, name="rating"),
    path("api/TraCuuHoSo", views.lookup, name="lookup"),
    path("api/LayDanhSachTTHC", views.catalog, name="catalog"),
    path("api/LayThuTuc", views.procedure, name="procedure"),
    path("sms/send", views.sms, name="sms"),
    path("zalo/send", views.zalo, name="zalo"),
    path("messages", views.messages, name="messages"),
    path("payment/init", views.payment_init, name="payment-init"),
    path("payment/pay/<str:token>", views.payment_page, name="payment-page"),
]
