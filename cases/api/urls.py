"""Dossier routes of the API."""

from django.urls import path, re_path

from ..actions import TAKEN
from . import views

urlpatterns = [
    path("dossiers/", views.DossierListCreateView.as_view(), name="api-dossiers"),
    path("dossiers/intake/", views.IntakeView.as_view(), name="api-dossier-intake"),
    path("dossiers/<int:pk>/", views.DossierDetailView.as_view(), name="api-dossier"),
    path("dossiers/<int:pk>/events/", views.DossierEventsView.as_view(), name="api-dossier-events"),
    path("dossiers/<int:pk>/submit/", views.DossierSubmitView.as_view(), name="api-dossier-submit"),
    # The Circular 01/2018/TT-VPCP forms by their numbers (06, the tracking book, is an agency's: 404 with why),
    # and the stop notice, a notice of its own outside that numbering.
    re_path(r"^dossiers/(?P<pk>\d+)/forms/(?P<form>0[1-6])\.pdf$", views.DossierFormView.as_view(), name="api-dossier-form"),
    path("dossiers/<int:pk>/forms/stop-notice.pdf", views.DossierStopNoticeView.as_view(), name="api-dossier-stop-notice"),
    path("dossiers/<int:pk>/declaration.pdf", views.DossierDeclarationView.as_view(), name="api-dossier-declaration"),
    *[
        path(f"dossiers/<int:pk>/{action.slug}/", views.action_view(action).as_view(), name=f"api-dossier-{action.slug}")
        for action in TAKEN.values()
    ],
    path("public/dossiers/<str:code>/", views.PublicDossierView.as_view(), name="api-public-dossier"),
]
