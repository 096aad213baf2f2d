"""The citizen's rating of a dossier (from its page)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from cases.selectors import dossier_for, own_dossiers
from cases.services import ActionRefused

from . import ratings
from .models import Criterion, FollowUp


@login_required
@require_POST
def rate(request, pk):
    dossier = own_dossiers(request.user).filter(pk=pk).first()
    if dossier is None:
        raise Http404
    criteria = {code: request.POST.get(f"criterion-{code}", "") for code in Criterion.values}
    try:
        ratings.rating_submit(dossier=dossier, user=request.user, level=request.POST.get("level"),
                              criteria=criteria, comment=request.POST.get("comment", ""))
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
    except (PermissionDenied, ActionRefused) as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("Thank you: your rating is recorded and sent to the National Public Service Portal."))
    return redirect(f"{reverse('cases:dossier', args=[dossier.pk])}#rating")


@login_required
@require_POST
def follow_up_close(request, pk):
    """An official closes a dissatisfied rating's follow-up, saying what was done (from the dossier's page)."""
    follow_up = FollowUp.objects.select_related("rating").filter(pk=pk).first()
    if follow_up is None or dossier_for(request.user, follow_up.rating.dossier_id) is None:
        raise Http404
    try:
        ratings.follow_up_close(follow_up=follow_up, actor=request.user, outcome=request.POST.get("outcome", ""))
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
    except (PermissionDenied, ActionRefused) as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("The follow-up is closed."))
    return redirect(f"{reverse('cases:staff-dossier', args=[follow_up.rating.dossier_id])}#rating")
