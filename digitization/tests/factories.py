"""Factories for the data store: documents already digitized, as a test's starting point.

    DigitizedDocumentFactory(dossier=d)                       a done component of the `citizen` (An), type XNCT
    DigitizedDocumentFactory(dossier=d, owner_id_number=...)  ... of someone else
    DigitizedDocumentFactory(dossier=d, status="failed")      ... that never got digitized

Tests of what the digitization itself does drive a dossier instead (see conftest's ``intake`` and
``approve``); these rows are for the tests of what is done with a stored document afterwards.
"""

import hashlib

import factory
from django.core.files.base import ContentFile
from django.utils import timezone

from digitization.models import DigitizedDocument

AN = {"name": "Nguyễn Văn An", "id_number": "048090001234", "address": "12 Lê Duẩn"}  # the office's `citizen`
MAI = {"name": "Lê Thị Mai", "id_number": "048195007788"}  # the office's `other` citizen

STORED_PDF = b"%PDF-1.4\n% a stored document\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


class DigitizedDocumentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = DigitizedDocument

    kind = DigitizedDocument.Kind.COMPONENT
    status = DigitizedDocument.Status.DONE
    owner_id_number = AN["id_number"]
    owner_name = AN["name"]
    document_type = "XNCT"
    document_type_name = "Giấy tờ chứng minh thông tin về cư trú"
    procedure_code = "1.001193"
    code = factory.LazyAttributeSequence(
        lambda o, n: f"{o.owner_id_number}.{o.procedure_code}.{o.document_type}.{n + 1:02d}"
    )
    issuer = "Công an phường Hải Châu"
    digitized_at = factory.LazyFunction(timezone.now)

    @classmethod
    def _create(cls, model_class, *args, content: bytes = STORED_PDF, **kwargs):
        document = model_class(*args, **kwargs)
        if document.status == DigitizedDocument.Status.DONE:
            document.file.save(f"{document.code}.pdf", ContentFile(content), save=False)
            document.sha256 = hashlib.sha256(content).hexdigest()
            document.size = len(content)
            document.pages = 1
        document.save()
        return document
