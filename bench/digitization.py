"""Digitization: OCR seconds per page, milliseconds to issue a signed result, what one Celery worker
sustains, and the data store page of a citizen holding 1,000 documents.

    .venv/bin/python bench/digitization.py [--ocr-runs 3] [--results 50] [--worker-results 200]
        [--worker-scans 20] [--store-documents 1000] [--requests 20] [--json bench/out/digitization.json]

Everything runs against a scratch PostgreSQL database made for the run on --postgres (default
postgres://postgres@127.0.0.1:5432, BENCH_POSTGRES_URL) and dropped at the end, Redis on --redis (default
redis://127.0.0.1:6379/13, BENCH_REDIS_URL) with queues named for the run, and temporary MEDIA_ROOT and
SIGNING_DIR folders; all of it, and the worker processes, are removed at the end, on failure too.

1. OCR: Pillow draws pages of Vietnamese text (DejaVu Sans, 12 pt) at 300 dpi, as a 1-page and a 5-page
   PDF; ``digitization.ocr.make_searchable`` (OCRmyPDF in a child process) runs --ocr-runs times on each.
2. Results: --results dossiers taken at the ward's counter and approved through the real services
   (``cases.services``), each leaving a pending result; ``services.document_process`` issues each one in
   this process (render with reportlab, PAdES signature with pyHanko, store), render and sign timed apart.
3. Worker: --worker-results approved dossiers queue their results in Redis, then one worker
   (``celery -A dvc_portal worker --pool=solo --concurrency=1``) starts and works them; the same with
   --worker-scans dossiers taken with a 1-page scan each (OCR of the component).
4. Store: the demo citizen gets --store-documents done documents (bulk_create, 2 accesses each); GET
   /kho-du-lieu/ (and its last page) and /api/v1/me/documents/ with the test client, queries counted.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import unicodedata
import uuid
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from catalog import percentile  # noqa: E402

FONT_FILE = ROOT / "core" / "fonts" / "DejaVuSans.ttf"
WARD = "000.11.31.H48"  # the demo ward (Hải Châu) and its staff clerk.haichau, specialist.haichau, leader.haichau
PROCEDURE = "1.010041"  # confirmation of residence information: taken and decided at the ward

# Typed administrative prose: every tone mark and every modified vowel (ă â đ ê ô ơ ư) appears.
PAGE_TEXT = [
    """CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM
Độc lập - Tự do - Hạnh phúc
GIẤY XÁC NHẬN TÌNH TRẠNG HÔN NHÂN
Ủy ban nhân dân phường Hải Châu, thành phố Đà Nẵng xác nhận:
Họ và tên: Nguyễn Thị Hương
Ngày, tháng, năm sinh: 12 tháng 5 năm 1990
Giới tính: Nữ. Dân tộc: Kinh. Quốc tịch: Việt Nam
Số định danh cá nhân: 048190001234
Nơi cư trú: số 24 đường Trần Phú, phường Hải Châu
Tình trạng hôn nhân: chưa đăng ký kết hôn với ai
Giấy này được cấp để làm thủ tục đăng ký kết hôn
Giấy này có giá trị sử dụng trong thời hạn sáu tháng
kể từ ngày cấp, tại cơ quan có thẩm quyền.
Người ký: Phạm Quốc Dũng, Chủ tịch Ủy ban nhân dân""",
    """TỜ KHAI ĐĂNG KÝ THƯỜNG TRÚ
Kính gửi: Công an phường Hải Châu
Họ, chữ đệm và tên: Trần Văn Bình
Ngày sinh: 03 tháng 11 năm 1985. Giới tính: Nam
Số định danh cá nhân: 048085004321
Nghề nghiệp, nơi làm việc: kỹ sư xây dựng, công ty cổ phần Sông Hàn
Nơi thường trú trước đây: xã Hòa Phước, huyện Hòa Vang
Nơi đề nghị đăng ký: số 81 đường Lê Lợi, phường Thạch Thang
Quan hệ với chủ hộ: con. Họ tên chủ hộ: Trần Văn Quý
Tôi xin cam đoan những lời khai trên là đúng sự thật
và chịu trách nhiệm trước pháp luật về lời khai của mình.
Đà Nẵng, ngày 14 tháng 7 năm 2026
Người kê khai ký, ghi rõ họ tên""",
    """GIẤY CHỨNG NHẬN QUYỀN SỬ DỤNG ĐẤT
Thửa đất số: 152, tờ bản đồ số: 27
Địa chỉ: tổ 18, phường Hòa Cường Bắc, quận Hải Châu
Diện tích: 96,5 mét vuông (bằng chữ: chín mươi sáu phẩy năm)
Hình thức sử dụng: sử dụng riêng
Mục đích sử dụng: đất ở tại đô thị
Thời hạn sử dụng: lâu dài
Nguồn gốc sử dụng: Nhà nước công nhận quyền sử dụng đất
Nhà ở: nhà ở riêng lẻ, diện tích xây dựng 80 mét vuông
Kết cấu: bê tông cốt thép, số tầng: ba
Ghi chú: không có tranh chấp, khiếu nại
Sở Tài nguyên và Môi trường thành phố Đà Nẵng""",
    """BIÊN BẢN BÀN GIAO HỒ SƠ
Hôm nay, vào lúc chín giờ ba mươi phút, tại Bộ phận một cửa
Ủy ban nhân dân phường Hải Châu, chúng tôi gồm có:
Bên giao: ông Lê Minh Đức, công chức tư pháp - hộ tịch
Bên nhận: bà Võ Thị Thu Hà, công chức văn phòng - thống kê
Thống nhất bàn giao các hồ sơ sau đây để lưu trữ:
Hồ sơ đăng ký khai sinh: mười hai bộ, đầy đủ thành phần
Hồ sơ chứng thực bản sao từ bản chính: hai mươi lăm bộ
Hồ sơ xác nhận tình trạng hôn nhân: bảy bộ
Các hồ sơ được đánh số thứ tự và sắp xếp theo ngày tiếp nhận.
Biên bản được lập thành hai bản có giá trị pháp lý như nhau,
mỗi bên giữ một bản để theo dõi và thực hiện.""",
    """ĐƠN ĐỀ NGHỊ CẤP GIẤY PHÉP XÂY DỰNG
Kính gửi: Ủy ban nhân dân quận Hải Châu
Tên chủ đầu tư: Huỳnh Thị Ngọc Ánh
Địa chỉ liên hệ: số 7 đường Bạch Đằng, phường Hải Châu
Số điện thoại: 0905 123 456
Địa điểm xây dựng: lô B2-14, khu dân cư Nam cầu Tiên Sơn
Loại công trình: nhà ở riêng lẻ, cấp công trình: cấp III
Diện tích xây dựng tầng một: 85 mét vuông
Tổng diện tích sàn: 255 mét vuông, chiều cao: 12,6 mét
Dự kiến thời gian hoàn thành công trình: tám tháng
Tôi xin cam kết làm theo đúng giấy phép được cấp,
nếu sai tôi xin hoàn toàn chịu trách nhiệm và bị xử lý.""",
]


# --- small helpers ---------------------------------------------------------------------------------------


def summary(values: list[float]) -> dict:
    return {"n": len(values), "median": statistics.median(values), "p95": percentile(values, 0.95),
            "min": min(values), "max": max(values)}


def scan_pdf(pages: int, *, dpi: int = 300) -> bytes:
    """A PDF of ``pages`` A4 greyscale pictures of typed Vietnamese text at ``dpi``, as a counter scanner
    gives (Pillow writes each page as a JPEG)."""
    from PIL import Image, ImageDraw, ImageFont

    width, height = round(8.27 * dpi), round(11.69 * dpi)
    size = round(12 * dpi / 72)
    font = ImageFont.truetype(str(FONT_FILE), size)
    images = []
    for n in range(pages):
        page = Image.new("L", (width, height), 255)
        draw = ImageDraw.Draw(page)
        y = dpi
        for line in PAGE_TEXT[n % len(PAGE_TEXT)].splitlines():
            draw.text((round(0.9 * dpi), y), unicodedata.normalize("NFC", line), font=font, fill=0)
            y += round(size * 1.8)
        images.append(page)
    output = io.BytesIO()
    images[0].save(output, "PDF", resolution=float(dpi), save_all=True, append_images=images[1:])
    return output.getvalue()


class Worker:
    """A Celery worker process (solo pool) on one queue, its output in a log file; its own process group,
    so stopping it also stops an OCR child it is waiting for."""

    def __init__(self, *, queue: str, env: dict, log: Path):
        self.log = log
        self.handle = open(log, "wb")  # noqa: SIM115 - closed in stop()
        self.process = subprocess.Popen(  # noqa: S603 - our own interpreter and arguments
            [str(ROOT / ".venv" / "bin" / "celery"), "-A", "dvc_portal", "worker", "--pool=solo", "--concurrency=1",
             "-Q", queue, "-l", "info", "--without-gossip", "--without-mingle", "--without-heartbeat"],
            cwd=ROOT, env=env, stdout=self.handle, stderr=subprocess.STDOUT, start_new_session=True,
        )

    def wait_ready(self, timeout: float = 120) -> float:
        """perf_counter() when the worker logged that it is ready."""
        deadline = time.perf_counter() + timeout
        while time.perf_counter() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"the worker exited ({self.process.returncode}):\n{self.output()[-3000:]}")
            if " ready." in self.output():
                return time.perf_counter()
            time.sleep(0.05)
        raise RuntimeError(f"the worker was not ready after {timeout} s:\n{self.output()[-3000:]}")

    def output(self) -> str:
        return self.log.read_text(errors="replace")

    def stop(self) -> str:
        if self.process.poll() is None:
            try:
                os.killpg(self.process.pid, signal.SIGTERM)  # warm shutdown of this worker's group only
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=10)
            except ProcessLookupError:
                pass
        self.handle.close()
        return self.output()


# --- the run ---------------------------------------------------------------------------------------------


class Bench:
    def __init__(self, args):
        self.args = args
        self.run_id = uuid.uuid4().hex[:8]
        self.db_name = f"dvc_bench_digitization_{self.run_id}"
        server = urlsplit(args.postgres)
        self.pg = {"user": server.username or "postgres", "password": server.password or None,
                   "host": server.hostname or "127.0.0.1", "port": server.port or 5432}
        auth = server.username or "postgres"
        if server.password:
            auth += f":{server.password}"
        self.database_url = f"postgres://{auth}@{self.pg['host']}:{self.pg['port']}/{self.db_name}"
        self.redis_url = args.redis
        self.folder = Path(tempfile.mkdtemp(prefix="dvc-bench-digitization-"))
        self.queues = {name: f"bench-digitize-{self.run_id}-{name}" for name in ("setup", "results", "scans")}
        self.workers: list[Worker] = []
        self.db_created = False
        self.redis_keys_before: set[bytes] | None = None
        self.figures: dict = {"machine": {"cores": os.cpu_count()}}

    # setup and cleanup

    def _maintenance(self):
        import psycopg2

        connection = psycopg2.connect(dbname="postgres", **self.pg)
        connection.autocommit = True
        return connection

    def setup(self) -> None:
        import redis
        from psycopg2 import sql

        client = redis.Redis.from_url(self.redis_url, socket_connect_timeout=3)
        client.ping()
        self.redis_keys_before = set(client.keys("*"))
        connection = self._maintenance()
        try:
            with connection.cursor() as cursor:
                cursor.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(self.db_name)))
                cursor.execute("SELECT version()")
                self.figures["machine"]["postgresql"] = cursor.fetchone()[0].split(" on ")[0]
        finally:
            connection.close()
        self.db_created = True
        print(f"scratch database {self.db_name}, folder {self.folder}, Redis {self.redis_url}", flush=True)
        (self.folder / "media").mkdir()
        (self.folder / "pki").mkdir()
        self.env = {
            "DATABASE_URL": self.database_url, "REDIS_URL": self.redis_url, "DJANGO_ENV": "test",
            "MEDIA_ROOT": str(self.folder / "media"), "SIGNING_DIR": str(self.folder / "pki"),
            # DJANGO_ENV=test runs tasks in-process by default: here they go through the broker.
            "CELERY_TASK_ALWAYS_EAGER": "false", "LOG_LEVEL": "WARNING",
            "DJANGO_SETTINGS_MODULE": "dvc_portal.settings",
        }
        os.environ.update(self.env)
        import django

        django.setup()
        from django.core.management import call_command

        started = time.perf_counter()
        call_command("migrate", verbosity=0)
        self._route("setup")  # the demo's own digitizations go to a queue no worker reads (deleted at the end)
        call_command("load_demo", verbosity=0)
        print(f"migrated and loaded the demo in {time.perf_counter() - started:.0f} s", flush=True)

    def _route(self, name: str) -> None:
        """Send ``digitize`` tasks to this run's queue ``name`` (the task's options are cached by Celery)."""
        from digitization.tasks import digitize

        digitize.queue = self.queues[name]
        digitize._exec_options = None

    def cleanup(self) -> None:
        for worker in self.workers:
            try:
                worker.stop()
            except Exception as error:  # noqa: BLE001 - keep cleaning
                print(f"could not stop a worker: {error}", file=sys.stderr)
        if "django" in sys.modules:
            try:
                from django.db import connections

                connections.close_all()
            except Exception:  # noqa: BLE001,S110 - Django may not be set up
                pass
        if self.db_created:
            try:
                from psycopg2 import sql

                connection = self._maintenance()
                try:
                    with connection.cursor() as cursor:
                        cursor.execute(
                            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(self.db_name))
                        )
                finally:
                    connection.close()
                print(f"dropped {self.db_name}")
            except Exception as error:  # noqa: BLE001
                print(f"could not drop {self.db_name}: {error}", file=sys.stderr)
        if self.redis_keys_before is not None:
            try:
                import redis

                client = redis.Redis.from_url(self.redis_url)
                ours = [k for k in client.keys("*") if k not in self.redis_keys_before]
                if ours:
                    client.delete(*ours)
            except Exception as error:  # noqa: BLE001
                print(f"could not clean Redis: {error}", file=sys.stderr)
        shutil.rmtree(self.folder, ignore_errors=True)

    # the office

    def office(self) -> None:
        from accounts.models import User
        from procedures.models import Agency, Procedure

        self.ward = Agency.objects.get(code=WARD)
        users = {u.username: u for u in User.objects.filter(username__endswith=".haichau")}
        self.staff = {role: users[f"{role}.haichau"] for role in ("clerk", "specialist", "leader")}
        self.procedure = Procedure.objects.select_related("current_version").get(
            code=PROCEDURE, current_version__agencies=self.ward
        )
        self.requirement = self.procedure.current_version.documents.order_by("pk").first()
        self.counter = 0

    def _applicant(self) -> dict:
        self.counter += 1
        family = ["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Võ", "Đặng", "Bùi"][self.counter % 8]
        given = ["Thị Hương", "Văn An", "Minh Đức", "Thu Hà", "Quốc Dũng", "Ngọc Ánh", "Hữu Phước"][self.counter % 7]
        return {"name": f"{family} {given}", "id_number": f"0489{self.counter:08d}", "address": "phường Hải Châu, Đà Nẵng"}

    def approved_dossiers(self, count: int) -> list[int]:
        """``count`` dossiers taken at the counter and approved by the real services: the ids of their
        pending results (whose tasks went to the queue routed at the time)."""
        from cases.actions import perform
        from cases.demo import _expand
        from cases.services import dossier_intake
        from digitization.models import DigitizedDocument

        roles = {"reception_clerk": "clerk", "specialist": "specialist", "leader": "leader"}
        ids = []
        for _ in range(count):
            dossier = dossier_intake(clerk=self.staff["clerk"], procedure=self.procedure, agency=self.ward,
                                     applicant=self._applicant())
            for action in _expand(["forward", "to_last", "approve"], dossier):
                dossier.refresh_from_db()
                if action == "approve":
                    actor = self.staff["leader"]
                elif action == "forward":
                    actor = self.staff["clerk"]
                else:
                    actor = self.staff[roles[dossier.current_step.role]]
                reason = f"{self.counter}/2026/XNCT" if action == "approve" else ""
                perform(dossier=dossier, action=action, actor=actor, reason=reason)
            ids.append(DigitizedDocument.objects.get(dossier=dossier, kind="result", status="pending").pk)
        return ids

    def scanned_dossiers(self, count: int, scan: bytes) -> list[int]:
        """``count`` dossiers taken at the counter with a scan each: the ids of their pending components."""
        from django.core.files.uploadedfile import SimpleUploadedFile

        from cases.services import dossier_intake
        from digitization.models import DigitizedDocument

        ids = []
        for _ in range(count):
            upload = SimpleUploadedFile("scan.pdf", scan, content_type="application/pdf")
            dossier = dossier_intake(clerk=self.staff["clerk"], procedure=self.procedure, agency=self.ward,
                                     applicant=self._applicant(), scans=[(self.requirement, upload)])
            ids.append(DigitizedDocument.objects.get(dossier=dossier, kind="component", status="pending").pk)
        return ids

    # 1. OCR

    def ocr(self) -> None:
        from digitization.ocr import make_searchable

        rows = []
        for pages in (1, 5):
            pdf = scan_pdf(pages)
            times, recognized = [], 0
            for _ in range(self.args.ocr_runs):
                started = time.perf_counter()
                result = make_searchable(pdf)
                times.append(time.perf_counter() - started)
                assert result.pages == pages, result.pages
                recognized = len(result.text)
            per_page = [t / pages for t in times]
            rows.append({"pages": pages, "input_kb": round(len(pdf) / 1024), "runs": [round(t, 2) for t in times],
                         "s_per_page_median": round(statistics.median(per_page), 2),
                         "s_per_page_min": round(min(per_page), 2), "text_chars": recognized})
            print(f"OCR {pages} page(s): {', '.join(f'{t:.1f}' for t in times)} s", flush=True)
        if len(rows) == 2:  # time = fixed + pages × marginal, from the two medians
            one, five = (statistics.median(r["runs"]) for r in rows)
            self.figures["ocr_model"] = {"marginal_s_per_page": round((five - one) / 4, 2),
                                         "fixed_s_per_call": round(one - (five - one) / 4, 2)}
        # A check that the text really came back (not a blank layer): the first line of page one.
        if "HỘI CHỦ NGHĨA" not in unicodedata.normalize("NFC", result.text.upper()):
            print("warning: the OCR text does not contain the first line of the scan", file=sys.stderr)
        self.figures["ocr"] = rows

    # 2. one result in this process

    def results(self) -> None:
        from digitization import pki, results, selectors, services

        self._route("setup")
        warmup = 3
        ids = self.approved_dossiers(self.args.results + warmup)
        timing = {"render": [], "sign": []}

        def timed(name, function):
            def wrapper(*a, **k):
                started = time.perf_counter()
                try:
                    return function(*a, **k)
                finally:
                    timing[name].append((time.perf_counter() - started) * 1000)
            return wrapper

        original = results.render_result, pki.sign_pdf
        results.render_result, pki.sign_pdf = timed("render", results.render_result), timed("sign", pki.sign_pdf)
        totals = []
        try:
            for pk in ids:
                started = time.perf_counter()
                document = services.document_process(document_id=pk)
                totals.append((time.perf_counter() - started) * 1000)
                assert document.status == "done", (document.status, document.failure_reason)
        finally:
            results.render_result, pki.sign_pdf = original
        totals, render, sign = totals[warmup:], timing["render"][warmup:], timing["sign"][warmup:]
        rest = [t - r - s for t, r, s in zip(totals, render, sign, strict=True)]
        last = services.DigitizedDocument.objects.get(pk=ids[-1])
        verified = selectors.verify_code(last.code, last.verify_key)
        assert verified.authentic, verified.public_fields()
        self.figures["result"] = {
            "count": len(totals), "size_kb": round(last.size / 1024, 1),
            "total_ms": summary(totals), "render_ms": summary(render), "sign_ms": summary(sign),
            "claim_and_store_ms": summary(rest),
        }

    # 3. a real worker

    def _drain(self, name: str, ids: list[int], timeout: float) -> dict:
        from django.db.models import Max, Min

        from digitization.models import DigitizedDocument

        worker = Worker(queue=self.queues[name], env={**os.environ, **self.env}, log=self.folder / f"worker-{name}.log")
        self.workers.append(worker)
        started = time.perf_counter()
        ready = worker.wait_ready()
        deadline = ready + timeout
        rows = DigitizedDocument.objects.filter(pk__in=ids)
        while rows.filter(status="pending").exists():
            if time.perf_counter() > deadline:
                raise RuntimeError(f"{name}: not done after {timeout} s:\n{worker.output()[-3000:]}")
            if worker.process.poll() is not None:
                raise RuntimeError(f"{name}: the worker exited:\n{worker.output()[-3000:]}")
            time.sleep(0.1)
        finished = time.perf_counter()
        output = worker.stop()
        spread = rows.aggregate(first=Min("digitized_at"), last=Max("digitized_at"))
        failed = rows.filter(status="failed").count()
        wall = finished - ready
        steady = (spread["last"] - spread["first"]).total_seconds() if spread["first"] else 0
        return {
            "count": len(ids), "failed": failed, "worker_start_s": round(ready - started, 1),
            "wall_s": round(wall, 1), "per_minute": round(len(ids) / wall * 60, 1),
            # between the first and the last stored: the start-up of the first task left out
            "steady_per_minute": round((len(ids) - 1) / steady * 60, 1) if steady else None,
            "seconds_each": round(wall / len(ids), 3),
            "tracebacks": output.count("Traceback"), "retries": output.count("Retry in"),
        }

    def worker(self) -> None:
        self._route("results")
        started = time.perf_counter()
        result_ids = self.approved_dossiers(self.args.worker_results)
        made = time.perf_counter() - started
        self._route("scans")
        scan_ids = self.scanned_dossiers(self.args.worker_scans, scan_pdf(1))
        from django.db import connections

        connections.close_all()
        print(f"{len(result_ids)} approved dossiers in {made:.0f} s; {len(scan_ids)} scanned; starting the worker",
              flush=True)
        self.figures["worker_results"] = self._drain("results", result_ids, timeout=1800)
        self.figures["worker_results"]["approvals_per_minute"] = round(len(result_ids) / made * 60, 1)
        print(f"worker, results: {self.figures['worker_results']}", flush=True)
        self.figures["worker_scans"] = self._drain("scans", scan_ids, timeout=3600)
        print(f"worker, 1-page scans: {self.figures['worker_scans']}", flush=True)

    # 4. the store page

    def store(self) -> None:
        import datetime as dt

        from django.core.management import call_command
        from django.db import connection
        from django.test import Client
        from django.test.utils import CaptureQueriesContext
        from django.utils import timezone

        from accounts.models import User
        from cases.models import Dossier
        from digitization import selectors
        from digitization.models import DigitizedDocument, DocumentAccess

        citizen = User.objects.select_related("citizen_profile").get(username="citizen")
        number = citizen.citizen_profile.id_number
        # One result per dossier (a constraint): a dossier for every three documents, its result and two
        # scanned components, as bulk rows (generate_dossiers, the command of bench/dossiers.py).
        wanted = -(-self.args.store_documents // 3)
        call_command("generate_dossiers", wanted, verbosity=0, stdout=io.StringIO())
        dossiers = list(Dossier.objects.filter(form_data__generated=True).order_by("pk").values_list("pk", flat=True))
        now, today = timezone.now(), timezone.localdate()
        documents = DigitizedDocument.objects.bulk_create([
            DigitizedDocument(
                kind="result" if i % 3 == 0 else "component", status="done",
                code=f"{number}.BENCH.{'XNCT' if i % 3 == 0 else 'CCCD'}.{i:04d}",
                owner_id_number=number, owner_name=citizen.citizen_profile.full_name,
                document_type="XNCT" if i % 3 == 0 else "CCCD",
                document_type_name="Giấy xác nhận thông tin về cư trú" if i % 3 == 0 else "Căn cước công dân",
                procedure_code=PROCEDURE, number_symbol=f"{i}/2026/XNCT" if i % 3 == 0 else "",
                issue_date=today - dt.timedelta(days=i), issuer=self.ward.name, signer="Phạm Quốc Dũng",
                summary="Tài liệu số hóa phục vụ đo hiệu năng",
                ocr_text="" if i % 3 == 0 else PAGE_TEXT[i % len(PAGE_TEXT)],  # a scanned page's text, as OCR leaves
                valid_until=today + dt.timedelta(days=365 - i % 400),
                file=f"store/bench/{i}.pdf", sha256=f"{i:064x}", size=120_000, pages=1,
                dossier_id=dossiers[i // 3], digitized_at=now - dt.timedelta(minutes=i),
            )
            for i in range(self.args.store_documents)
        ], batch_size=500)
        DocumentAccess.objects.bulk_create([
            DocumentAccess(document=d, user=citizen, who="Nguyễn Văn An", role="", action=action,
                           at=now - dt.timedelta(hours=k))
            for d in documents for k, action in enumerate(("download", "verify"))
        ], batch_size=2000)
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE digitization_digitizeddocument; ANALYZE digitization_documentaccess")
        counts = selectors.store_counts(citizen)
        client = Client()
        client.force_login(citizen)
        pages = -(-sum(counts.values()) // 50)
        endpoints = [("store page /kho-du-lieu/", "/kho-du-lieu/"),
                     (f"store page, last page ?trang={pages}", f"/kho-du-lieu/?trang={pages}"),
                     ("store page, results tab ?loai=ket-qua", "/kho-du-lieu/?loai=ket-qua"),
                     ("API /api/v1/me/documents/", "/api/v1/me/documents/")]
        rows = []
        for name, path in endpoints:
            for _ in range(3):
                assert client.get(path).status_code == 200
            times, queries = [], set()
            for _ in range(self.args.requests):
                with CaptureQueriesContext(connection) as captured:
                    started = time.perf_counter()
                    response = client.get(path)
                    times.append((time.perf_counter() - started) * 1000)
                assert response.status_code == 200, (path, response.status_code)
                queries.add(len(captured.captured_queries))
            statements = [(round(float(q["time"]) * 1000, 1), q["sql"][:400]) for q in captured.captured_queries]
            rows.append({"endpoint": name, "median_ms": round(statistics.median(times), 1),
                         "p95_ms": round(percentile(times, 0.95), 1), "queries": sorted(queries),
                         "slowest_query_ms": max(ms for ms, _ in statements), "statements": statements})
        self.figures["store"] = {"documents": counts, "accesses": DocumentAccess.objects.filter(
            document__owner_id_number=number).count(), "endpoints": rows}

    # the report

    def report(self) -> None:
        f = self.figures
        print(f"\nmachine: {f['machine']}")
        if "ocr" in f:
            print("\n| scan (300 dpi, A4) | runs (s) | s/page median | s/page best |\n|---|---|---:|---:|")
            for row in f["ocr"]:
                print(f"| {row['pages']} page(s), {row['input_kb']} kB | {', '.join(map(str, row['runs']))} | "
                      f"{row['s_per_page_median']} | {row['s_per_page_min']} |")
            if "ocr_model" in f:
                print(f"each call ≈ {f['ocr_model']['fixed_s_per_call']} s fixed + "
                      f"{f['ocr_model']['marginal_s_per_page']} s per page")
        if "result" in f:
            r = f["result"]
            print(f"\none result in-process ({r['count']} results, signed PDF {r['size_kb']} kB)\n"
                  "| part | median ms | p95 ms |\n|---|---:|---:|")
            for key, label in (("total_ms", "document_process (all)"), ("render_ms", "render (reportlab)"),
                               ("sign_ms", "sign (pyHanko PAdES)"), ("claim_and_store_ms", "claim, code, store")):
                print(f"| {label} | {r[key]['median']:.1f} | {r[key]['p95']:.1f} |")
        for key, label in (("worker_results", "results"), ("worker_scans", "1-page OCR components")):
            if key in f:
                w = f[key]
                print(f"\none worker (solo), {label}: {w['count']} in {w['wall_s']} s after ready = "
                      f"{w['per_minute']}/min (steady {w['steady_per_minute']}/min), failed {w['failed']}, "
                      f"worker start {w['worker_start_s']} s")
        if "store" in f:
            s = f["store"]
            print(f"\nstore: {s['documents']} documents, {s['accesses']} accesses\n"
                  "| endpoint | median ms | p95 ms | queries | slowest query ms |\n|---|---:|---:|---|---:|")
            for row in s["endpoints"]:
                print(f"| {row['endpoint']} | {row['median_ms']} | {row['p95_ms']} | "
                      f"{', '.join(map(str, row['queries']))} | {row['slowest_query_ms']} |")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--postgres", default=os.environ.get("BENCH_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432"),
                        help="the server where a scratch database is created for the run and dropped after")
    parser.add_argument("--redis", default=os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/13"))
    parser.add_argument("--ocr-runs", type=int, default=3)
    parser.add_argument("--results", type=int, default=50)
    parser.add_argument("--worker-results", type=int, default=200)
    parser.add_argument("--worker-scans", type=int, default=20)
    parser.add_argument("--store-documents", type=int, default=1000)
    parser.add_argument("--requests", type=int, default=20)
    parser.add_argument("--skip", default="", help="parts to leave out, comma-separated: ocr,results,worker,store")
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    skip = set(filter(None, args.skip.split(",")))

    # SIGTERM unwinds like Ctrl-C, so the scratch database, the folders and the worker go too.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    bench = Bench(args)
    started = time.perf_counter()
    try:
        bench.setup()
        bench.office()
        for part in ("ocr", "results", "worker", "store"):
            if part not in skip:
                part_started, load_before = time.perf_counter(), os.getloadavg()[0]
                getattr(bench, part)()
                # The 1-minute load average around each part: the machine is shared, other work shows here.
                bench.figures.setdefault("load", {})[part] = [round(load_before, 2), round(os.getloadavg()[0], 2)]
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
