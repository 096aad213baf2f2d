"""Public catalog pages."""

from django.urls import path

from .views import public

urlpatterns = [
    path("", public.home, name="home"),
    path("thu-tuc/", public.procedure_list, name="procedure-list"),
    path("thu-tuc/<str:code>/", public.procedure_detail, name="procedure-detail"),
    path("co-quan/", public.agency_list, name="agency-list"),
]
