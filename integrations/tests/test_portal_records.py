"""The dossier record the national portal is sent speaks its vocabulary: national codes, not local strings."""

import pytest

from cases.models import Dossier
from cases.tests.factories import DossierFactory
from integrations.portal_records import dossier_record

pytestmark = pytest.mark.django_db


def test_the_national_record_carries_national_codes(office):
    dossier = DossierFactory(procedure=office["birth"], agency=office["ward"], owner=office["citizen"], state="returned")
    record = dossier_record(Dossier.objects.get(pk=dossier.pk))
    # HinhThucTraKetQua: 0 at the counter, 1 by post, 2 online; KetQuaXuLy: 1 the result issued, 2 refused.
    assert record["HinhThucTraKetQua"] == {"counter": 0, "post": 1, "online": 2}[dossier.delivery]
    assert record["KetQuaXuLy"] == 1


def test_an_open_dossier_has_no_outcome_yet(office):
    dossier = DossierFactory(procedure=office["birth"], agency=office["ward"], owner=office["citizen"], state="processing")
    record = dossier_record(Dossier.objects.get(pk=dossier.pk))
    assert "KetQuaXuLy" not in record and record["HinhThucTraKetQua"] in (0, 1, 2)


def test_the_declaration_travels_as_structured_data(office):
    from procedures.models import ProcedureVersion

    schema = {"type": "object", "title": "Tờ khai đăng ký khai sinh",
              "properties": {"child": {"type": "object", "properties": {"full_name": {"type": "string"}}}}}
    ProcedureVersion.objects.filter(pk=office["birth"].current_version_id).update(form_schema=schema)
    dossier = DossierFactory(procedure=office["birth"], agency=office["ward"], owner=office["citizen"], state="submitted")
    Dossier.objects.filter(pk=dossier.pk).update(form_data={"child": {"full_name": "Nguyễn Gia Bảo"}})
    record = dossier_record(Dossier.objects.get(pk=dossier.pk))
    assert record["ToKhai"] == {"TenMau": "Tờ khai đăng ký khai sinh", "DuLieu": {"child": {"full_name": "Nguyễn Gia Bảo"}}}
