"""Factories for the catalog: fields, agencies (a treebeard tree), and procedures with a published version."""

from decimal import Decimal

import factory
from django.utils import timezone

from procedures.models import (
    Agency,
    Fee,
    Field,
    FilingChannel,
    ImplementationLevel,
    Procedure,
    ProcedureVersion,
    ProcessingTime,
    RequiredDocument,
    TimeUnit,
    WorkflowStep,
)
from procedures.services import procedure_version_publish, workflow_default_steps


class FieldFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Field
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"field-{n}")
    name = factory.Sequence(lambda n: f"Lĩnh vực {n}")


def agency_create(*, parent: Agency | None = None, **fields) -> Agency:
    """An agency in the tree: a root, or a child of ``parent`` (treebeard needs add_root / add_child)."""
    if parent is None:
        return Agency.objects.add_root(create_kwargs=fields)
    parent.refresh_from_db()  # treebeard reads the parent's path and child count from the row
    return Agency.objects.add_child(parent, create_kwargs=fields)


class AgencyFactory(factory.Factory):
    """``AgencyFactory()`` makes a root; ``AgencyFactory(parent=province)`` a child of it."""

    class Meta:
        model = Agency

    code = factory.Sequence(lambda n: f"000.{n // 100 % 100:02d}.{n % 100:02d}.H48")
    name = factory.Sequence(lambda n: f"Ủy ban nhân dân phường {n}")
    level = Agency.Level.COMMUNE
    parent = None

    @classmethod
    def _create(cls, model_class, *args, parent=None, **kwargs):
        return agency_create(parent=parent, **kwargs)

    @classmethod
    def _build(cls, model_class, *args, parent=None, **kwargs):
        return model_class(*args, **kwargs)


class ProcedureFactory(factory.django.DjangoModelFactory):
    """A procedure with a published version in force (documents, a fee, a workflow that adds up).

    ``ProcedureFactory(name=..., processing_days=Decimal("3"), levels=["xa"], fee=8000)``: ``processing_days``
    working days at the counter and online; or ``times=[(FilingChannel.ONLINE, 20, TimeUnit.CALENDAR_DAYS), …]``
    for times of their own per channel.
    """

    class Meta:
        model = Procedure
        skip_postgeneration_save = True

    code = factory.Sequence(lambda n: f"9.{n:06d}")
    # The version's content (not Procedure fields: _create takes them out).
    name = factory.Sequence(lambda n: f"Thủ tục thử nghiệm {n}")
    field = factory.SubFactory(FieldFactory)
    processing_days = Decimal("5")
    online_level = ProcedureVersion.OnlineLevel.FULL
    levels = ("xa",)
    fee = 0
    times = None

    @classmethod
    def _create(cls, model_class, *args, name, field, processing_days, online_level, levels, fee, times, **kwargs):
        procedure = super()._create(model_class, *args, **kwargs)
        days = Decimal(processing_days)
        if times is None:
            times = [(channel, days, TimeUnit.WORKING_DAYS) for channel in (FilingChannel.COUNTER, FilingChannel.ONLINE)]
        version = ProcedureVersion.objects.create(
            procedure=procedure,
            number=1,
            valid_from=timezone.localdate(),
            name=name,
            field=field,
            online_level=online_level,
            authority_text="Ủy ban nhân dân cấp xã",
            target="Công dân Việt Nam",
        )
        version.levels.set(ImplementationLevel.objects.filter(code__in=levels))
        RequiredDocument.objects.create(version=version, order=1, name="Tờ khai theo mẫu", originals=1)
        RequiredDocument.objects.create(
            version=version, order=2, name="Thẻ căn cước", originals=1, mandatory=False, document_type_code="CCCD"
        )
        for order, (channel, amount, unit) in enumerate(times, start=1):
            ProcessingTime.objects.create(version=version, channel=channel, order=order, amount=Decimal(amount), unit=unit)
        Fee.objects.create(version=version, order=1, name="Lệ phí", amount=fee)
        for order, (step, role, share) in enumerate(workflow_default_steps(short=days <= Decimal("0.5")), start=1):
            WorkflowStep.objects.create(version=version, order=order, name=step, role=role, share_percent=share)
        procedure_version_publish(version=version)
        procedure.refresh_from_db()
        return procedure
