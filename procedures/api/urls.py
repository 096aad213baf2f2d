"""Catalog routes of the API."""

from rest_framework.routers import SimpleRouter

from .views import ProcedureViewSet

router = SimpleRouter()
router.register("procedures", ProcedureViewSet, basename="api-procedure")

urlpatterns = router.urls
