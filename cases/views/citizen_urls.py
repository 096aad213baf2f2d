"""Routes of the citizen's pages, mounted at /ho-so/ in the "cases" namespace."""

from django.urls import path

from . import citizen

urlpatterns = [
    path("", citizen.my_dossiers, name="my-dossiers"),
    path("nop/<str:code>/", citizen.submit_start, name="submit"),
    path("<int:pk>/sua/", citizen.draft_applicant, name="draft"),
    path("<int:pk>/sua/noi-dung/", citizen.draft_details, name="draft-details"),
    path("<int:pk>/sua/giay-to/", citizen.draft_documents, name="draft-documents"),
    path("<int:pk>/sua/kiem-tra/", citizen.draft_review, name="draft-review"),
    path("<int:pk>/da-nop/", citizen.receipt, name="receipt"),
    path("<int:pk>/", citizen.dossier_page, name="dossier"),
    path("<int:pk>/tai-lieu/<int:document_pk>/", citizen.document, name="document"),
    path("<int:pk>/bo-sung/", citizen.supplement, name="supplement"),
    path("<int:pk>/bo-sung/to-khai/", citizen.supplement_declaration, name="supplement-declaration"),
    path("<int:pk>/rut/", citizen.withdraw, name="withdraw"),
]
