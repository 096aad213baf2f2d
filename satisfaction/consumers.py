"""What satisfaction shows on the dossier pages (registered on ``cases.extensions``)."""

from . import selectors


def staff_dossier_context(*, dossier, user) -> dict:
    """The official's dossier page: the applicant's rating, its criteria named, and its follow-ups."""
    return {"rating": selectors.staff_rating(dossier)}


def citizen_dossier_context(*, dossier, user) -> dict:
    """The applicant's dossier page: the rating section (None while the dossier cannot be rated)."""
    return {"rating_panel": selectors.rating_panel(dossier, user)}
