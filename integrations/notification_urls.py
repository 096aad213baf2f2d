"""Routes of the citizen's notifications page, mounted at /thong-bao/."""

from django.urls import path

from . import notification_views

urlpatterns = [
    path("", notification_views.notifications, name="notifications"),
]
