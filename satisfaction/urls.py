"""Routes of satisfaction, mounted at /danh-gia/."""

from django.urls import path

from . import views

app_name = "satisfaction"
urlpatterns = [
    path("ho-so/<int:pk>/", views.rate, name="rate"),
    path("xu-ly/<int:pk>/dong/", views.follow_up_close, name="follow-up-close"),
]
