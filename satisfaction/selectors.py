"""Reads of satisfaction: what the citizen's dossier page shows about rating it."""

from django.utils import timezone

from .models import Criterion, Level, Rating
from .services import RATEABLE, rating_window_ends


def rating_panel(dossier, user) -> dict | None:
    """The rating section of the applicant's dossier page (None: the dossier cannot be rated yet)."""
    if dossier.state not in RATEABLE or not dossier.is_applicant(user):
        return None
    rating = Rating.objects.filter(dossier=dossier).first()
    ends = rating_window_ends(rating) if rating else None
    return {
        "rating": rating,
        "can_change": rating is None or timezone.now() <= ends,
        "window_ends": ends,
        "levels": Level.choices,
        "criteria": [(code, label, (rating.criteria.get(code) if rating else None)) for code, label in Criterion.choices],
    }


def staff_rating(dossier) -> dict | None:
    """The rating an official sees on the dossier's page, with its criteria named and its follow-ups."""
    rating = Rating.objects.filter(dossier=dossier).prefetch_related("follow_ups__closed_by").first()
    if rating is None:
        return None
    names = dict(Criterion.choices)
    levels = dict(Level.choices)
    return {
        "rating": rating,
        "criteria": [(names.get(code, code), levels.get(value, value)) for code, value in sorted(rating.criteria.items())],
        "follow_ups": list(rating.follow_ups.all()),
    }
