"""The dossier's extension points: where the apps above ``cases`` (digitization, integrations, satisfaction)
take part in a dossier's life and pages without ``cases`` importing them (ADR 0025, ``core.hooks``).

Each higher app registers its handlers in its ``AppConfig.ready()``; handlers run in ``INSTALLED_APPS``
order. ``python manage.py shell -c "from cases import extensions; print(extensions.ALL)"`` lists who
listens where.
"""

from typing import Any

from core.hooks import Hook

# Inside the action's transaction, right after the event is appended: a consumer writes what the event owes
# (outbox deliveries, digitization jobs) in that same transaction, so the action and its consequences
# commit together or not at all. Called as ``event_appended(event=...)``; the event's dossier is locked.
event_appended: Hook[..., None] = Hook(
    "event_appended", "A dossier event was appended (in the action's transaction): event=DossierEvent."
)

# A dossier's record changed without an action of its own (a digitization settled, say): whoever keeps a
# copy of the record elsewhere sends it again. Called as ``records_changed(dossier=..., why=...)``.
records_changed: Hook[..., None] = Hook(
    "records_changed", "A dossier's record changed without an action: dossier=Dossier, why=str."
)

# A dossier's file was opened by someone (``document_opened(document=..., user=..., dossier=...)``): the data
# store records who opened a document it lent to the dossier.
document_opened: Hook[..., None] = Hook(
    "document_opened", "A dossier's file was opened: document=DossierDocument, user=User, dossier=Dossier."
)

# Pages: each handler returns a dict of template variables for its own panel of the page (one key per panel,
# named in the template), or an empty dict when it has nothing to show.
staff_dossier_context: Hook[..., dict[str, Any]] = Hook(
    "staff_dossier_context", "Panels of an official's dossier page: dossier=Dossier, user=User -> dict."
)
citizen_dossier_context: Hook[..., dict[str, Any]] = Hook(
    "citizen_dossier_context", "Panels of the applicant's dossier page: dossier=Dossier, user=User -> dict."
)
workspace_context: Hook[..., dict[str, Any]] = Hook(
    "workspace_context", "Panels of an official's workspace (the queues): user=User -> dict."
)
draft_documents_context: Hook[..., dict[str, Any]] = Hook(
    "draft_documents_context",
    "Panels of a draft's documents step: dossier=Dossier, requirements=list, user=User -> dict.",
)

ALL = (event_appended, records_changed, document_opened, staff_dossier_context, citizen_dossier_context,
       workspace_context, draft_documents_context)
