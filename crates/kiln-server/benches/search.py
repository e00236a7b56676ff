#!/usr/bin/env python3
"""Benchmark of the public API's build search (issue 9) through the real HTTP API of a
release kiln-server, each figure beside baselines from the same run:

  * `GET /api/v1/health` (no store access): the cost of a request on loopback;
  * `GET /api/v1/teams/default/builds?limit=100`: a page of 100 builds with no filter;
  * the same search against a second server on a copy of the same database without the
    search indexes of migration 5 (what the search costs without them).

    cargo build --release -p kiln-server
    python3 crates/kiln-server/benches/search.py     # BUILDS=10000 ROUNDS=60; KILN_SERVER_BIN=path

Not part of `cargo xtask test`; prints Markdown tables for BENCHMARKS.md and asserts
only that both servers answer every search with the same builds (so the baseline does
the same work). Python's standard library only; servers listen on 127.0.0.1.
"""

import hashlib
import http.client
import json
import os
import shutil
import socket
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from datetime import datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
BUILDS = int(os.environ.get("BUILDS", "10000"))
ROUNDS = int(os.environ.get("ROUNDS", "60"))
SEEDERS = 4

# Who submits, on which branch, and what: weights out of 100, so that each `eq` filter
# has matches both dense (most builds) and sparse (a few percent or less).
USERS = [("ana", 50), ("bob", 25), ("cho", 15), ("dee", 9), ("eve", 1)]
FEATURE_BRANCHES = 20  # each about 1 % of builds; the rest on master
KINDS = [("noop", 94), ("fail", 5), ("cancel", 1)]
# The indexes migration 5 adds for the search (crates/kiln-server/src/store/migrations.rs).
SEARCH_INDEXES = ["builds_status_seq", "builds_branch_seq", "builds_created_by_seq",
                  "builds_started_key", "builds_finished_key"]

PIPELINE = """
[[job_specs]]
name = "p0"
outputs = ["p/0"]
command = "true"

[[job_specs]]
name = "p1"
inputs = ["p/0"]
outputs = ["p/1"]
command = "true"

[[job_specs]]
name = "fail"
outputs = ["f/0"]
command = "exit 1"

[[job_specs]]
name = "slow"
outputs = ["s/0"]
command = "sleep 30"
"""


class Lcg:
    """A deterministic pseudo-random sequence, so every run seeds the same builds."""

    def __init__(self, seed):
        self.state = seed

    def next(self):
        self.state = (self.state * 6364136223846793005 + 1442695040888963407) % 2**64
        return self.state >> 33

    def pick(self, weighted):
        r = self.next() % sum(w for _, w in weighted)
        for item, w in weighted:
            if r < w:
                return item
            r -= w
        return weighted[-1][0]


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Client:
    """One keep-alive connection; requests return (status, body bytes)."""

    def __init__(self, port, token):
        self.port = port
        self.token = token
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)

    def request(self, method, path, body=None, headers=None):
        h = {"Authorization": f"Bearer {self.token}"}
        if body is not None:
            h["Content-Type"] = "application/json"
            body = json.dumps(body)
        h.update(headers or {})
        for attempt in range(2):
            try:
                self.conn.request(method, path, body=body, headers=h)
                res = self.conn.getresponse()
                return res.status, res.read()
            except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
                # A kept-alive connection the server closed: one fresh try.
                self.conn.close()
                self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=120)
                if attempt:
                    raise
        raise RuntimeError("unreachable")

    def json(self, method, path, body=None, headers=None):
        status, data = self.request(method, path, body, headers)
        if status // 100 != 2:
            raise RuntimeError(f"{method} {path}: {status}: {data[:500]!r}")
        return json.loads(data) if data else None


class Server:
    def __init__(self, binary, work, data, name):
        self.port = free_port()
        self.log = open(work / f"{name}.log", "wb")
        self.proc = subprocess.Popen(
            [binary, "--addr", f"127.0.0.1:{self.port}", "--data-dir", str(data),
             "--pipeline", str(work / "pipeline.toml"), "--config", str(work / "tokens.toml"),
             "--workers", "2", "--ui-dir", str(work / "no-ui")],
            stdout=self.log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 60
        while True:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=1):
                    break
            except OSError:
                if self.proc.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"{name} did not start; see {work / (name + '.log')}")
                time.sleep(0.05)

    def stop(self):
        self.proc.terminate()
        self.proc.wait(timeout=60)
        self.log.close()


def token_of(user):
    return f"bench-token-{user}"


def write_project(work):
    (work / "pipeline.toml").write_text(PIPELINE)
    lines = []
    for user, _ in USERS:
        digest = hashlib.sha256(token_of(user).encode()).hexdigest()
        lines.append(f'[[tokens]]\nuser = "{user}"\nsha256 = "{digest}"\nteams = ["default"]\n')
    (work / "tokens.toml").write_text("\n".join(lines))


def dataset_rid(client, name):
    found = client.json("GET", f"/api/v1/catalog/datasets?q={name}&limit=50")["datasets"]
    return next(d["rid"] for d in found if d["name"] == name)


def seed(port, rids, total):
    """Submits `total` builds from SEEDERS threads; the plan of build i depends only on i."""
    plans = []
    rng = Lcg(9)
    for _ in range(total):
        user = rng.pick(USERS)
        branch = "master" if rng.next() % 100 >= FEATURE_BRANCHES else f"feature-{rng.next() % FEATURE_BRANCHES}"
        plans.append((user, branch, rng.pick(KINDS)))
    errors = []
    next_index = [0]
    lock = threading.Lock()

    def worker():
        clients = {u: Client(port, token_of(u)) for u, _ in USERS}
        while True:
            with lock:
                i = next_index[0]
                next_index[0] += 1
            if i >= total:
                return
            user, branch, kind = plans[i]
            target = {"noop": rids["p/1"], "fail": rids["f/0"], "cancel": rids["s/0"]}[kind]
            body = {"jobSpecSelections": [{"type": "upstream", "upstream": {"datasetRids": [target]}}],
                    "branch": branch}
            try:
                rid = clients[user].json("POST", "/build2/api/manager/submitBuild", body)["buildRid"]
                if kind == "cancel":
                    clients[user].request("POST", f"/api/v2/orchestration/builds/{rid}/cancel")
            except Exception as e:  # noqa: BLE001 - reported after the threads end
                errors.append(e)
                return

    threads = [threading.Thread(target=worker) for _ in range(SEEDERS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if errors:
        raise errors[0]


def wait_idle(client):
    deadline = time.monotonic() + 300
    body = {"where": {"type": "eq", "field": "STATUS", "value": "RUNNING"}, "pageSize": 1}
    while client.json("POST", "/api/v2/orchestration/builds/search", body)["data"]:
        if time.monotonic() > deadline:
            raise RuntimeError("builds still RUNNING after 300 s")
        time.sleep(0.2)


def rfc3339(ms):
    return datetime.fromtimestamp(ms / 1000, timezone.utc).isoformat().replace("+00:00", "Z")


def queries(db):
    """Representative searches, and how many builds each matches (counted in SQL here)."""
    c = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    one = lambda sql, *a: c.execute(sql, a).fetchone()[0]  # noqa: E731
    n = one("SELECT COUNT(*) FROM builds")
    started = [r[0] for r in c.execute("SELECT started_ms FROM builds WHERE started_ms IS NOT NULL ORDER BY started_ms")]
    finished = [r[0] for r in c.execute("SELECT finished_ms FROM builds WHERE finished_ms IS NOT NULL ORDER BY finished_ms")]
    # Windows of about 5 % of the builds that have the time (an up-to-date build whose jobs
    # all DID_NOT_RUN never starts, so most builds have no STARTED_TIME).
    lo, hi = started[len(started) * 50 // 100], started[len(started) * 55 // 100]
    early = finished[len(finished) * 5 // 100]
    eq = lambda f, v: {"type": "eq", "field": f, "value": v}  # noqa: E731
    window = {"type": "and", "items": [{"type": "gte", "field": "STARTED_TIME", "value": rfc3339(lo)},
                                       {"type": "lt", "field": "STARTED_TIME", "value": rfc3339(hi)}]}
    order = lambda f, d: {"fields": [{"field": f, "direction": d}]}  # noqa: E731
    qs = [
        ("eq STATUS SUCCEEDED (dense)", {"where": eq("STATUS", "SUCCEEDED")},
         one("SELECT COUNT(*) FROM builds WHERE status = 'SUCCEEDED'")),
        ("eq STATUS FAILED (sparse)", {"where": eq("STATUS", "FAILED")},
         one("SELECT COUNT(*) FROM builds WHERE status = 'FAILED'")),
        ("eq STATUS CANCELED (rare)", {"where": eq("STATUS", "CANCELED")},
         one("SELECT COUNT(*) FROM builds WHERE status = 'CANCELED'")),
        ("eq STATUS RUNNING (none)", {"where": eq("STATUS", "RUNNING")},
         one("SELECT COUNT(*) FROM builds WHERE status = 'RUNNING'")),
        ("eq BRANCH_NAME master (dense)", {"where": eq("BRANCH_NAME", "master")},
         one("SELECT COUNT(*) FROM builds WHERE branch = 'master'")),
        ("eq BRANCH_NAME feature-7 (sparse)", {"where": eq("BRANCH_NAME", "feature-7")},
         one("SELECT COUNT(*) FROM builds WHERE branch = 'feature-7'")),
        ("eq CREATED_BY ana (dense)", {"where": eq("CREATED_BY", "ana")},
         one("SELECT COUNT(*) FROM builds WHERE created_by = 'ana'")),
        ("eq CREATED_BY eve (rare)", {"where": eq("CREATED_BY", "eve")},
         one("SELECT COUNT(*) FROM builds WHERE created_by = 'eve'")),
        ("STARTED_TIME gte/lt, 5 % of the started builds", {"where": window},
         one("SELECT COUNT(*) FROM builds WHERE started_ms >= ? AND started_ms < ?", lo, hi)),
        ("lt FINISHED_TIME, the first 5 % finished, orderBy FINISHED_TIME ASC",
         {"where": {"type": "lt", "field": "FINISHED_TIME", "value": rfc3339(early)},
          "orderBy": order("FINISHED_TIME", "ASC")},
         one("SELECT COUNT(*) FROM builds WHERE finished_ms < ?", early)),
        ("and(eq CREATED_BY bob, eq STATUS FAILED)",
         {"where": {"type": "and", "items": [eq("CREATED_BY", "bob"), eq("STATUS", "FAILED")]}},
         one("SELECT COUNT(*) FROM builds WHERE created_by = 'bob' AND status = 'FAILED'")),
        ("or(eq STATUS FAILED, eq STATUS CANCELED)",
         {"where": {"type": "or", "items": [eq("STATUS", "FAILED"), eq("STATUS", "CANCELED")]}},
         one("SELECT COUNT(*) FROM builds WHERE status IN ('FAILED', 'CANCELED')")),
        ("and(not eq BRANCH_NAME master, eq STATUS SUCCEEDED)",
         {"where": {"type": "and", "items": [{"type": "not", "value": eq("BRANCH_NAME", "master")},
                                             eq("STATUS", "SUCCEEDED")]}},
         one("SELECT COUNT(*) FROM builds WHERE branch <> 'master' AND status = 'SUCCEEDED'")),
        ("eq STATUS SUCCEEDED, orderBy STARTED_TIME DESC",
         {"where": eq("STATUS", "SUCCEEDED"), "orderBy": order("STARTED_TIME", "DESC")},
         one("SELECT COUNT(*) FROM builds WHERE status = 'SUCCEEDED'")),
        ("and(eq CREATED_BY dee, the STARTED_TIME window), orderBy FINISHED_TIME DESC",
         {"where": {"type": "and", "items": [eq("CREATED_BY", "dee"), window]},
          "orderBy": order("FINISHED_TIME", "DESC")},
         one("SELECT COUNT(*) FROM builds WHERE created_by = 'dee' AND started_ms >= ? AND started_ms < ?", lo, hi)),
    ]
    c.close()
    return n, qs


SEARCH = "/api/v2/orchestration/builds/search"


def all_pages(client, body, page_size=100):
    """Every build of a search, following nextPageToken; (RIDs, pages)."""
    rids, pages, token = [], 0, None
    while True:
        req = dict(body, pageSize=page_size)
        if token:
            req["pageToken"] = token
        page = client.json("POST", SEARCH, req)
        pages += 1
        rids += [b["rid"] for b in page["data"]]
        token = page.get("nextPageToken")
        if not token or pages > 10_000:
            return rids, pages


def timed(f):
    t = time.perf_counter()
    f()
    return (time.perf_counter() - t) * 1000


def ok(client, method, path, body=None):
    status, _ = client.request(method, path, body)
    if status != 200:
        raise RuntimeError(f"{method} {path}: {status}")


def stats(xs):
    s = sorted(xs)
    return s[len(s) // 2], s[min(len(s) - 1, len(s) * 95 // 100)]


def fmt(x):
    return f"{x * 1000:.0f} µs" if x < 1 else f"{x:.2f} ms"


def main():
    binary = os.environ.get("KILN_SERVER_BIN") or str(ROOT / "target/release/kiln-server")
    if not Path(binary).exists():
        sys.exit(f"no server binary at {binary}: run `cargo build --release -p kiln-server` or set KILN_SERVER_BIN")
    work = Path(tempfile.mkdtemp(prefix="kiln-search-bench-"))
    servers = []
    try:
        write_project(work)
        print(f"# kiln-server build search benchmark ({binary}; {os.cpu_count()} cores, "
              f"load average {os.getloadavg()[0]:.1f} at start)")
        seeding = Server(binary, work, work / "data", "seeding")
        servers.append(seeding)
        admin = Client(seeding.port, token_of("ana"))
        rids = {name: dataset_rid(admin, name) for name in ["p/1", "f/0", "s/0"]}
        t0 = time.monotonic()
        seed(seeding.port, rids, BUILDS)
        wait_idle(admin)
        print(f"\nSeeded {BUILDS} builds in {time.monotonic() - t0:.1f} s through POST /build2/api/manager/submitBuild "
              f"({SEEDERS} clients, 5 users, {FEATURE_BRANCHES} feature branches; 94 % up-to-date no-op builds, "
              f"5 % failing, 1 % cancelled).")
        seeding.stop()
        servers.remove(seeding)

        # The baseline's database: a copy of the same file, without the search indexes.
        shutil.copytree(work / "data", work / "data-noidx")
        db = sqlite3.connect(work / "data-noidx/kiln.sqlite3")
        for index in SEARCH_INDEXES:
            db.execute(f"DROP INDEX {index}")
        db.commit()
        db.close()
        n, qs = queries(work / "data/kiln.sqlite3")

        indexed = Server(binary, work, work / "data", "indexed")
        servers.append(indexed)
        plain = Server(binary, work, work / "data-noidx", "noidx")
        servers.append(plain)
        a, b = Client(indexed.port, token_of("ana")), Client(plain.port, token_of("ana"))

        # Same answers from both servers, and as many builds as SQL counts: the baseline
        # does the same work, and paging neither skips nor repeats a build.
        for name, body, count in qs:
            got_a, _ = all_pages(a, body)
            got_b, _ = all_pages(b, body)
            if got_a != got_b or len(got_a) != count or len(set(got_a)) != count:
                raise RuntimeError(f"{name}: indexed {len(got_a)}, without indexes {len(got_b)}, SQL counts {count}")

        health, listing = [], []
        times = {name: ([], []) for name, _, _ in qs}
        for _ in range(ROUNDS):
            health.append(timed(lambda: ok(a, "GET", "/api/v1/health")))
            listing.append(timed(lambda: ok(a, "GET", "/api/v1/teams/default/builds?limit=100")))
            for name, body, _ in qs:
                times[name][0].append(timed(lambda: ok(a, "POST", SEARCH, body)))
                times[name][1].append(timed(lambda: ok(b, "POST", SEARCH, body)))

        load = os.getloadavg()
        print(f"\n## One search request over {n} builds (pageSize 100 by default; {ROUNDS} rounds, interleaved; "
              f"load average {load[0]:.1f} / {load[1]:.1f} / {load[2]:.1f})\n")
        hm, hp = stats(health)
        lm, lp = stats(listing)
        print("| request | matches | median | p95 | × health | without the search indexes: median | p95 | × indexed |")
        print("|---|---:|---:|---:|---:|---:|---:|---:|")
        print(f"| GET /api/v1/health (baseline) | – | {fmt(hm)} | {fmt(hp)} | baseline | – | – | – |")
        print(f"| GET /api/v1/teams/default/builds?limit=100 (baseline: a page, no filter) | {n} | {fmt(lm)} | {fmt(lp)} "
              f"| {lm / hm:.1f}× | – | – | – |")
        for name, _, count in qs:
            (am, ap), (bm, bp) = stats(times[name][0]), stats(times[name][1])
            print(f"| {name} | {count} | {fmt(am)} | {fmt(ap)} | {am / hm:.1f}× | {fmt(bm)} | {fmt(bp)} | {bm / am:.1f}× |")

        # Paging: every build of a dense and a sparse search, 100 a page, following pageToken.
        pagers = [qs[4], qs[13], qs[1]]  # master; SUCCEEDED by STARTED_TIME DESC; FAILED
        page_rounds = max(3, ROUNDS // 10)
        print(f"\n## Paging through a whole search, pageSize 100, following nextPageToken ({page_rounds} passes)\n")
        print("| search | builds | pages | indexed: median pass | per page | without the search indexes: median pass "
              "| per page | × indexed |")
        print("|---|---:|---:|---:|---:|---:|---:|---:|")
        for name, body, count in pagers:
            pages = all_pages(a, body)[1]
            ta = [timed(lambda: all_pages(a, body)) for _ in range(page_rounds)]
            tb = [timed(lambda: all_pages(b, body)) for _ in range(page_rounds)]
            am, bm = stats(ta)[0], stats(tb)[0]
            print(f"| {name} | {count} | {pages} | {fmt(am)} | {fmt(am / pages)} | {fmt(bm)} | {fmt(bm / pages)} "
                  f"| {bm / am:.1f}× |")
        print(f"\n(load average at the end: {os.getloadavg()[0]:.1f})")
    finally:
        for s in servers:
            try:
                s.stop()
            except Exception:  # noqa: BLE001 - best effort on the way out
                s.proc.kill()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
