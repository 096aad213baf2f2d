"""The Decision 766 index at scale: a province's year with a million dossiers in PostgreSQL.

    .venv/bin/python bench/index766.py [--dossiers 1000000] [--year 2025] [--repeat 3] [--repeat-periods 2]
        [--no-explain] [--json /tmp/index766.json] [--keep] [--reuse]

Needs PostgreSQL (--postgres, BENCH_POSTGRES_URL, default postgres://postgres@127.0.0.1:5432, trust auth, a
superuser: the load turns foreign-key triggers off for its own session) and about 20 GB of disk for a million
dossiers. Makes the database ``dvc_bench_index766`` (dropped and created again; dropped at the end, on an
error, Ctrl-C or SIGTERM too, unless --keep; --reuse measures a kept one without loading it again), and a
temporary folder for MEDIA_ROOT and SIGNING_DIR (the load writes no file).

1. Load (printed step by step). Migrate; the indexes of the index766 migrations (INDEX766_MIGRATIONS) are
   dropped and built again after the bulk load, each build timed, with the server's maintenance_work_mem.
   The demo agencies, catalog and accounts (``procedures.demo``'s parts, without the demo's dossiers);
   --procedures procedures of the national file converted and imported as ``bench/catalog.py`` does, given
   agencies by ``procedure_agencies_assign``; communes added under the province up to --communes (Đà Nẵng
   has 94 since July 2025), each implementing the commune-level procedures. Citizens with accounts (one per
   5 dossiers) and businesses. Then --dossiers dossiers received over the working days of --year, the
   database as it stood at the end of that year: agency (communes three quarters) and procedure (a few
   take most), channel, state, the clock's dates, supplements, payments, extensions, outcome, decided in
   Python (seeded) and COPied into a staging table; from it, in SQL (INSERT ... SELECT), every dossier's
   events, one portal delivery per event (the national record as payload, about 1.4 kB; some late, pending
   or dead) plus e-mail and SMS notifications and the portal's re-syncs, files (some reused from the data
   store), digitized components and signed results (some failed), ratings; feedback (one per 50 dossiers)
   COPied. VACUUM ANALYZE at the end.
2. Measured in a fresh interpreter (the same script, ``--measure-only``), in the order a new database lives
   through it. Pages are requested in-process with ``django.test.Client`` as a leader of the province (an
   account made by the load), with the Celery tasks the pages ask for recorded instead of run (``Workers``:
   ``CELERY_TASK_ALWAYS_EAGER`` off, ``satisfaction.tasks.index_refresh`` / ``index_breakdown`` replaced) and
   the locks of ``index_service.index_request`` cleared before each request (locmem cache); each page: one
   unmeasured request whose template context is checked, then --repeat measured ones (milliseconds, median;
   queries; SQL ms; response bytes; what it asked of the workers; the snapshots and splits stored before and
   after, which must not change).
   1. Nothing stored: the dashboard ``/chi-so-766/?period=YEAR`` (``computing`` in its context), the API
      ``/api/v1/index766/?period=YEAR`` (202), the public page.
   2. The workers' work, each call's seconds, queries, SQL seconds by table and peak resident memory (VmHWM,
      reset before each call): beat's backfill on the empty tables, ``index_service.index_refresh(periods=
      index_service.index_recent_periods(now))`` with ``now`` 31 December at 17:00 (12 months,
      4 quarters, the year); ``index_refresh(periods=[YEAR])`` --repeat times; the 12 months and 4
      quarters in one call --repeat-periods times.
   3. Snapshots stored, no split: the dashboard (worst procedures ``None``, "being computed"), the API
      (200), ``&by=procedure`` and ``&by=field`` (202, Retry-After).
   4. ``index_service.index_breakdown_refresh`` for the province and the year, by procedure and by field; and
      for one commune by procedure (then deleted).
   5. Everything stored: the dashboard, the API ``&by=procedure`` and ``&by=field`` (200), the public page;
      none may ask the workers for anything.
   6. ``index_refresh(periods=[YEAR])`` once more, now that it also refreshes the two stored splits.
   Then (unless --no-explain) EXPLAIN (ANALYZE, BUFFERS) with ``jit`` off, as ``count`` runs it, of
   ``count``'s dossier aggregate (``WITH RECURSIVE "ix_dossiers" AS MATERIALIZED (...)``) and deliveries
   aggregate for the year and for June, and of the dossier aggregate by procedure within the province.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import importlib
import json
import os
import random
import resource
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from bisect import bisect, bisect_left
from collections import defaultdict
from pathlib import Path
from unittest import mock
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from catalog import DEFAULT_SOURCE  # noqa: E402

DATABASE = "dvc_bench_index766"
TZ = "Asia/Ho_Chi_Minh"
LEADER = "bench.leader766"
# Working minutes of a day (7:30-11:30, 13:30-17:00): the clock of every date below.
DAY = 450
MORNING = 240

FAMILY = ["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Huỳnh", "Phan", "Vũ", "Võ", "Đặng", "Bùi", "Đỗ", "Hồ", "Ngô", "Dương"]
MIDDLE = ["Văn", "Thị", "Hữu", "Đức", "Minh", "Ngọc", "Thanh", "Quốc", "Thu", "Gia"]
GIVEN = ["An", "Bình", "Châu", "Dũng", "Giang", "Hà", "Hải", "Hạnh", "Hùng", "Khánh", "Lan", "Long", "Mai", "Nam",
         "Nga", "Phúc", "Quân", "Sơn", "Tâm", "Thảo", "Trang", "Tuấn", "Vy", "Yến"]
STREETS = ["Lê Duẩn", "Trần Phú", "Hùng Vương", "Nguyễn Văn Linh", "Điện Biên Phủ", "Bạch Đằng", "Ông Ích Khiêm",
           "Hàm Nghi", "Tôn Đức Thắng", "Ngô Quyền", "Nguyễn Tất Thành", "Phạm Văn Đồng"]
COMMUNE_NAMES = ["Hòa Khánh", "Liên Chiểu", "Hòa Cường", "Ngũ Hành Sơn", "Cẩm Lệ", "An Khê", "An Hải", "Hòa Xuân",
                 "Bà Nà", "Hòa Tiến", "Tam Kỳ", "Hội An", "Điện Bàn", "Thăng Bình", "Duy Xuyên", "Núi Thành",
                 "Đại Lộc", "Quế Sơn", "Tiên Phước", "Phú Ninh", "Nam Giang", "Tây Giang", "Đông Giang",
                 "Phước Sơn", "Hiệp Đức", "Nông Sơn", "Bắc Trà My", "Nam Trà My"]


# --- the run's resources ---------------------------------------------------------------------------------
class Server:
    """The PostgreSQL server and the bench database on it."""

    def __init__(self, url: str):
        parts = urlsplit(url)
        self.params = {"user": parts.username or "postgres", "password": parts.password or None,
                       "host": parts.hostname or "127.0.0.1", "port": parts.port or 5432}
        auth = self.params["user"] + (f":{parts.password}" if parts.password else "")
        self.database_url = f"postgres://{auth}@{self.params['host']}:{self.params['port']}/{DATABASE}"

    def _maintenance(self):
        import psycopg2

        connection = psycopg2.connect(dbname="postgres", **self.params)
        connection.autocommit = True
        return connection

    def exists(self) -> bool:
        connection = self._maintenance()
        try:
            with connection.cursor() as cursor:
                cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [DATABASE])
                return cursor.fetchone() is not None
        finally:
            connection.close()

    def recreate(self, *, create: bool) -> None:
        from psycopg2 import sql

        connection = self._maintenance()
        try:
            with connection.cursor() as cursor:
                cursor.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(DATABASE)))
                if create:
                    cursor.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(DATABASE)))
        finally:
            connection.close()


def peak_mb() -> float:
    """This process's peak resident memory since the last ``reset_peak`` (VmHWM; ru_maxrss on other systems,
    which Linux carries over from the parent, so it would show the loader's peak)."""
    with contextlib.suppress(OSError):
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return round(int(line.split()[1]) / 1024, 1)
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def rss_mb() -> float:
    with contextlib.suppress(OSError):
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return round(int(line.split()[1]) / 1024, 1)
    return 0.0


def reset_peak() -> None:
    """Start the peak over from the current resident size (Linux: clear_refs 5)."""
    with contextlib.suppress(OSError):
        Path("/proc/self/clear_refs").write_text("5")


def median(values):
    return round(statistics.median(values), 3)


def sql_exec(statement: str, params=None) -> int:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(statement, params)
        return cursor.rowcount


def sql_rows(statement: str, params=None) -> list[tuple]:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(statement, params)
        return cursor.fetchall()


class Timer:
    def __init__(self, figures: dict, name: str):
        self.figures, self.name = figures, name

    def __enter__(self):
        self.started = time.perf_counter()
        print(f"  {self.name} ...", end="", flush=True)
        return self

    def __exit__(self, *exc):
        seconds = round(time.perf_counter() - self.started, 1)
        self.figures[self.name] = seconds
        print(f" {seconds} s", flush=True)


# --- the calendar: working minutes ---------------------------------------------------------------------
class Calendar:
    """Working days around ``year`` (weekends and Vietnamese public holidays off); a moment is a number of
    working minutes since the first day, so durations in working time are sums."""

    def __init__(self, year: int):
        from zoneinfo import ZoneInfo

        from procedures.working_calendar import public_holidays

        self.tz = ZoneInfo(TZ)
        off = {day: name for y in range(year - 1, year + 4) for day, name in public_holidays(y).items()}
        day, last = dt.date(year - 1, 12, 1), dt.date(year + 3, 12, 31)
        self.days = []
        while day <= last:
            if day.weekday() < 5 and day not in off:
                self.days.append(day)
            day += dt.timedelta(days=1)
        self.year_days = [i for i, d in enumerate(self.days) if d.year == year]
        self.ordinals = [d.toordinal() for d in self.days]

    def at(self, minute: float) -> dt.datetime:
        index, into = divmod(int(minute), DAY)
        if into == 0 and minute > 0 and index > 0:  # the end of a day is 17:00, not 7:30 the next
            index, into = index - 1, DAY
        day = self.days[index]
        start = 7 * 60 + 30 + into if into < MORNING else 13 * 60 + 30 + into - MORNING
        return dt.datetime(day.year, day.month, day.day, start // 60, start % 60, tzinfo=self.tz)

    def minute_of(self, moment: dt.datetime) -> int:
        """The first working minute at or after ``moment``."""
        local = moment.astimezone(self.tz)
        index = bisect_left(self.ordinals, local.date().toordinal())
        if self.days[index] != local.date():
            return index * DAY
        clock = local.hour * 60 + local.minute
        if clock < 7 * 60 + 30:
            return index * DAY
        if clock < 11 * 60 + 30:
            return index * DAY + clock - (7 * 60 + 30)
        if clock < 13 * 60 + 30:
            return index * DAY + MORNING
        if clock < 17 * 60:
            return index * DAY + MORNING + clock - (13 * 60 + 30)
        return (index + 1) * DAY


def iso(moment: dt.datetime | None) -> str:
    return "\\N" if moment is None else moment.isoformat()


# --- loading ---------------------------------------------------------------------------------------------
class Load:
    def __init__(self, args, figures: dict):
        self.args, self.figures = args, figures
        self.rng = random.Random(args.seed)
        self.year = args.year
        self.timings: dict[str, float] = {}
        figures["load_seconds"] = self.timings

    def run(self) -> None:
        from django.core.management import call_command

        started = time.perf_counter()
        print("load:")
        with Timer(self.timings, "migrate"):
            call_command("migrate", verbosity=0, interactive=False)
        # The index's own indexes (the index766 migrations) are built after the bulk load, as on a database that
        # already holds the rows when it migrates; each build is timed.
        definitions = dict(sql_rows("SELECT indexname, indexdef FROM pg_indexes WHERE indexname = ANY(%s)",
                                    [index766_indexes()]))
        assert sorted(definitions) == sorted(index766_indexes()), definitions
        for name in definitions:
            sql_exec(f'DROP INDEX "{name}"')
        with Timer(self.timings, "agencies, catalog and accounts"):
            self.catalog()
        with Timer(self.timings, "citizens and businesses"):
            self.people()
        from django.db import connection

        with connection.cursor() as cursor:
            # This session only: no foreign-key triggers (the rows are consistent by construction; checking
            # ~20 million deferred references at each statement's commit would take longer than writing
            # them), and room to sort and hash.
            cursor.execute("SET session_replication_role = replica")
            cursor.execute("SET work_mem = '256MB'")
            cursor.execute("SET maintenance_work_mem = '512MB'")
            cursor.execute("SELECT setseed(%s)", [(self.args.seed % 1000) / 1000])
        with Timer(self.timings, "dossiers (generate and COPY)"):
            self.dossiers()
        with Timer(self.timings, "events"):
            self.events()
        with Timer(self.timings, "deliveries"):
            self.deliveries()
        with Timer(self.timings, "files and digitized documents"):
            self.documents()
        with Timer(self.timings, "ratings and feedback"):
            self.ratings()
            self.feedback()
        with connection.cursor() as cursor:
            cursor.execute("DROP TABLE bench_stage")
            cursor.execute("SET session_replication_role = DEFAULT")
            cursor.execute("RESET work_mem")
            cursor.execute("RESET maintenance_work_mem")  # the server's, as `migrate` would build them with
        built = self.figures["index766_indexes"] = {}
        with Timer(self.timings, "index766 indexes"):
            for name, definition in definitions.items():
                begun = time.perf_counter()
                sql_exec(definition)
                built[name] = {"build_s": round(time.perf_counter() - begun, 1),
                               "mb": round(sql_rows("SELECT pg_relation_size(%s::regclass)", [name])[0][0] / 2**20, 1)}
            print(f" {built}", end="")
        with Timer(self.timings, "VACUUM ANALYZE"), connection.cursor() as cursor:
            cursor.execute("VACUUM (ANALYZE)")
        self.timings["total"] = round(time.perf_counter() - started, 1)
        print(f"  total {self.timings['total']} s")

    # -- agencies, catalog, accounts ----------------------------------------------------------------------
    def catalog(self) -> None:
        from accounts.demo import DEMO_PASSWORD, demo_accounts_load
        from accounts.services import staff_account_create
        from procedures import demo
        from procedures.catalog_convert import convert_records, demo_catalog_records, load_source
        from procedures.models import Agency, StaffRole
        from procedures.services import catalog_import

        first_day = dt.date(self.year, 1, 1)
        agencies = demo.agencies_load()
        report = catalog_import(records=demo_catalog_records(), source="demo catalog", today=first_day)
        assert report.ok, report.errors[:3]
        if self.args.procedures:
            records = convert_records(load_source(self.args.source), limit=self.args.procedures).records
            report = catalog_import(records=records, source="bench index766", today=first_day)
            assert report.ok, report.errors[:3]
        demo.procedure_agencies_assign(agencies=agencies)
        demo_accounts_load(agencies=agencies, password=DEMO_PASSWORD)
        root = Agency.objects.get(code=demo.PROVINCE)
        demo_commune = Agency.objects.get(code="000.11.31.H48")
        have = Agency.objects.filter(level=Agency.Level.COMMUNE).count()
        made = []
        for n in range(15, 15 + max(0, self.args.communes - have)):
            kind = "phường" if n % 3 else "xã"
            name = f"Ủy ban nhân dân {kind} {COMMUNE_NAMES[n % len(COMMUNE_NAMES)]} {n}"
            made.append(Agency.objects.add_child(root, create_kwargs={
                "code": f"000.{n:02d}.31.H48", "name": name, "level": Agency.Level.COMMUNE,
                "address": f"{n} {STREETS[n % len(STREETS)]}, {kind} {n}, thành phố Đà Nẵng",
            }))
        if made:
            # The new communes implement what the demo's communes implement (the commune-level procedures).
            sql_exec(
                "INSERT INTO procedures_procedureversion_agencies (procedureversion_id, agency_id) "
                "SELECT va.procedureversion_id, a.id FROM procedures_procedureversion_agencies va "
                "CROSS JOIN procedures_agency a WHERE va.agency_id = %s AND a.id = ANY(%s)",
                [demo_commune.pk, [a.pk for a in made]],
            )
        staff_account_create(username=LEADER, password=DEMO_PASSWORD, email="leader766@example.com",
                             first_name="Lãnh đạo", last_name="Tỉnh", agency=root, role=StaffRole.LEADER,
                             title="Chủ tịch UBND")
        self.figures["agencies"] = Agency.objects.count()
        self.figures["procedures"] = sql_rows(
            "SELECT count(*) FROM procedures_procedure WHERE is_active AND current_version_id IS NOT NULL")[0][0]

    def people(self) -> None:
        citizens = max(1000, self.args.dossiers // 5)
        businesses = max(100, self.args.dossiers // 200)
        sql_exec(
            "INSERT INTO accounts_user (password, is_superuser, username, first_name, last_name, email, is_staff, "
            "is_active, date_joined) SELECT '!', false, 'bench.citizen.' || n, '', '', "
            "'citizen' || n || '@example.com', false, true, now() FROM generate_series(1, %s) n",
            [citizens],
        )
        first, last, count = sql_rows(
            "SELECT min(id), max(id), count(*) FROM accounts_user WHERE username LIKE 'bench.citizen.%%'")[0]
        assert last - first + 1 == count == citizens
        self.citizen_first, self.citizens = first, citizens
        sql_exec(
            "INSERT INTO accounts_citizenprofile (full_name, id_number, date_of_birth, gender, phone, address, user_id) "
            "SELECT 'Công dân ' || (u.id - %s + 1), '048' || lpad((u.id - %s + 1)::text, 9, '0'), "
            "date '1960-01-01' + (u.id %% 15000)::int, CASE WHEN u.id %% 2 = 0 THEN 'female' ELSE 'male' END, "
            "'09' || lpad((u.id %% 100000000)::text, 8, '0'), '', u.id "
            "FROM accounts_user u WHERE u.id BETWEEN %s AND %s",
            [first, first, first, last],
        )
        sql_exec(
            "INSERT INTO accounts_business (name, tax_code, address, phone, email, representative) "
            "SELECT 'Công ty TNHH Thử nghiệm ' || n, '04' || lpad(n::text, 8, '0'), '', '', '', '' "
            "FROM generate_series(1, %s) n",
            [businesses],
        )
        self.businesses = sql_rows(
            "SELECT id, tax_code, name FROM accounts_business WHERE name LIKE 'Công ty TNHH Thử nghiệm %%' ORDER BY id")

    # -- dossiers -----------------------------------------------------------------------------------------
    def offers(self):
        """Per agency: its procedures (version, online level, working days, fee), Zipf-weighted (a few
        procedures take most dossiers), and the agency's own weight (communes take three quarters)."""
        rows = sql_rows(
            "SELECT a.id, a.code, a.level, p.id, p.code, v.id, v.online_level, "
            "coalesce((SELECT max(t.amount) FROM procedures_processingtime t WHERE t.version_id = v.id "
            "AND t.unit = 'working_days'), 5), "
            "EXISTS(SELECT 1 FROM procedures_fee f WHERE f.version_id = v.id AND f.amount > 0), "
            "v.name, fl.code "
            "FROM procedures_procedure p JOIN procedures_procedureversion v ON v.id = p.current_version_id "
            "JOIN procedures_procedureversion_agencies va ON va.procedureversion_id = v.id "
            "JOIN procedures_agency a ON a.id = va.agency_id JOIN procedures_field fl ON fl.id = v.field_id "
            "WHERE p.is_active ORDER BY a.id, p.id"
        )
        by_agency = defaultdict(list)
        meta = {}
        for agency_id, code, level, *offer in rows:
            by_agency[agency_id].append(offer)
            meta[agency_id] = (code, level)
        agencies, weights = [], []
        for agency_id, offers in sorted(by_agency.items()):
            self.rng.shuffle(offers)
            cumulative, total = [], 0.0
            for rank in range(len(offers)):
                total += 1 / (rank + 1) ** 1.1
                cumulative.append(total)
            code, level = meta[agency_id]
            size = self.rng.lognormvariate(0, 0.5)  # wards differ in population
            share = (75 if level == "commune" else 25) * size
            agencies.append((agency_id, code, offers, cumulative))
            weights.append((level, share))
        communes = sum(s for lvl, s in weights if lvl == "commune") or 1
        others = sum(s for lvl, s in weights if lvl != "commune") or 1
        cumulative, total = [], 0.0
        for level, share in weights:
            total += share / (communes if level == "commune" else others) * (0.75 if level == "commune" else 0.25)
            cumulative.append(total)
        return agencies, cumulative

    def dossiers(self) -> None:
        sql_exec("""
            CREATE UNLOGGED TABLE bench_stage (
                id bigint PRIMARY KEY, code text, procedure_id bigint, version_id bigint, owner_id bigint,
                business_id bigint, applicant_name text, applicant_id_number text, applicant_phone text,
                applicant_email text, applicant_address text, channel smallint, agency_id bigint, state text,
                form_data jsonb, delivery text, submitted_at timestamptz, received_at timestamptz,
                due_at timestamptz, paused_at timestamptz, paused_minutes int, extended_at timestamptz,
                resolved_at timestamptz, returned_at timestamptz, finished_at timestamptz, outcome text,
                supplement_count smallint, paid_online bool,
                forwarded_at timestamptz, step_at timestamptz, sup1_at timestamptz, sup1_back_at timestamptz,
                sup2_at timestamptz, sup2_back_at timestamptz, pay_at timestamptz, paid_at timestamptz,
                n_docs smallint, reused bool, result text, rating smallint, rated_at timestamptz,
                agency_code text, procedure_code text, procedure_name text, field_code text
            )""")
        self.calendar = Calendar(self.year)
        self.feedback_sources = []
        first_id = 1 + (sql_rows("SELECT coalesce(max(id), 0) FROM cases_dossier")[0][0])
        # The generator must not touch the connection while the COPY runs on it: the offers are read first.
        offers = self.offers()
        LineStream(self.dossier_lines(first_id, offers)).copy("COPY bench_stage FROM STDIN")
        sql_exec("""
            INSERT INTO cases_dossier (id, state, code, applicant_name, applicant_id_number, applicant_phone,
                applicant_email, applicant_address, channel, form_data, delivery, delivery_address, tracking_number,
                created_at, submitted_at, received_at, due_at, paused_at, paused_minutes, extended_at, resolved_at,
                returned_at, finished_at, outcome, supplement_count, agency_id, business_id, owner_id, procedure_id,
                version_id, holder_id, paid_online, applicant_verified, national_databases)
            SELECT id, state, code, applicant_name, applicant_id_number, applicant_phone, applicant_email,
                applicant_address, channel, form_data, delivery, '', '', submitted_at, submitted_at, received_at,
                due_at, paused_at, paused_minutes, extended_at, resolved_at, returned_at, finished_at, outcome,
                supplement_count, agency_id, business_id, owner_id, procedure_id, version_id, agency_id, paid_online,
                false, '[]'::jsonb
            FROM bench_stage ORDER BY id""")
        sql_exec("SELECT setval(pg_get_serial_sequence('cases_dossier', 'id'), (SELECT max(id) FROM cases_dossier))")

    def dossier_lines(self, first_id: int, offers):
        """One line of COPY text per dossier; the generator keeps memory flat."""
        rng, cal, year = self.rng, self.calendar, self.year
        agencies, cumulative = offers
        total_weight = cumulative[-1]
        year_days = cal.year_days
        end = cal.minute_of(dt.datetime(year + 1, 1, 1, tzinfo=cal.tz))  # the database as at the year's end
        sequence = defaultdict(int)
        feedback_every = max(1, self.args.feedback_every)
        for n in range(self.args.dossiers):
            pk = first_id + n
            agency_id, agency_code, choices, weights = agencies[bisect(cumulative, rng.random() * total_weight)]
            offer = choices[min(len(choices) - 1, bisect(weights, rng.random() * weights[-1]))]
            (procedure_id, procedure_code, version_id, online_level, days, has_fee, procedure_name,
             field_code) = offer
            days = min(200, max(0, int(days)))  # a few catalog entries say years
            day_index = year_days[int(rng.random() * len(year_days))]
            received = day_index * DAY + int(rng.random() * DAY)
            online_offered = online_level in ("full", "partial")
            r = rng.random()
            channel = (2 if r < 0.62 else 3 if r < 0.63 else 1) if online_offered else (3 if r < 0.03 else 1)
            received_at = cal.at(received)
            submitted_at = received_at if channel == 1 else received_at - dt.timedelta(hours=1 + rng.random() * 40)
            day = cal.days[day_index]
            sequence[(agency_id, day)] += 1
            code = f"{agency_code}-{day:%y%m%d}-{sequence[(agency_id, day)]:04d}"

            # Who applies: online, a citizen with an account; at the counter, four in ten have one.
            owner_id = business_id = None
            if channel == 2 or rng.random() < 0.4:
                k = int(rng.random() * self.citizens)
                owner_id = self.citizen_first + k
                id_number = f"048{k + 1:09d}"
                if channel != 2:
                    owner_id = None if rng.random() < 0.5 else owner_id
            else:
                id_number = f"079{int(rng.random() * 10**9):09d}"
            name = f"{rng.choice(FAMILY)} {rng.choice(MIDDLE)} {rng.choice(GIVEN)}"
            if rng.random() < 0.06:
                business_id, id_number, name = self.businesses[int(rng.random() * len(self.businesses))]
            phone = f"09{int(rng.random() * 10**8):08d}"
            email = f"nguoi{pk}@example.com" if channel == 2 and rng.random() < 0.7 else ""
            address = f"{int(rng.random() * 300) + 1} {rng.choice(STREETS)}, thành phố Đà Nẵng"

            # What happens, in working minutes from reception; then cut at the year's end.
            state, outcome, supplements = "processing", "", 0
            sup1 = sup1_back = sup2 = sup2_back = pay = paid = extended = step = None
            resolved = returned = finished = paused = None
            due = (received // DAY + days) * DAY + DAY  # 17:00 of the last working day
            allowed = max(DAY // 2, due - received)
            waits = 0  # working minutes waiting on the applicant: the appointment moves by as much
            fate = rng.random()
            rec_at = received_at
            if channel != 1 and fate < 0.025:
                state, finished, rec_at = "refused", received + int(rng.uniform(30, 600)), None
            elif fate < 0.04:
                state, finished = "withdrawn", received + int(allowed * rng.uniform(0.1, 0.6))
            elif fate < 0.043:
                state, finished = "suspended", received + int(allowed * rng.uniform(0.3, 0.9))
            forwarded = received + int(rng.uniform(10, 240)) if rec_at is not None else None
            extension = 0
            if state == "processing":
                s = rng.random()
                supplements = 2 if s < 0.02 else 1 if s < 0.15 else 0
                clock = forwarded
                if supplements:
                    sup1 = clock + int(allowed * rng.uniform(0.05, 0.3))
                    sup1_back = sup1 + int(rng.uniform(0.5, 6) * DAY)
                    waits += sup1_back - sup1
                    clock = sup1_back
                if supplements == 2:
                    sup2 = clock + int(allowed * rng.uniform(0.05, 0.2))
                    sup2_back = sup2 + int(rng.uniform(0.5, 4) * DAY)
                    waits += sup2_back - sup2
                    clock = sup2_back
                if days >= 2:
                    step = clock + int(allowed * rng.uniform(0.1, 0.4))
                if has_fee:
                    pay = clock + int(allowed * rng.uniform(0.2, 0.5))
                    paid = pay + int(rng.uniform(0.05, 2) * DAY)
                    waits += paid - pay
                if rng.random() < 0.03:  # extended with an apology, a few days before the date
                    extended = due + waits - int(rng.uniform(0.1, 1) * DAY)
                    extension = int(rng.uniform(2, 5)) * DAY
                late = rng.random() < 0.09
                spent = allowed * (rng.uniform(1.0, 1.6) if late else rng.uniform(0.3, 0.98))
                resolved = max(received + 60, received + waits + extension + int(spent), clock + 30)
                if step is not None and step >= resolved:
                    step = None
                outcome = "denied" if rng.random() < 0.04 else "approved"
                returned = resolved + (0 if channel == 2 else int(rng.uniform(0, 4) * DAY))
            due += waits + extension
            # The database as it stood at the year's end: later moments are not there.
            paused_minutes = waits
            paused_state = None
            for begun, ended, waiting in ((sup1, sup1_back, "supplement_requested"),
                                          (sup2, sup2_back, "supplement_requested"), (pay, paid, "awaiting_payment")):
                if begun is not None and ended >= end:
                    due -= ended - begun  # not back yet: the appointment has not moved
                    paused_minutes -= ended - begun
                    if begun < end:
                        paused, paused_state = begun, waiting
            if extended is not None and extended >= end:
                due -= extension
                extended = None

            def cut(minute):
                return None if minute is None or minute >= end else minute

            sup1, sup1_back, sup2, sup2_back = cut(sup1), cut(sup1_back), cut(sup2), cut(sup2_back)
            pay, paid, step, forwarded = cut(pay), cut(paid), cut(step), cut(forwarded)
            if finished is not None and finished >= end:
                finished, state = None, "processing" if forwarded is not None else "received"
            if resolved is not None and resolved >= end:
                resolved = returned = None
                outcome = ""
                state = paused_state or ("processing" if forwarded is not None else "received")
            elif resolved is not None:
                state = "resolved"
                if returned < end:
                    state, finished = "returned", returned
                else:
                    returned = None
            if state not in ("supplement_requested", "awaiting_payment"):
                paused = None
            paid_online = paid is not None and rng.random() < (0.75 if channel == 2 else 0.2)

            # Files, result, rating.
            n_docs = rng.randint(2, 4) if channel == 2 else rng.randint(1, 3)
            reused = channel == 2 and rng.random() < 0.15
            result = ""
            if outcome == "approved" and resolved is not None:
                r = rng.random()
                result = "done" if r < (0.96 if channel == 2 else 0.85) else "failed" if r < 0.97 else ""
            rating = 0
            rated_at = None
            if resolved is not None and owner_id is not None and rng.random() < 0.3:
                was_late = resolved > due or extended is not None or sup2 is not None
                r = rng.random()
                rating = (1 if r < 0.3 else 2 if r < 0.75 else 3) if was_late else (1 if r < 0.6 else 2 if r < 0.95 else 3)
                rated = (returned or resolved) + int(rng.uniform(0, 3) * DAY)
                if rated < end:
                    rated_at = cal.at(rated)
                else:
                    rating = 0
            if n % feedback_every == 0:
                self.feedback_sources.append((pk, agency_id, procedure_id, received))

            def at(minute):
                return None if minute is None else cal.at(minute)

            form = json.dumps({"ho_ten": name, "so_dinh_danh": id_number, "dia_chi": address, "so_dien_thoai": phone,
                               "noi_dung_de_nghi": "Đề nghị cơ quan xem xét giải quyết theo quy định.",
                               "so_ban": 1 + n % 3, "nhan_ket_qua": "truc_tuyen" if channel == 2 else "tai_quay"},
                              ensure_ascii=False)
            fields = [
                pk, code, procedure_id, version_id, owner_id, business_id, name, id_number, phone, email, address,
                channel, agency_id, state, form, "online" if channel == 2 else "counter", iso(submitted_at),
                iso(rec_at), iso(at(due) if rec_at is not None else None), iso(at(paused)), paused_minutes,
                iso(at(extended)), iso(at(resolved)), iso(at(returned)), iso(at(finished)), outcome,
                (1 if sup1 is not None else 0) + (1 if sup2 is not None else 0), "t" if paid_online else "f",
                iso(at(forwarded)), iso(at(step)), iso(at(sup1)), iso(at(sup1_back)), iso(at(sup2)),
                iso(at(sup2_back)), iso(at(pay)), iso(at(paid)), n_docs, "t" if reused else "f", result,
                rating, iso(rated_at), agency_code, procedure_code, procedure_name.replace("\t", " ").replace("\n", " "),
                field_code,
            ]
            yield "\t".join("\\N" if f is None else str(f) for f in fields) + "\n"
            if (n + 1) % 100_000 == 0:
                print(f" {n + 1:,}", end="", flush=True)

    # -- what the dossiers left behind --------------------------------------------------------------------
    def events(self) -> None:
        sql_exec("""
            INSERT INTO cases_dossierevent (dossier_id, seq, action, actor_name, at, from_state, to_state, reason, data)
            SELECT s.id, e.seq, e.action, e.actor, e.at, e.from_state, e.to_state, '', '{}'::jsonb
            FROM bench_stage s CROSS JOIN LATERAL (
                SELECT row_number() OVER (ORDER BY v.at, v.ord) AS seq, v.* FROM (VALUES
                    (1, 'submit', CASE WHEN s.channel <> 1 THEN s.submitted_at END, 'draft', 'submitted', s.applicant_name),
                    (2, 'intake', CASE WHEN s.channel = 1 THEN s.received_at END, 'draft', 'received', 'Cán bộ tiếp nhận'),
                    (3, 'receive', CASE WHEN s.channel <> 1 THEN s.received_at END, 'submitted', 'received', 'Cán bộ tiếp nhận'),
                    (4, 'refuse', CASE WHEN s.state = 'refused' THEN s.finished_at END, 'submitted', 'refused', 'Cán bộ tiếp nhận'),
                    (5, 'forward', s.forwarded_at, 'received', 'processing', 'Cán bộ tiếp nhận'),
                    (6, 'request_supplement', s.sup1_at, 'processing', 'supplement_requested', 'Chuyên viên'),
                    (7, 'supplement', s.sup1_back_at, 'supplement_requested', 'processing', s.applicant_name),
                    (8, 'request_supplement', s.sup2_at, 'processing', 'supplement_requested', 'Chuyên viên'),
                    (9, 'supplement', s.sup2_back_at, 'supplement_requested', 'processing', s.applicant_name),
                    (10, 'complete_step', s.step_at, 'processing', 'processing', 'Chuyên viên'),
                    (11, 'request_payment', s.pay_at, 'processing', 'awaiting_payment', 'Chuyên viên'),
                    (12, 'confirm_payment', s.paid_at, 'awaiting_payment', 'processing',
                        CASE WHEN s.paid_online THEN '' ELSE 'Cán bộ tiếp nhận' END),
                    (13, 'extend', s.extended_at, 'processing', 'processing', 'Lãnh đạo'),
                    (14, CASE WHEN s.outcome = 'denied' THEN 'deny' ELSE 'approve' END, s.resolved_at, 'processing',
                        'resolved', 'Lãnh đạo'),
                    (15, 'return_result', s.returned_at, 'resolved', 'returned', 'Cán bộ tiếp nhận'),
                    (16, 'withdraw', CASE WHEN s.state = 'withdrawn' THEN s.finished_at END, 'processing', 'withdrawn', s.applicant_name),
                    (17, 'suspend', CASE WHEN s.state = 'suspended' THEN s.finished_at END, 'processing', 'suspended', 'Lãnh đạo')
                ) AS v(ord, action, at, from_state, to_state, actor) WHERE v.at IS NOT NULL
            ) e""")

    def deliveries(self) -> None:
        status = ("CASE to_state WHEN 'submitted' THEN 1 WHEN 'received' THEN 2 WHEN 'refused' THEN 3 "
                  "WHEN 'processing' THEN 4 WHEN 'supplement_requested' THEN 5 WHEN 'awaiting_payment' THEN 6 "
                  "WHEN 'withdrawn' THEN 7 WHEN 'suspended' THEN 8 WHEN 'resolved' THEN 9 ELSE 10 END")
        stamp = "to_char({} AT TIME ZONE 'Asia/Ho_Chi_Minh', 'YYYYMMDDHH24MISS')"
        # The national record (sync and progress) as the outbox writes it: about 1.4 kB.
        payload = f"""jsonb_build_object(
            'sync', jsonb_build_object('MaHoSo', s.code, 'MaTTHC', s.procedure_code, 'TenTTHC', s.procedure_name,
                'MaLinhVuc', s.field_code, 'ChuHoSo', s.applicant_name, 'LoaiDoiTuong', 1,
                'MaDoiTuong', s.applicant_id_number, 'DiaChiChuHoSo', s.applicant_address,
                'SoDienThoaiChuHoSo', s.applicant_phone, 'EmailChuHoSo', s.applicant_email,
                'DonViXuLy', s.agency_code, 'KenhThucHien', s.channel,
                'NgayNopHoSo', {stamp.format('s.submitted_at')}, 'NgayTiepNhan', coalesce({stamp.format('s.received_at')}, ''),
                'NgayHenTra', coalesce({stamp.format('s.due_at')}, ''), 'NgayTra', '', 'TrangThaiHoSo', {status},
                'KetQuaXuLy', '', 'DanhSachLePhi', '[]'::jsonb,
                'TaiLieuNop', (SELECT jsonb_agg(jsonb_build_object('TepDinhKemId', g::text,
                    'TenTepDinhKem', 'tai-lieu-' || g || '.pdf', 'MaHashTep', md5(s.code || g) || md5(g || s.code),
                    'DuocSoHoa', 1, 'DuocTaiSuDung', 0, 'MaGiayToSoHoa', '', 'MaThanhPhanHoSo', '',
                    'TenThanhPhanHoSo', 'Thành phần hồ sơ số ' || g || ' theo quy định của thủ tục'))
                    FROM generate_series(1, s.n_docs) g)),
            'progress', jsonb_build_object('MaHoSo', s.code, 'NguoiXuLy', e.actor_name, 'ChucDanh', 'Chuyên viên',
                'ThoiDiemXuLy', {stamp.format('e.at')}, 'PhongBanXuLy', s.agency_code, 'NoiDungXuLy', e.action,
                'TrangThai', {status}, 'NgayBatDau', {stamp.format('e.at')},
                'NgayKetThucTheoQuyDinh', coalesce({stamp.format('s.due_at')}, '')))"""  # noqa: S608
        # Portal: one per event. Most go within two minutes; 3% wait out an outage of 1-4 days; a few are
        # given up (dead) or still pending.
        sql_exec(f"""
            INSERT INTO integrations_delivery (consumer, status, dossier_id, event_id, topic, payload, attempts,
                next_attempt_at, last_error, created_at, delivered_at)
            SELECT 'portal', CASE WHEN e.r < 0.002 THEN 'dead' WHEN e.r < 0.004 THEN 'pending' ELSE 'delivered' END,
                e.dossier_id, e.id, e.action, {payload},
                CASE WHEN e.r < 0.002 THEN 8 WHEN e.r < 0.034 THEN 3 ELSE 1 END, e.at,
                CASE WHEN e.r < 0.004 THEN 'HTTP 503 from the national portal' ELSE '' END, e.at,
                CASE WHEN e.r < 0.004 THEN NULL
                     WHEN e.r < 0.034 THEN e.at + interval '1 day' * (1 + 3 * e.r2)
                     ELSE e.at + interval '1 second' * (1 + 120 * e.r2) END
            FROM (SELECT ev.*, random() AS r, random() AS r2 FROM cases_dossierevent ev) e
            JOIN bench_stage s ON s.id = e.dossier_id""")  # noqa: S608 - our own SQL fragments  # noqa: S608 - our own SQL fragments
        # The portal's re-syncs that no action caused (a result digitized): no event.
        sql_exec(f"""
            INSERT INTO integrations_delivery (consumer, status, dossier_id, event_id, topic, payload, attempts,
                next_attempt_at, last_error, created_at, delivered_at)
            SELECT 'portal', 'delivered', s.id, NULL, 'digitized', {payload.replace('e.actor_name', "''").replace(
                "e.action", "'digitized'").replace('e.at', 's.resolved_at').replace('to_state', "'resolved'")},
                1, s.resolved_at, '', s.resolved_at, s.resolved_at + interval '30 seconds'
            FROM bench_stage s WHERE s.result = 'done'""")  # noqa: S608 - our own SQL fragments
        # The citizen's e-mail and SMS for the steps they are told about.
        sql_exec("""
            INSERT INTO integrations_delivery (consumer, status, dossier_id, event_id, topic, payload, attempts,
                next_attempt_at, last_error, created_at, delivered_at)
            SELECT c.consumer, 'delivered', e.dossier_id, e.id, e.topic,
                CASE WHEN c.consumer = 'email' THEN jsonb_build_object('to', s.applicant_email,
                    'subject', 'Hồ sơ ' || s.code || ': ' || e.topic,
                    'body', 'Kính gửi ' || s.applicant_name || ', hồ sơ ' || s.code || ' của ông/bà đã được cập nhật. '
                        || 'Tra cứu tình trạng hồ sơ tại cổng dịch vụ công của thành phố. Trân trọng.')
                ELSE jsonb_build_object('to', s.applicant_phone, 'text', 'Ho so ' || s.code || ': ' || e.topic) END,
                1, e.at, '', e.at, e.at + interval '5 seconds'
            FROM (SELECT ev.*, CASE ev.action WHEN 'intake' THEN 'received' WHEN 'receive' THEN 'received'
                    WHEN 'request_supplement' THEN 'supplement' WHEN 'request_payment' THEN 'payment'
                    WHEN 'approve' THEN 'result' WHEN 'deny' THEN 'result' WHEN 'return_result' THEN 'returned'
                    WHEN 'refuse' THEN 'refused' WHEN 'extend' THEN 'apology' END AS topic
                  FROM cases_dossierevent ev) e
            JOIN bench_stage s ON s.id = e.dossier_id
            CROSS JOIN (VALUES ('email'), ('sms')) c(consumer)
            WHERE e.topic IS NOT NULL AND (c.consumer = 'sms' OR s.applicant_email <> '')""")

    def documents(self) -> None:
        sql_exec("""
            INSERT INTO cases_dossierdocument (dossier_id, file, original_name, content_type, size, sha256, source,
                uploaded_at)
            SELECT s.id, 'dossiers/' || to_char(s.submitted_at, 'YYYY/MM/') || substr(md5(s.id || '-' || g), 1, 16) || '.pdf',
                'tai-lieu-' || g || '.pdf', 'application/pdf', 150000 + (random() * 900000)::int,
                md5(s.code || g) || md5(g || s.code),
                CASE WHEN s.reused AND g = 1 THEN 'reuse' WHEN s.channel = 1 THEN 'scan' ELSE 'upload' END,
                s.submitted_at
            FROM bench_stage s CROSS JOIN LATERAL generate_series(1, s.n_docs) g""")
        # Components: most digitized, a few failed or waiting, some never (4%).
        ocr = "Cộng hòa xã hội chủ nghĩa Việt Nam. Độc lập - Tự do - Hạnh phúc. Tờ khai đề nghị giải quyết thủ tục. " * 5
        sql_exec("""
            INSERT INTO digitization_digitizeddocument (code, verify_key, kind, status, failure_reason, attempts,
                owner_id_number, owner_name, document_type, document_type_name, procedure_code, number_symbol, issuer,
                signer, summary, file, sha256, size, pages, ocr_text, hidden_until_returned, digitized_at, revoked_reason,
                created_at, component_id, dossier_id)
            SELECT NULL, '', 'component', CASE WHEN d.r < 0.93 THEN 'done' WHEN d.r < 0.95 THEN 'failed' ELSE 'pending' END,
                CASE WHEN d.r >= 0.93 AND d.r < 0.95 THEN 'OCR: page unreadable' ELSE '' END, 1,
                s.applicant_id_number, s.applicant_name, 'TK', 'Tờ khai', s.procedure_code, '', '', '', '',
                replace(d.file, 'dossiers/', 'store/'), d.sha256, d.size, 1 + (d.r * 10)::int %% 3,
                CASE WHEN d.r < 0.93 THEN %s ELSE '' END, false,
                CASE WHEN d.r < 0.93 THEN d.uploaded_at + interval '3 minutes' END, '', d.uploaded_at, d.id, d.dossier_id
            FROM (SELECT dd.*, random() AS r FROM cases_dossierdocument dd WHERE dd.source <> 'reuse') d
            JOIN bench_stage s ON s.id = d.dossier_id WHERE d.r < 0.96""", [ocr])
        sql_exec("""
            INSERT INTO digitization_digitizeddocument (code, verify_key, kind, status, failure_reason, attempts,
                owner_id_number, owner_name, document_type, document_type_name, procedure_code, number_symbol, issuer,
                signer, summary, file, sha256, size, pages, ocr_text, hidden_until_returned, digitized_at, revoked_reason,
                created_at, component_id, dossier_id)
            SELECT 'KQ.' || s.code, substr(md5(s.code), 1, 8), 'result', s.result,
                CASE WHEN s.result = 'failed' THEN 'signing: certificate unavailable' ELSE '' END, 1,
                s.applicant_id_number, s.applicant_name, 'KQ', 'Kết quả giải quyết thủ tục hành chính', s.procedure_code,
                s.id || '/QĐ', s.agency_code, 'Lãnh đạo', '', 'store/' || to_char(s.resolved_at, 'YYYY/MM/') || md5(s.code) || '.pdf',
                md5(s.code) || md5(s.code || 'kq'), 60000, 1, '', s.channel <> 2,
                CASE WHEN s.result = 'done' THEN s.resolved_at + interval '1 minute' END, '', s.resolved_at, NULL, s.id
            FROM bench_stage s WHERE s.result <> ''""")

    def ratings(self) -> None:
        sql_exec("""
            INSERT INTO satisfaction_rating (level, criteria, comment, created_at, updated_at, changes, agency_id,
                dossier_id, user_id)
            SELECT s.rating, jsonb_build_object('THOI_GIAN', s.rating, 'THAI_DO', least(s.rating, 2), 'KET_QUA', s.rating),
                CASE WHEN s.rating = 3 THEN 'Giải quyết chậm, phải đi lại nhiều lần.' ELSE '' END,
                s.rated_at, s.rated_at, 0, s.agency_id, s.id, s.owner_id
            FROM bench_stage s WHERE s.rating > 0""")

    def feedback(self) -> None:
        """Feedback (PAKN) on the dossiers sampled while generating them; a third about that very dossier."""

        cal, rng, year = self.calendar, self.rng, self.year
        end = cal.minute_of(dt.datetime(year + 1, 1, 1, tzinfo=cal.tz))

        def lines():
            for n, (dossier_id, agency_id, procedure_id, received) in enumerate(self.feedback_sources, 1):
                submitted = received + int(rng.uniform(0.5, 30) * DAY)
                if submitted >= end:
                    submitted = received + 60
                kind = "feedback" if rng.random() < 0.6 else "proposal" if rng.random() < 0.4 else "question"
                about_dossier = kind == "feedback" and rng.random() < 0.55
                accept_due, info_due, answer_due = submitted + 2 * DAY, submitted + 5 * DAY, submitted + 15 * DAY
                r = rng.random()
                state, accepted, finished, level, rated = "submitted", None, None, None, None
                accepted_m = submitted + int(DAY * (rng.uniform(0.1, 1.9) if r > 0.08 else rng.uniform(2, 4)))
                if r < 0.1:
                    state, finished = "rejected", accepted_m
                else:
                    state, accepted = "accepted", accepted_m
                    finished = submitted + int(DAY * (rng.uniform(3, 14.9) if rng.random() > 0.1 else rng.uniform(15, 25)))
                    state = "answered"
                if accepted is not None and accepted >= end:
                    accepted, finished, state = None, None, "submitted"
                if finished is not None and finished >= end:
                    finished, state = None, "accepted" if accepted is not None else "submitted"
                if state == "answered" and rng.random() < 0.6:
                    q = rng.random()
                    level = 1 if q < 0.45 else 2 if q < 0.85 else 3
                    rated = finished + int(rng.uniform(0, 5) * DAY)
                    if rated >= end:
                        level = rated = None
                fields = [
                    state, f"PAKN-{year}-{n:06d}", kind, f"{rng.choice(FAMILY)} {rng.choice(GIVEN)}",
                    f"09{int(rng.random() * 10**8):08d}", "", "", "Phản ánh về việc giải quyết thủ tục hành chính",
                    "Đề nghị cơ quan xem xét, trả lời về thời gian và cách thức giải quyết hồ sơ.", 0,
                    iso(cal.at(submitted)), iso(cal.at(accept_due)), iso(cal.at(info_due)), iso(cal.at(answer_due)),
                    iso(None if accepted is None else cal.at(accepted)), None, 0,
                    iso(None if finished is None else cal.at(finished)),
                    "Cơ quan đã tiếp nhận và trả lời như sau." if state == "answered" else "",
                    "Không thuộc thẩm quyền." if state == "rejected" else "", level, "",
                    iso(None if rated is None else cal.at(rated)), None, "", "", agency_id,
                    dossier_id if about_dossier else None, procedure_id,
                ]
                yield "\t".join("\\N" if f is None else str(f) for f in fields) + "\n"

        LineStream(lines()).copy(
                "COPY satisfaction_feedback (state, code, kind, sender_name, sender_phone, sender_email, sender_address, "
                "title, content, info_requests, submitted_at, accept_due_at, request_info_due_at, answer_due_at, "
                "accepted_at, paused_at, paused_minutes, finished_at, answer_text, reject_reason, answer_level, "
                "answer_comment, answer_rated_at, published_at, public_question, public_answer, agency_id, dossier_id, "
                "procedure_id) FROM STDIN")


class LineStream:
    """A file-like object over a generator of text lines, for COPY ... FROM STDIN."""

    def __init__(self, lines):
        self.lines, self.buffer, self.error = lines, b"", None

    def read(self, size: int = -1) -> bytes:
        try:
            return self._read(size)
        except Exception as error:  # psycopg2 would report only "no COPY in progress"
            self.error = error
            raise

    def copy(self, statement: str) -> None:
        from django.db import connection

        try:
            with connection.cursor() as cursor:
                cursor.copy_expert(statement, self)
        except Exception:
            if self.error is not None:
                raise self.error from None
            raise

    def _read(self, size: int) -> bytes:
        while size < 0 or len(self.buffer) < size:
            chunk = []
            for line in self.lines:
                chunk.append(line)
                if len(chunk) >= 2000:
                    break
            if not chunk:
                break
            self.buffer += "".join(chunk).encode()
        if size < 0:
            out, self.buffer = self.buffer, b""
        else:
            out, self.buffer = self.buffer[:size], self.buffer[size:]
        return out

    readline = read


# The migrations of the indexes the count reads (commit 2825297): dropped before the bulk load, built after it.
INDEX766_MIGRATIONS = ("cases.migrations.0006_index766", "digitization.migrations.0003_index766",
                       "integrations.migrations.0003_index766")


def index766_indexes() -> list[str]:
    from django.db.migrations.operations import AddIndex

    return [operation.index.name for module in INDEX766_MIGRATIONS
            for operation in importlib.import_module(module).Migration.operations if isinstance(operation, AddIndex)]


# --- measuring -------------------------------------------------------------------------------------------
def database_figures() -> dict:
    tables = ["cases_dossier", "cases_dossierevent", "integrations_delivery", "cases_dossierdocument",
              "digitization_digitizeddocument", "satisfaction_rating", "satisfaction_feedback", "accounts_citizenprofile"]
    out = {}
    for table in tables:
        rows, size = sql_rows(f"SELECT count(*), pg_total_relation_size('{table}') FROM {table}")[0]  # noqa: S608
        out[table] = {"rows": rows, "mb": round(size / 2**20)}
    out["states"] = dict(sql_rows("SELECT state, count(*) FROM cases_dossier GROUP BY 1 ORDER BY 2 DESC"))
    out["portal_deliveries_by_status"] = dict(sql_rows(
        "SELECT status, count(*) FROM integrations_delivery WHERE consumer = 'portal' GROUP BY 1"))
    out["index766_indexes_mb"] = {name: round(size / 2**20, 1) for name, size in sql_rows(
        "SELECT c.relname, pg_relation_size(c.oid) FROM pg_class c WHERE c.relname = ANY(%s) ORDER BY 1",
        [index766_indexes()])}
    out["database_mb"] = round(sql_rows("SELECT pg_database_size(current_database())")[0][0] / 2**20)
    return out


def periods_of(year: int) -> list[str]:
    return [f"{year}-{m:02d}" for m in range(1, 13)] + [f"{year}-Q{q}" for q in range(1, 5)]


def _table_of(statement: str) -> str:
    import re

    found = (re.match(r'WITH (?:RECURSIVE )?"(\w+)"', statement) or re.search(r'COUNT\((?:DISTINCT )?"(\w+)"', statement)
             or re.search(r'(?:FROM|INTO|UPDATE) "(\w+)"', statement))
    return found.group(1) if found else statement[:20]


def timed(call) -> dict:
    """Run ``call()`` once: seconds, SQL queries and SQL seconds by table (a count's aggregate by its CTE,
    ``ix_dossiers`` ...), resident memory before and its peak during the call."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    reset_peak()
    rss = rss_mb()
    with CaptureQueriesContext(connection) as captured:
        started = time.perf_counter()
        result = call()
        seconds = time.perf_counter() - started
    by_table: dict[str, float] = defaultdict(float)
    for q in captured.captured_queries:
        by_table[_table_of(q["sql"])] += float(q["time"])
    return {"seconds": round(seconds, 2), "queries": len(captured.captured_queries), "result": result,
            "rss_before_mb": rss, "peak_mb": peak_mb(), "sql_s_by_table": {k: round(v, 2) for k, v in by_table.items()}}


def timed_refresh(periods: list[str], now: dt.datetime | None = None) -> dict:
    from satisfaction import index_service

    run = timed(lambda: index_service.index_refresh(periods=periods, now=now))
    run["snapshots"] = run.pop("result")
    return run


def print_run(label: str, run: dict) -> None:
    print(f"    {label}: {run['seconds']} s, {run['queries']} queries, SQL s by table {run['sql_s_by_table']}, "
          f"memory {run['rss_before_mb']} MB before, peak {run['peak_mb']} MB", flush=True)


def summarize(runs: list[dict]) -> dict:
    return {"median_s": median([r["seconds"] for r in runs]), "runs_s": [r["seconds"] for r in runs],
            "queries": sorted({r["queries"] for r in runs}), "snapshots": runs[-1].get("snapshots"),
            "rss_before_mb": runs[0]["rss_before_mb"], "peak_mb": max(r["peak_mb"] for r in runs),
            "sql_s_by_table_last_run": runs[-1]["sql_s_by_table"]}


class Workers:
    """The Celery tasks that pages and the API ask for (``index_service.index_request``), recorded instead of run:
    a web process whose workers are elsewhere. Under ``DJANGO_ENV=test`` tasks run eagerly, so without this a
    page would count inside the request."""

    class Task:
        def __init__(self, name: str, asked: list):
            self.name, self.asked = name, asked

        def delay(self, *args, **kwargs):
            self.asked.append({"task": self.name, **kwargs})

    def __enter__(self):
        from django.conf import settings

        from satisfaction import tasks

        self.asked: list[dict] = []
        self.eager = settings.CELERY_TASK_ALWAYS_EAGER
        settings.CELERY_TASK_ALWAYS_EAGER = False
        self.patches = [mock.patch.object(tasks, name, self.Task(name, self.asked))
                        for name in ("index_refresh", "index_breakdown")]
        for patch in self.patches:
            patch.start()
        return self

    def __exit__(self, *exc):
        from django.conf import settings

        for patch in self.patches:
            patch.stop()
        settings.CELERY_TASK_ALWAYS_EAGER = self.eager


@contextlib.contextmanager
def instrumented():
    """Templates' contexts recorded on responses (``response.context``), for the unmeasured check request only:
    the measured ones run without the instrumentation's copies of every context."""
    from django.test.utils import setup_test_environment, teardown_test_environment

    setup_test_environment()
    try:
        yield
    finally:
        teardown_test_environment()


def stored() -> dict:
    from satisfaction.models import IndexBreakdown, IndexSnapshot

    return {"snapshots": IndexSnapshot.objects.count(), "breakdowns": IndexBreakdown.objects.count()}


def measure_page(client, workers: Workers, label: str, path: str, *, status: int, repeat: int, check=None) -> dict:
    """One unmeasured request (its status, and ``check(response)`` on its template context), then ``repeat``
    measured ones: milliseconds (median), queries, SQL ms, response bytes, what it asked of the workers, and
    the snapshots and splits stored before and after (a page never writes them). The locks of
    ``index_service.index_request`` are cleared before each request, so each asks as a first visitor would."""
    from django.core.cache import cache
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    cache.clear()
    with instrumented():
        response = client.get(path)
    assert response.status_code == status, (path, response.status_code, response.content[:300])
    checked = check(response) if check else None
    samples, before = [], stored()
    for _ in range(repeat):
        cache.clear()
        workers.asked.clear()
        with CaptureQueriesContext(connection) as captured:
            started = time.perf_counter()
            response = client.get(path)
            ms = (time.perf_counter() - started) * 1000
        assert response.status_code == status, (path, response.status_code)
        samples.append((ms, len(captured.captured_queries), sum(float(q["time"]) for q in captured.captured_queries) * 1000,
                        len(response.content)))
    after = stored()
    assert after == before, f"{label}: the request wrote {before} -> {after}"
    out = {"status": status, "median_ms": round(statistics.median(s[0] for s in samples)),
           "runs_ms": [round(s[0]) for s in samples], "queries": sorted({s[1] for s in samples}),
           "sql_ms": round(statistics.median(s[2] for s in samples)), "bytes": samples[-1][3],
           "asked": list(workers.asked), "stored": after}
    if response.get("Retry-After"):
        out["retry_after"] = response["Retry-After"]
    if checked is not None:
        out["check"] = checked
    print(f"    {label} ({path}): {out['median_ms']} ms (runs {out['runs_ms']}), {out['queries']} queries, "
          f"SQL {out['sql_ms']} ms, {out['bytes']:,} bytes, HTTP {status}, asked {out['asked']}"
          + (f", check {checked}" if checked is not None else ""), flush=True)
    return out


def _context(response, key):
    context = response.context
    assert context is not None, "no template context recorded"
    return context.get(key) if hasattr(context, "get") else context[key]


def dashboard_nothing_stored(response):
    assert _context(response, "computing") is True, "the dashboard did not say 'being computed'"
    return {"computing": True}


def dashboard_no_split(response):
    assert _context(response, "snapshot") is not None, "no snapshot shown"
    assert _context(response, "worst") is None, "worst procedures were there already"
    return {"computing": bool(_context(response, "computing")), "worst": None,
            "trend_computing": _context(response, "trend_computing")}


def dashboard_warm(response):
    worst = _context(response, "worst")
    assert worst is not None, "worst procedures still being computed"
    return {"worst": len(worst), "trend_computing": _context(response, "trend_computing")}


def measure(args, figures: dict) -> None:
    """Every figure, in the order a new database lives through them (see the module's docstring)."""
    from django.test import Client

    from accounts.models import User
    from procedures.models import Agency
    from satisfaction import index_service
    from satisfaction.models import IndexBreakdown, IndexSnapshot

    year = str(args.year)
    root = Agency.objects.get_root_nodes().first()
    client = Client()
    client.force_login(User.objects.get(username=LEADER))
    dashboard = f"/chi-so-766/?period={year}"
    api = f"/api/v1/index766/?period={year}"
    public = f"/cong-khai/chi-so-766/?period={year}"
    pages = figures["pages"] = {}
    index = figures["index"] = {}

    IndexSnapshot.objects.all().delete()
    IndexBreakdown.objects.all().delete()
    with Workers() as workers:
        print("  1. nothing stored (a new database): the pages ask the workers and answer at once")
        pages["dashboard, nothing stored"] = measure_page(client, workers, "dashboard", dashboard, status=200,
                                                          repeat=args.repeat, check=dashboard_nothing_stored)
        pages["API, nothing stored"] = measure_page(client, workers, "API", api, status=202, repeat=args.repeat)
        pages["public page, nothing stored"] = measure_page(client, workers, "public page", public, status=200,
                                                            repeat=args.repeat)

    print("  2. the workers' work")
    end = dt.datetime(args.year, 12, 31, 17, 0, tzinfo=Calendar(args.year).tz)
    recent = index_service.index_recent_periods(end)
    print(f"    beat's backfill on empty tables: index_refresh(periods=index_recent_periods({end:%Y-%m-%d %H:%M})), "
          f"{len(recent)} periods", flush=True)
    run = timed_refresh(recent, now=end)
    print_run("backfill", run)
    index["backfill"] = {**summarize([run]), "periods": recent}
    runs = []
    print(f"    index_refresh(periods=['{year}']) x{args.repeat}:")
    for n in range(args.repeat):
        runs.append(timed_refresh([year]))
        print_run(f"run {n + 1}", runs[-1])
    index["year"] = summarize(runs)
    runs = []
    print(f"    index_refresh(12 months + 4 quarters) x{args.repeat_periods}:")
    for n in range(args.repeat_periods):
        runs.append(timed_refresh(periods_of(args.year)))
        print_run(f"run {n + 1}", runs[-1])
    index["months_quarters"] = summarize(runs)

    with Workers() as workers:
        print("  3. snapshots stored, no split yet")
        pages["dashboard, no split"] = measure_page(client, workers, "dashboard", dashboard, status=200,
                                                    repeat=args.repeat, check=dashboard_no_split)
        pages["API"] = measure_page(client, workers, "API", api, status=200, repeat=args.repeat)
        for by in ("procedure", "field"):
            pages[f"API by={by}, first"] = measure_page(client, workers, f"API by={by}", f"{api}&by={by}",
                                                        status=202, repeat=args.repeat)

    print(f"  4. the splits computed (index_breakdown_refresh, the province {root.code}, {year}):")
    for by in ("procedure", "field"):
        run = timed(lambda by=by: index_service.index_breakdown_refresh(agency_id=root.pk, period=year, by=by))
        run["rows"] = len(run.pop("result").rows)
        print_run(f"by {by} ({run['rows']} rows)", run)
        index[f"breakdown_{by}"] = run
    # The same for one commune (a split asked for any agency is kept fresh with the snapshots): what a small
    # agency's split costs. Not kept, so that 6. refreshes the province's two only.
    commune = Agency.objects.filter(level=Agency.Level.COMMUNE).order_by("path").first()
    run = timed(lambda: index_service.index_breakdown_refresh(agency_id=commune.pk, period=year, by="procedure"))
    run["rows"] = len(run.pop("result").rows)
    run["agency"] = commune.code
    run["agency_dossiers"] = sql_rows("SELECT count(*) FROM cases_dossier WHERE agency_id = %s", [commune.pk])[0][0]
    print_run(f"a commune ({commune.code}, {run['agency_dossiers']:,} dossiers) by procedure ({run['rows']} rows)", run)
    index["breakdown_procedure_commune"] = run
    IndexBreakdown.objects.filter(agency=commune).delete()

    with Workers() as workers:
        print("  5. everything stored")
        pages["dashboard, warm"] = measure_page(client, workers, "dashboard", dashboard, status=200,
                                                repeat=args.repeat, check=dashboard_warm)
        for by in ("procedure", "field"):
            pages[f"API by={by}, stored"] = measure_page(client, workers, f"API by={by}", f"{api}&by={by}",
                                                         status=200, repeat=args.repeat)
        pages["public page"] = measure_page(client, workers, "public page", public, status=200, repeat=args.repeat)
        for label in ("API", "dashboard, warm", "API by=procedure, stored", "API by=field, stored", "public page"):
            assert not pages[label]["asked"], f"{label} asked the workers for {pages[label]['asked']}"

    print(f"  6. index_refresh(periods=['{year}']) with the two splits stored (kept fresh with the snapshots):")
    run = timed_refresh([year])
    print_run("year + splits", run)
    index["year_with_splits"] = summarize([run])


# --- EXPLAIN ---------------------------------------------------------------------------------------------
def aggregate_sql(period_code: str, source: str = "dossiers", *, by: str = "agency", within=None) -> str:
    """The SQL of ``count``'s aggregate over one source, as Django sends it: ``WITH RECURSIVE "ix_<source>" AS
    MATERIALIZED (...) SELECT ... GROUP BY`` for a source with flags, one plain ``SELECT ... COUNT(...) ...
    GROUP BY`` for the others."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from satisfaction import index766 as ix

    only = tuple(i.code for i in ix.INDICATORS if i.source.name == source)
    with CaptureQueriesContext(connection) as captured:
        ix.count(ix.window(ix.period_parse(period_code)), by=by, within=within, only=only)
    found = [q["sql"] for q in captured.captured_queries
             if (q["sql"].startswith("WITH") and f'"ix_{source}"' in q["sql"])
             or (q["sql"].startswith("SELECT") and "COUNT(" in q["sql"])]
    assert len(found) == 1, [q["sql"][:80] for q in captured.captured_queries]
    return found[0]


def explain(statement: str) -> dict:
    """EXPLAIN (ANALYZE, BUFFERS) with ``jit`` off, as ``count`` runs it: the time, how each table is read,
    the subplans (the ``EXISTS`` probes) and how often they ran, and the plan as an indented outline."""
    from django.db import transaction

    with transaction.atomic():
        sql_exec("SET LOCAL jit = off")
        plan = sql_rows("EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) " + statement)[0][0][0]
    outline, subplans = [], []
    loops_by_scan: dict[str, int] = defaultdict(int)

    def walk(node, depth, in_subplan):
        what = node["Node Type"] + (f" on {node['Relation Name']}" if node.get("Relation Name") else "")
        what += f" using {node['Index Name']}" if node.get("Index Name") else ""
        what += f" ({node['CTE Name']})" if node.get("CTE Name") else ""
        if node.get("Parent Relationship") == "SubPlan":  # an EXISTS probe; a CTE is an InitPlan
            subplans.append(node.get("Actual Loops") or 0)
            in_subplan = True
        if in_subplan and node.get("Relation Name"):
            loops_by_scan[what] += node.get("Actual Loops") or 0
        outline.append({
            "subplan": in_subplan,
            "line": "  " * depth + (f"[{node['Subplan Name']}] " if node.get("Subplan Name") else "") + what
            + f"  rows={node.get('Actual Rows'):,} loops={node.get('Actual Loops'):,}"
            + f" time={node.get('Actual Total Time', 0):,.1f} ms"
            + f" hit={node.get('Shared Hit Blocks', 0):,} read={node.get('Shared Read Blocks', 0):,}"
            + (f" temp written={node['Temp Written Blocks']:,}" if node.get("Temp Written Blocks") else "")
            + (f" workers={node['Workers Launched']}" if node.get("Workers Launched") is not None else ""),
        })
        for child in node.get("Plans", []):
            walk(child, depth + 1, in_subplan)

    walk(plan["Plan"], 0, False)
    top = plan["Plan"]
    return {"execution_ms": round(plan["Execution Time"], 1), "planning_ms": round(plan["Planning Time"], 1),
            "jit": "JIT" in plan, "subplans": len(subplans), "subplan_loops": sum(subplans),
            "subplan_scans": dict(sorted(loops_by_scan.items(), key=lambda kv: -kv[1])),
            "shared_hit": top.get("Shared Hit Blocks", 0), "shared_read": top.get("Shared Read Blocks", 0),
            "temp_written": top.get("Temp Written Blocks", 0),
            "plan": [o["line"] for o in outline if not o["subplan"]],
            "outline": [o["line"] for o in outline]}


def print_explain(label: str, found: dict) -> None:
    print(f"    {label}: {found['execution_ms']:,} ms (planning {found['planning_ms']} ms, JIT {found['jit']}), "
          f"{found['subplans']} subplans run {found['subplan_loops']:,} times in all; buffers hit "
          f"{found['shared_hit']:,} read {found['shared_read']:,} temp written {found['temp_written']:,}")
    for line in found["plan"]:
        print("      " + line)
    for scan, loops in found["subplan_scans"].items():
        print(f"      in subplans: {scan}: {loops:,} loops")


def measure_plans(args, figures: dict) -> None:
    from procedures.models import Agency

    year, month = str(args.year), f"{args.year}-06"
    root = Agency.objects.get_root_nodes().first()
    statements = {"dossiers, year": aggregate_sql(year), "dossiers, month": aggregate_sql(month),
                  "deliveries, year": aggregate_sql(year, "deliveries"),
                  "deliveries, month": aggregate_sql(month, "deliveries"),
                  "dossiers by procedure, province, year": aggregate_sql(year, by="procedure", within=root)}
    figures["dossier_aggregate_sql_year"] = statements["dossiers, year"]
    print("  EXPLAIN (ANALYZE, BUFFERS), jit off as count runs it:")
    plans = {}
    for label, statement in statements.items():
        plans[label] = explain(statement)
        print_explain(label, plans[label])
    figures["explain"] = plans


# --- main ------------------------------------------------------------------------------------------------
def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--postgres", default=os.environ.get("BENCH_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432"))
    parser.add_argument("--dossiers", type=int, default=1_000_000)
    parser.add_argument("--year", type=int, default=dt.date.today().year - 1,
                        help="the year the dossiers are received in (default: last year, a whole one)")
    parser.add_argument("--procedures", type=int, default=2000,
                        help="procedures of the national file to import besides the demo catalog (0: demo only)")
    parser.add_argument("--source", default=DEFAULT_SOURCE)
    parser.add_argument("--communes", type=int, default=94, help="communes under the province (the demo has 4)")
    parser.add_argument("--feedback-every", type=int, default=50, help="one feedback per this many dossiers")
    parser.add_argument("--seed", type=int, default=766)
    parser.add_argument("--repeat", type=int, default=3, help="runs of the year's index and of each page")
    parser.add_argument("--repeat-periods", type=int, default=2, help="runs of the 16 months and quarters")
    parser.add_argument("--no-explain", action="store_true", help="skip the EXPLAIN ANALYZE of the aggregates")
    parser.add_argument("--json", type=Path)
    parser.add_argument("--keep", action="store_true", help="keep the database at the end")
    parser.add_argument("--reuse", action="store_true", help="measure the kept database without loading again")
    parser.add_argument("--measure-only", action="store_true", help=argparse.SUPPRESS)  # the child process
    parser.add_argument("--load-figures", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)

    server = Server(args.postgres)
    reuse = (args.reuse or args.measure_only) and server.exists()
    folder = Path(tempfile.mkdtemp(prefix="dvc-bench-index766-"))
    made = False

    def stop(signum, frame):
        raise KeyboardInterrupt(f"signal {signum}")

    signal.signal(signal.SIGTERM, stop)
    figures: dict = {"dossiers_requested": args.dossiers, "year": args.year, "machine": {"cores": os.cpu_count()}}
    try:
        if not reuse:
            server.recreate(create=True)
            made = True
        (folder / "media").mkdir()
        (folder / "pki").mkdir()
        os.environ.update(DATABASE_URL=server.database_url, DJANGO_ENV="test", DJANGO_SETTINGS_MODULE="dvc_portal.settings",
                          LOG_LEVEL="WARNING", MEDIA_ROOT=str(folder / "media"), SIGNING_DIR=str(folder / "pki"))
        os.environ.pop("REDIS_URL", None)  # the locks of index_request in this process's memory (locmem)
        import django

        django.setup()
        from django.db import connections

        if not args.measure_only:
            version = sql_rows("SELECT version()")[0][0].split(" on ")[0]
            print(f"database {DATABASE} on {version}; {os.cpu_count()} cores; folder {folder}")
        if not reuse:
            Load(args, figures).run()
        elif not args.measure_only:
            print("reusing the kept database (no load)")
        if not args.measure_only:
            # Measure in a fresh interpreter, so that its peak memory is the index's and not the load's.
            (folder / "load.json").write_text(json.dumps(figures, default=str))
            connections.close_all()
            child = [sys.executable, str(Path(__file__).resolve()), *(argv if argv is not None else sys.argv[1:]),
                     "--measure-only", "--reuse", "--keep", "--load-figures", str(folder / "load.json")]
            return subprocess.run(child, check=False).returncode

        if args.load_figures and args.load_figures.is_file():
            figures.update(json.loads(args.load_figures.read_text()))
        version = sql_rows("SELECT version()")[0][0].split(" on ")[0]
        settings = dict(sql_rows("SELECT name, current_setting(name) FROM pg_settings WHERE name IN "
                                 "('shared_buffers', 'work_mem', 'jit', 'jit_above_cost', 'maintenance_work_mem', "
                                 "'max_parallel_workers_per_gather', 'effective_cache_size', 'random_page_cost')"))
        figures["machine"].update(postgresql=version, settings=settings, memory_gb=round(
            os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30), load_average=os.getloadavg())
        figures["database"] = database_figures()
        figures["agencies"] = sql_rows("SELECT count(*) FROM procedures_agency")[0][0]
        print(json.dumps(figures["database"], ensure_ascii=False), flush=True)
        figures["started"] = dt.datetime.now().isoformat(timespec="seconds")
        figures["peak_mb_before_measuring"] = peak_mb()
        print("measure:")
        measure(args, figures)
        if not args.no_explain:
            measure_plans(args, figures)
        figures["peak_mb_end"] = peak_mb()
        figures["machine"]["load_average_end"] = os.getloadavg()
        print(f"\npeak memory of the measuring process: {figures['peak_mb_before_measuring']} MB before, "
              f"{figures['peak_mb_end']} MB at the end")
        if args.json:
            args.json.parent.mkdir(parents=True, exist_ok=True)
            args.json.write_text(json.dumps(figures, ensure_ascii=False, indent=1, default=str) + "\n")
            print(f"figures written to {args.json}")
        return 0
    finally:
        with contextlib.suppress(Exception):
            from django.db import connections

            connections.close_all()
        if not args.measure_only:
            if (made or reuse) and not args.keep:
                server.recreate(create=False)
                print(f"database {DATABASE} dropped")
            else:
                print(f"database {DATABASE} kept")
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
