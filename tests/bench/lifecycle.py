# SPDX-License-Identifier: MIT
"""The lifecycle endpoints on a log of 1,000,000 events.

Writes a log as a busy office would leave it (issues, returns and
transfers among 50,000 employees, 12 types, 300 models, comments on a
fifth of the assets), then measures start-up and resident memory, GET
/api/assets/{id} at 16 connections while issuances run, a page filtered
by employee_email, and a q search that has to look at every record.
Prints one line per target with met / NOT MET.

Everything listens on 127.0.0.1 only. Usage (from scripts/bench):
  lifecycle.py BUILD_DIR [--events N] [--seconds N]
"""
import argparse
import hashlib
import http.client
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bench import rss_kib, start_assetd, stop, BENCH_RE  # noqa: E402,I100

HERE = os.path.dirname(os.path.abspath(__file__))
TYPES = ["laptop", "phone", "monitor", "tablet", "headset", "dock",
         "keyboard", "mouse", "printer", "router", "camera", "badge"]
AT = "2026-12-04T15:04:05Z"


class ChainedFile:
    """Writes lines as the server does: each ends with its "seq" and its
    "chain" value (src/chain.c, unkeyed)."""

    def __init__(self, f):
        self.f = f
        self.seq = 0
        self.prev = hashlib.sha256(b"").hexdigest()

    def write(self, line):
        self.seq += 1
        body = '%s,"seq":%d' % (line.rstrip("\n")[:-1], self.seq)
        self.prev = hashlib.sha256(
            (self.prev + body).encode()).hexdigest()
        self.f.write('%s,"chain":"%s"}\n' % (body, self.prev))


def write_log(directory, events, employees=50000):
    """Returns (issued count, an email with several assets)."""
    rnd = random.Random(7)
    models = ["Model %03d" % i for i in range(300)]
    holder = {}  # id -> employee number, while issued
    issued = 0
    with open(os.path.join(directory, "assets.jsonl"), "w") as raw:
        f = ChainedFile(raw)
        for _ in range(events):
            r = rnd.random()
            if holder and r < 0.07:
                aid = rnd.choice(list(holder)) if len(holder) < 64 else \
                    rnd.randrange(1, issued + 1)
                if aid in holder:
                    del holder[aid]
                    f.write('{"id":%d,"event":"returned","at":"%s",'
                            '"comments":""}\n' % (aid, AT))
                    continue
            if holder and r < 0.10:
                aid = rnd.randrange(1, issued + 1)
                if aid in holder:
                    e = (holder[aid] + 1 + rnd.randrange(employees - 1)) \
                        % employees
                    holder[aid] = e
                    f.write('{"id":%d,"event":"transferred","at":"%s",'
                            '"employee_name":"Employee %d",'
                            '"employee_email":"employee%d@example.com",'
                            '"comments":""}\n' % (aid, AT, e, e))
                    continue
            issued += 1
            e = rnd.randrange(employees)
            holder[issued] = e
            comments = ("spare charger, ticket %d" % issued
                        if rnd.random() < 0.2 else "")
            f.write('{"id":%d,"event":"issued","at":"%s",'
                    '"employee_name":"Employee %d","employee_email":'
                    '"employee%d@example.com","asset_type":"%s",'
                    '"asset_model":"%s","comments":"%s"}\n'
                    % (issued, AT, e, e, rnd.choice(TYPES),
                       rnd.choice(models), comments))
    with open(os.path.join(directory, "counter"), "w") as f:
        f.write("%d\n" % issued)
    return issued, "employee%d@example.com" % holder[issued]


def wrk(port, conns, seconds, script, env):
    out = subprocess.run(
        ["wrk", "-t1", "-c%d" % conns, "-d%ds" % seconds, "-s",
         os.path.join(HERE, script), "--timeout", "5s",
         "http://127.0.0.1:%d/" % port],
        capture_output=True, text=True, check=True,
        env=dict(os.environ, **env)).stdout
    m = BENCH_RE.search(out)
    if not m:
        raise SystemExit("wrk gave no result:\n" + out)
    rps, p50, p99, ok, other, errors = m.groups()
    return {"rps": float(rps), "p50": int(p50), "p99": int(p99),
            "ok": int(ok), "errors": int(other) + int(errors)}


def timed_gets(port, path, n):
    """Times n sequential GETs on one keep-alive connection (ms)."""
    conn = http.client.HTTPConnection("127.0.0.1", port)
    times = []
    for _ in range(n):
        t0 = time.perf_counter()
        conn.request("GET", path)
        reply = conn.getresponse()
        body = reply.read()
        times.append((time.perf_counter() - t0) * 1000)
        if reply.status != 200:
            raise SystemExit("GET %s: %d %s" % (path, reply.status, body))
    conn.close()
    return times, body


def p99(values):
    return sorted(values)[max(0, int(len(values) * 0.99) - 1)]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("build")
    ap.add_argument("--events", type=int, default=1000000)
    ap.add_argument("--seconds", type=int, default=10)
    args = ap.parse_args()
    assetd = os.path.join(args.build, "assetd")
    work = tempfile.mkdtemp(prefix="bench-life-", dir=args.build)

    t0 = time.monotonic()
    issued, email = write_log(work, args.events)
    print("log: %d events, %d assets, %.0f MiB (written in %.1f s)" % (
        args.events, issued,
        os.path.getsize(os.path.join(work, "assets.jsonl")) / 2**20,
        time.monotonic() - t0))

    starts = []
    for _ in range(3):
        proc, port, secs = start_assetd(assetd, work)
        starts.append(secs)
        stop(proc)
    proc, port, _ = start_assetd(assetd, work)
    rss_start = rss_kib(proc.pid)
    print("start-up: median %.2f s (%s); %.1f MiB resident" % (
        statistics.median(starts), ", ".join("%.2f" % s for s in starts),
        rss_start / 1024))

    # GETs at 16 connections while one connection issues, alternating
    # with the same mix against a path that does no work (404): the web
    # server's own latency under this load, for comparison.
    rows = {"get": [], "floor": [], "post": []}
    for _ in range(2):
        for kind, path in (("floor", "/none/%d"),
                           ("get", "/api/assets/%d")):
            results = {}
            issuer = threading.Thread(target=lambda: results.update(
                post=wrk(port, 1, args.seconds, "post.lua", {})))
            issuer.start()
            rows[kind].append(wrk(port, 16, args.seconds, "get.lua",
                                  {"BENCH_MAX_ID": str(issued),
                                   "BENCH_PATH": path}))
            issuer.join()
            if kind == "get":
                rows["post"].append(results["post"])
    get = {k: statistics.median(r[k] for r in rows["get"])
           for k in ("rps", "p50", "p99")}
    get["errors"] = sum(r["errors"] for r in rows["get"])
    floor = statistics.median(r["p99"] for r in rows["floor"])
    post_p99 = statistics.median(r["p99"] for r in rows["post"])
    post_rps = statistics.median(r["rps"] for r in rows["post"])
    print("GET /api/assets/{id}, 16 connections, while 1 connection "
          "issues: %.0f req/s, p50 %.2f ms, p99 %.2f ms, %d errors" % (
              get["rps"], get["p50"] / 1000, get["p99"] / 1000,
              get["errors"]))
    print("  same mix on a path that does no work (404): p99 %.2f ms; "
          "issuing alongside: %.0f req/s, p99 %.2f ms" % (
              floor / 1000, post_rps, post_p99 / 1000))

    page, body = timed_gets(port, "/api/assets?employee_email=%s" % email,
                            200)
    print("page by employee_email: p50 %.2f ms, p99 %.2f ms (%d bytes)" % (
        statistics.median(page), p99(page), len(body)))
    q_none, _ = timed_gets(port, "/api/assets?q=no-such-text", 10)
    q_some, body = timed_gets(port, "/api/assets?q=TICKET%2099", 10)
    print("q over every record: no match median %.0f ms (max %.0f), "
          "a common match median %.0f ms" % (
              statistics.median(q_none), max(q_none),
              statistics.median(q_some)))
    rss_end = rss_kib(proc.pid)
    print("resident memory: %.1f MiB after start, %.1f MiB at the end" % (
        rss_start / 1024, rss_end / 1024))
    stop(proc)

    log = os.path.join(work, "assets.jsonl")
    part = os.path.join(work, "first-100000.jsonl")
    with open(log) as src, open(part, "w") as dst:
        for _, line in zip(range(100000), src):
            dst.write(line)
    verify = {}
    for name, path in (("100000", part), ("all", log)):
        times = []
        for _ in range(3):
            t0 = time.monotonic()
            out = subprocess.run([assetd, "verify", path], check=True,
                                 capture_output=True, text=True).stdout
            times.append(time.monotonic() - t0)
        verify[name] = statistics.median(times)
        print("assetd verify, %s events: median %.2f s: %s" % (
            name, verify[name], out.strip()[:60]))

    targets = [
        ("start-up on %d events under 2 s" % args.events,
         "%.2f s" % statistics.median(starts),
         statistics.median(starts) < 2),
        ("resident memory under 128 MiB", "%.1f MiB" % (max(
            rss_start, rss_end) / 1024), max(rss_start, rss_end) < 131072),
        ("GET by id p99 under 2 ms at 16 conns while issuing",
         "%.2f ms" % (get["p99"] / 1000), get["p99"] < 2000),
        ("GET by id: no errors", "%d" % get["errors"], get["errors"] == 0),
        ("page by employee_email under 5 ms (p99)", "%.2f ms" % p99(page),
         p99(page) < 5),
        ("q search across all records under 300 ms (max)",
         "%.0f ms" % max(q_none), max(q_none) < 300),
        ("assetd verify of 100,000 events under 1 s",
         "%.2f s" % verify["100000"], verify["100000"] < 1),
    ]
    print()
    for name, value, met in targets:
        print("target: %-56s %-10s %s" % (name, value,
                                          "met" if met else "NOT MET"))
    shutil.rmtree(work)


if __name__ == "__main__":
    main()
