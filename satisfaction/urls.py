"""Routes of satisfaction: ratings under /danh-gia/, feedback (phản ánh, kiến nghị) under /phan-anh-kien-nghi/,
the officials' accountability report under /bao-cao/."""

from django.urls import path

from . import accountability_views, feedback_views, views

app_name = "satisfaction"
urlpatterns = [
    path("danh-gia/ho-so/<int:pk>/", views.rate, name="rate"),
    path("danh-gia/xu-ly/<int:pk>/dong/", views.follow_up_close, name="follow-up-close"),
    path("bao-cao/trach-nhiem/", accountability_views.accountability, name="accountability"),
    path("phan-anh-kien-nghi/gui/", feedback_views.feedback_new, name="feedback-new"),
    path("phan-anh-kien-nghi/tra-cuu/", feedback_views.feedback_lookup, name="feedback-lookup"),
    path("phan-anh-kien-nghi/cua-toi/", feedback_views.my_feedback, name="feedback-mine"),
    path("phan-anh-kien-nghi/hoi-dap/", feedback_views.feedback_qa, name="feedback-qa"),
    path("phan-anh-kien-nghi/xu-ly/", feedback_views.feedback_workspace, name="feedback-workspace"),
    path("phan-anh-kien-nghi/xu-ly/<str:code>/", feedback_views.feedback_staff, name="feedback-staff"),
    path("phan-anh-kien-nghi/xu-ly/<str:code>/<slug:action>/", feedback_views.feedback_staff_act, name="feedback-act"),
    path("phan-anh-kien-nghi/<str:code>/da-gui/", feedback_views.feedback_sent, name="feedback-sent"),
    path("phan-anh-kien-nghi/<str:code>/bo-sung/", feedback_views.feedback_provide_info, name="feedback-provide-info"),
    path("phan-anh-kien-nghi/<str:code>/danh-gia/", feedback_views.feedback_rate, name="feedback-rate"),
    path("phan-anh-kien-nghi/<str:code>/", feedback_views.feedback_detail, name="feedback-detail"),
]
