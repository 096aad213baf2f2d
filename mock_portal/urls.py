"""Routes of the mock national portal (its own process: mock_portal.settings)."""

from django.urls import include, path
from oauth2_provider import urls as oauth2_urls

from . import online, views

# The mock VNeID: django-oauth-toolkit's OAuth 2.0 and OpenID Connect endpoints under vneid/, so its issuer
# (derived from where the discovery document is, when MOCK_VNEID_ISSUER is empty) is <base>/vneid and the
# document is at <base>/vneid/.well-known/openid-configuration. Its client-management pages are left out:
# the portal's client is registered by `manage.py vneid_client`.
vneid_patterns = [*oauth2_urls.base_urlpatterns, *oauth2_urls.oidc_urlpatterns]

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
    path("api/CSDLDanCu/CongDan", views.population_citizen, name="population-citizen"),
    path("sms/send", views.sms, name="sms"),
    path("zalo/send", views.zalo, name="zalo"),
    path("messages", views.messages, name="messages"),
    path("payment/init", views.payment_init, name="payment-init"),
    path("payment/pay/<str:token>", views.payment_page, name="payment-page"),
    path("vneid/dang-nhap/", views.vneid_login, name="vneid-login"),
    # Filing online through the national portal, and forwarding to the province.
    path("dvc/", online.dvc_procedures, name="dvc-procedures"),
    path("dvc/nop/<str:code>/", online.dvc_submit, name="dvc-submit"),
    path("dvc/ho-so/", online.dvc_dossiers, name="dvc-dossiers"),
    path("dvc/ho-so/<str:code>/", online.dvc_dossier, name="dvc-dossier"),
    path("api/NopHoSo", online.submit, name="submit"),
    path("api/TepHoSo/<int:file_id>/<str:token>", online.document_file, name="national-file"),
    path("api/LayDanhSachHoSoMoi", online.collect, name="collect"),
    path("api/XacNhanHoSo", online.acknowledge, name="acknowledge"),
    path("_push/", online.push_control, name="push-control"),
    path("vneid/", include((vneid_patterns, "oauth2_provider"))),
]
