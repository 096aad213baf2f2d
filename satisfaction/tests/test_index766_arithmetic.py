"""The Decision 766 arithmetic, worked by hand: a small world whose every indicator and the 100-point total
are computed in the comments beside the assertions, then one test per rule.

April 2025, judged at its end (1 May, 00:00). Ward A offers three procedures (``tests.catalog_data``):
K (birth registration, fully online, fee 15,000 đ), H (marriage registration, partly online, fee 30,000 đ) and
C (a counter-only procedure, fee 10,000 đ, its legal basis not published). The rule, from the one table
``index766.DECISION_766``: points = max × min(1, rate / threshold), threshold 80% (50% for O1; for S3 90% in
2025, Resolution 76/NQ-CP's target), each rounded to the hundredth, summed. The score is on 100: T4, T5, D5
and D7 (6 + 4 + 2 + 2 = 14 points) need data the portal does not hold and score 0; ``measured_score`` is
100 × points / the 86 points measured.

The dossiers (ward A; "received" is the appointment clock's start):
  d0  K counter  received 28/3, due 15/4, approved 14/4 with a signed result  (handled in April, received before)
  d1  K online   received 1/4, due 8/4, approved 4/4, result; applicant has an account, verified with VNeID;
                 status update delivered within the hour; its upload digitized; rated very satisfied
  d2  H online   received 2/4, due 9/4 (already moved by 4 working hours waiting on the applicant), approved
                 10/4: late; result; fee asked 3/4 and paid online 3/4; status update delivered
  d3  H counter  received 3/4, due 10/4, approved 9/4, extended with an apology on 5/4: late; no result; fee
                 asked 4/4, paid at the counter; its scan digitized; rated not satisfied
  d4  C counter  received 7/4, due 14/4, still processing: past its date; fee asked 8/4, paid at the counter;
                 its scan not digitized
  d5  K online   received 20/4, due 6/5, processing, asked for a supplement a second time: late; a complaint
                 (feedback f3) about it
  d6  H online   received 22/4, due 10/5, waiting on the applicant since 25/4 for the fee asked 25/4 (not paid)
  d7  K online   received 23/4, due 29/4, approved 28/4, result; applicant has an account; a document reused
                 from the data store; data from the national population database; status update delivered
Feedback to A: f1 accepted 2/4 and answered 21/4 (on time), rated not satisfied; f2 accepted 8/4, answered
29/4 after its date 28/4; f3 (about d5) accepted 15/4, answer due 6/5.
"""

import datetime as dt

import pytest
from django.utils import translation

from accounts.models import StaffMembership, User
from accounts.services import citizen_register
from cases.models import Dossier, DossierDocument, FilingChannel
from digitization.models import DigitizedDocument
from integrations.models import Payment
from procedures.models import Field, LegalDocument
from satisfaction import index766 as ix
from satisfaction.index_service import index_refresh
from satisfaction.models import Rating
from tests.catalog_data import add_procedure, build_agencies

from .test_index766 import at, event, feedback, portal, result

APRIL = ix.period_parse("2025-04")
NOW = at(20, month=11)  # computed long after: April is judged at its end


@pytest.fixture
def april(db):
    province, justice, ward = build_agencies()
    field = Field.objects.create(code="HT", name="Hộ tịch")
    k = add_procedure(code="1.001193", name="Đăng ký khai sinh", field=field, levels=[], agencies=[ward], fee=15000)
    h = add_procedure(code="1.000894", name="Đăng ký kết hôn", field=field, levels=[], agencies=[ward], fee=30000,
                      online="partial")
    c = add_procedure(code="1.001022", name="Chứng thực chữ ký", field=field, levels=[], agencies=[ward], fee=10000,
                      online="info")
    LegalDocument.objects.filter(version=c.current_version).delete()
    citizen = citizen_register(
        username="binh", password="mat-khau-rat-dai-1", email="binh@example.com", full_name="Trần Thị Bình",
        id_number="048190001234", date_of_birth=dt.date(1990, 5, 12), gender="female",
    )
    mine = citizen.citizen_profile.id_number
    w = {"P": province, "A": ward, "B": justice, "K": k, "H": h, "C": c, "citizen": citizen}

    def make(n, procedure, *, channel=FilingChannel.ONLINE, received, due, resolved=None, state=None, **fields):
        return Dossier.objects.create(
            code=f"T4-{n}", procedure=procedure, version=procedure.current_version, applicant_name=f"Người {n}",
            applicant_id_number=fields.pop("applicant", "079090000000"), channel=channel, agency=ward,
            submitted_at=received, received_at=received, due_at=due, resolved_at=resolved,
            outcome="approved" if resolved else "", state=state or ("returned" if resolved else "processing"),
            **fields,
        )

    def scanned(d, source="scan", digitized=True):
        doc = DossierDocument.objects.create(dossier=d, original_name="a.pdf", content_type="application/pdf", size=1,
                                             sha256=f"{d.pk:064d}", source=source)
        if digitized:
            DigitizedDocument.objects.create(kind="component", status="done", dossier=d, component=doc,
                                             owner_id_number=d.applicant_id_number, owner_name=d.applicant_name,
                                             document_type="TK", document_type_name="Tờ khai",
                                             procedure_code=d.procedure.code)

    d0 = make(0, k, channel=FilingChannel.COUNTER, received=at(28), due=at(15, month=4), resolved=at(14, month=4))
    result(d0)
    d1 = make(1, k, received=at(1, month=4), due=at(8, month=4), resolved=at(4, month=4), applicant=mine,
              applicant_verified=True)
    result(d1)
    portal(d1, 1, at(1, month=4), at(1, 10, month=4))
    scanned(d1, source="upload")
    Rating.objects.create(dossier=d1, user=citizen, agency=ward, level=1)
    d2 = make(2, h, received=at(2, month=4), due=at(9, month=4), resolved=at(10, month=4), paid_online=True,
              paused_minutes=240)
    result(d2)
    portal(d2, 1, at(2, month=4), at(2, 10, month=4))
    asked = event(d2, 2, "request_payment", at(3, month=4))
    event(d2, 3, "confirm_payment", at(3, 11, month=4))
    Payment.objects.create(dossier=d2, event=asked, reference="T4-2-PAY", amount=30000, status="paid",
                           paid_at=at(3, 11, month=4))
    d3 = make(3, h, channel=FilingChannel.COUNTER, received=at(3, month=4), due=at(10, month=4),
              resolved=at(9, month=4), extended_at=at(5, month=4))
    event(d3, 1, "request_payment", at(4, month=4))
    event(d3, 2, "confirm_payment", at(4, 11, month=4))
    scanned(d3)
    Rating.objects.create(dossier=d3, user=citizen, agency=ward, level=3)
    d4 = make(4, c, channel=FilingChannel.COUNTER, received=at(7, month=4), due=at(14, month=4))
    event(d4, 1, "request_payment", at(8, month=4))
    event(d4, 2, "confirm_payment", at(9, month=4))
    scanned(d4, digitized=False)
    d5 = make(5, k, received=at(20, month=4), due=at(6, month=5), supplement_count=2)
    d6 = make(6, h, received=at(22, month=4), due=at(10, month=5), state="awaiting_payment", paused_at=at(25, month=4))
    event(d6, 1, "request_payment", at(25, month=4))
    d7 = make(7, k, received=at(23, month=4), due=at(29, month=4), resolved=at(28, month=4), applicant=mine,
              national_databases=[{"code": "CSDLQGDC", "name": "Cơ sở dữ liệu quốc gia về dân cư"}])
    result(d7)
    portal(d7, 1, at(23, month=4), at(23, 10, month=4))
    scanned(d7, source="reuse", digitized=False)

    feedback(w, 1, sent=at(1, month=4), accept_due=at(3, month=4), answer_due=at(22, month=4), state="answered",
             accepted=at(2, month=4), finished=at(21, month=4), level=3, rated=at(23, month=4))
    feedback(w, 2, sent=at(7, month=4), accept_due=at(9, month=4), answer_due=at(28, month=4), state="answered",
             accepted=at(8, month=4), finished=at(29, month=4), level=1, rated=at(30, month=4))
    feedback(w, 3, sent=at(14, month=4), accept_due=at(16, month=4), answer_due=at(6, month=5), state="accepted",
             accepted=at(15, month=4), dossier=d5)
    w.update(d0=d0, d1=d1, d2=d2, d3=d3, d4=d4, d5=d5, d6=d6, d7=d7)
    return w


def _result(w, key="A"):
    totals = ix.roll_up(ix.count(ix.window(APRIL, now=NOW)))
    return ix.score(totals[w[key].pk], year=2025)


def _figures(r):
    return {i["code"]: (i["numerator"], i["denominator"], i["points"]) for g in r["groups"] for i in g["indicators"]}


def test_every_indicator_and_the_total_by_hand(april):
    r = _result(april)
    assert _figures(r) == {
        # Transparency, 18.
        "T1": (2, 3, 1.67),    # in force: K, H, C; C's legal basis missing: 2/3 = 66.67% < 80% → 2 × (2/3) / 0.8
                               # = 1.666… → 1.67
        "T2": (3, 7, 3.21),    # received in April: d1–d7; every status at the portal: d1, d2, d7: 3/7 = 42.86%
                               # → 6 × (3/7) / 0.8 = 3.214… → 3.21
        "T3": (3, 3, 0.0),     # the 3 status updates delivered within the hour: 100%, followed, no points
        "T4": (0, 0, 0.0),     # not held by the portal: 0 of 6
        "T5": (0, 0, 0.0),     # not held by the portal: 0 of 4
        # Progress, 20.
        "P1": (4, 8, 12.5),    # received or handled in April: d0 (received in March, open on 1/4) + d1–d7 = 8;
                               # late d2 (resolved 10/4 > 9/4), d3 (extended), d4 (past 14/4, open), d5 (second
                               # supplement); on time d0 d1 d6 (within its date) d7: 4/8 = 50% → 20 × 0.5 / 0.8
        # Online service, 12.
        "O1": (5, 6, 12.0),    # received of procedures offered online (K, H): d1 d2 d3 d5 d6 d7 = 6; online 5
                               # (d3 at the counter): 83.33% ≥ 50% → 12; no result asked (D1 counts it)
        "O2": (2, 2, 0.0),     # offered online at A: K, H; each with an online dossier received in April: 100%, no
                               # points of its own
        # Online payment, 10.
        "M1": (1, 4, 1.88),    # fee asked in April: d2 (online), d3 (counter), d4 (counter), d6 (not yet paid) = 4;
                               # paid online: d2: 25% → 6 × 0.25 / 0.8 = 1.875 → 1.88
        "M2": (1, 2, 1.25),    # offered online with a fee: K, H; paid online in April: H (d2): 50% → 2 × 0.5 / 0.8
        "M3": (2, 3, 1.67),    # with a fee: K, H, C; a fee asked in April: H (d2 d3 d6), C (d4): 2/3 → 2 × (2/3) /
                               # 0.8 = 1.666… → 1.67
        # Digitization, 22.
        "D1": (4, 5, 6.0),     # approved in April: d0 d1 d2 d3 d7; signed result: all but d3: 80% → 6
        "D2": (3, 4, 3.75),    # received with files: d1 (digitized), d3 (digitized), d4 (not), d7 (reused, so
                               # digitized): 75% → 4 × 0.75 / 0.8 = 3.75
        "D3": (1, 7, 0.36),    # reused from the data store: d7 of 7: 2 × (1/7) / 0.8 = 0.357… → 0.36
        "D4": (2, 4, 2.5),     # approved with a result: d0 d1 d2 d7; owner with an account: d1, d7: 50% → 4 × 0.5
                               # / 0.8 = 2.5
        "D5": (0, 0, 0.0),     # not held: 0 of 2
        "D6": (2, 7, 0.71),    # population database: d1 (VNeID), d7 (recorded) of 7: 2 × (2/7) / 0.8 = 0.714… → 0.71
        "D7": (0, 0, 0.0),     # not held: 0 of 2
        # Satisfaction, 18.
        "S1": (1, 2, 3.75),    # due in April: f1 (on time), f2 (answered late): 50% → 6 × 0.5 / 0.8 = 3.75
        "S2": (1, 3, 2.5),     # accepted in April: f1 f2 f3; f1 rated not satisfied, f2 late: (3 − 2) / 3 = 33.33%
                               # → 6 × (1/3) / 0.8 = 2.5
        "S3": (2, 8, 1.67),    # 100% − (4 late of 8 + 2 disliked (d3 rated not satisfied, d5 complained about)
                               # of 8) = 2/8 = 25% < 90% → 6 × 0.25 / 0.9 = 1.666… → 1.67
    }
    assert {g["code"]: g["points"] for g in r["groups"]} == {
        "transparency": 4.88,    # 1.67 + 3.21 + 0
        "progress": 12.5,
        "online": 12.0,
        "payment": 4.8,          # 1.88 + 1.25 + 1.67
        "digitization": 13.32,   # 6 + 3.75 + 0.36 + 2.5 + 0.71
        "satisfaction": 7.92,    # 3.75 + 2.5 + 1.67
    }
    # 4.88 + 12.5 + 12 + 4.8 + 13.32 + 7.92 = 55.42 of the Decision's 100.
    assert (r["points"], r["max"], r["score"]) == (55.42, 100, 55.42)
    # Measured: 100 − 14 not held = 86 points; 100 × 55.42 / 86 = 64.441… → 64.44, shown beside it, labelled.
    assert (r["measured_max"], r["measured_score"]) == (86, 64.44)


def test_the_stored_snapshot_is_the_hand_count(april):
    index_refresh(periods=["2025-04"], now=NOW)
    from satisfaction.models import IndexSnapshot

    snap = IndexSnapshot.objects.get(agency=april["A"], period="2025-04")
    assert float(snap.score) == 55.42 and snap.data["measured_score"] == 64.44
    # The province adds up its agencies: B counts nothing, so P's figures are A's.
    province = IndexSnapshot.objects.get(agency=april["P"], period="2025-04")
    assert float(province.score) == 55.42


# --- rule 1: what cannot be measured scores 0 and stays in the 100 ------------------------------------------
def test_not_measured_scores_zero_and_stays_in_the_hundred():
    # Only P1 has something to count (9 on time of 10 = 90% ≥ 80% → 20) and the standing T1 (1 of 1 → 2).
    counts = {code: [0, 0, 0] for code in ix.DECISION_766}
    counts["P1"] = [9, 10, 0]
    counts["T1"] = [1, 1, 0]
    r = ix.score(counts, year=2025)
    status = {i["code"]: i for g in r["groups"] for i in g["indicators"]}
    # Points earned 20 + 2 = 22 of the Decision's 100: the score is 22.00, not 100 × 22 / 22.
    assert (r["points"], r["score"]) == (22.0, 22.0)
    # The share of what could be measured, apart and labelled: 22 of the 22 points measured = 100.00.
    assert (r["measured_max"], r["measured_score"]) == (22, 100.0)
    for code in ("T4", "T5", "D5", "D7"):
        assert (status[code]["status"], status[code]["points"]) == ("not_held", 0.0) and status[code]["reason"]
    for code in ("T2", "O1", "M1", "S1"):
        assert (status[code]["status"], status[code]["points"], status[code]["rate"]) == ("empty", 0.0, None)
    assert sum(i["max"] for i in status.values()) == 100


def test_the_points_and_thresholds_are_one_table():
    assert sum(rule.points for rule in ix.DECISION_766.values()) == 100
    assert {code: ix.DECISION_766[code].points for code in ("P1", "O1", "M1", "D1", "S3")} == {
        "P1": 20, "O1": 12, "M1": 6, "D1": 6, "S3": 6}
    assert ix.DECISION_766["O1"].threshold(2025) == ix.P50
    # S3 follows Resolution 76/NQ-CP: at least 90% to 2025, 95% to 2030 (and after, until a new target).
    s3 = ix.DECISION_766["S3"]
    assert (s3.threshold(2024), s3.threshold(2025), s3.threshold(2026), s3.threshold(2031)) == (
        ix.Decimal("0.9"), ix.Decimal("0.9"), ix.Decimal("0.95"), ix.Decimal("0.95"))
    r = ix.score({"S3": [19, 20, 0], "P1": [1, 1, 0]}, year=2026)
    s3_result = next(i for g in r["groups"] for i in g["indicators"] if i["code"] == "S3")
    # 95% ≥ 95% (2026's target) → 6; in 2025 the same rate would be ≥ 90% → 6 as well; 93% in 2026: 6 × 0.93 /
    # 0.95 = 5.87
    assert (s3_result["threshold"], s3_result["points"]) == (95.0, 6.0)
    r = ix.score({"S3": [93, 100, 0], "P1": [1, 1, 0]}, year=2026)
    assert next(i for g in r["groups"] for i in g["indicators"] if i["code"] == "S3")["points"] == 5.87


# --- rule 2: an electronic result is counted once ------------------------------------------------------------
def test_an_electronic_result_is_counted_by_d1_alone(april):
    before = _figures(_result(april))
    # d2 (online, approved) loses its signed result.
    DigitizedDocument.objects.filter(dossier=april["d2"], kind="result").delete()
    after = _figures(_result(april))
    changed = {code for code in before if before[code] != after[code]}
    # D1: 3 of 5 approved have a result: 60% → 6 × 0.6 / 0.8 = 4.5. D4 judges the results that exist (its
    # denominator: approved with a result), so d2 leaves it: 2 of 3 (d1, d7; d0 none) → 4 × (2/3) / 0.8 = 3.33.
    assert changed == {"D1", "D4"}
    assert after["D1"] == (3, 5, 4.5) and after["D4"] == (2, 3, 3.33)
    # The online-service indicators do not ask for the result: d2 still counts as filed online.
    assert after["O1"] == before["O1"] == (5, 6, 12.0)


# --- rule 3: the payment denominator ------------------------------------------------------------------------
def test_online_payment_counts_every_dossier_asked_to_pay(april):
    w = ix.window(APRIL, now=NOW)
    m1 = ix.BY_CODE["M1"]
    # Every dossier asked to pay in April, whoever took the money: online (d2), at the counter (d3, d4), not yet
    # (d6). d0, d1, d5, d7 had no fee asked.
    assert sorted(m1.rows(w).values_list("code", flat=True)) == ["T4-2", "T4-3", "T4-4", "T4-6"]
    assert sorted(m1.rows(w, missing=True).values_list("code", flat=True)) == ["T4-3", "T4-4", "T4-6"]
    # A fee asked in March is March's, even if the dossier is handled in April.
    event(april["d0"], 1, "request_payment", at(29))
    assert m1.rows(w).count() == 4


# --- rule 4: the procedure-level shares ---------------------------------------------------------------------
def test_procedure_shares_count_each_procedure_an_agency_offers(april):
    w = ix.window(APRIL, now=NOW)

    def codes(indicator, **kw):
        rows = ix.BY_CODE[indicator].rows(w, **kw).filter(agency__path__startswith=april["A"].path)
        return sorted(rows.values_list("procedureversion__procedure__code", flat=True))

    k, h, c = april["K"].code, april["H"].code, april["C"].code
    assert codes("O2") == sorted([k, h])           # offered online (C is counter-only)
    assert codes("O2", missing=True) == []         # both had an online dossier in April
    assert codes("M2") == sorted([k, h])           # offered online and with a fee
    assert codes("M2", missing=True) == [k]        # K's fee was never paid online in April
    assert codes("M3") == sorted([k, h, c])        # with a fee
    assert codes("M3", missing=True) == [k]        # no fee asked for K in April
    # Another agency's dossier of the same procedure does not count for A.
    Dossier.objects.filter(code="T4-2").update(agency=april["B"])
    assert codes("M2", missing=True) == sorted([k, h])


# --- rule 5: the province's targets on the dashboard --------------------------------------------------------
def test_the_dashboard_draws_the_province_targets_and_lists_the_agencies_below(april, client):
    leader = User.objects.create_user(username="lanh-dao", password="x-password-123")
    StaffMembership.objects.create(user=leader, agency=april["P"], role="leader")
    client.force_login(leader)
    index_refresh(periods=["2025-04"], now=NOW)
    page = client.get("/chi-so-766/", {"period": "2025-04"})
    assert page.status_code == 200
    targets = {t["code"]: t for t in page.context["targets"]}
    # On time: A 50% < 96%; B had nothing to count (not listed, no figure). Satisfaction with dossiers: A 25%
    # < 92%. Online: A 83.33% ≥ 80%.
    assert [(b["agency"].code, b["rate"]) for b in targets["P1"]["below"]] == [(april["A"].code, 50.0)]
    assert [(b["agency"].code, b["rate"]) for b in targets["S3"]["below"]] == [(april["A"].code, 25.0)]
    assert targets["O1"]["below"] == []
    assert (targets["P1"]["target"], targets["S3"]["target"], targets["O1"]["target"]) == (96.0, 92.0, 80.0)
    charts = page.context["charts"]["targets"]
    assert [c["code"] for c in charts] == ["P1", "S3", "O1"] and charts[0]["trend"][-1] == 50.0
    html = page.content.decode()
    # The rows not measured say so, with their reason (in the page's language).
    with translation.override("vi"):
        assert str(ix.BY_CODE["T4"].not_held) in html
    assert 'data-indicator="T4" data-status="not_held"' in html


# --- rule 6: why each late dossier counts as late -----------------------------------------------------------
def test_the_late_drilldown_says_why(april, client):
    leader = User.objects.create_user(username="lanh-dao", password="x-password-123")
    StaffMembership.objects.create(user=leader, agency=april["A"], role="leader")
    client.force_login(leader)
    page = client.get("/chi-so-766/chi-tiet/", {"agency": april["A"].code, "period": "2025-04", "indicator": "P1",
                                               "missing": "1"})
    assert page.status_code == 200
    with translation.override("vi"):
        labels = {key: str(label) for key, label, _condition in ix.LATE_REASONS}
        waited = translation.gettext("%(hours)s working hours") % {"hours": "4"}  # 240 working minutes
    why = {obj.code: (cells[-2], cells[-1]) for obj, cells in page.context["rows"]}
    assert why == {
        "T4-2": (labels["resolved"], waited),          # resolved 10/4 after 9/4; the 4 hours waited were not counted
        "T4-3": (labels["extended"], ""),              # an apology letter moved its date
        "T4-4": (labels["due"], ""),                   # past 14/4, still processing on 1 May
        "T4-5": (labels["supplement"], ""),            # a second supplement request
    }
    # The export carries the same reasons.
    csv = client.get("/chi-so-766/chi-tiet/", {"agency": april["A"].code, "period": "2025-04", "indicator": "P1",
                                              "missing": "1", "xuat": "csv"}).content.decode("utf-8-sig")
    assert labels["supplement"] in csv and "T4-5" in csv


def test_a_not_measured_indicator_has_no_rows_but_says_why(april, client):
    leader = User.objects.create_user(username="lanh-dao", password="x-password-123")
    StaffMembership.objects.create(user=leader, agency=april["A"], role="leader")
    client.force_login(leader)
    page = client.get("/chi-so-766/chi-tiet/", {"agency": april["A"].code, "period": "2025-04", "indicator": "D5"})
    assert page.status_code == 200 and "rows" not in page.context
    with translation.override("vi"):
        assert str(ix.BY_CODE["D5"].not_held) in page.content.decode()


def test_a_dossier_is_judged_in_every_month_it_was_handled_in(april):
    # d0 was received on 28 March and resolved on 14 April, by its date (15 April): handled in March (open and
    # within its date at the end of March) and in April (resolved on time).
    march = ix.window(ix.period_parse("2025-03"), now=NOW)
    april_w = ix.window(APRIL, now=NOW)
    p1 = ix.BY_CODE["P1"]
    assert april["d0"] in p1.rows(march) and april["d0"] not in p1.rows(march, missing=True)
    assert april["d0"] in p1.rows(april_w) and april["d0"] not in p1.rows(april_w, missing=True)
    # Resolved in May after its date instead: April (judged on 1 May) sees it open past 15 April (late, "due"),
    # and March still sees it within its date.
    Dossier.objects.filter(pk=april["d0"].pk).update(resolved_at=at(5, month=5))
    assert april["d0"] in p1.rows(april_w, missing=True)
    assert april["d0"] not in p1.rows(march, missing=True)
    why = p1.rows(april_w).annotate(**ix.late_annotations()).get(pk=april["d0"].pk)
    with translation.override("en"):
        assert ix.late_reasons(why) == ["past its appointment date, not resolved"]
