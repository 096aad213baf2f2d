"""The applicant's online payment pages: to the gateway, back from it, and the fee receipt (PDF)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from cases.printing import render_payment_receipt
from cases.selectors import dossier_for, own_dossiers
from cases.services import ActionRefused
from procedures.templatetags.portal import vnd

from . import payment_gateway, payments
from .models import Payment


@login_required
@require_POST
def pay(request, pk):
    """Pay the fees online: to the gateway's page, or back to the dossier with why not."""
    dossier = own_dossiers(request.user).filter(pk=pk).first()
    if dossier is None:
        raise Http404
    try:
        url = payments.payment_start(dossier=dossier, user=request.user)
    except payment_gateway.GatewayError:
        messages.error(request, _(
            "The payment gateway cannot be reached right now. Nothing was charged: try again in a few minutes, "
            "or pay at the counter."))
        return redirect("cases:dossier", pk=pk)
    except (ActionRefused, PermissionDenied) as refused:
        messages.error(request, str(refused))
        return redirect("cases:dossier", pk=pk)
    return redirect(url)


@require_GET
def payment_return(request):
    """Where the gateway sends the payer back, with the signed result: recorded like the gateway's own
    callback (whichever comes first records it), then the dossier's page says how it went. No login is
    needed to record it: the check code is the proof, and the dossier's page asks for the login."""
    try:
        result = payments.payment_callback(fields=request.GET.dict())
    except payments.PaymentRefused:
        messages.error(request, _("The payment result could not be verified: nothing was recorded. If you were "
                                  "charged, the agency is told by the gateway; check your dossier again later."))
        return redirect("cases:my-dossiers")
    payment = result.payment
    if payment.status == Payment.Status.PAID:
        messages.success(request, _("Your payment of %(amount)s đồng was received (receipt %(number)s). Processing "
                                    "of your dossier resumes.") % {"amount": vnd(payment.amount),
                                                                    "number": payment.receipt_number})
    elif result.outcome == "late":
        messages.warning(request, _("The payment was made, but this dossier no longer waits for it. The agency "
                                    "will contact you about a refund."))
    else:
        messages.warning(request, _("The payment was not completed (the gateway answered %(code)s). Nothing was "
                                    "charged: you can try again.") % {"code": payment.response_code or "-"})
    return redirect("cases:dossier", pk=payment.dossier_id)


@login_required
@require_GET
def payment_receipt(request, pk, reference):
    """The fee receipt (PDF) of a paid online payment, to the applicant and the officials of the dossier."""
    dossier = dossier_for(request.user, pk)
    if dossier is None:
        raise Http404
    payment = Payment.objects.filter(dossier=dossier, reference=reference, status=Payment.Status.PAID).first()
    if payment is None:
        raise Http404
    payment.dossier = dossier
    pdf = render_payment_receipt(payment=payment, base_url=request.build_absolute_uri("/").rstrip("/"))
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="bien-lai-{payment.receipt_number}.pdf"'
    response["Cache-Control"] = "private, no-store"
    return response
