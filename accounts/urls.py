"""Account pages: registration, login, logout, password reset, profile."""

from django.contrib.auth import views as auth_views
from django.urls import path

app_name = "accounts"

urlpatterns = [
    path("dang-nhap/", auth_views.LoginView.as_view(template_name="accounts/login.html"), name="login"),
    path("dang-xuat/", auth_views.LogoutView.as_view(), name="logout"),
    path("dang-ky/", auth_views.LoginView.as_view(template_name="accounts/login.html"), name="register"),
    path("ho-so-ca-nhan/", auth_views.LoginView.as_view(template_name="accounts/login.html"), name="profile"),
]
