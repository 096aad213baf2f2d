"""Dossier pages and API with a million dossiers in PostgreSQL: latency, queries, lookup throughput.

    .venv/bin/python bench/dossiers.py [--count 1000000] [--requests 100] [--json bench/out/dossiers.json]

Uses BENCH_DATABASE_URL (default postgres://postgres@127.0.0.1:5432/dvc_bench_dossiers), creating and
migrating it, loads the demo (agencies, catalog, accounts), tops the dossiers up to --count with
``generate_dossiers``, then measures in-process (django.test.Client): the clerk's queue page and API,
the citizen's list page and API, the public lookup page and API (random codes), each with its queries
per request; and the public lookup API's throughput against a bare Django view served the same way.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from catalog import ensure_database, percentile  # noqa: E402

DEFAULT_DATABASE = "postgres://postgres@127.0.0.1:5432/dvc_bench_dossiers"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=1_000_000)
    parser.add_argument("--requests", type=int, default=100)
    parser.add_argument("--seconds", type=float, default=5.0, help="per side of the throughput comparison")
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()

    url = os.environ.get("BENCH_DATABASE_URL", DEFAULT_DATABASE)
    if "bench" not in url.rsplit("/", 1)[-1]:
        sys.exit("refusing a database whose name does not say 'bench'")
    ensure_database(url)
    os.environ.update(DATABASE_URL=url, DJANGO_ENV="test", DJANGO_SETTINGS_MODULE="dvc_portal.settings")
    os.environ.pop("REDIS_URL", None)
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext, override_settings

    from accounts.models import User
    from cases.models import Dossier

    call_command("migrate", verbosity=0)
    call_command("load_demo", verbosity=0)
    missing = args.count - Dossier.objects.count()
    if missing > 0:
        started = time.perf_counter()
        call_command("generate_dossiers", missing, verbosity=0)
        print(f"generated {missing} dossiers in {time.perf_counter() - started:.0f} s")
        # VACUUM as well as ANALYZE: until the visibility map is set, the list queries' index-only scans read
        # the heap, and the first run measures autovacuum's timing (2-7x slower), not the code.
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")
    total = Dossier.objects.count()
    codes = list(Dossier.objects.filter(form_data__generated=True).order_by("?").values_list("code", flat=True)[:500])
    rng = random.Random(1)

    def client_for(username):
        client = Client()
        if username:
            client.force_login(User.objects.get(username=username))
        return client

    endpoints = [
        ("clerk queue page", "clerk", lambda: "/ho-so/can-bo/?queue=all"),
        ("clerk queue API", "clerk", lambda: "/api/v1/dossiers/?queue=all"),
        ("clerk overdue page", "clerk", lambda: "/ho-so/can-bo/?queue=overdue"),
        ("citizen list page", "citizen", lambda: "/ho-so/"),
        ("citizen list API", "citizen", lambda: "/api/v1/dossiers/"),
        ("public lookup page", None, lambda: f"/tra-cuu/{rng.choice(codes)}/"),
        ("public lookup API", None, lambda: f"/api/v1/public/dossiers/{rng.choice(codes)}/"),
    ]
    results = []
    with override_settings(ROOT_URLCONF="bench_urls"):
        for name, user, make in endpoints:
            client = client_for(user)
            for _ in range(5):
                client.get(make())
            times, queries = [], set()
            for _ in range(args.requests):
                path = make()
                with CaptureQueriesContext(connection) as ctx:
                    started = time.perf_counter()
                    response = client.get(path)
                    times.append((time.perf_counter() - started) * 1000)
                assert response.status_code == 200, (path, response.status_code)
                queries.add(len(ctx.captured_queries))
            results.append({"endpoint": name, "median_ms": round(statistics.median(times), 1),
                            "p95_ms": round(percentile(times, 0.95), 1), "queries": sorted(queries)})

        def throughput(make):
            client = Client()
            done, deadline = 0, time.perf_counter() + args.seconds
            while time.perf_counter() < deadline:
                assert client.get(make()).status_code == 200
                done += 1
            return done / args.seconds

        bare = throughput(lambda: "/bench/bare/")
        lookup = throughput(lambda: f"/api/v1/public/dossiers/{rng.choice(codes)}/")
    print(f"\n{total:,} dossiers in PostgreSQL; {args.requests} requests per endpoint\n")
    print("| endpoint | median ms | p95 ms | queries per request |\n|---|---:|---:|---|")
    for row in results:
        print(f"| {row['endpoint']} | {row['median_ms']} | {row['p95_ms']} | {', '.join(map(str, row['queries']))} |")
    print(f"\npublic lookup API {lookup:.0f} req/s vs bare view {bare:.0f} req/s: ratio {lookup / bare:.2f}")
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps({"dossiers": total, "endpoints": results, "lookup_rps": lookup,
                                         "bare_rps": bare}, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
