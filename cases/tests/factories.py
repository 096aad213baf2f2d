"""Factories for dossiers: filed by a citizen for a procedure in force at an agency that implements it, then
taken to the state asked for through the real services (so codes, dates, steps and events are what they
would be).

    DossierFactory()                                 a draft of a new citizen, for a new procedure at a new ward
    DossierFactory(state="submitted")                ... submitted online, its mandatory documents uploaded
    DossierFactory(state="received")                 ... received by the agency's clerk: the clock runs
    DossierFactory(state="processing")               ... forwarded: at the first step of its workflow
    DossierFactory(state="returned")                 ... every step taken, approved, the result handed back
    DossierFactory(procedure=p, agency=a, owner=u, staff=office, state=...)   on a test's own objects

``STATE_PATHS`` lists every state it can reach and the actions taken on the way. The officials who take them
are ``staff`` (a mapping with "clerk", "specialist" and "leader", such as the ``office`` fixture), or the
agency's own, made once per agency by ``office_staff``.
"""

from collections.abc import Mapping
from typing import Any

import factory
from django.core.files.uploadedfile import SimpleUploadedFile

from accounts.models import StaffMembership
from accounts.tests.factories import CitizenFactory, StaffFactory
from cases import services
from cases.models import Dossier
from procedures.models import Agency, StaffRole
from procedures.tests.factories import AgencyFactory, ProcedureFactory
from procedures.working_calendar import WorkingCalendar

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"

# The actions that take a submitted dossier to each state ("to_last": complete steps up to the last one).
STATE_PATHS: dict[str, list[str]] = {
    "draft": [],
    "submitted": [],
    "received": ["receive"],
    "refused": ["refuse"],
    "withdrawn": ["withdraw"],
    "supplement_requested": ["receive", "request_supplement"],
    "processing": ["receive", "forward"],
    "awaiting_payment": ["receive", "forward", "request_payment"],
    "suspended": ["receive", "forward", "suspend"],
    "resolved": ["receive", "forward", "to_last", "approve"],
    "returned": ["receive", "forward", "to_last", "approve", "return_result"],
}

ROLE_KEYS = {StaffRole.RECEPTION_CLERK: "clerk", StaffRole.SPECIALIST: "specialist", StaffRole.LEADER: "leader"}

# Each action: its service, who takes it ("owner", a key of the staff, or "step": the current step's holder)
# and what it is given.
ACTIONS: dict[str, tuple[Any, str, dict[str, Any]]] = {
    "receive": (services.dossier_receive, "clerk", {}),
    "refuse": (services.dossier_refuse, "clerk", {"reason": "Không thuộc thẩm quyền giải quyết."}),
    "withdraw": (services.dossier_withdraw, "owner", {"reason": "Theo đề nghị của người nộp."}),
    "request_supplement": (services.dossier_request_supplement, "specialist",
                           {"items": [{"document": "Tờ khai", "guidance": "Ký và ghi rõ họ tên."}]}),
    "forward": (services.dossier_forward, "clerk", {}),
    "complete_step": (services.dossier_complete_step, "step", {}),
    "request_payment": (services.dossier_request_payment, "specialist",
                        {"fees": [{"name": "Lệ phí", "amount": 8000}]}),
    "suspend": (services.dossier_suspend, "leader", {"reason": "Có tranh chấp, tạm dừng để xác minh."}),
    "approve": (services.dossier_approve, "leader", {"reason": "125/2026/KQ"}),
    "return_result": (services.dossier_return_result, "clerk", {}),
}


def office_staff(agency: Agency) -> dict[str, Any]:
    """A reception clerk, a specialist and a leader of ``agency``: the first of each it has, else new ones."""
    staff: dict[str, Any] = {}
    for membership in StaffMembership.objects.filter(agency=agency, role__in=list(ROLE_KEYS)).select_related("user"):
        staff.setdefault(ROLE_KEYS[membership.role], membership.user)
    for role, key in ROLE_KEYS.items():
        if key not in staff:
            staff[key] = StaffFactory(agency=agency, role=role)
    return staff


def dossier_walk(dossier: Dossier, actions: list[str], *, staff: Mapping[str, Any]) -> Dossier:
    """Take ``actions`` (names of ``ACTIONS``, or "to_last") on ``dossier`` through the services; returns it
    fresh from the database."""
    for name in actions:
        if name == "to_last":
            dossier.refresh_from_db()
            while dossier.next_step() is not None:
                dossier = dossier_walk(dossier, ["complete_step"], staff=staff)
            continue
        service, who, inputs = ACTIONS[name]
        dossier.refresh_from_db()
        if who == "owner":
            actor = dossier.owner
        elif who == "step":
            actor = staff[ROLE_KEYS[dossier.current_step.role]]
        else:
            actor = staff[who]
        service(dossier=dossier, actor=actor, **inputs)
    dossier.refresh_from_db()
    return dossier


class DossierFactory(factory.Factory):
    """A dossier filed online and taken to ``state`` (see the module's docstring)."""

    class Meta:
        model = Dossier

    procedure = factory.SubFactory(ProcedureFactory)
    agency = factory.SubFactory(AgencyFactory)
    owner = factory.SubFactory(CitizenFactory)
    state = "draft"
    staff = None
    form_data = factory.LazyFunction(dict)

    @classmethod
    def _build(cls, model_class, *args, procedure, agency, owner, state, staff, **kwargs):
        return model_class(procedure=procedure, version=procedure.current_version, agency=agency, owner=owner,
                           **kwargs)

    @classmethod
    def _create(cls, model_class, *args, procedure, agency, owner, state, staff, **kwargs):
        if state not in STATE_PATHS:
            raise ValueError(f"DossierFactory cannot reach {state!r}: one of {', '.join(STATE_PATHS)}")
        procedure.current_version.agencies.add(agency)
        dossier = services.dossier_draft_create(user=owner, procedure=procedure, agency=agency, **kwargs)
        if state == "draft":
            return dossier
        for requirement in procedure.current_version.documents.filter(mandatory=True):
            upload = SimpleUploadedFile(f"giay-to-{requirement.pk}.pdf", PDF, content_type="application/pdf")
            services.dossier_document_add(dossier=dossier, actor=owner, requirement=requirement, uploaded=upload)
        dossier = services.dossier_submit(dossier=dossier, actor=owner)
        if STATE_PATHS[state]:
            dossier = dossier_walk(dossier, STATE_PATHS[state], staff=staff or office_staff(agency))
        assert dossier.state == state, f"DossierFactory reached {dossier.state!r}, not {state!r}"
        return dossier


def later_working_moment(moment, working_days=5) -> str:
    """An extension's new appointment in tests: ``working_days`` after ``moment`` on the default office
    calendar, so a working moment (as the rule asks), as an ISO string."""
    return WorkingCalendar().add_working_days(moment, working_days).isoformat()
