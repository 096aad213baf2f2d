"""Catalog search and browse with 2,000 real procedures in PostgreSQL: latency and queries per request.

    .venv/bin/python bench/catalog.py [--requests 200] [--sizes 200,2000] [--json bench/out/catalog.json]

Creates (if missing) and migrates the database at DATABASE_URL (default
postgres://postgres@127.0.0.1:5432/dvc_bench), empties its catalog, converts the 2,642-record shared
file (or --source) to the national shape, imports 200 of the first 2,000 procedures (every 10th) then
all 2,000, and
after each import sends --requests requests per endpoint in-process with django.test.Client, rotating
the search terms (with and without diacritics). Reports median and p95 latency and the queries each
request made (they must not change with the catalog's size). See bench/README.md for the figures.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path
from urllib.parse import urlencode, urlsplit

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DATABASE = "postgres://postgres@127.0.0.1:5432/dvc_bench"
DEFAULT_SOURCE = "/work/shared/data/tthc-catalog-all-2642.json.gz"
TERMS = [
    "khai sinh",
    "đăng ký kết hôn",
    "dang ky ket hon",
    "giấy phép xây dựng",
    "giay phep xay dung",
    "hộ kinh doanh",
    "chung thuc ban sao",
    "thuế",
    "1.001193",
    "cấp lại giấy chứng nhận",
]


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(fraction * len(ordered) + 0.5) - 1))
    return ordered[index]


def ensure_database(url: str) -> None:
    """CREATE DATABASE when it does not exist (PostgreSQL only)."""
    import psycopg2
    from psycopg2 import sql

    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    maintenance = psycopg2.connect(
        dbname="postgres", user=parts.username or "postgres", password=parts.password or None,
        host=parts.hostname or "127.0.0.1", port=parts.port or 5432,
    )
    maintenance.autocommit = True
    with maintenance.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
        if cursor.fetchone() is None:
            cursor.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
            print(f"created database {name}")
    maintenance.close()


def setup_django(database_url: str) -> None:
    sys.path.insert(0, str(ROOT))
    os.environ["DATABASE_URL"] = database_url
    os.environ.setdefault("DJANGO_ENV", "test")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dvc_portal.settings")
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    import django

    django.setup()


def catalog_empty() -> None:
    from procedures.models import Field, Procedure, ProcedureVersion

    Procedure.objects.update(current_version=None)
    ProcedureVersion.objects.all().delete()
    Procedure.objects.all().delete()
    Field.objects.all().delete()


def measure(client, path: str, queries: list[str], requests: int) -> dict:
    """``requests`` GETs of ``path`` (one query string after another), after a short warm-up."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    for query in queries[:3]:
        client.get(f"{path}?{query}" if query else path)
    timings, query_counts, statuses = [], set(), set()
    per_query: dict[str, set[int]] = {}
    for n in range(requests):
        query = queries[n % len(queries)]
        url = f"{path}?{query}" if query else path
        with CaptureQueriesContext(connection) as captured:
            started = time.perf_counter()
            response = client.get(url)
            timings.append((time.perf_counter() - started) * 1000)
        statuses.add(response.status_code)
        query_counts.add(len(captured.captured_queries))
        per_query.setdefault(query, set()).add(len(captured.captured_queries))
    return {
        "requests": requests,
        "median_ms": round(statistics.median(timings), 2),
        "p95_ms": round(percentile(timings, 0.95), 2),
        "max_ms": round(max(timings), 2),
        "queries": sorted(query_counts),
        "queries_by_query": {q or "(none)": sorted(c) for q, c in per_query.items()},
        "statuses": sorted(statuses),
    }


def slowest_queries(client, url: str, top: int = 3) -> list[tuple[float, str]]:
    """The slowest SQL statements of one request (EXPLAIN-worthy), from Django's own timings."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        client.get(url)
    found = sorted(((float(q["time"]) * 1000, q["sql"]) for q in captured.captured_queries), reverse=True)
    return found[:top]


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--database",
        default=os.environ.get("BENCH_DATABASE_URL") or os.environ.get("DATABASE_URL") or DEFAULT_DATABASE,
        help="BENCH_DATABASE_URL, else DATABASE_URL, else " + DEFAULT_DATABASE,
    )
    parser.add_argument(
        "--empty-any-database", action="store_true",
        help="allow a database whose name does not say bench (its catalog is deleted!)",
    )
    parser.add_argument("--source", default=DEFAULT_SOURCE, help="page-shape catalog (.json or .json.gz)")
    parser.add_argument("--requests", type=int, default=200, help="requests per endpoint")
    parser.add_argument("--sizes", default="200,2000", help="catalog sizes to measure, comma-separated")
    parser.add_argument("--json", dest="json_path", help="write the results as JSON here")
    args = parser.parse_args(argv)

    if "bench" not in urlsplit(args.database).path.rsplit("/", 1)[-1] and not args.empty_any_database:
        parser.error(f"{args.database}: the bench deletes the catalog of its database, and this one's name "
                     "does not say bench; set BENCH_DATABASE_URL, or pass --empty-any-database")
    if args.database.startswith(("postgres://", "postgresql://")):
        ensure_database(args.database)
    setup_django(args.database)

    from django.core.management import call_command
    from django.db import connection
    from django.test import Client

    from procedures.catalog_convert import convert_records, load_source
    from procedures.services import catalog_import

    sizes = sorted(int(s) for s in args.sizes.split(","))
    call_command("migrate", verbosity=0, interactive=False)
    started = time.perf_counter()
    records = convert_records(load_source(args.source), limit=max(sizes)).records
    convert_s = time.perf_counter() - started
    if len(records) < max(sizes):
        parser.error(f"{args.source} holds {len(records)} procedures, fewer than {max(sizes)}")
    catalog_empty()

    client = Client()
    search = [urlencode({"search": term}) for term in TERMS]
    page_search = [urlencode({"q": term}) for term in TERMS]
    endpoints = [
        ("API search  GET /api/v1/procedures/?search=…", "/api/v1/procedures/", search),
        ("page search GET /thu-tuc/?q=…", "/thu-tuc/", page_search),
        ("page        GET /thu-tuc/", "/thu-tuc/", [""]),
    ]
    results = {
        "database": f"{connection.vendor} {connection.pg_version if connection.vendor == 'postgresql' else ''}".strip(),
        "source": args.source,
        "convert_seconds": round(convert_s, 2),
        "requests_per_endpoint": args.requests,
        "terms": TERMS,
        "sizes": [],
    }
    for size in sizes:
        # A smaller catalog is an even spread of the largest one (every 10th of 2,000 for 200): the
        # file's first records all come from one ministry, and most searches would find nothing.
        subset = records[:: max(1, len(records) // size)][:size]
        started = time.perf_counter()
        report = catalog_import(records=subset, source=f"bench {size}")
        import_s = time.perf_counter() - started
        if not report.ok:
            print("\n".join(str(e) for e in report.errors[:20]))
            return 1
        row = {
            "procedures": size,
            "import_seconds": round(import_s, 2),
            "created": report.created,
            "unchanged": report.unchanged,
            "endpoints": {},
        }
        for label, path, queries in endpoints:
            row["endpoints"][label] = measure(client, path, queries, args.requests)
        slowest = slowest_queries(client, "/api/v1/procedures/?" + urlencode({"search": "giay phep xay dung"}))
        row["slowest_api_search_sql"] = [{"ms": round(ms, 2), "sql": sql} for ms, sql in slowest]
        if connection.vendor == "postgresql" and slowest:
            with connection.cursor() as cursor:
                cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + slowest[0][1])
                row["slowest_api_search_plan"] = [line for (line,) in cursor.fetchall()]
        results["sizes"].append(row)

    print(f"\n{results['database']}, {args.requests} requests per endpoint, {len(TERMS)} search terms rotating")
    print(f"converted {len(records)} procedures in {results['convert_seconds']} s")
    header = f"{'procedures':>10}  {'endpoint':<45} {'median ms':>9} {'p95 ms':>8} {'queries':>8}"
    print(header)
    print("-" * len(header))
    for row in results["sizes"]:
        for label, figures in row["endpoints"].items():
            queries = "/".join(str(q) for q in figures["queries"])
            print(f"{row['procedures']:>10}  {label:<45} {figures['median_ms']:>9} {figures['p95_ms']:>8} {queries:>8}")
        print(f"{'':>10}  import of {row['procedures']} ({row['created']} new): {row['import_seconds']} s")
    # A search with no result stops after its COUNT, so compare the full pages: the most queries.
    constant = all(
        max(results["sizes"][0]["endpoints"][label]["queries"]) == max(row["endpoints"][label]["queries"])
        for row in results["sizes"]
        for label in row["endpoints"]
    )
    results["queries_constant"] = constant
    print("queries per request (a full page) constant across sizes:", "yes" if constant else "NO")
    print("(a/b queries: b for a page of results, a when the search finds nothing)")
    if args.json_path:
        Path(args.json_path).parent.mkdir(parents=True, exist_ok=True)
        Path(args.json_path).write_text(json.dumps(results, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
        print(f"results written to {args.json_path}")
    return 0 if constant else 2


if __name__ == "__main__":
    sys.exit(main())
