"""The staff roles' permission groups: one group per role, kept in step with the code after migrate."""

from procedures.models import StaffRole

_CATALOG_MODELS = [
    "agency", "field", "implementationlevel", "procedure", "procedureversion", "requireddocument", "fee",
    "legaldocument", "resultdocument", "workflowstep", "calendarexception",
]

# app_label.codename for each role. Later issues add their apps' permissions here.
ROLE_PERMISSIONS: dict[str, set[str]] = {
    StaffRole.RECEPTION_CLERK: {f"procedures.view_{m}" for m in _CATALOG_MODELS},
    StaffRole.SPECIALIST: {f"procedures.view_{m}" for m in _CATALOG_MODELS},
    StaffRole.LEADER: {f"procedures.view_{m}" for m in _CATALOG_MODELS},
    StaffRole.ADMINISTRATOR: {
        f"procedures.{action}_{m}" for m in _CATALOG_MODELS for action in ("add", "change", "delete", "view")
    }
    | {
        f"accounts.{action}_{m}"
        for m in ("user", "citizenprofile", "business", "businessmembership", "staffmembership")
        for action in ("add", "change", "view")
    }
    # Ending a membership is a delete (through staff_membership_remove / business_membership_remove).
    | {"accounts.delete_staffmembership", "accounts.delete_businessmembership"}
    | {"axes.view_accessattempt", "axes.delete_accessattempt", "axes.view_accesslog"}
    # The data store's configuration; digitized documents are read-only there (services do the writes).
    | {f"digitization.{action}_{m}" for m in ("documenttype", "resulttemplate", "trustroot", "signingcertificate")
       for action in ("add", "change", "view")}
    | {"digitization.view_digitizeddocument", "digitization.view_documentaccess"}
    # The outbox (see, filter, retry: a retry is a change), notification wording, payments (read-only).
    | {"integrations.view_delivery", "integrations.change_delivery", "integrations.view_attempt",
       "integrations.view_messagetemplate", "integrations.change_messagetemplate",
       "integrations.view_notification", "integrations.view_payment"}
    | {"satisfaction.view_rating", "satisfaction.view_followup"},
}


def sync_role_groups(**_kwargs) -> None:
    """Create each role's group and set exactly its permissions (idempotent)."""
    from django.contrib.auth.models import Group, Permission

    for role, codes in ROLE_PERMISSIONS.items():
        group, _created = Group.objects.get_or_create(name=role)
        wanted = []
        for code in codes:
            app_label, codename = code.split(".")
            wanted.extend(Permission.objects.filter(content_type__app_label=app_label, codename=codename))
        group.permissions.set(wanted)
