"""Ratings of dossiers: a citizen's rating of a dossier once it is over, and the agency's follow-up of a
citizen who was not satisfied."""

import datetime as dt

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from cases.models import Dossier
from cases.services import ActionRefused
from cases.workflow import State
from integrations import outbox
from procedures.models import StaffRole

from .models import Criterion, FollowUp, Level, Rating

# A dossier can be rated once it is over for the citizen: returned, or not accepted, or withdrawn.
RATEABLE = frozenset({State.RETURNED, State.REFUSED, State.WITHDRAWN})
MAX_COMMENT = 2000


def _clean(level, criteria, comment) -> tuple[int, dict, str]:
    try:
        level = int(level)
    except (TypeError, ValueError):
        level = None
    if level not in Level.values:
        raise ValidationError({"level": _("Choose how satisfied you are overall.")})
    cleaned = {}
    for code, value in (criteria or {}).items():
        if code not in Criterion.values:
            raise ValidationError({"criteria": _("Unknown criterion: %(code)s.") % {"code": code}})
        if value in (None, ""):
            continue  # a criterion left unanswered
        try:
            value = int(value)
        except (TypeError, ValueError):
            value = None
        if value not in Level.values:
            raise ValidationError({"criteria": _("Answer each criterion with one of the three levels.")})
        cleaned[code] = value
    comment = (comment or "").strip()
    if len(comment) > MAX_COMMENT:
        raise ValidationError({"comment": _("Keep the comment under %(n)s characters.") % {"n": MAX_COMMENT}})
    return level, cleaned, comment


def rating_window_ends(rating: Rating) -> dt.datetime:
    return rating.created_at + dt.timedelta(days=settings.RATING_CHANGE_DAYS)


def rating_submit(*, dossier: Dossier, user, level, criteria: dict | None = None, comment: str = "") -> Rating:
    """Rate a dossier as its applicant, or change the rating within ``RATING_CHANGE_DAYS`` of the first one.

    Only a dossier that is over for the citizen (returned, not accepted, withdrawn) can be rated. A "not
    satisfied" rating opens a follow-up for the agency (one open at a time). Each rating or change goes to the
    national portal through the outbox, in the dossier's order, in this transaction.
    """
    level, criteria, comment = _clean(level, criteria, comment)
    with transaction.atomic():
        dossier = Dossier.objects.select_for_update(of=("self",)).select_related("agency", "holder").get(pk=dossier.pk)
        if not dossier.is_applicant(user):
            raise PermissionDenied(_("Only the applicant can rate this dossier."))
        if dossier.state not in RATEABLE:
            raise ActionRefused(_("A dossier can be rated once its result is returned, or it was not accepted or withdrawn."))
        now = timezone.now()
        rating = Rating.objects.select_for_update().filter(dossier=dossier).first()
        if rating is None:
            rating = Rating.objects.create(
                dossier=dossier, user=user, agency=dossier.holder or dossier.agency, level=level, criteria=criteria,
                comment=comment, created_at=now, updated_at=now,
            )
        else:
            if now > rating_window_ends(rating):
                raise ActionRefused(_("The time to change this rating has passed."))
            if (rating.level, rating.criteria, rating.comment) == (level, criteria, comment):
                return rating  # nothing changed: nothing to send
            rating.level, rating.criteria, rating.comment, rating.updated_at = level, criteria, comment, now
            rating.changes += 1
            rating.save(update_fields=["level", "criteria", "comment", "updated_at", "changes"])
        if level == Level.DISSATISFIED and not rating.follow_ups.filter(status=FollowUp.Status.OPEN).exists():
            FollowUp.objects.create(rating=rating, agency=rating.agency, opened_at=now)
        outbox.rating_publish(dossier=dossier, record=national_rating(rating))
    return rating


def national_rating(rating: Rating) -> dict:
    """The rating in the national vocabulary (DanhGiaHoSo)."""
    return {
        "MaHoSo": rating.dossier.code,
        "MucDoHaiLong": rating.level,
        "ThoiDiemDanhGia": timezone.localtime(rating.updated_at).strftime("%Y%m%d%H%M%S"),
        "TieuChi": [{"MaTieuChi": code, "MucDoHaiLong": value} for code, value in sorted(rating.criteria.items())],
        "NoiDung": rating.comment,
        "MaDonVi": rating.agency.code,
    }


def follow_up_close(*, follow_up: FollowUp, actor, outcome: str) -> FollowUp:
    """An official of the rated agency records what was done for the dissatisfied citizen and closes it."""
    outcome = (outcome or "").strip()
    if not outcome:
        raise ValidationError({"outcome": _("Say what was done for the citizen.")})
    with transaction.atomic():
        follow_up = FollowUp.objects.select_for_update().get(pk=follow_up.pk)
        roles = (StaffRole.RECEPTION_CLERK, StaffRole.LEADER)
        if not actor.staff_memberships.filter(agency_id=follow_up.agency_id, role__in=roles).exists():
            raise PermissionDenied(_("Only the rated agency's reception clerks and leaders close its follow-ups."))
        if follow_up.status == FollowUp.Status.CLOSED:
            raise ActionRefused(_("This follow-up is already closed."))
        follow_up.status, follow_up.outcome = FollowUp.Status.CLOSED, outcome[:4000]
        follow_up.closed_at, follow_up.closed_by = timezone.now(), actor
        follow_up.save(update_fields=["status", "outcome", "closed_at", "closed_by"])
    return follow_up
