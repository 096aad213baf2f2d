"""Catalog routes of the API."""

from django.urls import path
from rest_framework.routers import SimpleRouter

from .deadline import AgencyDeadlineView
from .views import ProcedureViewSet

router = SimpleRouter()
router.register("procedures", ProcedureViewSet, basename="api-procedure")

urlpatterns = router.urls
urlpatterns += [
    path("agencies/<str:code>/deadline/", AgencyDeadlineView.as_view(), name="api-agency-deadline"),
]
