"""Benchmark: staff browsing while a webhook flood arrives, on the default ``stammkunde serve``.

1. A fresh database (SQLite under ``benchmarks/.work/load/``, or the PostgreSQL database given by
   ``--database-url``, dropped and created again: its name must contain "bench"), filled with the
   demo shop (``--customers``, default 5,000) and ``--sessions`` staff users (team leads, who may
   open customers, search and the dashboard).
2. ``stammkunde serve`` as the README documents it (web server plus its worker processes, which
   drain the webhook inbox while the load runs), on loopback.
3. Each of ``--sessions`` threads logs in through the login form (CSRF, django-axes and all) and
   then, for ``--seconds``, opens pages like a person at work: a customer's 360 page (half the
   clicks), a search (three in ten), the dashboard, the home page, and between two pages a
   think time (reading the page, typing the next search) drawn from an exponential distribution
   with mean ``--think-ms`` (default 2,000 ms, seeded per session). Every page that is not a 200
   counts as an error; page_p95_ms is the 95th percentile of the page times, and
   customer_/search_/dashboard_/home_p95_ms of each kind.
   ``--think-ms 0`` makes it a saturation test instead (every session clicks again the moment a
   page arrives: 50 threads asking back-to-back on a few cores measure the queue, not a person's
   wait). The run reports that case too: after the flood, ``--saturation-seconds`` (default 10;
   0 leaves it out) of browsing without think time, while the worker still drains the inbox,
   as saturation_page_p95_ms and saturation_pages_per_s.
4. At the same time ``--clients`` threads post ``--deliveries`` signed Shopify deliveries (as in
   benchmarks/webhooks.py: 10% re-sent duplicates, 2% forged signatures). A valid delivery not
   answered 200, or a forged one not answered 401, counts as an error; accepted_per_s counts the
   200s per second of the flood.
5. After the browsing, the worker is given time to drain the inbox; then lost (an accepted
   delivery never processed or its order missing) and doubled (a delivery, order line or "order
   placed" entry applied twice) are counted from the database, as benchmarks/webhooks.py does.

    .venv/bin/python benchmarks/load.py                                  # SQLite, default sizes
    .venv/bin/python benchmarks/load.py --database-url postgres://postgres@127.0.0.1/bench_load
    .venv/bin/python benchmarks/load.py --sessions 10 --seconds 15 --deliveries 2000 --customers 500
    .venv/bin/python benchmarks/load.py --think-ms 0 --saturation-seconds 0   # saturation only

Targets: errors 0, lost 0, doubled 0, page_p95_ms under 300, accepted_per_s at least 300. The
last output line is one JSON object with those keys (and a few more for context).
"""

from __future__ import annotations

import argparse
import http.client
import json
import random
import re
import subprocess
import sys
import threading
import time
from collections import Counter
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # run as a script: make the benchmarks package importable

from benchmarks.webhooks_checks import check  # noqa: E402
from benchmarks.webhooks_load import SECRET, build_load  # noqa: E402
from benchmarks.webhooks_server import (  # noqa: E402
    STAMMKUNDE,
    free_port,
    fresh_database,
    post_all,
    setup_django,
    wait_for_port,
)

WORK = ROOT / "benchmarks" / ".work" / "load"
PASSWORD = "Benchmark-Passwort-2026"
# The kinds of page a session opens (per-kind p95 keys in the result).
KINDS = ("customer", "search", "dashboard", "home")
CSRF_INPUT = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


class Session:
    """One staff member's browser: a keep-alive connection and the session cookies."""

    def __init__(self, port: int, username: str) -> None:
        self.port = port
        self.username = username
        self.cookies: dict[str, str] = {}
        self.connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)

    def request(self, method: str, path: str, body: str | None = None) -> tuple[int, str, float]:
        headers = {"Accept-Language": "de", "Host": "127.0.0.1"}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        if body is not None:
            headers["Content-Type"] = "application/x-www-form-urlencoded"
            headers["Referer"] = f"http://127.0.0.1:{self.port}{path}"
        started = time.perf_counter()
        for attempt in range(2):
            try:
                self.connection.request(method, path, body=body, headers=headers)
                response = self.connection.getresponse()
                text = response.read().decode("utf-8", "replace")
                break
            except (ConnectionError, http.client.HTTPException, OSError):
                self.connection.close()
                self.connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
                if attempt == 1:
                    raise
        elapsed = time.perf_counter() - started
        for header, value in response.getheaders():
            if header.lower() == "set-cookie":
                name, _, rest = value.partition("=")
                self.cookies[name.strip()] = rest.split(";", 1)[0]
        return response.status, text, elapsed

    def log_in(self) -> bool:
        status, page, _ = self.request("GET", "/login/")
        token = CSRF_INPUT.search(page)
        if status != 200 or token is None:
            return False
        form = urlencode(
            {"csrfmiddlewaretoken": token[1], "username": self.username, "password": PASSWORD}
        )
        status, _page, _ = self.request("POST", "/login/", form)
        return status == 302 and "sessionid" in self.cookies


class Browsing:
    """What all sessions saw: page times and the pages that were not a 200."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.times: list[float] = []
        self.errors: Counter[str] = Counter()
        self.by_kind: dict[str, list[float]] = {}

    def record(self, kind: str, status: int, seconds: float) -> None:
        with self.lock:
            self.times.append(seconds)
            self.by_kind.setdefault(kind, []).append(seconds)
            if status != 200:
                self.errors[f"{kind} {status}"] += 1


def browse(
    session: Session,
    customer_ids: list[int],
    names: list[str],
    until: float,
    seed: int,
    seen: Browsing,
    think_ms: float = 0.0,
) -> None:
    """Click through the pages until ``until`` (a person's mix of pages), waiting a think time
    (exponential, mean ``think_ms``; none at 0) before each click."""
    rng = random.Random(seed)
    while time.monotonic() < until:
        if think_ms > 0:
            # People do not start in step: the first wait is drawn like every other one.
            pause = rng.expovariate(1000.0 / think_ms)
            if time.monotonic() + pause >= until:
                break
            time.sleep(pause)
        roll = rng.random()
        if roll < 0.5:
            kind, path = "customer", f"/customers/{rng.choice(customer_ids)}/"
        elif roll < 0.8:
            kind, path = "search", "/customers/?" + urlencode({"q": rng.choice(names)})
        elif roll < 0.9:
            kind, path = "dashboard", "/analytics/"
        else:
            kind, path = "home", "/"
        try:
            status, _page, seconds = session.request("GET", path)
        except (ConnectionError, http.client.HTTPException, OSError):
            status, seconds = -1, 0.0
        seen.record(kind, status, seconds)


def log_in_all(port: int, count: int, seen: Browsing) -> list[Session]:
    """Log ``count`` staff sessions in through the login form; a failed login is an error."""
    sessions = [Session(port, f"bench{number:02d}") for number in range(count)]
    results: dict[int, bool] = {}

    def log_in(number: int) -> None:
        try:
            results[number] = sessions[number].log_in()
        except (ConnectionError, http.client.HTTPException, OSError):
            results[number] = False

    threads = [threading.Thread(target=log_in, args=(n,)) for n in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for number, ok in results.items():
        if not ok:
            seen.errors[f"login {sessions[number].username}"] += 1
    return [session for number, session in enumerate(sessions) if results.get(number)]


def print_kinds(seen: Browsing) -> None:
    """One line per kind of page: how many, median and 95th percentile."""
    for kind, times in sorted(seen.by_kind.items()):
        print(
            f"  {kind:<9} {len(times):6,}  p50 {percentile(times, 0.5) * 1000:7.0f} ms"
            f"  p95 {percentile(times, 0.95) * 1000:7.0f} ms"
        )


def percentile(values: list[float], share: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def prepare(args: argparse.Namespace) -> tuple[dict[str, str], list[int], list[str], int, str]:
    """Fresh database with the demo shop, staff users and a shop sending webhooks."""
    env = fresh_database(args.database_url, args.work_dir)
    subprocess.run(
        [*STAMMKUNDE, "demo", "--no-serve", "--customers", str(args.customers)],
        env=env,
        check=True,
        stdout=subprocess.DEVNULL,
    )
    setup_django()
    from django.contrib.auth.models import Group, User

    from stammkunde.connectors.inbox.connections import connect_shop
    from stammkunde.customers.models import Customer

    team_lead = Group.objects.get(name="Team lead")
    for number in range(args.sessions):
        user = User.objects.create_user(f"bench{number:02d}", password=PASSWORD)
        user.groups.add(team_lead)
    customers = list(Customer.objects.order_by("?").values_list("pk", "last_name")[:2000])
    connection = connect_shop(
        by=None, name="Kaffeerösterei Süd", platform="shopify", webhook_secret=SECRET
    )
    names = sorted({name for _pk, name in customers if name})
    return env, [pk for pk, _name in customers], names, connection.shop_id, connection.webhook_path


def wait_for_drain(shop_id: int, timeout: float) -> float:
    """Wait until the worker processed every stored delivery; returns the seconds waited."""
    from stammkunde.connectors.models import WebhookDelivery

    started = time.monotonic()
    while time.monotonic() - started < timeout:
        open_count = (
            WebhookDelivery.objects.filter(shop_id=shop_id)
            .exclude(state__in=["processed", "duplicate", "rejected", "failed", "ignored"])
            .count()
        )
        if open_count == 0:
            break
        time.sleep(1)
    return time.monotonic() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sessions", type=int, default=50, help="concurrent staff sessions")
    parser.add_argument("--seconds", type=float, default=60, help="how long they browse")
    parser.add_argument("--deliveries", type=int, default=20_000)
    parser.add_argument("--clients", type=int, default=8, help="webhook sender threads")
    parser.add_argument("--customers", type=int, default=5_000, help="demo shop size")
    parser.add_argument("--database-url", default="", help="PostgreSQL URL (db name with 'bench')")
    parser.add_argument("--web-workers", type=int, default=None, help="serve --workers")
    parser.add_argument("--drain-timeout", type=float, default=600)
    parser.add_argument(
        "--think-ms",
        type=float,
        default=2000,
        help="mean think time between a session's clicks (exponential; 0: saturation test)",
    )
    parser.add_argument(
        "--saturation-seconds",
        type=float,
        default=10,
        help="extra browsing without think time after the flood (0: none)",
    )
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--work-dir", type=Path, default=WORK)
    args = parser.parse_args()

    load, expected = build_load(args.deliveries, args.seed)
    env, customer_ids, names, shop_id, hook_path = prepare(args)
    port = free_port()
    command = [*STAMMKUNDE, "serve", "--port", str(port)]
    if args.web_workers:
        command += ["--workers", str(args.web_workers)]
    server = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    seen = Browsing()
    saturated = Browsing()
    flood: dict[str, float] = {}
    try:
        wait_for_port(port, server)
        # Everyone logs in first (a password hash takes a while by design), then the clock runs.
        logged_in = log_in_all(port, args.sessions, seen)
        until = time.monotonic() + args.seconds
        sessions = [
            threading.Thread(
                target=browse,
                args=(session, customer_ids, names, until, n, seen, args.think_ms),
            )
            for n, session in enumerate(logged_in)
        ]
        for thread in sessions:
            thread.start()

        def send() -> None:
            flood["seconds"] = post_all(port, hook_path, load, args.clients)

        sender = threading.Thread(target=send)
        sender.start()
        for thread in sessions:
            thread.join()
        sender.join()
        if args.saturation_seconds > 0:
            until = time.monotonic() + args.saturation_seconds
            clicking = [
                threading.Thread(
                    target=browse,
                    args=(session, customer_ids, names, until, 1000 + n, saturated),
                )
                for n, session in enumerate(logged_in)
            ]
            for thread in clicking:
                thread.start()
            for thread in clicking:
                thread.join()
        drained = wait_for_drain(shop_id, args.drain_timeout)
    finally:
        server.terminate()
        try:
            server.wait(timeout=60)
        except subprocess.TimeoutExpired:
            server.kill()

    statuses = Counter(delivery.status for delivery in load)
    accepted = statuses[200]
    webhook_errors = sum(1 for d in load if d.valid and d.status != 200)
    webhook_errors += sum(1 for d in load if not d.valid and d.status != 401)
    figures = check(load, expected, shop_id)
    page_errors = sum(seen.errors.values()) + sum(saturated.errors.values())
    print(
        f"pages: {len(seen.times):,} in {args.seconds:.0f} s by {args.sessions} sessions "
        f"(think time {args.think_ms:.0f} ms); errors {dict(seen.errors)}"
    )
    print_kinds(seen)
    if args.saturation_seconds > 0:
        print(
            f"saturation: {len(saturated.times):,} pages in {args.saturation_seconds:.0f} s "
            f"without think time; errors {dict(saturated.errors)}"
        )
        print_kinds(saturated)
    print(
        f"webhooks: {len(load):,} posted in {flood['seconds']:.1f} s: "
        f"{dict(sorted(statuses.items()))}; drained {drained:.0f} s after the browsing"
    )
    print(f"checks: {figures}")
    result = {
        "errors": page_errors + webhook_errors,
        "lost": figures["lost"],
        "doubled": figures["doubled"],
        "page_p95_ms": round(percentile(seen.times, 0.95) * 1000, 1),
        "accepted_per_s": round(accepted / flood["seconds"], 1),
        "pages": len(seen.times),
        **{
            f"{kind}_p95_ms": round(percentile(seen.by_kind.get(kind, []), 0.95) * 1000, 1)
            for kind in KINDS
        },
        "pages_per_s": round(len(seen.times) / args.seconds, 1),
        "think_ms": args.think_ms,
        "page_errors": page_errors,
        "webhook_errors": webhook_errors,
        "sessions": args.sessions,
        "deliveries": len(load),
        "database": "postgresql" if args.database_url else "sqlite",
    }
    if args.saturation_seconds > 0:
        result["saturation_page_p95_ms"] = round(percentile(saturated.times, 0.95) * 1000, 1)
        result["saturation_pages_per_s"] = round(len(saturated.times) / args.saturation_seconds, 1)
    print(json.dumps(result))


if __name__ == "__main__":
    main()
