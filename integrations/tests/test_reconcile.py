"""portal_reconcile against the mock portal as a real process: what the portal lacks is re-sent (progress
records exactly as first sent), what it has is left alone, and running it twice stores nothing new."""

import pytest
from django.core.management import call_command
from django.utils import timezone

from cases.actions import perform
from cases.services import dossier_intake
from integrations import outbox
from integrations.models import Consumer, Delivery


def _deliver_all():
    for pk in Delivery.objects.filter(consumer=Consumer.PORTAL, status="pending").order_by("id").values_list("pk", flat=True):
        outbox.deliver(delivery_id=pk)


@pytest.mark.django_db(transaction=True)
def test_reconcile_resends_what_the_portal_lacks_and_nothing_twice(office, mock_portal, settings, capsys):
    take = lambda name, number: dossier_intake(  # noqa: E731
        clerk=office["clerk"], procedure=office["birth"], agency=office["ward"],
        applicant={"name": name, "id_number": number})
    synced, lost = take("Trần Văn Bình", "048090004321"), take("Lê Thị Hoa", "048195004322")
    for dossier in (synced, lost):
        perform(dossier=dossier, action="forward", actor=office["clerk"])
        perform(dossier=dossier, action="suspend", actor=office["leader"], reason="Tạm dừng")
    # The second dossier's deliveries were "lost": marked delivered without reaching the portal.
    # (Until now the portal was a closed port: every delivery waits; attempts recorded.)
    Delivery.objects.filter(dossier=lost).update(status="delivered")
    settings.NATIONAL_PORTAL_URL, settings.NATIONAL_PORTAL_TOKEN = mock_portal.url, mock_portal.token
    Delivery.objects.update(next_attempt_at=timezone.now())
    _deliver_all()
    assert mock_portal.lookup(lost.code) is None
    before = mock_portal.lookup(synced.code)
    assert [p["SoThuTu"] for p in before["TienDoXuLy"]] == [1, 2, 3]

    call_command("portal_reconcile", "--dry-run")
    assert "1 khớp" in capsys.readouterr().out and not Delivery.objects.filter(status="pending").exists()

    call_command("portal_reconcile")
    out = capsys.readouterr().out
    assert "2 hồ sơ" in out and "1 khớp" in out and "1 đã gửi lại" in out
    resent = Delivery.objects.get(topic="reconcile")  # queued after commit: delivered already (eager tasks)
    assert resent.dossier == lost and resent.status == "delivered" and len(resent.payload["progress"]) == 3
    after = mock_portal.lookup(lost.code)
    assert after["TrangThaiHoSo"] == 8 and [p["SoThuTu"] for p in after["TienDoXuLy"]] == [1, 2, 3]
    # The progress records are the ones first written (the same digest: the portal would not store them twice).
    first = Delivery.objects.filter(dossier=lost, event__isnull=False).order_by("id")
    assert after["TienDoXuLy"] == [d.payload["progress"] for d in first]

    call_command("portal_reconcile")
    assert "2 khớp" in capsys.readouterr().out
    assert not Delivery.objects.filter(status="pending").exists()
    assert mock_portal.lookup(synced.code)["TienDoXuLy"] == before["TienDoXuLy"]
