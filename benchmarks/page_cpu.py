"""Benchmark: the CPU time and the queries of each staff page of benchmarks/load.py's mix.

Builds (once) the demo shop as load.py does (``stammkunde demo --no-serve --customers N``, SQLite,
under ``benchmarks/.work/page_cpu/``; ``--database-url`` for PostgreSQL, a database whose name
contains "bench", which is recreated), adds a team lead, and then renders each kind of page
``--requests`` times in this process through the project's WSGI application
(``stammkunde.wsgi.application``: every middleware, the session cookie, the per-request
connection handling of the settings), one request after the other:

- customer: a customer's 360 page (``/customers/<id>/``), a different customer each time;
- search: the customer search (``/customers/?q=``) for a whole last name, as load.py types it,
  and every other time for the middle of an e-mail address;
- dashboard: ``/analytics/``; home: ``/``.

On SQLite a second connection holds the database open meanwhile, as serve's worker processes do
(else closing the last connection would checkpoint the WAL, a cost pages do not have there).

It reports per kind the CPU time of this process per page (``time.process_time``: Python,
templates and the SQLite library, which runs in this process; the PostgreSQL server's time is
not counted) and the number of queries per page (Django's ``CaptureQueriesContext``). Two warm-up
rounds are not counted. ``--profile KIND`` runs the pages of that kind under cProfile instead and
prints the top functions by cumulative time (``--profile-sort tottime``: by their own time).

    .venv/bin/python benchmarks/page_cpu.py                    # 5,000 customers, 40 requests each
    .venv/bin/python benchmarks/page_cpu.py --requests 10 --profile customer
    .venv/bin/python benchmarks/page_cpu.py --kinds customer,search     # only these pages
    .venv/bin/python benchmarks/page_cpu.py --source ../main/src --work-dir /tmp/a   # A/B

The last output line is one JSON object: ``<kind>_cpu_ms`` (median CPU ms per page),
``<kind>_queries`` (the most queries a page of that kind made) and ``mean_cpu_ms`` (when every
kind is measured; weighted by load.py's mix: half customer pages, three in ten searches, a
tenth each dashboard and home). ``--kinds`` measures only some kinds.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import os
import pstats
import random
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
WORK = ROOT / "benchmarks" / ".work" / "page_cpu"
STAMMKUNDE = [sys.executable, "-m", "stammkunde"]
USERNAME = "pagecpu"
# load.py's mix of pages (share of the clicks).
MIX = {"customer": 0.5, "search": 0.3, "dashboard": 0.1, "home": 0.1}
WARM_UP = 2


def prepare(customers: int, database_url: str, work: Path, source: Path) -> None:
    """Point the settings at the benchmark database; build it unless it already exists."""
    work.mkdir(parents=True, exist_ok=True)
    marker = work / f"built-{customers}-{'pg' if database_url else 'sqlite'}"
    env = {
        **os.environ,
        "STAMMKUNDE_DATA_DIR": str(work),
        "STAMMKUNDE_DATABASE_URL": database_url,
        "STAMMKUNDE_ALLOWED_HOSTS": "127.0.0.1,localhost,testserver",
        "STAMMKUNDE_LOG_LEVEL": "WARNING",
        "PYTHONPATH": str(source),
    }
    if not marker.exists():
        if database_url:
            from benchmarks.webhooks import fresh_database

            env = {**env, **fresh_database(database_url, work)}
        else:
            for suffix in ("", "-wal", "-shm"):
                Path(f"{work / 'stammkunde.sqlite3'}{suffix}").unlink(missing_ok=True)
            subprocess.run([*STAMMKUNDE, "migrate", "--verbosity", "0"], env=env, check=True)
        command = [*STAMMKUNDE, "demo", "--no-serve", "--customers", str(customers)]
        subprocess.run(command, env=env, check=True, stdout=subprocess.DEVNULL)
        marker.touch()
    os.environ.update(env)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "stammkunde.settings")
    sys.path.insert(0, str(source))


def session_cookies() -> dict[str, str]:
    """A logged-in team lead's cookies (the session from the test client's force_login); the
    pages add the CSRF cookie, as a browser keeps it."""
    from django.conf import settings
    from django.contrib.auth.models import Group, User
    from django.test import Client

    user, created = User.objects.get_or_create(username=USERNAME)
    if created:
        user.groups.add(Group.objects.get(name="Team lead"))
    client = Client()
    client.force_login(user)
    return {settings.SESSION_COOKIE_NAME: client.cookies[settings.SESSION_COOKIE_NAME].value}


def hold_database_open() -> object | None:
    """On SQLite, a second connection to the database file, held while the pages are measured.

    Under ``stammkunde serve`` the worker processes always hold the database open; without
    them the request that closes the last connection would checkpoint the WAL, a cost the
    pages do not have in production.
    """
    import sqlite3

    from django.db import connection

    if connection.vendor != "sqlite":
        return None
    held = sqlite3.connect(connection.settings_dict["NAME"])
    held.execute("SELECT count(*) FROM sqlite_master").fetchone()
    return held


def wsgi_get(application: Callable, path: str, query: str, cookies: dict[str, str]) -> int:
    """One GET through the WSGI application, as a browser sends it (with ``cookies``, which
    take the answer's cookies); returns the status."""
    environ = {
        "REQUEST_METHOD": "GET",
        "PATH_INFO": path,
        "QUERY_STRING": query,
        "SERVER_NAME": "127.0.0.1",
        "SERVER_PORT": "8000",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "HTTP_HOST": "127.0.0.1",
        "HTTP_COOKIE": "; ".join(f"{name}={value}" for name, value in cookies.items()),
        "HTTP_ACCEPT_LANGUAGE": "de",
        "REMOTE_ADDR": "127.0.0.1",
        "wsgi.input": io.BytesIO(b""),
        "wsgi.errors": sys.stderr,
        "wsgi.url_scheme": "http",
        "wsgi.version": (1, 0),
        "wsgi.multithread": True,
        "wsgi.multiprocess": True,
        "wsgi.run_once": False,
    }
    statuses: list[str] = []

    def start_response(status: str, headers: list[tuple[str, str]], *args: object) -> None:
        statuses.append(status)
        for header, value in headers:
            if header.lower() == "set-cookie":
                name, _, rest = value.strip().partition("=")
                cookies[name] = rest.split(";", 1)[0]

    body = application(environ, start_response)
    try:
        for _chunk in body:
            pass
    finally:
        if hasattr(body, "close"):
            body.close()
    return int(statuses[0].split()[0])


def requests_by_kind(count: int, seed: int) -> dict[str, list[tuple[str, str]]]:
    """``count + WARM_UP`` (path, query string) pairs per kind of page."""
    from stammkunde.customers.models import Customer

    rng = random.Random(seed)
    people = list(Customer.objects.order_by("pk").values_list("pk", "last_name", "email"))
    drawn = [rng.choice(people) for _ in range(count + WARM_UP)]
    searches = []
    for index, (_pk, last_name, email) in enumerate(drawn):
        middle = email[2:8] if email else ""
        term = middle if index % 2 and middle else last_name
        searches.append(("/customers/", urlencode({"q": term})))
    return {
        "customer": [(f"/customers/{pk}/", "") for pk, _name, _email in drawn],
        "search": searches,
        "dashboard": [("/analytics/", "")] * (count + WARM_UP),
        "home": [("/", "")] * (count + WARM_UP),
    }


def measure(
    application: Callable, pages: list[tuple[str, str]], cookies: dict[str, str]
) -> dict[str, float]:
    """Median CPU ms per page and the most queries a page made (after the warm-up)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    times, queries = [], []
    for number, (path, query) in enumerate(pages):
        with CaptureQueriesContext(connection) as captured:
            started = time.process_time()
            status = wsgi_get(application, path, query, cookies)
            elapsed = time.process_time() - started
        if status != 200:
            raise SystemExit(f"{path}?{query}: {status}")
        if number >= WARM_UP:
            times.append(elapsed * 1000)
            queries.append(len(captured.captured_queries))
    return {"cpu_ms": round(statistics.median(times), 2), "queries": max(queries)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=5_000)
    parser.add_argument("--requests", type=int, default=40, help="pages per kind")
    parser.add_argument("--database-url", default="", help="PostgreSQL (db name with 'bench')")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument(
        "--kinds", default=",".join(MIX), help="which kinds of page to measure (comma-separated)"
    )
    parser.add_argument("--profile", choices=sorted(MIX), default=None)
    parser.add_argument("--profile-sort", default="cumulative", help="e.g. tottime")
    parser.add_argument("--work-dir", type=Path, default=WORK)
    parser.add_argument(
        "--source", type=Path, default=ROOT / "src", help="where to import stammkunde from (A/B)"
    )
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT))  # run as a script: make the benchmarks package importable
    prepare(args.customers, args.database_url, args.work_dir, args.source.resolve())

    from stammkunde.wsgi import application

    cookies = session_cookies()
    pages = requests_by_kind(args.requests, args.seed)
    bystander = hold_database_open()
    if args.profile:
        for path, query in pages[args.profile][:WARM_UP]:
            wsgi_get(application, path, query, cookies)
        profile = cProfile.Profile()
        profile.enable()
        for path, query in pages[args.profile][WARM_UP:]:
            wsgi_get(application, path, query, cookies)
        profile.disable()
        pstats.Stats(profile).sort_stats(args.profile_sort).print_stats(60)
        return
    kinds = [kind for kind in MIX if kind in args.kinds.split(",")]
    result: dict[str, float] = {}
    for kind in kinds:
        figures = measure(application, pages[kind], cookies)
        print(f"{kind:<10} {figures['cpu_ms']:8.2f} CPU ms  {figures['queries']:4} queries")
        result[f"{kind}_cpu_ms"] = figures["cpu_ms"]
        result[f"{kind}_queries"] = figures["queries"]
    if len(kinds) == len(MIX):
        result["mean_cpu_ms"] = round(
            sum(share * result[f"{k}_cpu_ms"] for k, share in MIX.items()), 2
        )
    result["requests"] = args.requests
    result["database"] = "postgresql" if args.database_url else "sqlite"
    print(json.dumps(result))
    del bystander


if __name__ == "__main__":
    main()
