"""Every action from every state, for every role: allowed, or refused with nothing changed."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from accounts.models import StaffMembership, User
from cases.actions import perform
from cases.models import Dossier, DossierEvent
from cases.services import ActionRefused
from procedures.models import Agency
from procedures.working_calendar import WorkingCalendar
from tests.catalog_data import build_catalog

pytestmark = pytest.mark.django_db

PROCESSING = {"processing@first", "processing@middle", "processing@last"}
STATES = [
    "draft",
    "submitted",
    "received",
    "refused",
    *sorted(PROCESSING),
    "supplement_requested",
    "awaiting_payment",
    "withdrawn",
    "suspended",
    "resolved",
    "returned",
]
ROLES = ["owner", "other_citizen", "clerk", "specialist", "leader", "administrator", "clerk_elsewhere"]

# The table of DESIGN.md, written out again here so the test can disagree with the code.
EXPECTED = {
    "receive": ({"submitted"}, {"clerk"}),
    "request_supplement": ({"submitted", "received", *PROCESSING}, {"clerk", "specialist"}),
    "supplement": ({"supplement_requested"}, {"owner", "clerk"}),
    "refuse": ({"submitted", "received"}, {"clerk"}),
    "forward": ({"received"}, {"clerk"}),
    "complete_step": (PROCESSING, {"step-holder"}),
    "transfer": (PROCESSING, {"specialist", "leader"}),
    "request_payment": (PROCESSING, {"specialist"}),
    "confirm_payment": ({"awaiting_payment"}, {"clerk"}),
    "approve": (PROCESSING, {"leader"}),
    "deny": (PROCESSING, {"leader"}),
    "extend": ({"received", *PROCESSING, "awaiting_payment"}, {"specialist", "leader"}),
    "suspend": ({*PROCESSING, "supplement_requested"}, {"leader"}),
    "withdraw": (
        {"submitted", "received", *PROCESSING, "supplement_requested", "awaiting_payment"},
        {"owner", "clerk"},
    ),
    "return_result": ({"resolved"}, {"clerk"}),
}
# Conditions: the state allows it and the role may, but the dossier's position does not.
BLOCKED = {("complete_step", "processing@last"), ("approve", "processing@first"), ("approve", "processing@middle")}
STEP_ROLE = {"processing@first": "clerk", "processing@middle": "specialist", "processing@last": "leader"}


def payload_for(action):
    # A new appointment must be a working moment: 10:00 on the first working day 60 days from now.
    later_day = WorkingCalendar().working_day_from(timezone.localdate() + dt.timedelta(days=60))
    later = timezone.make_aware(dt.datetime.combine(later_day, dt.time(10, 0)))
    return {
        "request_supplement": dict(items=[{"document": "Tờ khai", "guidance": "Ký tên"}]),
        "refuse": dict(reason="Không thuộc thẩm quyền"),
        "deny": dict(reason="Không đủ điều kiện"),
        "approve": dict(reason="Giấy khai sinh số 125/2026"),
        "suspend": dict(reason="Có tranh chấp"),
        "withdraw": dict(reason="Theo đề nghị"),
        "transfer": dict(reason="Thẩm quyền", agency="000.00.13.H48"),
        "extend": dict(reason="Cần xác minh", new_due_at=later.isoformat()),
        "request_payment": dict(fees=[{"name": "Lệ phí", "amount": 8000}]),
        "confirm_payment": dict(proof="BL-0001"),
    }.get(action, dict())


@pytest.fixture
def world(db):
    catalog = build_catalog()
    ward, justice = catalog["ward"], catalog["justice"]
    elsewhere = Agency.objects.get(code="000.00.13.H48")
    users = {}
    for role in ROLES:
        users[role] = User.objects.create_user(username=f"m-{role}", password="x-password-123")
    for role, agency in [
        ("clerk", ward),
        ("specialist", ward),
        ("leader", ward),
        ("administrator", ward),
        ("clerk_elsewhere", elsewhere),
    ]:
        StaffMembership.objects.create(
            user=users[role],
            agency=agency,
            role="reception_clerk" if role == "clerk_elsewhere" else role.replace("clerk", "reception_clerk"),
        )
    procedure = catalog["birth"]
    steps = list(procedure.current_version.steps.order_by("order"))
    dossier = Dossier.objects.create(
        procedure=procedure,
        version=procedure.current_version,
        owner=users["owner"],
        applicant_name="Nguyễn Văn An",
        applicant_id_number="048090001234",
        agency=ward,
    )
    return {"users": users, "dossier": dossier, "steps": steps, "justice": justice}


def put(dossier, state, steps):
    base = state.split("@")[0]
    step = {"processing@first": steps[0], "processing@middle": steps[1], "processing@last": steps[2]}.get(state)
    now = timezone.now()
    waiting = base in ("supplement_requested", "awaiting_payment")
    Dossier.objects.filter(pk=dossier.pk).update(
        state=base,
        current_step=step,
        supplement_count=0,
        extended_at=None,
        handling_agency=None,
        received_at=None if base in ("draft", "submitted") else now - dt.timedelta(days=1),
        due_at=now + dt.timedelta(days=30),
        paused_at=now if waiting else None,
        outcome="",
    )
    DossierEvent.objects.filter(dossier=dossier).delete()
    return Dossier.objects.get(pk=dossier.pk)


@pytest.mark.parametrize("action", sorted(EXPECTED))
def test_transition_matrix(world, action):
    sources, roles = EXPECTED[action]
    for state in STATES:
        for role in ROLES:
            dossier = put(world["dossier"], state, world["steps"])
            before = Dossier.objects.filter(pk=dossier.pk).values().get()
            allowed_roles = {STEP_ROLE.get(state)} if "step-holder" in roles else roles
            related = role in ("owner", "clerk", "specialist", "leader", "administrator")
            if not related:
                expected = PermissionDenied
            elif state not in sources:
                expected = ActionRefused
            elif role not in allowed_roles:
                expected = PermissionDenied
            elif (action, state) in BLOCKED:
                expected = ActionRefused
            else:
                expected = None
            where = f"{action} from {state} by {role}"
            if expected is None:
                event = perform(dossier=dossier, action=action, actor=world["users"][role], **payload_for(action))
                assert event.action == action and event.from_state == state.split("@")[0], where
                assert DossierEvent.objects.filter(dossier=dossier).count() == 1, where
            else:
                with pytest.raises(expected):
                    perform(dossier=dossier, action=action, actor=world["users"][role], **payload_for(action))
                assert Dossier.objects.filter(pk=dossier.pk).values().get() == before, where
                assert not DossierEvent.objects.filter(dossier=dossier).exists(), where
