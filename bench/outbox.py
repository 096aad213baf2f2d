"""The outbox: what one Celery worker delivers to the national portal, how long a backlog takes to drain
after an outage, and what publishing costs a dossier action.

    .venv/bin/python bench/outbox.py [--events 5000] [--workers 1,2] [--backlog 100000] [--profile 2000]
        [--act-runs 200] [--skip throughput,backlog,profile,act] [--json bench/out/outbox.json]

Needs PostgreSQL (--postgres, BENCH_POSTGRES_URL, default postgres://postgres@127.0.0.1:5432, trust auth)
and Redis (--redis, BENCH_REDIS_URL, default redis://127.0.0.1:6379/7: that database is FLUSHED at the
start and at the end). The script makes everything it uses and removes it at the end, on an error, Ctrl-C
or SIGTERM too: the databases ``dvc_bench_outbox`` (the portal) and ``dvc_bench_mock`` (the mock national
portal), dropped and created again at the start, dropped at the end (--keep keeps them); a temporary
folder; the mock portal (gunicorn, ``mock_portal.wsgi``, on a free port) and the Celery workers, each in
its own process group, stopped by group.

1. Throughput: --events events made through the real services (``cases.services``: dossiers taken at the
   demo ward's counter, each through a 10-event life: intake, forward, supplement asked and given, payment
   asked and confirmed, two steps, approval, return), their ``deliver`` tasks left in Redis; then N
   ``celery -A dvc_portal worker --pool=solo`` processes start and the clock runs from their "ready" line
   until every portal delivery is delivered. Once per entry of --workers, with new events each time.
2. Backlog: --backlog portal deliveries over --backlog/10 dossiers (``generate_dossiers``), 10 each in
   their dossier's order, copied from the deliveries of a real 10-event dossier with MaHoSo (and the
   applicant) changed. With the mock in outage, one worker attempts each dossier's first delivery once
   (the sweeper queues them); then the outage ends, every delivery is made due, and one worker drains
   them, ``outbox_sweep`` running every OUTBOX_SWEEP_SECONDS as beat would.
3. Profile: ``outbox.deliver`` in this process over --profile deliveries (the same bulk rows), time
   split into SQL, the HTTP calls and the rest; then again under cProfile.
4. Actions: ``dossier_act`` (and the counter's ``dossier_intake``) with the outbox, and with
   ``integrations.outbox.event_publish`` replaced by a no-op, alternating, --act-runs times each:
   median milliseconds and queries (``CaptureQueriesContext``).
"""

from __future__ import annotations

import argparse
import contextlib
import cProfile
import io
import json
import os
import pstats
import re
import secrets
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from catalog import percentile  # noqa: E402

WARD = "000.11.31.H48"  # the demo ward (Hải Châu): clerk.haichau, specialist.haichau, leader.haichau
PROCEDURE = "1.010041"  # confirmation of residence: 3 working days, three steps (clerk, specialist, leader)
# After the counter's intake: 9 more events, 10 in all (to_last is two complete_step with three steps).
STORY = ["forward", "request_supplement", "supplement", "request_payment", "confirm_payment", "to_last", "approve",
         "return_result"]
PORTAL_DB = "dvc_bench_outbox"
MOCK_DB = "dvc_bench_mock"
PARKED = "bench-outbox-parked"  # where this process sends digitization tasks: no worker reads it
QUEUE = "celery"  # the default queue, where deliver tasks go (the workers read only it)


def summary(values: list[float]) -> dict:
    return {"n": len(values), "median": round(statistics.median(values), 2),
            "p95": round(percentile(values, 0.95), 2), "min": round(min(values), 2), "max": round(max(values), 2)}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def _stat(pid: str) -> list[str] | None:
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return text[text.rindex(")") + 2:].split()  # after "pid (comm) ": state, ppid, pgrp, ... utime is [11]


def group_cpu(pgid: int) -> float:
    """CPU seconds (user + system) of the live processes of a process group."""
    total = 0
    for pid in filter(str.isdigit, os.listdir("/proc")):
        fields = _stat(pid)
        if fields and int(fields[2]) == pgid:
            total += int(fields[11]) + int(fields[12])
    return total / CLOCK_TICKS


def machine_cpu() -> tuple[float, float]:
    """(busy, all) CPU seconds of the whole machine since boot, every core (other users' work included)."""
    values = [int(v) for v in Path("/proc/stat").read_text().splitlines()[0].split()[1:9]]
    idle = values[3] + values[4]
    return (sum(values) - idle) / CLOCK_TICKS, sum(values) / CLOCK_TICKS


class Process:
    """A child in its own session and process group, its output in a log file; stopped by group."""

    def __init__(self, name: str, command: list[str], *, env: dict, log: Path):
        self.name, self.log = name, log
        self.handle = open(log, "wb")  # noqa: SIM115 - closed in stop()
        self.process = subprocess.Popen(  # noqa: S603 - our own interpreter and arguments
            command, cwd=ROOT, env=env, stdout=self.handle, stderr=subprocess.STDOUT, start_new_session=True,
        )

    def output(self) -> str:
        return self.log.read_text(errors="replace")

    def alive(self) -> bool:
        return self.process.poll() is None

    def stop(self, timeout: float = 60) -> str:
        if self.process.poll() is None:
            try:
                os.killpg(self.process.pid, signal.SIGTERM)  # warm shutdown of this group only
                self.process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=10)
            except ProcessLookupError:
                pass
        if not self.handle.closed:
            self.handle.close()
        return self.output()


class Worker(Process):
    def __init__(self, name: str, *, env: dict, log: Path):
        super().__init__(name, [
            str(ROOT / ".venv" / "bin" / "celery"), "-A", "dvc_portal", "worker", "--pool=solo", "--concurrency=1",
            "-Q", QUEUE, "-n", f"{name}@%h", "-l", "info", "--without-gossip", "--without-mingle", "--without-heartbeat",
        ], env=env, log=log)

    def wait_ready(self, timeout: float = 120) -> float:
        deadline = time.perf_counter() + timeout
        while time.perf_counter() < deadline:
            if not self.alive():
                raise RuntimeError(f"{self.name} exited ({self.process.returncode}):\n{self.output()[-3000:]}")
            if " ready." in self.output():
                return time.perf_counter()
            time.sleep(0.05)
        raise RuntimeError(f"{self.name} was not ready after {timeout} s:\n{self.output()[-3000:]}")

    def tasks(self) -> Counter:
        """What its deliver tasks returned: 'delivered', 'retry', 'dead', None (nothing to do)."""
        return Counter(re.findall(r"integrations\.tasks\.deliver\[[^\]]+\] succeeded in [0-9.e-]+s: (\S+)",
                                  self.output()))


class Bench:
    def __init__(self, args):
        self.args = args
        server = urlsplit(args.postgres)
        self.pg = {"user": server.username or "postgres", "password": server.password or None,
                   "host": server.hostname or "127.0.0.1", "port": server.port or 5432}
        auth = self.pg["user"] + (f":{server.password}" if server.password else "")
        base = f"postgres://{auth}@{self.pg['host']}:{self.pg['port']}"
        self.database_url = f"{base}/{PORTAL_DB}"
        self.mock_database_url = f"{base}/{MOCK_DB}?conn_max_age=600"  # the mock keeps its connections
        self.redis_url = args.redis
        self.folder = Path(tempfile.mkdtemp(prefix="dvc-bench-outbox-"))
        self.token = secrets.token_hex(16)
        self.port = free_port()
        self.mock_url = f"http://127.0.0.1:{self.port}"
        self.processes: list[Process] = []
        self.databases_made = False
        self.redis_ready = False
        self.counter = 0
        self.figures: dict = {"machine": {"cores": os.cpu_count()}, "mock": {}}

    # --- resources ----------------------------------------------------------------------------------

    def _maintenance(self):
        import psycopg2

        connection = psycopg2.connect(dbname="postgres", **self.pg)
        connection.autocommit = True
        return connection

    def _recreate(self, *, create: bool) -> None:
        from psycopg2 import sql

        connection = self._maintenance()
        try:
            with connection.cursor() as cursor:
                for name in (PORTAL_DB, MOCK_DB):
                    cursor.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
                    if create:
                        cursor.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
                cursor.execute("SELECT version(), current_setting('synchronous_commit'), current_setting('fsync'), "
                               "current_setting('shared_buffers')")
                version, synchronous, fsync, buffers = cursor.fetchone()
                self.figures["machine"]["postgresql"] = (f"{version.split(' on ')[0]} (synchronous_commit {synchronous}, "
                                                         f"fsync {fsync}, shared_buffers {buffers})")
        finally:
            connection.close()

    def _redis(self):
        import redis

        return redis.Redis.from_url(self.redis_url, socket_connect_timeout=3)

    def setup(self) -> None:
        redis_db = int((urlsplit(self.redis_url).path or "/0").lstrip("/") or 0)
        if redis_db == 0 and not self.args.flush_any_redis:
            sys.exit("refusing to flush Redis database 0: give --redis redis://host:port/N (N > 0)")
        client = self._redis()
        client.ping()
        client.flushdb()
        self.redis_ready = True
        self.figures["machine"]["redis"] = client.info("server")["redis_version"]
        self._recreate(create=True)
        self.databases_made = True
        (self.folder / "media").mkdir()
        (self.folder / "pki").mkdir()
        self.env = {
            "DJANGO_ENV": "local", "DEBUG": "false", "SECRET_KEY": "bench-outbox-" + secrets.token_hex(16),
            "DATABASE_URL": self.database_url, "REDIS_URL": self.redis_url, "CELERY_TASK_ALWAYS_EAGER": "false",
            "NATIONAL_PORTAL_URL": self.mock_url, "NATIONAL_PORTAL_TOKEN": self.token,
            "MEDIA_ROOT": str(self.folder / "media"), "SIGNING_DIR": str(self.folder / "pki"),
            "DJANGO_SETTINGS_MODULE": "dvc_portal.settings", "LOG_LEVEL": "WARNING",
            "EMAIL_URL": "memorymail://",  # the demo citizens' e-mails: kept in memory, not printed
        }
        print(f"databases {PORTAL_DB} and {MOCK_DB}, Redis {self.redis_url} (flushed), folder {self.folder}", flush=True)
        self.start_mock()
        os.environ.update(self.env)
        import django

        django.setup()
        from django.core.management import call_command

        from digitization.tasks import digitize

        digitize.queue = PARKED  # results and scans the stories leave: not this benchmark's work
        digitize._exec_options = None
        started = time.perf_counter()
        call_command("migrate", verbosity=0)
        call_command("load_demo", verbosity=0)
        self._deliver_in_process()  # the demo dossiers' own deliveries, so every part starts with none pending
        self._flush_queue()
        print(f"portal migrated, demo loaded and its deliveries delivered in {time.perf_counter() - started:.0f} s",
              flush=True)
        from accounts.models import User
        from procedures.models import Agency, Procedure

        self.ward = Agency.objects.get(code=WARD)
        users = {u.username: u for u in User.objects.filter(username__endswith=".haichau")}
        self.staff = {role: users[f"{role}.haichau"] for role in ("clerk", "specialist", "leader")}
        self.procedure = Procedure.objects.select_related("current_version").get(
            code=PROCEDURE, current_version__agencies=self.ward)

    def start_mock(self) -> None:
        env = {key: value for key, value in os.environ.items() if not key.startswith(("DJANGO", "DATABASE"))}
        env.update({"DJANGO_SETTINGS_MODULE": "mock_portal.settings", "MOCK_PORTAL_TOKEN": self.token,
                    "MOCK_PORTAL_DATABASE_URL": self.mock_database_url})
        subprocess.run([str(ROOT / ".venv" / "bin" / "python"), "manage.py", "migrate", "--verbosity", "0"],  # noqa: S603
                       cwd=ROOT, env=env, check=True, stdout=subprocess.DEVNULL)
        workers, threads = self.args.mock_workers, self.args.mock_threads
        self.mock = Process("mock portal", [
            str(ROOT / ".venv" / "bin" / "gunicorn"), "mock_portal.wsgi:application", "--bind", f"127.0.0.1:{self.port}",
            "--workers", str(workers), "--threads", str(threads), "--worker-class", "gthread", "--log-level", "warning",
        ], env=env, log=self.folder / "mock.log")
        self.processes.append(self.mock)
        import httpx

        deadline = time.perf_counter() + 60
        while True:
            try:
                if httpx.get(f"{self.mock_url}/healthz/", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if not self.mock.alive() or time.perf_counter() > deadline:
                raise RuntimeError(f"the mock portal did not start:\n{self.mock.output()[-3000:]}")
            time.sleep(0.1)
        self.figures["mock"]["server"] = f"gunicorn gthread, {workers} workers × {threads} threads, PostgreSQL {MOCK_DB}"
        print(f"mock portal on {self.mock_url} ({self.figures['mock']['server']})", flush=True)

    def check_alive(self, *processes: Process) -> None:
        """Stop the run at once if the mock portal or a worker is gone (rather than wait for a timeout)."""
        for process in (self.mock, *processes):
            if not process.alive():
                raise RuntimeError(f"{process.name} exited ({process.process.returncode}):\n{process.output()[-3000:]}")

    def faults(self, **settings) -> None:
        import httpx

        response = httpx.post(f"{self.mock_url}/_faults/", json={"failure_rate": 0, "latency_ms": 0, **settings},
                              headers={"Authorization": f"Bearer {self.token}"}, timeout=10)
        response.raise_for_status()

    def mock_counts(self) -> dict:
        import psycopg2

        connection = psycopg2.connect(dbname=MOCK_DB, **self.pg)
        try:
            with connection.cursor() as cursor:
                cursor.execute("SELECT count(*), coalesce(sum(duplicates), 0) FROM mock_portal_record")
                records, duplicates = cursor.fetchone()
                # Progress records of a dossier stored out of order (SoThuTu not increasing with arrival).
                cursor.execute("""
                    SELECT count(*) FROM (
                        SELECT (data->>'SoThuTu')::int AS n,
                               lag((data->>'SoThuTu')::int) OVER (PARTITION BY ma_ho_so ORDER BY id) AS before
                        FROM mock_portal_record WHERE kind = 'CapNhatTienDoHoSoMC') x
                    WHERE before IS NOT NULL AND n <= before""")
                out_of_order = cursor.fetchone()[0]
        finally:
            connection.close()
        return {"records": records, "duplicates": int(duplicates), "out_of_order": out_of_order}

    def expected_at_mock(self) -> dict:
        """What the mock must hold if every delivered portal delivery reached it once: its records (one per
        distinct digest) and duplicates (a sync identical to the dossier's previous one is a repeat)."""
        from integrations.models import Consumer, Delivery
        from mock_portal.vocabulary import digest

        seen, sent = set(), 0
        rows = Delivery.objects.filter(consumer=Consumer.PORTAL, status=Delivery.Status.DELIVERED)
        for payload in rows.values_list("payload", flat=True).iterator(chunk_size=5000):
            # As integrations.channels sends them: a sync, progress (one record or a list), a rating, each if there.
            progress = payload.get("progress")
            records = [payload.get("sync"), *(progress if isinstance(progress, list) else [progress]), payload.get("rating")]
            for record in filter(None, records):
                sent += 1
                seen.add(digest(record))
        return {"records": len(seen), "duplicates": sent - len(seen)}

    def check_mock(self) -> dict:
        found, expected = self.mock_counts(), self.expected_at_mock()
        found["as_expected"] = (found["records"], found["duplicates"]) == (expected["records"], expected["duplicates"])
        found["expected"] = expected
        return found

    def _flush_queue(self) -> None:
        self._redis().flushdb()

    def queue_length(self) -> int:
        return self._redis().llen(QUEUE)

    def worker_env(self, **extra) -> dict:
        return {**os.environ, **self.env, "LOG_LEVEL": "INFO", **extra}

    def start_workers(self, count: int, label: str, **extra) -> list[Worker]:
        from django.db import connections

        connections.close_all()
        workers = [Worker(f"bench-outbox-{label}-{i}", env=self.worker_env(**extra),
                          log=self.folder / f"worker-{label}-{i}.log") for i in range(count)]
        self.processes.extend(workers)
        return workers

    def cleanup(self) -> None:
        for process in reversed(self.processes):
            try:
                process.stop(timeout=30)
            except Exception as error:  # noqa: BLE001 - keep cleaning
                print(f"could not stop {process.name}: {error}", file=sys.stderr)
        if "django" in sys.modules:
            with contextlib.suppress(Exception):
                from django.db import connections

                connections.close_all()
        if self.databases_made and not self.args.keep:
            try:
                self._recreate(create=False)
                print(f"dropped {PORTAL_DB} and {MOCK_DB}")
            except Exception as error:  # noqa: BLE001
                print(f"could not drop the databases: {error}", file=sys.stderr)
        if self.redis_ready:
            try:
                self._flush_queue()
            except Exception as error:  # noqa: BLE001
                print(f"could not flush Redis: {error}", file=sys.stderr)
        if self.args.keep:
            print(f"kept {PORTAL_DB}, {MOCK_DB} and the logs in {self.folder}")
        else:
            shutil.rmtree(self.folder, ignore_errors=True)

    def cpu_snapshot(self, workers: list[Process]) -> dict:
        """CPU seconds so far of the workers, the mock's gunicorn, the PostgreSQL backends serving each
        database (by pid), and the machine."""
        connection = self._maintenance()
        try:
            with connection.cursor() as cursor:
                cursor.execute("SELECT pid, datname FROM pg_stat_activity WHERE datname IN (%s, %s)", (PORTAL_DB, MOCK_DB))
                backends = cursor.fetchall()
                # Sessions opened so far (PostgreSQL 14+): a client that reconnects for each task shows here.
                cursor.execute("SELECT pg_stat_clear_snapshot()")
                cursor.execute("SELECT datname, sessions FROM pg_stat_database WHERE datname IN (%s, %s)",
                               (PORTAL_DB, MOCK_DB))
                sessions = dict(cursor.fetchall())
        finally:
            connection.close()
        pg = {}
        for pid, name in backends:
            fields = _stat(str(pid))
            if fields:
                pg[pid] = (name, (int(fields[11]) + int(fields[12])) / CLOCK_TICKS)
        busy, total = machine_cpu()
        return {"workers": sum(group_cpu(w.process.pid) for w in workers), "mock": group_cpu(self.mock.process.pid),
                "pg": pg, "sessions": sessions, "bench": sum(os.times()[:2]), "busy": busy, "total": total,
                "at": time.perf_counter()}

    @staticmethod
    def cpu_used(before: dict, after: dict, *, items: int) -> dict:
        """CPU seconds used between two snapshots, and per item (ms); the machine's busy share."""
        wall = after["at"] - before["at"]
        # The mock keeps its connections: its backends live through the window. The workers' do not (a new
        # session each task, see sessions_opened), so their backends' CPU is gone before it can be read.
        postgres_mock = sum(seconds - before["pg"].get(pid, (name, 0.0))[1]
                            for pid, (name, seconds) in after["pg"].items() if name == MOCK_DB)
        used = {"workers": after["workers"] - before["workers"], "mock": after["mock"] - before["mock"],
                "postgres_mock": postgres_mock, "bench": after["bench"] - before["bench"]}
        machine = (after["busy"] - before["busy"]) / (after["total"] - before["total"])
        return {"wall_s": round(wall, 1), "cpu_s": {k: round(v, 1) for k, v in used.items()},
                "ms_per_item": {k: round(v / items * 1000, 2) for k, v in used.items()},
                "core_share": {k: round(v / wall, 2) for k, v in used.items()},
                "machine_busy_pct": round(machine * 100, 1), "loadavg_1min": round(os.getloadavg()[0], 2),
                "sessions_opened": {name: after["sessions"].get(name, 0) - before["sessions"].get(name, 0)
                                    for name in (PORTAL_DB, MOCK_DB)}}

    # --- making events -----------------------------------------------------------------------------

    def _applicant(self, phone: bool) -> dict:
        self.counter += 1
        family = ["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Võ", "Đặng", "Bùi"][self.counter % 8]
        given = ["Thị Hương", "Văn An", "Minh Đức", "Thu Hà", "Quốc Dũng", "Ngọc Ánh", "Hữu Phước"][self.counter % 7]
        applicant = {"name": f"{family} {given}", "id_number": f"0489{self.counter:08d}",
                     "address": "phường Hải Châu, Đà Nẵng"}
        if phone:
            applicant["phone"] = f"0905{self.counter % 1_000_000:06d}"
        return applicant

    def intake(self, *, phone: bool = False):
        from cases.services import dossier_intake

        return dossier_intake(clerk=self.staff["clerk"], procedure=self.procedure, agency=self.ward,
                              applicant=self._applicant(phone))

    def act(self, dossier, action: str):
        return self.prepare(dossier, action)()

    def prepare(self, dossier, action: str):
        """The action on the dossier as it stands now, as a call (the dossier read again first)."""
        from cases.actions import perform
        from cases.demo import _actor, _payload

        dossier.refresh_from_db()
        actor, payload = _actor(action, self.staff, dossier), _payload(action, dossier)
        return lambda: perform(dossier=dossier, action=action, actor=actor, **payload)

    def story_events(self, count: int, *, phone: bool = False) -> list[int]:
        """``count`` events through the services: dossiers taken at the counter and carried through STORY
        (10 events each; the last dossier stops at ``count``). Returns the dossiers' ids."""
        from cases.demo import story_actions

        made, ids = 0, []
        while made < count:
            dossier = self.intake(phone=phone)
            ids.append(dossier.pk)
            made += 1
            for action in story_actions(STORY, dossier):
                if made >= count:
                    break
                self.act(dossier, action)
                made += 1
        return ids

    def _deliver_in_process(self) -> None:
        """Deliver every pending delivery here, in order (the mock is up): no worker needed."""
        from integrations import outbox
        from integrations.models import Delivery

        for pk in Delivery.objects.filter(status=Delivery.Status.PENDING).order_by("id").values_list("pk", flat=True):
            outbox.deliver(delivery_id=pk)
        left = Delivery.objects.filter(status=Delivery.Status.PENDING).count()
        if left:
            raise RuntimeError(f"{left} deliveries could not be delivered in-process")

    # --- 1. one worker, two workers ------------------------------------------------------------------

    def throughput(self) -> None:
        rows = []
        runs = [(count, 0, self.args.events) for count in self.args.workers]
        if self.args.latency_ms:
            runs += [(count, self.args.latency_ms, self.args.latency_events) for count in self.args.workers]
        for count, latency, events in runs:
            self.faults(latency_ms=latency)
            try:
                rows.append(self._throughput(count, events))
            finally:
                with contextlib.suppress(Exception):  # the mock may be the reason we are leaving
                    self.faults(latency_ms=0)
            rows[-1]["latency_ms"] = latency
            print(f"throughput, {count} worker(s), mock latency {latency} ms: {rows[-1]}", flush=True)
        self.figures["throughput"] = rows

    def _throughput(self, workers: int, events: int) -> dict:
        from django.db.models import Max, Min

        from integrations.models import Attempt, Consumer, Delivery

        self._flush_queue()
        before = Delivery.objects.aggregate(n=Max("id"))["n"] or 0
        started = time.perf_counter()
        dossiers = self.story_events(events)
        made = time.perf_counter() - started
        rows = Delivery.objects.filter(pk__gt=before, consumer=Consumer.PORTAL)
        total, queued = rows.count(), self.queue_length()
        assert Delivery.objects.filter(pk__gt=before).exclude(consumer=Consumer.PORTAL).count() == 0
        print(f"{total} events on {len(dossiers)} dossiers in {made:.0f} s ({total / made:.0f}/s through the "
              f"services), {queued} tasks in Redis; starting {workers} worker(s)", flush=True)
        label = f"throughput{workers}-{len(self.figures.get('throughput_labels', []))}"
        self.figures.setdefault("throughput_labels", []).append(label)
        procs = self.start_workers(workers, label)
        ready = max(w.wait_ready() for w in procs)
        cpu_before = self.cpu_snapshot(procs)
        deadline = ready + 3600
        pending = rows.filter(status=Delivery.Status.PENDING)
        while pending.exists():
            if time.perf_counter() > deadline:
                raise RuntimeError(f"not delivered after an hour:\n{procs[0].output()[-3000:]}")
            self.check_alive(*procs)
            time.sleep(0.2)
        delivered_at = time.perf_counter()
        cpu = self.cpu_used(cpu_before, self.cpu_snapshot(procs), items=total)
        while self.queue_length() and time.perf_counter() < delivered_at + 300:  # the no-op tasks left
            time.sleep(0.2)
        time.sleep(0.5)
        emptied_at = time.perf_counter()
        tasks = Counter()
        for worker in procs:
            worker.stop()
            tasks += worker.tasks()
        spread = rows.aggregate(first=Min("delivered_at"), last=Max("delivered_at"))
        steady = (spread["last"] - spread["first"]).total_seconds()
        wall = delivered_at - ready
        return {
            "workers": workers, "events": total, "dossiers": len(dossiers), "made_s": round(made, 1),
            "made_per_s": round(total / made, 1), "queued": queued, "wall_s": round(wall, 2),
            "per_s": round(total / wall, 1), "steady_per_s": round((total - 1) / steady, 1) if steady else None,
            "ms_each": round(wall / total * 1000, 2), "queue_empty_s": round(emptied_at - ready, 2),
            "tasks": dict(tasks), "attempts": Attempt.objects.filter(delivery__in=rows).count(),
            "failed_attempts": Attempt.objects.filter(delivery__in=rows, ok=False).count(),
            "mock": self.check_mock(), "cpu": cpu,
        }

    # --- 2. a backlog after an outage ---------------------------------------------------------------

    def _template(self) -> list[tuple[str, dict]]:
        """The 10 portal deliveries of a real dossier (topic, payload), in order; its rows are deleted."""
        from integrations.models import Consumer, Delivery

        (dossier_id,) = self.story_events(10)
        deliveries = list(Delivery.objects.filter(dossier_id=dossier_id, consumer=Consumer.PORTAL).order_by("id"))
        assert len(deliveries) == 10, len(deliveries)
        Delivery.objects.filter(dossier_id=dossier_id).delete()
        return [(d.topic, d.payload) for d in deliveries]

    def bulk_deliveries(self, count: int) -> tuple[list[int], list[int]]:
        """``count`` pending portal deliveries over count/10 new dossiers (generate_dossiers), 10 each in
        order, copied from a real dossier's: MaHoSo, ChuHoSo and SoGiayToChuHoSo of the new dossier, the
        rest (SoThuTu 1 to 10 included) as the real events wrote it. Written event by event across the
        dossiers (every dossier's 1st, then every 2nd...), as a backlog builds up. No task is queued.
        Returns (the dossiers' ids, the deliveries' ids)."""
        from django.core.management import call_command
        from django.db.models import Max
        from django.utils import timezone

        from cases.models import Dossier
        from integrations.models import Consumer, Delivery

        template = self._template()
        dossier_count = count // 10
        first = Dossier.objects.aggregate(n=Max("id"))["n"] or 0
        call_command("generate_dossiers", dossier_count, verbosity=0, stdout=io.StringIO())
        dossiers = list(Dossier.objects.filter(pk__gt=first, form_data__generated=True).order_by("pk")
                        .values_list("pk", "code", "applicant_name", "applicant_id_number"))
        assert len(dossiers) == dossier_count, (len(dossiers), dossier_count)
        before = Delivery.objects.aggregate(n=Max("id"))["n"] or 0
        now = timezone.now()
        batch = []
        for topic, payload in template:
            for pk, code, name, number in dossiers:
                sync = {**payload["sync"], "MaHoSo": code, "ChuHoSo": name, "SoGiayToChuHoSo": number}
                progress = {**payload["progress"], "MaHoSo": code}
                batch.append(Delivery(consumer=Consumer.PORTAL, dossier_id=pk, topic=topic,
                                      payload={"sync": sync, "progress": progress}, created_at=now, next_attempt_at=now))
                if len(batch) == 5000:
                    Delivery.objects.bulk_create(batch)
                    batch = []
        if batch:
            Delivery.objects.bulk_create(batch)
        from django.db import connection

        with connection.cursor() as cursor:
            cursor.execute("ANALYZE cases_dossier; ANALYZE integrations_delivery; ANALYZE integrations_attempt")
        ids = list(Delivery.objects.filter(pk__gt=before).values_list("pk", flat=True))
        return [d[0] for d in dossiers], ids

    def _sweep(self) -> tuple[int, float]:
        from integrations import outbox

        started = time.perf_counter()
        queued = outbox.outbox_sweep()
        return queued, time.perf_counter() - started

    def backlog(self) -> None:
        from django.conf import settings
        from django.db.models import Max, Min
        from django.utils import timezone

        from integrations.models import Attempt, Delivery

        size = self.args.backlog
        self._flush_queue()
        started = time.perf_counter()
        dossiers, ids = self.bulk_deliveries(size)
        self._flush_queue()  # the template dossier's own tasks (its rows are gone)
        made = time.perf_counter() - started
        rows = Delivery.objects.filter(pk__gte=min(ids), pk__lte=max(ids))
        assert rows.count() == size and Delivery.objects.filter(status=Delivery.Status.PENDING).count() == size
        print(f"backlog: {size} deliveries over {len(dossiers)} dossiers written in {made:.0f} s", flush=True)
        figures = {"deliveries": size, "dossiers": len(dossiers), "written_s": round(made, 1)}

        # A. The outage: each dossier's first delivery is attempted once and fails. The worker's backoff is
        # raised to an hour so that no retry comes due while it goes through them.
        self.faults(outage=True)
        (outage_worker,) = self.start_workers(1, "outage", OUTBOX_BACKOFF_SECONDS="3600")
        outage_worker.wait_ready()
        queued, sweep_s = self._sweep()
        figures["outage_sweep"] = {"queued": queued, "seconds": round(sweep_s, 2)}
        print(f"outage: the sweep queued {queued} in {sweep_s:.1f} s", flush=True)
        t0 = time.perf_counter()
        tried = Attempt.objects.filter(delivery_id__gte=min(ids), delivery_id__lte=max(ids))
        while tried.count() < len(dossiers):
            self.check_alive(outage_worker)
            if time.perf_counter() - t0 > 3600:
                raise RuntimeError("the outage pass took over an hour")
            time.sleep(0.5)
        outage_s = time.perf_counter() - t0
        outage_worker.stop(timeout=120)
        failed = Attempt.objects.filter(delivery__in=rows, ok=False).count()
        figures["outage"] = {"failed_attempts": failed, "seconds": round(outage_s, 1),
                             "per_s": round(failed / outage_s, 1), "tasks": dict(outage_worker.tasks())}
        print(f"outage pass: {failed} failed attempts in {outage_s:.0f} s", flush=True)
        # The retries it queued (an hour away) are dropped; the outage lasted past every backoff: all due now.
        self._flush_queue()
        rows.filter(status=Delivery.Status.PENDING).update(next_attempt_at=timezone.now())
        self.faults(outage=False)

        # B. The drain: one worker; the sweep as beat runs it (now, then every OUTBOX_SWEEP_SECONDS).
        (worker,) = self.start_workers(1, "drain")
        worker.wait_ready()
        every = settings.OUTBOX_SWEEP_SECONDS
        pending = rows.filter(status=Delivery.Status.PENDING)
        cpu_before = self.cpu_snapshot([worker])
        t0 = time.perf_counter()
        sweeps, samples = [], []
        last_sweep = -every
        left = size
        while left:
            now = time.perf_counter() - t0
            if now - last_sweep >= every:
                queued, sweep_s = self._sweep()
                sweeps.append({"at_s": round(now, 1), "queued": queued, "seconds": round(sweep_s, 2),
                               "pending": left, "queue_length": self.queue_length()})
                last_sweep = now
            self.check_alive(worker)
            if now > self.args.drain_timeout:
                raise RuntimeError(f"the drain took over {self.args.drain_timeout} s ({left} left)")
            time.sleep(1)
            left = pending.count()
            samples.append((round(time.perf_counter() - t0, 1), size - left))
        drained = time.perf_counter() - t0
        cpu = self.cpu_used(cpu_before, self.cpu_snapshot([worker]), items=size)
        print(f"drained {size} in {drained:.0f} s; waiting for the queue to empty; CPU {cpu}", flush=True)
        tail_limit = time.perf_counter() + self.args.tail_timeout
        while self.queue_length() and time.perf_counter() < tail_limit:
            time.sleep(1)
        time.sleep(1)
        queue_left = self.queue_length()
        emptied = time.perf_counter() - t0
        worker.stop(timeout=120)
        spread = rows.aggregate(first=Min("delivered_at"), last=Max("delivered_at"))
        attempts = Attempt.objects.filter(delivery__in=rows)
        tasks = worker.tasks()
        # The rate through the drain, per minute of it (delivered in each 60 s window; the last one partial).
        per_minute = []
        for start in range(0, int(drained) + 1, 60):
            end = min(start + 60, drained)
            if end - start < 5:
                break
            at_end = max((n for t, n in samples if t <= end), default=0)
            at_start = max((n for t, n in samples if t <= start), default=0)
            per_minute.append(round((at_end - at_start) / (end - start), 1))
        figures["drain"] = {
            "seconds": round(drained, 1), "per_s": round(size / drained, 1),
            "steady_per_s": round((size - 1) / (spread["last"] - spread["first"]).total_seconds(), 1),
            "per_s_each_minute": per_minute, "sweeps": sweeps,
            "sweep_ids_queued": sum(s["queued"] for s in sweeps),
            "queue_empty_s": round(emptied, 1), "queue_left": queue_left, "tasks": dict(tasks),
            # After the last delivery only tasks with nothing to do are left (the sweeps' repeats): their cost.
            "noop_ms_each_after_drain": round((emptied - drained) * 1000 / max(tasks.get("None", 0), 1), 2),
            "attempts": attempts.count(), "failed_attempts": attempts.filter(ok=False).count(),
            "delivered": rows.filter(status=Delivery.Status.DELIVERED).count(),
            "dead": rows.filter(status=Delivery.Status.DEAD).count(), "cpu": cpu,
        }
        if size < 100_000:
            figures["drain"]["extrapolated_100k_s"] = round(100_000 / (size / drained))
        figures["mock"] = self.check_mock()
        if self.args.sweep_at:
            figures["sweep_at"] = self.sweep_at(self.args.sweep_at)
        self.figures["backlog"] = figures
        print(f"backlog: {json.dumps(figures, default=str)[:3000]}", flush=True)

    def sweep_at(self, size: int) -> dict:
        """The sweep (beat's query and queueing) with ``size`` deliveries pending over size/10 dossiers:
        the rows are written, swept twice (the second finds the first's tasks still queued) and deleted."""
        from cases.models import Dossier
        from integrations.models import Delivery

        started = time.perf_counter()
        dossiers, ids = self.bulk_deliveries(size)
        written = time.perf_counter() - started
        self._flush_queue()
        from integrations import outbox

        original = outbox._queue
        outbox._queue = lambda ids, countdown=None: len(ids)  # the query alone
        try:
            query = self._sweep()
        finally:
            outbox._queue = original
        sweeps = [self._sweep() for _ in range(2)]
        self._flush_queue()
        Delivery.objects.filter(pk__in=ids).delete()
        Dossier.objects.filter(pk__in=dossiers).delete()
        result = {"pending": size, "written_s": round(written, 1), "query_s": round(query[1], 2),
                  "sweeps": [{"queued": q, "seconds": round(t, 2)} for q, t in sweeps]}
        print(f"sweep at {size} pending: {result}", flush=True)
        return result

    # --- 3. where a delivery's time goes ------------------------------------------------------------

    def profile(self) -> None:
        from django.db import connection

        from integrations import outbox
        from integrations.models import Delivery

        count = self.args.profile
        self._flush_queue()
        timing = {"sql_ms": 0.0, "queries": 0, "http_ms": 0.0, "http_calls": 0, "commit_ms": 0.0, "commits": 0}
        original_commit = connection._commit

        def commit():
            started = time.perf_counter()
            try:
                return original_commit()
            finally:
                timing["commit_ms"] += (time.perf_counter() - started) * 1000
                timing["commits"] += 1

        def sql(execute, sql_text, params, many, context):
            started = time.perf_counter()
            try:
                return execute(sql_text, params, many, context)
            finally:
                timing["sql_ms"] += (time.perf_counter() - started) * 1000
                timing["queries"] += 1

        import httpx

        original_request = httpx.Client.request

        def request(client, *a, **k):
            started = time.perf_counter()
            try:
                return original_request(client, *a, **k)
            finally:
                timing["http_ms"] += (time.perf_counter() - started) * 1000
                timing["http_calls"] += 1

        def heads(dossier_ids):
            first = {}
            for pk, dossier_id in Delivery.objects.filter(dossier_id__in=dossier_ids).order_by("id").values_list(
                    "pk", "dossier_id"):
                first.setdefault(dossier_id, pk)
            return list(first.values())

        # Pass 1: the split, no profiler (2 warm-up dossiers not counted).
        dossiers, ids = self.bulk_deliveries(count + 20)
        first_heads = heads(dossiers)
        for pk in first_heads[:2]:
            outbox.deliver(delivery_id=pk)
        httpx.Client.request = request
        connection._commit = commit  # the instance's: BaseDatabaseWrapper.commit() calls it
        try:
            with connection.execute_wrapper(sql):
                started = time.perf_counter()
                for pk in first_heads[2:]:
                    outbox.deliver(delivery_id=pk)
                wall = (time.perf_counter() - started) * 1000
        finally:
            httpx.Client.request = original_request
        delivered = count
        work = dict(timing)
        assert Delivery.objects.filter(pk__in=ids, status=Delivery.Status.PENDING).count() == 0
        # A task with nothing to do: its delivery was delivered already by its dossier's chain (9 of the 10
        # tasks of a dossier whose events were all queued before a worker got to the first).
        others = sorted(set(ids) - set(first_heads))[:count]
        for key in timing:
            timing[key] = 0
        try:
            with connection.execute_wrapper(sql):
                started = time.perf_counter()
                for pk in others:
                    assert outbox.deliver(delivery_id=pk) is None
                noop_wall = (time.perf_counter() - started) * 1000
        finally:
            del connection._commit
        # What a worker pays at the start of each task: Celery's Django fixup closes the connection before and
        # after every task (CELERY_DB_REUSE_MAX unset), so each task opens a new PostgreSQL session.
        connects = []
        for _ in range(100):
            connection.close()
            started = time.perf_counter()
            connection.ensure_connection()
            connects.append((time.perf_counter() - started) * 1000)
        noop = {"tasks": len(others), "ms_each": round(noop_wall / len(others), 2),
                "connect_ms": round(statistics.median(connects), 2),
                "queries_each": round(timing["queries"] / len(others), 1),
                "sql_ms_each": round(timing["sql_ms"] / len(others), 2),
                "commit_ms_each": round(timing["commit_ms"] / len(others), 2)}
        timing = work
        # The mock's own share of an HTTP call: its requests timed from this side with nothing else
        # running are the whole round trip; a bare GET /healthz/ is the transport alone.
        from integrations.national_portal import _client

        client = _client()
        bare = []
        for _ in range(200):
            started = time.perf_counter()
            client.get(f"{self.mock_url}/healthz/")
            bare.append((time.perf_counter() - started) * 1000)
        split = {
            "deliveries": delivered, "ms_each": round(wall / delivered, 2),
            "sql_ms_each": round(timing["sql_ms"] / delivered, 2), "queries_each": round(timing["queries"] / delivered, 1),
            "commit_ms_each": round(timing["commit_ms"] / delivered, 2), "commits_each": timing["commits"] / delivered,
            "http_ms_each": round(timing["http_ms"] / delivered, 2), "http_calls_each": timing["http_calls"] / delivered,
            "other_ms_each": round((wall - timing["sql_ms"] - timing["commit_ms"] - timing["http_ms"]) / delivered, 2),
            "healthz_get_ms": round(statistics.median(bare), 2), "noop_task": noop,
        }
        print(f"profile split: {split}", flush=True)

        # Pass 2: cProfile over as many more.
        dossiers, ids = self.bulk_deliveries(count)
        profiler = cProfile.Profile()
        second_heads = heads(dossiers)
        profiler.enable()
        for pk in second_heads:
            outbox.deliver(delivery_id=pk)
        profiler.disable()
        out = io.StringIO()
        stats = pstats.Stats(profiler, stream=out)
        stats.sort_stats("tottime").print_stats(25)
        top = out.getvalue()
        out = io.StringIO()
        pstats.Stats(profiler, stream=out).sort_stats("cumulative").print_stats(
            r"integrations/(outbox|notifications|channels|national_portal)|core/jobs|httpx/_client|django/db/models/(query|sql/compiler)|"
            r"psycopg2|json/|kombu|_ssl|socket")
        # Groups of total time by where the function lives (tottime: a function's own time).
        groups = Counter()
        here = str(ROOT)
        for (filename, _line, name), (_cc, _nc, tottime, _ct, _callers) in stats.stats.items():
            path = filename.replace("\\", "/")
            if "psycopg2" in name or "psycopg2" in path:
                key = "PostgreSQL (psycopg2 calls: the waits for the server included)"
            elif "_socket.socket" in name or ("select" in name and path == "~"):
                key = "HTTP socket waits (the mock answering)"
            elif any(part in path for part in ("/httpx/", "/httpcore/", "/h11/", "/anyio/", "/idna/")):
                key = "HTTP client (httpx, httpcore, h11)"
            elif "/django/db/" in path:
                key = "Django ORM"
            elif "/django/" in path:
                key = "Django, other (transactions, signals, timezone, i18n)"
            elif "json" in path or "json" in name:
                key = "json"
            elif path.startswith(here) and "/.venv/" not in path:
                key = "portal code (integrations, cases)"
            else:
                key = "other (stdlib, built-ins)"
            groups[key] += tottime
        total = sum(groups.values())
        self.figures["profile"] = {
            "split": split,
            "cprofile_groups_pct": {k: round(v / total * 100, 1) for k, v in groups.most_common()},
            "cprofile_top": top, "cprofile_selected": out.getvalue()[:20000],
        }
        print(top[:6000], flush=True)

    # --- 4. what the outbox adds to an action --------------------------------------------------------

    def actions(self) -> None:
        from django.db import connection, reset_queries
        from django.test.utils import CaptureQueriesContext

        from cases.demo import story_actions
        from integrations import outbox
        from integrations.models import Delivery

        runs = self.args.act_runs
        warm = 5
        original_publish, original_queue = outbox.event_publish, outbox._queue
        timing = {"publish": [], "queue": []}

        statements: dict[str, list[str]] = {}  # what event_publish ran, once per action (after the warm-up)
        capture: list[str] = []

        def timed_publish(*, event):
            started = time.perf_counter()
            try:
                start = len(connection.queries_log)  # inside measure()'s CaptureQueriesContext
                return original_publish(event=event)
            finally:
                timing["publish"].append((time.perf_counter() - started) * 1000)
                if capture:
                    statements[capture.pop()] = [q["sql"][:150] for q in list(connection.queries_log)[start:]]

        def timed_queue(ids, countdown=None):
            started = time.perf_counter()
            try:
                return original_queue(ids, countdown)
            finally:
                timing["queue"].append((time.perf_counter() - started) * 1000)

        results = {key: {"with": [], "without": [], "q_with": [], "q_without": [], "deliveries": [],
                         "publish_ms": [], "queue_ms": []}
                   for key in ("intake", "forward", "request_supplement", "approve")}

        def measure(key, variant, call):
            timing["publish"].clear()
            timing["queue"].clear()
            before = Delivery.objects.count() if variant == "with" else 0
            if variant == "with":
                outbox.event_publish, outbox._queue = timed_publish, timed_queue
                if key not in statements and len(results[key]["with"]) == warm:
                    capture.append(key)
            else:
                outbox.event_publish = lambda *, event: []
            try:
                # The log holds 9,000 queries: past that CaptureQueriesContext counts nothing. Empty it first.
                reset_queries()
                with CaptureQueriesContext(connection) as captured:
                    started = time.perf_counter()
                    value = call()
                    elapsed = (time.perf_counter() - started) * 1000
            finally:
                outbox.event_publish, outbox._queue = original_publish, original_queue
            results[key][variant].append(elapsed)
            results[key]["q_" + variant].append(len(captured.captured_queries))
            if variant == "with":
                results[key]["deliveries"].append(Delivery.objects.count() - before)
                results[key]["publish_ms"].append(sum(timing["publish"]))
                results[key]["queue_ms"].append(sum(timing["queue"]))
            return value

        self._flush_queue()
        # Counter dossiers with a phone (a SMS notification is written for intake, supplement and approval).
        pairs = []
        for i in range(4 * (runs + warm)):
            variant = "with" if i % 2 == 0 else "without"
            pairs.append((variant, measure("intake", variant, lambda: self.intake(phone=True))))
        for variant, dossier in pairs:
            measure("forward", variant, self.prepare(dossier, "forward"))
        half = len(pairs) // 2
        for variant, dossier in pairs[:half]:
            measure("request_supplement", variant, self.prepare(dossier, "request_supplement"))
        for _variant, dossier in pairs[half:]:
            for action in story_actions(["to_last"], dossier):
                self.act(dossier, action)
        for variant, dossier in pairs[half:]:
            measure("approve", variant, self.prepare(dossier, "approve"))
        self.figures["publish_statements"] = statements
        rows = []
        for key, r in results.items():
            w, wo = r["with"][warm:], r["without"][warm:]
            rows.append({
                "action": key, "runs": len(w), "ms_with": round(statistics.median(w), 2),
                "ms_without": round(statistics.median(wo), 2),
                "p95_with": round(percentile(w, 0.95), 2), "p95_without": round(percentile(wo, 0.95), 2),
                "added_ms": round(statistics.median(w) - statistics.median(wo), 2),
                "queries_with": sorted(set(r["q_with"])), "queries_without": sorted(set(r["q_without"])),
                "deliveries_written": sorted(set(r["deliveries"])),
                "publish_ms": round(statistics.median(r["publish_ms"]), 2),
                "queue_ms": round(statistics.median(r["queue_ms"]), 2),
            })
        self.figures["actions"] = rows
        self._flush_queue()

    # --- the report ----------------------------------------------------------------------------------

    def report(self) -> None:
        f = self.figures
        print(f"\nmachine: {f['machine']}; mock: {f['mock']}")
        if "throughput" in f:
            print("\n1. Delivered to the portal from a filled queue (events through the services first)\n"
                  "| workers | mock latency ms | events (dossiers) | s after ready | events/s | steady events/s | ms each | "
                  "queue empty s | tasks | attempts (failed) | mock records / duplicates (expected) |\n"
                  "|---:|---:|---|---:|---:|---:|---:|---:|---|---|---|")
            for r in f["throughput"]:
                m = r["mock"]
                print(f"| {r['workers']} | {r['latency_ms']} | {r['events']} ({r['dossiers']}) | {r['wall_s']} | {r['per_s']} | "
                      f"{r['steady_per_s']} | {r['ms_each']} | {r['queue_empty_s']} | {r['tasks']} | "
                      f"{r['attempts']} ({r['failed_attempts']}) | {m['records']} / {m['duplicates']} "
                      f"({m['expected']['records']} / {m['expected']['duplicates']}), out of order {m['out_of_order']} |")
            for r in f["throughput"]:
                print(f"   {r['workers']} worker(s), latency {r['latency_ms']} ms: events made through the services "
                      f"{r['made_per_s']}/s ({r['made_s']} s); CPU ms per event {r['cpu']['ms_per_item']}, "
                      f"share of a core {r['cpu']['core_share']}, machine busy {r['cpu']['machine_busy_pct']} %, "
                      f"PostgreSQL sessions opened {r['cpu']['sessions_opened']}")
        if "backlog" in f:
            b = f["backlog"]
            d, m = b["drain"], b["mock"]
            print(f"\n2. Backlog of {b['deliveries']} deliveries over {b['dossiers']} dossiers (written in {b['written_s']} s)")
            print(f"   outage: sweep queued {b['outage_sweep']['queued']} in {b['outage_sweep']['seconds']} s; "
                  f"{b['outage']['failed_attempts']} failed attempts in {b['outage']['seconds']} s "
                  f"({b['outage']['per_s']}/s); tasks {b['outage']['tasks']}")
            print(f"   drain, 1 worker: {d['seconds']} s = {d['per_s']} events/s (steady {d['steady_per_s']}/s)"
                  + (f", 100k extrapolated: {d['extrapolated_100k_s']} s" if "extrapolated_100k_s" in d else ""))
            print(f"   per minute: {d['per_s_each_minute']}")
            print(f"   sweeps: {d['sweeps']}")
            print(f"   tasks {d['tasks']}; queue empty at {d['queue_empty_s']} s (left {d['queue_left']}); "
                  f"≈ {d['noop_ms_each_after_drain']} ms per task with nothing to do")
            print(f"   CPU ms per event {d['cpu']['ms_per_item']}, share of a core {d['cpu']['core_share']}, "
                  f"machine busy {d['cpu']['machine_busy_pct']} %, PostgreSQL sessions opened {d['cpu']['sessions_opened']}")
            print(f"   attempts {d['attempts']} (failed {d['failed_attempts']}); delivered {d['delivered']}, dead {d['dead']}")
            print(f"   mock: {m['records']} records, {m['duplicates']} duplicates (expected {m['expected']}), "
                  f"out of order {m['out_of_order']}")
            if "sweep_at" in b:
                print(f"   sweep with {b['sweep_at']['pending']} pending: query {b['sweep_at']['query_s']} s; "
                      f"sweeps {b['sweep_at']['sweeps']}")
        if "profile" in f:
            p = f["profile"]
            print(f"\n3. One delivery in-process: {p['split']}\n   cProfile own time by group: {p['cprofile_groups_pct']}")
        if "publish_statements" in f:
            for action, statements in f["publish_statements"].items():
                print(f"\n   event_publish for {action}: {len(statements)} statements")
                for statement in statements:
                    print(f"     {statement}")
        if "actions" in f:
            print("\n4. What publishing adds to an action (median of the runs, PostgreSQL)\n"
                  "| action | ms with outbox | ms without | added ms | event_publish ms | queueing ms | "
                  "queries with | without | deliveries written |\n|---|---:|---:|---:|---:|---:|---|---|---|")
            for r in f["actions"]:
                print(f"| {r['action']} | {r['ms_with']} | {r['ms_without']} | {r['added_ms']} | {r['publish_ms']} | "
                      f"{r['queue_ms']} | {r['queries_with']} | {r['queries_without']} | {r['deliveries_written']} |")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--postgres", default=os.environ.get("BENCH_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432"))
    parser.add_argument("--redis", default=os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/7"),
                        help="a Redis database of its own: flushed at the start and at the end")
    parser.add_argument("--flush-any-redis", action="store_true", help="allow --redis to name database 0")
    parser.add_argument("--events", type=int, default=5000)
    parser.add_argument("--workers", default="1,2", help="worker counts for part 1, comma-separated")
    parser.add_argument("--latency-ms", type=int, default=50,
                        help="part 1 again with the mock answering this much later (0: not)")
    parser.add_argument("--latency-events", type=int, default=1000)
    parser.add_argument("--backlog", type=int, default=20_000)
    parser.add_argument("--sweep-at", type=int, default=100_000,
                        help="after the drain, time the sweep with this many deliveries pending (0: not)")
    parser.add_argument("--drain-timeout", type=float, default=3600)
    parser.add_argument("--tail-timeout", type=float, default=900,
                        help="how long to wait, once all is delivered, for the tasks left in the queue")
    parser.add_argument("--profile", type=int, default=2000)
    parser.add_argument("--act-runs", type=int, default=200)
    parser.add_argument("--mock-workers", type=int, default=2)
    parser.add_argument("--mock-threads", type=int, default=4)
    parser.add_argument("--skip", default="", help="parts to leave out: throughput,backlog,profile,act")
    parser.add_argument("--keep", action="store_true", help="keep the databases and logs")
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    args.workers = [int(n) for n in args.workers.split(",") if n]
    if args.backlog % 10 or args.profile % 10:
        parser.error("--backlog and --profile are counts of 10-event dossiers: multiples of 10")
    skip = set(filter(None, args.skip.split(",")))

    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # unwinds like Ctrl-C: the cleanup runs
    bench = Bench(args)
    started = time.perf_counter()
    try:
        bench.setup()
        for part, method in (("throughput", bench.throughput), ("backlog", bench.backlog),
                             ("profile", bench.profile), ("act", bench.actions)):
            if part in skip:
                continue
            part_started, load_before = time.perf_counter(), os.getloadavg()[0]
            method()
            bench.figures.setdefault("load", {})[part] = [round(load_before, 2), round(os.getloadavg()[0], 2)]
            bench.figures.setdefault("seconds", {})[part] = round(time.perf_counter() - part_started)
            print(f"-- {part} done in {time.perf_counter() - part_started:.0f} s, "
                  f"load {load_before:.2f} → {os.getloadavg()[0]:.2f}", flush=True)
        bench.figures["total_s"] = round(time.perf_counter() - started)
        bench.report()
        if args.json:
            args.json.parent.mkdir(parents=True, exist_ok=True)
            args.json.write_text(json.dumps(bench.figures, indent=2, default=str, ensure_ascii=False))
    finally:
        bench.cleanup()
    return 0


if __name__ == "__main__":
    sys.exit(main())
