"""The Decision 766 index against a world small enough to count by hand.

March 2025, judged at the end of the month. Ward A (Hải Châu) has seven dossiers of procedure X (offered
fully online, published in full, a fee of 20,000 đ); the Department of Justice B has one of procedure Y
(information only, its legal basis missing, no fee). Every expected figure below is worked out in a comment
from the rows, so a reader can check it without running anything. Rule (``index766.DECISION_766``): points =
max × min(1, rate / threshold), threshold 80% (50% for O1; 90% for S3 in 2025, Resolution 76/NQ-CP's target);
points are rounded to the hundredth and summed. The score is on the Decision's 100 points: an indicator that
cannot be measured (T4, T5, D5, D7: data the portal does not hold; or nothing to count) scores 0 and stays in
the 100. ``measured_score`` = 100 × points / points of the indicators measured.

Changed by the corrected rules (issue: "the 766 arithmetic, exactly"): the total used to leave out what could
not be computed (61.52 of 94 points for A, 65.00 for B); P1 judged only dossiers resolved or overdue (now also
those still within their date, A5); O2 counted the electronic results of online dossiers that D1 counts too
(now D1 alone); M1 counted resolved dossiers that paid (now every dossier asked to pay in the period); S2 was
answers rated satisfied (now the Decision's: accepted feedback minus those rated not satisfied or late).
"""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.cache import cache
from django.utils import timezone

from accounts.models import Business, StaffMembership, User
from accounts.services import citizen_register
from cases.models import Dossier, DossierDocument, DossierEvent, FilingChannel
from digitization.models import DigitizedDocument
from integrations.models import Delivery, Payment
from procedures.models import Field, LegalDocument
from satisfaction import index766 as ix
from satisfaction import tasks
from satisfaction.index_service import index_breakdown_refresh, index_missing_periods, index_refresh, index_request_key
from satisfaction.models import Feedback, IndexBreakdown, IndexSnapshot, Rating
from tests.catalog_data import add_procedure, build_agencies

TZ = timezone.get_fixed_timezone(7 * 60)
MARCH = ix.period_parse("2025-03")
END = MARCH.end


def at(day: int, hour: int = 9, month: int = 3) -> dt.datetime:
    return dt.datetime(2025, month, day, hour, tzinfo=TZ)


def dossier(world, n, *, agency="A", channel=FilingChannel.ONLINE, received, due, resolved=None, outcome="approved",
            state=None, applicant="079090000000", **fields):
    procedure = world["X"] if agency == "A" else world["Y"]
    return Dossier.objects.create(
        code=f"T-{agency}{n}", procedure=procedure, version=procedure.current_version, applicant_name=f"Người {n}",
        applicant_id_number=applicant, channel=channel, agency=world[agency], submitted_at=received,
        received_at=received, due_at=due, resolved_at=resolved, outcome=outcome if resolved else "",
        state=state or ("returned" if resolved else "processing"), **fields,
    )


def event(d, seq, action="receive", when=None):
    return DossierEvent.objects.create(dossier=d, seq=seq, action=action, at=when or d.received_at,
                                       from_state="", to_state=d.state)


def portal(d, seq, created, delivered=None):
    return Delivery.objects.create(
        consumer="portal", dossier=d, event=event(d, seq, when=created), topic="receive", payload={},
        created_at=created, delivered_at=delivered, status="delivered" if delivered else "pending",
    )


def result(d):
    return DigitizedDocument.objects.create(
        kind="result", status="done", dossier=d, owner_id_number=d.applicant_id_number, owner_name=d.applicant_name,
        document_type="GKS", document_type_name="Giấy khai sinh", procedure_code=d.procedure.code,
    )


def feedback(world, n, *, sent, accept_due, answer_due, state, accepted=None, finished=None, level=None,
             rated=None, dossier=None, kind="feedback"):
    return Feedback.objects.create(
        code=f"PAKN-T-{n}", agency=world["A"], dossier=dossier, sender_name="Người gửi", sender_phone="0905000000",
        title="Phản ánh", content="Nội dung", kind=kind, state=state, submitted_at=sent, accept_due_at=accept_due,
        request_info_due_at=accept_due, answer_due_at=answer_due, accepted_at=accepted, finished_at=finished,
        answer_level=level, answer_rated_at=rated,
    )


@pytest.fixture
def world(db):
    province, justice, ward = build_agencies()
    field = Field.objects.create(code="HT", name="Hộ tịch")
    x = add_procedure(code="1.001193", name="Đăng ký khai sinh", field=field, levels=[], agencies=[ward], fee=20000)
    y = add_procedure(code="1.009974", name="Cấp giấy phép", field=field, levels=[], agencies=[justice], online="info")
    LegalDocument.objects.filter(version=y.current_version).delete()  # Y is not published in full
    w = {"P": province, "A": ward, "B": justice, "X": x, "Y": y}
    person = citizen_register(
        username="an", password="mat-khau-rat-dai-1", email="an@example.com", full_name="Nguyễn Văn An",
        id_number="048090001234", date_of_birth=dt.date(1990, 5, 12), gender="male",
    )
    Business.objects.create(name="Công ty TNHH Sáu", tax_code="0401234567")

    # A1: online, resolved 7 March before its date (10 March); result; its applicant has an account (in the
    # store) verified with VNeID; rated very satisfied; both status updates reached the portal within the hour.
    a1 = dossier(w, 1, received=at(3), due=at(10), resolved=at(7), applicant=person.citizen_profile.id_number,
                 applicant_verified=True)
    result(a1)
    Rating.objects.create(dossier=a1, user=person, agency=ward, level=1)
    portal(a1, 1, at(3), at(3, 10))
    portal(a1, 2, at(7), at(7, 10))
    # A2: at the counter, resolved 14 March after its date (11 March, already moved by the 2.5 working hours it
    # waited on the applicant): late; no result; rated not satisfied and complained about; fee asked on 5 March
    # and paid at the counter; its status update still pending; one scanned file, digitized.
    a2 = dossier(w, 2, channel=FilingChannel.COUNTER, received=at(4), due=at(11), resolved=at(14), paused_minutes=150)
    Rating.objects.create(dossier=a2, user=person, agency=ward, level=3)
    event(a2, 3, "request_payment", at(5))
    event(a2, 1, "confirm_payment", at(6))
    portal(a2, 2, at(4))
    scan = DossierDocument.objects.create(dossier=a2, original_name="a.pdf", content_type="application/pdf",
                                          size=1, sha256="0" * 64, source="scan")
    DigitizedDocument.objects.create(kind="component", status="done", dossier=a2, component=scan,
                                     owner_id_number="079090000000", owner_name="Người 2", document_type="TK",
                                     document_type_name="Tờ khai", procedure_code="1.001193")
    # A3: online, extended with an apology (late), resolved 18 March; result; no account; fee asked on 6 March
    # and paid online through the gateway on 8 March; status updates delivered two days late; one file reused
    # from the store, one upload not digitized.
    a3 = dossier(w, 3, received=at(5), due=at(20), resolved=at(18), extended_at=at(10), paid_online=True)
    result(a3)
    asked = event(a3, 4, "request_payment", at(6))
    event(a3, 1, "confirm_payment", at(8))
    Payment.objects.create(dossier=a3, event=asked, reference="T-A3-PAY", amount=20000, status="paid", paid_at=at(8))
    portal(a3, 2, at(5), at(7))
    portal(a3, 3, at(18), at(20))
    DossierDocument.objects.create(dossier=a3, original_name="r.pdf", content_type="application/pdf", size=1,
                                   sha256="1" * 64, source="reuse")
    DossierDocument.objects.create(dossier=a3, original_name="u.pdf", content_type="application/pdf", size=1,
                                   sha256="2" * 64, source="upload")
    # A4: online, due 20 March, still being processed at the end of March: overdue, so late.
    dossier(w, 4, received=at(6), due=at(20))
    # A5: online, due 5 April: not decided in March (counts only where "received" is the denominator).
    dossier(w, 5, received=at(7), due=at(5, month=4))
    # A6: online, on time, result, filed by a business (its tax code: in the business's store).
    a6 = dossier(w, 6, received=at(8), due=at(15), resolved=at(13), applicant="0401234567")
    result(a6)
    # A7: online, resolved before its date but asked for a supplement twice: late.
    a7 = dossier(w, 7, received=at(9), due=at(16), resolved=at(12), supplement_count=2)
    result(a7)
    # Outside March, not counted: received and resolved in February; a draft.
    dossier(w, 8, received=at(3, month=2), due=at(10, month=2), resolved=at(9, month=2))
    Dossier.objects.create(procedure=x, version=x.current_version, applicant_name="Nháp", applicant_id_number="1",
                           agency=ward, state="draft")
    # B1: at Justice, procedure Y (not offered online), denied on its very date (17 March): on time.
    dossier(w, 1, agency="B", channel=FilingChannel.COUNTER, received=at(10), due=at(17), resolved=at(17),
            outcome="denied")

    # Feedback to A. F1: accepted on time, answered on time, rated satisfied. F2: accepted late (10 > 7
    # March), answered in time, rated not satisfied. F3: rejected on time. F4: never accepted, overdue since
    # 24 March. F5: a complaint about A2, being handled, answer due in April (not due in March).
    feedback(w, 1, sent=at(2), accept_due=at(4), answer_due=at(21), state="answered", accepted=at(3),
             finished=at(20), level=2, rated=at(22))
    feedback(w, 2, sent=at(5), accept_due=at(7), answer_due=at(26), state="answered", accepted=at(10),
             finished=at(25), level=3, rated=at(27))
    feedback(w, 3, sent=at(10), accept_due=at(12), answer_due=at(31), state="rejected", finished=at(11))
    feedback(w, 4, sent=at(20), accept_due=at(24), answer_due=at(10, month=4), state="submitted")
    feedback(w, 5, sent=at(15), accept_due=at(17), answer_due=at(10, month=4), state="accepted", accepted=at(16),
             dossier=a2)
    return w


def _score(world, key):
    totals = ix.roll_up(ix.count(ix.window(MARCH, now=at(20, month=11))))
    return ix.score(totals[world[key].pk], year=2025)


def _points(result):
    return {i["code"]: (i["numerator"], i["denominator"], i["points"]) for g in result["groups"] for i in g["indicators"]}


def _status(result):
    return {i["code"]: i["status"] for g in result["groups"] for i in g["indicators"]}


NOT_HELD = {"T4", "T5", "D5", "D7"}  # 6 + 4 + 2 + 2 = 14 points the portal cannot measure: always 0


def test_ward_a_by_hand(world):
    r = _score(world, "A")
    assert _points(r) == {
        "T1": (1, 1, 2.0),      # X published in full: 1/1 = 100% → 2
        "T2": (2, 7, 2.14),     # synced: A1, A3 of 7 received: 28.57% < 80% → 6 × (2/7) / 0.8 = 2.142… → 2.14
        "T3": (2, 5, 0.0),      # A1's two within the hour; A2 pending, A3's two after 2 days: 40%, followed, 0 points
        "T4": (0, 0, 0.0),      # not held: 0 of 6
        "T5": (0, 0, 0.0),      # not held: 0 of 4
        "P1": (3, 7, 10.71),    # received or handled in March: A1–A7; late A2 (resolved after its date), A3
                                # (extended), A4 (past its date, open), A7 (second supplement); on time A1 A5 (open,
                                # due 5 April) A6: 3/7 = 42.86% → 20 × (3/7) / 0.8 = 10.714… → 10.71
        "O1": (6, 7, 12.0),     # online 6 of 7 received (A2 at the counter): 85.7% ≥ 50% → 12
        "O2": (1, 1, 0.0),      # X offered online at A, with an online dossier in March: 100%, followed, 0 points
        "M1": (1, 2, 3.75),     # fee asked in March: A2 (paid at the counter), A3 (paid online): 50% → 6 × 0.5 / 0.8
        "M2": (1, 1, 2.0),      # X (online, fee 20,000 đ) had A3's online payment on 8 March: 100% → 2
        "M3": (1, 1, 2.0),      # X (fee) had fees asked in March: 100% → 2
        "D1": (4, 5, 6.0),      # approved A1 A2 A3 A6 A7; results for all but A2: 80% → 6 (counted here only)
        "D2": (1, 2, 2.5),      # with files A2 (digitized), A3 (an upload not digitized): 4 × 0.5 / 0.8 = 2.5
        "D3": (1, 7, 0.36),     # A3 reused: 2 × (1/7) / 0.8 = 0.357… → 0.36
        "D4": (2, 4, 2.5),      # results A1 (account), A3 (none), A6 (business), A7 (none): 4 × 0.5 / 0.8 = 2.5
        "D5": (0, 0, 0.0),      # not held: 0 of 2
        "D6": (1, 7, 0.36),     # A1 verified with VNeID, of 7 received: 2 × (1/7) / 0.8 = 0.357… → 0.36
        "D7": (0, 0, 0.0),      # not held: 0 of 2
        "S1": (2, 4, 3.75),     # due in March: F1 F2 F3 finished + F4 overdue; on time F1 F3: 6 × 0.5 / 0.8 = 3.75
        "S2": (2, 3, 5.0),      # accepted in March: F1, F2, F5; F2 accepted late and rated not satisfied: (3 − 1)/3
                                # = 66.67% → 6 × (2/3) / 0.8 = 5.0
        "S3": (2, 7, 1.9),      # 100% − (4 late of 7 + 1 disliked (A2: rating and complaint) of 7) = 2/7 = 28.57%
                                # < 90% (Resolution 76's target for 2025) → 6 × (2/7) / 0.9 = 1.904… → 1.9
    }
    assert {c for c, st in _status(r).items() if st == "not_held"} == NOT_HELD
    groups = {g["code"]: (g["points"], g["max"], g["measured_max"]) for g in r["groups"]}
    assert groups == {
        "transparency": (4.14, 18, 8),     # 2 + 2.14 + 0; T4 and T5 (10 points) not measured
        "progress": (10.71, 20, 20),
        "online": (12.0, 12, 12),
        "payment": (7.75, 10, 10),         # 3.75 + 2 + 2
        "digitization": (11.72, 22, 18),   # 6 + 2.5 + 0.36 + 2.5 + 0.36; D5 and D7 (4 points) not measured
        "satisfaction": (10.65, 18, 18),   # 3.75 + 5 + 1.9
    }
    # 4.14 + 10.71 + 12 + 7.75 + 11.72 + 10.65 = 56.97 of the Decision's 100; 86 points measured:
    # 100 × 56.97 / 86 = 66.244… → 66.24
    assert (r["points"], r["max"], r["score"]) == (56.97, 100, 56.97)
    assert (r["measured_max"], r["measured_score"]) == (86, 66.24)


def test_justice_b_by_hand_without_ratings_or_feedback(world):
    # Before: 26 of the 40 points B had something to count, 65.00, ranked above A. Now the indicators with
    # nothing to count score 0 and stay in the 100: 26.00, and 65.00 is no longer the score.
    r = _score(world, "B")
    points, status = _points(r), _status(r)
    assert points["T1"] == (0, 1, 0.0)   # Y lacks its legal basis
    assert points["T2"] == (0, 1, 0.0)   # nothing reached the portal
    assert points["P1"] == (1, 1, 20.0)  # resolved on its very date: on time
    assert points["D3"] == (0, 1, 0.0)
    assert points["D6"] == (0, 1, 0.0)
    assert points["S3"] == (1, 1, 6.0)   # 100% − (0% + 0%) ≥ 90%
    for code in ("T3", "O1", "O2", "M1", "M2", "M3", "D1", "D2", "D4", "S1", "S2"):
        assert points[code][1:] == (0, 0.0) and status[code] == "empty", code  # nothing to count: 0, not dropped
    # 0 + 0 + 20 + 0 + 0 + 6 = 26 of 100; measured T1 2 + T2 6 + P1 20 + D3 2 + D6 2 + S3 6 = 38:
    # 100 × 26 / 38 = 68.42
    assert (r["points"], r["score"], r["measured_max"], r["measured_score"]) == (26.0, 26.0, 38, 68.42)


def test_province_adds_up_its_agencies(world):
    r = _score(world, "P")
    points = _points(r)
    assert points["T1"] == (1, 2, 1.25)   # 2 × 0.5 / 0.8
    assert points["T2"] == (2, 8, 1.88)   # 6 × 0.25 / 0.8 = 1.875
    assert points["P1"] == (4, 8, 12.5)   # A's 3 of 7 + B's 1 of 1: 20 × 0.5 / 0.8
    assert points["D3"] == (1, 8, 0.31)   # 2 × 0.125 / 0.8 = 0.3125
    assert points["D6"] == (1, 8, 0.31)   # 2 × 0.125 / 0.8 = 0.3125
    assert points["S3"] == (3, 8, 2.5)    # (4 on time − 1 disliked) / 8: 6 × 0.375 / 0.9 = 2.5
    # transparency 1.25 + 1.88 = 3.13; progress 12.5; online 12; payment 3.75 + 2 + 2 = 7.75;
    # digitization 6 + 2.5 + 0.31 + 2.5 + 0.31 = 11.62; satisfaction 3.75 + 5 + 2.5 = 11.25: 58.25 of 100;
    # 86 measured: 100 × 58.25 / 86 = 67.73
    assert (r["points"], r["score"], r["measured_max"], r["measured_score"]) == (58.25, 58.25, 86, 67.73)


def test_by_field_and_procedure_split_the_same_counts(world):
    by_procedure = {row["code"]: row for row in ix.breakdown(world["P"], MARCH, "procedure")}
    assert _points(by_procedure["1.001193"])["P1"] == (3, 7, 10.71)  # X is all of A's dossiers
    assert _points(by_procedure["1.009974"])["P1"] == (1, 1, 20.0)
    assert _points(by_procedure["1.001193"])["M2"] == (1, 1, 2.0)  # X offered at A, paid online
    by_field = ix.breakdown(world["P"], MARCH, "field")
    assert len(by_field) == 1 and _points(by_field[0])["P1"] == (4, 8, 12.5)
    worst = ix.worst_procedures(world["P"], MARCH)
    assert [(w["code"], w["late"], w["handled"]) for w in worst] == [("1.001193", 4, 7)]


def test_drilldown_rows_are_the_counted_ones(world):
    w = ix.window(MARCH, now=at(20, month=11))
    p1 = ix.BY_CODE["P1"]
    late = p1.rows(w, missing=True).filter(agency__path__startswith=world["A"].path)
    assert sorted(late.values_list("code", flat=True)) == ["T-A2", "T-A3", "T-A4", "T-A7"]
    # Seven: A5, open and within its date at the end of March, is judged too (it was left out before).
    assert p1.rows(w).filter(agency__path__startswith=world["A"].path).count() == 7
    s3 = ix.BY_CODE["S3"]
    assert sorted(s3.rows(w, missing=True).values_list("code", flat=True)) == ["T-A2", "T-A3", "T-A4", "T-A7"]
    s1 = ix.BY_CODE["S1"]
    assert sorted(s1.rows(w, missing=True).values_list("code", flat=True)) == ["PAKN-T-2", "PAKN-T-4"]
    with pytest.raises(ValueError):
        ix.BY_CODE["T4"].rows(w)  # not measured: no rows to list


def test_no_dossiers_no_score(db):
    province, _justice, _ward = build_agencies()
    r = ix.score(ix.roll_up(ix.count(ix.window(MARCH)))[province.pk])
    assert r["score"] is None and r["measured_score"] is None and r["measured_max"] == 0


def test_only_the_catalog_gives_no_score(world):
    # January 2025: nothing happened, only the standing indicators (the catalog: T1, and the procedures offered:
    # O2, M2, M3) have data.
    january = ix.period_parse("2025-01")
    r = ix.score(ix.roll_up(ix.count(ix.window(january)))[world["A"].pk], year=2025)
    assert _points(r)["T1"] == (1, 1, 2.0)
    assert _points(r)["M2"] == (0, 1, 0.0)  # X offered online with a fee, nothing paid online in January
    assert r["score"] is None and r["measured_score"] is None


def test_waiting_on_the_citizen_is_not_overdue(world):
    # Both due 12 March and open at the end of March; one waits for a supplement (its clock stopped).
    waiting = dossier(world, 20, received=at(28, month=2), due=at(12), state="supplement_requested",
                      paused_at=at(11))
    running = dossier(world, 21, received=at(28, month=2), due=at(12))
    late = ix.BY_CODE["P1"].rows(ix.window(MARCH, now=at(20, month=11)), missing=True)
    assert running in late and waiting not in late


def test_refresh_stores_snapshots_and_replaces_them(world, django_assert_max_num_queries):
    # 5 aggregates (dossiers, feedback, status updates, procedures, the procedures agencies offer) in a
    # transaction (+ jit off and back on PostgreSQL), the agencies, the upsert in its own, the stored splits of
    # the period to refresh (none)
    with django_assert_max_num_queries(14):
        written = index_refresh(periods=["2025-03"], now=at(20, month=11))
    assert written == 3
    snap = IndexSnapshot.objects.get(agency=world["A"], period="2025-03")
    assert snap.score == Decimal("56.97") and snap.data["rules"] == ix.RULES_VERSION
    Rating.objects.filter(level=3).update(level=2)  # A2 rated satisfied after all, but still complained about
    index_refresh(periods=["2025-03"], now=at(20, month=11))
    snap.refresh_from_db()
    assert _points(snap.data)["S3"] == (2, 7, 1.9)
    Feedback.objects.filter(code="PAKN-T-5").update(kind="question")  # not a complaint: S3 = (3 − 0) / 7
    index_refresh(periods=["2025-03"], now=at(20, month=11))
    snap.refresh_from_db()
    assert IndexSnapshot.objects.filter(period="2025-03").count() == 3
    assert _points(snap.data)["S3"] == (3, 7, 2.86)  # 6 × (3/7) / 0.9 = 2.857… → 2.86


def test_periods():
    assert ix.period_parse("2025-Q1").start == dt.datetime(2025, 1, 1, tzinfo=timezone.get_default_timezone())
    assert ix.period_parse("2025-q4").end == dt.datetime(2026, 1, 1, tzinfo=timezone.get_default_timezone())
    assert [p.code for p in ix.period_parse("2025-Q2").months()] == ["2025-04", "2025-05", "2025-06"]
    for bad in ("2025-13", "25", "2025-Q5", "", "1999"):
        with pytest.raises(ValueError):
            ix.period_parse(bad)


# --- pages and API ---------------------------------------------------------------------------------------
def _leader(agency, username="lead"):
    user = User.objects.create_user(username=username, password="x-password-123")
    StaffMembership.objects.create(user=user, agency=agency, role="leader")
    return user


def test_api_returns_groups_numerators_points_and_total(world, client):
    index_refresh(periods=["2025-03"], now=at(20, month=11))
    body = client.get("/api/v1/index766/", {"agency": world["A"].code, "period": "2025-03"}).json()
    assert body["agency"]["code"] == world["A"].code and body["period"]["code"] == "2025-03"
    assert (body["score"], body["points"], body["max"]) == (56.97, 56.97, 100)
    assert (body["measured_score"], body["measured_max"]) == (66.24, 86)
    p1 = next(i for g in body["groups"] for i in g["indicators"] if i["code"] == "P1")
    assert (p1["numerator"], p1["denominator"], p1["points"], p1["max"]) == (3, 7, 10.71, 20)
    t4 = next(i for g in body["groups"] for i in g["indicators"] if i["code"] == "T4")
    assert (t4["status"], t4["points"], t4["max"]) == ("not_held", 0.0, 6) and t4["reason"]
    province = client.get("/api/v1/index766/", {"period": "2025-03"}).json()
    assert {a["code"]: a["score"] for a in province["sub_agencies"]} == {world["A"].code: 56.97, world["B"].code: 26.0}
    by_procedure = client.get("/api/v1/index766/", {"period": "2025-03", "by": "procedure"}).json()
    assert {p["code"] for p in by_procedure["procedure"]} == {"1.001193", "1.009974"}


def test_api_refuses_bad_input(world, client):
    assert client.get("/api/v1/index766/", {"period": "2025-13"}).status_code == 400
    assert client.get("/api/v1/index766/", {"period": "2100"}).status_code == 400  # not begun: nothing to count
    assert client.get("/api/v1/index766/", {"period": "2019"}).status_code == 400  # before the index is kept
    assert client.get("/api/v1/index766/", {"by": "colour"}).status_code == 400
    assert client.get("/api/v1/index766/", {"agency": "999.99.99.H48"}).status_code == 404
    assert client.post("/api/v1/index766/refresh/", {"period": "2025-03"}).status_code in (401, 403)


def test_citizen_sees_only_the_public_page(world, client):
    client.force_login(User.objects.get(username="an"))
    assert client.get("/chi-so-766/").status_code == 403
    assert client.get("/chi-so-766/chi-tiet/", {"indicator": "P1"}).status_code == 403
    client.logout()
    assert client.get("/chi-so-766/").status_code == 302  # to the login page
    page = client.get("/cong-khai/chi-so-766/", {"period": "2025-03"})
    assert page.status_code == 200
    html = page.content.decode()
    assert "Ủy ban nhân dân phường Hải Châu" in html and "T-A1" not in html and "Người 1" not in html


def test_leader_drills_down_only_into_their_agency(world, client):
    client.force_login(_leader(world["A"]))
    late = client.get("/chi-so-766/chi-tiet/", {"agency": world["A"].code, "period": "2025-03", "indicator": "P1",
                                               "missing": "1"})
    assert late.status_code == 200
    assert [o.code for o, _cells in late.context["rows"]] == ["T-A2", "T-A7", "T-A3", "T-A4"]  # by due date, then filed
    assert client.get("/chi-so-766/chi-tiet/", {"agency": world["B"].code, "period": "2025-03",
                                                "indicator": "P1"}).status_code == 403
    assert client.get("/chi-so-766/", {"agency": world["P"].code}).status_code == 403
    csv = client.get("/chi-so-766/chi-tiet/", {"agency": world["A"].code, "period": "2025-03", "indicator": "P1",
                                               "missing": "1", "xuat": "csv"})
    assert csv.status_code == 200 and "T-A4" in csv.content.decode("utf-8-sig")


def test_dashboard_costs_a_fixed_number_of_queries(world, client, django_assert_max_num_queries):
    client.force_login(_leader(world["P"]))
    index_refresh(periods=["2025-03"], now=at(20, month=11))
    client.get("/chi-so-766/", {"period": "2025-03"})  # computes the trend's months once
    with django_assert_max_num_queries(16):
        page = client.get("/chi-so-766/", {"period": "2025-03"})
    assert page.status_code == 200
    # A (56.97) above B (26.00): B is no longer ranked on the 40 points it had something to count (65.00).
    assert [r["agency"].code for r in page.context["ranking"]] == [world["A"].code, world["B"].code]
    xlsx = client.get("/chi-so-766/", {"period": "2025-03", "xuat": "xlsx"})
    assert xlsx["Content-Type"].startswith("application/vnd.openxmlformats")


def test_recompute_now_refreshes_the_trend_months(world, client):
    assert client.post("/chi-so-766/tinh-lai/", {"period": "2025-03"}).status_code == 302  # to log in
    client.force_login(User.objects.get(username="an"))
    assert client.post("/chi-so-766/tinh-lai/", {"period": "2025-03"}).status_code == 403
    assert not IndexSnapshot.objects.exists()
    client.force_login(_leader(world["A"]))
    answer = client.post("/chi-so-766/tinh-lai/", {"period": "2025-03", "agency": world["A"].code})
    assert answer.status_code == 302 and "period=2025-03" in answer["Location"]
    months = {f"2024-{m:02d}" for m in range(4, 13)} | {"2025-01", "2025-02", "2025-03"}
    assert months <= set(IndexSnapshot.objects.filter(agency=world["A"]).values_list("period", flat=True))


# --- computed by the workers, never in a request ------------------------------------------------------------
@pytest.fixture
def no_workers(monkeypatch):
    """Workers that are busy elsewhere: what is asked of them is recorded, not run."""
    asked = []
    monkeypatch.setattr(tasks.index_refresh, "delay", lambda **kw: asked.append(("refresh", kw)))
    monkeypatch.setattr(tasks.index_breakdown, "delay", lambda **kw: asked.append(("breakdown", kw)))
    yield asked
    # Forget what was asked, as the workers would once done, so other tests in this process can ask again.
    for _kind, kw in asked:
        for code in kw.get("periods") or [kw.get("period")]:
            cache.delete(index_request_key(code, kw.get("by", ""), kw.get("agency_id")))


def test_pages_and_api_ask_the_workers_and_say_so(world, client, no_workers):
    client.force_login(_leader(world["P"]))
    page = client.get("/chi-so-766/", {"period": "2025-03"})
    assert page.status_code == 200 and page.context["computing"]
    assert "Chỉ số của kỳ này đang được tính" in page.content.decode()
    assert not IndexSnapshot.objects.exists()  # nothing counted in the request
    trend = [f"2024-{m:02d}" for m in range(4, 13)] + ["2025-01", "2025-02"]
    assert no_workers == [("refresh", {"periods": sorted(["2025-03"])})]
    # Asked once: reloading the page or polling the API does not queue the same work again.
    client.get("/chi-so-766/", {"period": "2025-03"})
    api = client.get("/api/v1/index766/", {"period": "2025-03"})
    assert api.status_code == 202 and api["Retry-After"] == "30" and api.json()["status"] == "computing"
    assert len(no_workers) == 1
    public = client.get("/cong-khai/chi-so-766/", {"period": "2025-03"})
    assert public.status_code == 200 and "đang được tính" in public.content.decode()

    # The workers store the period; the page shows it, and asks for the split by procedure and the trend.
    index_refresh(periods=["2025-03"], now=at(20, month=11))
    page = client.get("/chi-so-766/", {"period": "2025-03"})
    assert not page.context.get("computing") and page.context["worst"] is None
    assert page.context["trend_computing"] == 11
    assert ("breakdown", {"agency_id": world["P"].pk, "period": "2025-03", "by": "procedure"}) in no_workers
    assert ("refresh", {"periods": sorted(trend)}) in no_workers
    assert client.get("/api/v1/index766/", {"period": "2025-03", "by": "field"}).status_code == 202

    # Stored splits are kept fresh with their period.
    index_breakdown_refresh(agency_id=world["P"].pk, period="2025-03", by="procedure", now=at(20, month=11))
    page = client.get("/chi-so-766/", {"period": "2025-03"})
    assert [(w["code"], w["late"]) for w in page.context["worst"]] == [("1.001193", 4)]
    index_refresh(periods=["2025-03"], now=at(21, month=11))
    assert IndexBreakdown.objects.get(period="2025-03", by="procedure").computed_at == at(21, month=11)


def test_beat_fills_in_the_recent_periods_never_computed(world):
    now = at(10, month=4)
    index_refresh(now=now)
    stored = set(IndexSnapshot.objects.filter(agency=world["P"]).values_list("period", flat=True))
    months = {f"2024-{m:02d}" for m in range(5, 13)} | {f"2025-{m:02d}" for m in range(1, 5)}
    assert stored == months | {"2024-Q2", "2024-Q3", "2024-Q4", "2025-Q1", "2025-Q2", "2024", "2025"}
    assert index_missing_periods(now) == []


def test_api_refresh_queues_the_work(world, client, no_workers):
    client.force_login(_leader(world["A"]))
    answer = client.post("/api/v1/index766/refresh/", {"period": "2025-03"})
    assert answer.status_code == 202 and answer.json()["status"] == "queued"
    assert "2025-03" in no_workers[0][1]["periods"]
    assert client.post("/api/v1/index766/refresh/", {"period": "2025-03"}).json()["asked"] == []


def test_the_public_api_is_throttled_per_address(world, client, monkeypatch):
    from django.core.cache import cache
    from rest_framework.throttling import ScopedRateThrottle

    monkeypatch.setattr(ScopedRateThrottle, "THROTTLE_RATES", {"index766": "2/min"})
    index_refresh(periods=["2025-03"], now=at(20, month=11))
    address = {"REMOTE_ADDR": "203.0.113.9"}
    try:
        answers = [client.get("/api/v1/index766/", {"period": "2025-03"}, **address).status_code for _ in range(3)]
        assert answers == [200, 200, 429]
    finally:
        cache.delete_many([k for k in (f"throttle_index766_{a}" for a in ("203.0.113.9",))])
