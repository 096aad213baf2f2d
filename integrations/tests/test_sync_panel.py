"""The officials' dossier page says how the dossier stands with the national portal, in one query."""

import pytest
from django.urls import reverse

from cases.services import dossier_intake
from integrations.models import Delivery
from integrations.selectors import portal_sync


@pytest.mark.django_db
def test_the_panel_shows_waiting_failing_given_up_and_up_to_date(office, client, django_assert_num_queries):
    dossier = dossier_intake(clerk=office["clerk"], procedure=office["birth"], agency=office["ward"],
                             applicant={"name": "Trần Văn Bình", "id_number": "048090004321"})
    client.force_login(office["clerk"])
    url = reverse("cases:staff-dossier", args=[dossier.pk])
    assert "Đang gửi." in client.get(url).content.decode()

    Delivery.objects.filter(dossier=dossier).update(attempts=2, last_error="503: Hệ thống đang bảo trì")
    page = client.get(url).content.decode()
    assert "hệ thống tự động gửi lại" in page and "Hệ thống đang bảo trì" in page

    Delivery.objects.filter(dossier=dossier).update(status="dead")
    assert "1 cập nhật đã dừng gửi" in client.get(url).content.decode()

    Delivery.objects.filter(dossier=dossier).update(status="delivered", last_error="")
    assert "Đã đồng bộ đầy đủ." in client.get(url).content.decode()
    with django_assert_num_queries(1):
        assert portal_sync(dossier)["delivered"] == 1
