"""What digitization does when a dossier event is appended (registered on ``cases.extensions``)."""

from django.urls import reverse

from cases.models import DossierEvent

from . import selectors, services
from .models import DocumentAccess

# Actions that hand the agency files to digitize: a submission, a walk-in intake, a supplement.
FILES_SENT = frozenset({"submit", "intake", "supplement"})


def on_dossier_event(*, event: DossierEvent) -> None:
    """In the action's transaction: queue the new files' digitization and log the stored documents the
    dossier reused; on approval, queue the signed electronic result."""
    dossier = event.dossier
    if event.action in FILES_SENT:
        # At the counter the clerk scanned the paper: the clerk digitized it, not the applicant.
        services.components_enqueue(dossier=dossier, actor=event.actor if event.action == "intake" else None)
        if event.action != "intake":
            services.reuses_record(dossier=dossier, actor=event.actor)
    elif event.action == "approve":
        services.result_enqueue(dossier=dossier, actor=event.actor, number_symbol=event.reason)


def staff_dossier_context(*, dossier, user) -> dict:
    """The official's dossier page: its digitizations, each with its review form when it can be reviewed."""
    from .forms import staff_section

    return {"digitized": staff_section(dossier)}


def citizen_dossier_context(*, dossier, user) -> dict:
    """The applicant's dossier page: the signed electronic result, if its owner may see it now."""
    result = selectors.dossier_result(dossier)
    return {"result": selectors.store_document(user, result.pk) if result is not None else None}


def workspace_context(*, user) -> dict:
    """The official's queues: the alert for failed digitizations of their agencies' dossiers."""
    failed_count, failed = selectors.failed_for_staff(user)
    return {"failed_count": failed_count, "failed": failed}


def draft_documents_context(*, dossier, requirements, user) -> dict:
    """A draft's documents step: for each required document with a type, the applicant's stored document
    that can stand in for it (``reuse_offers``), and where its "use this document" button posts."""
    return {
        "reuse_offers": selectors.reuse_offers(dossier, requirements),
        "reuse_url": reverse("digitization:reuse", args=[dossier.pk]),
    }


def document_opened(*, document, user, dossier) -> None:
    """A file the dossier reused from the owner's store: the store records who opened it."""
    if document.reused_from_id:
        services.access_record(document=document.reused_from, user=user, action=DocumentAccess.Action.DOWNLOAD,
                               dossier_code=dossier.code or "")
