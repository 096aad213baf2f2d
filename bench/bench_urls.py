"""The portal's URLs plus a bare view, to compare the public lookup with Django doing almost nothing."""

from django.http import HttpResponse
from django.urls import path

from dvc_portal.urls import urlpatterns as portal


def bare(request):
    return HttpResponse("ok", content_type="text/plain")


urlpatterns = [path("bench/bare/", bare), *portal]
