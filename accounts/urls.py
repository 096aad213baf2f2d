"""Account pages: registration, login, logout, passwords, profile."""

from django.urls import path

from .views import auth, contact, profile, registration, vneid

app_name = "accounts"

urlpatterns = [
    path("dang-nhap/", auth.LoginView.as_view(), name="login"),
    path("dang-xuat/", vneid.LogoutView.as_view(), name="logout"),
    path("vneid/", vneid.start, name="vneid"),
    path("vneid/xac-thuc/", vneid.callback, name="vneid-callback"),
    path("vneid/lien-ket/", vneid.link, name="vneid-link"),
    path("dang-ky/", registration.register, name="register"),
    path("dang-ky/doanh-nghiep/", registration.register_business, name="register_business"),
    path("ho-so-ca-nhan/", profile.profile, name="profile"),
    path("lien-he/", contact.contact, name="contact"),
    path("lien-he/xac-nhan-so-dien-thoai/", contact.phone_confirm, name="phone-confirm"),
    path("doi-mat-khau/", auth.PasswordChangeView.as_view(), name="password_change"),
    path("quen-mat-khau/", auth.PasswordResetView.as_view(), name="password_reset"),
    path("quen-mat-khau/da-gui/", auth.PasswordResetDoneView.as_view(), name="password_reset_done"),
    path(
        "dat-lai-mat-khau/<uidb64>/<token>/", auth.PasswordResetConfirmView.as_view(), name="password_reset_confirm"
    ),
    path("dat-lai-mat-khau/hoan-tat/", auth.PasswordResetCompleteView.as_view(), name="password_reset_complete"),
]
