"""The portal's URLs: public pages, accounts, the API and its documentation, the admin."""

from django.contrib import admin
from django.urls import include, path
from django.utils.translation import gettext_lazy as _
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from .health import healthz

admin.site.site_header = _("DVC Portal administration")
admin.site.site_title = _("DVC Portal administration")
admin.site.index_title = _("Configuration")

urlpatterns = [
    path("healthz/", healthz, name="healthz"),
    path("", include("procedures.urls")),
    path("tai-khoan/", include("accounts.urls")),
    path("ho-so/", include("cases.urls")),
    path("ho-so/", include("integrations.payment_urls")),
    path("tra-cuu/", include("cases.views.lookup_urls")),
    path("thong-bao/", include("integrations.notification_urls")),
    path("dong-bo/", include("integrations.desk_urls")),
    path("", include("satisfaction.urls")),
    path("", include("satisfaction.index_urls")),
    path("", include("digitization.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("quan-tri/", admin.site.urls),
    path("api/v1/", include("dvc_portal.api_urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="api-docs"),
]
# No route serves the media folder, in any mode: every file goes out through a view that checks who asks.
