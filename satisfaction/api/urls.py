"""Routes of the 766 index in the API."""

from django.urls import path

from . import views

urlpatterns = [
    path("index766/", views.IndexView.as_view(), name="index766-api"),
    path("index766/refresh/", views.IndexRefreshView.as_view(), name="index766-api-refresh"),
]
