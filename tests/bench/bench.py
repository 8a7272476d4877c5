# SPDX-License-Identifier: MIT
"""assetd beside the ceiling server, in one run, on this machine.

Drives both with wrk at 1, 16 and 64 connections, alternating A B A B so
that drift on a shared machine hits both alike; prints requests per
second, p50/p99 latency, errors and the ratio assetd/ceiling; measures
the disk's own fdatasync rate, resident memory idle and after the load,
and start-up time on a log of 1,000,000 records. Afterwards it checks
that the log holds exactly one line per 201.

Everything listens on 127.0.0.1 only. Usage (from scripts/bench):
  bench.py BUILD_DIR [--seconds N] [--rounds N] [--million]
"""
import argparse
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
LUA = os.path.join(HERE, "post.lua")
BENCH_RE = re.compile(r"BENCH rps=([\d.]+) p50_us=(\d+) p99_us=(\d+) "
                      r"created=(\d+) other=(\d+) errors=(\d+)")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def rss_kib(pid):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def start_assetd(binary, data_dir, timeout=60):
    """Starts assetd on a free port; returns (proc, port, seconds)."""
    t0 = time.monotonic()
    proc = subprocess.Popen([binary, "--listen", "127.0.0.1:0",
                             "--data-dir", data_dir],
                            stderr=subprocess.PIPE, stdout=subprocess.DEVNULL)
    deadline = t0 + timeout
    while time.monotonic() < deadline:
        line = proc.stderr.readline().decode()
        if not line:
            break
        m = re.search(r"listening on 127\.0\.0\.1:(\d+)", line)
        if m:
            return proc, int(m.group(1)), time.monotonic() - t0
    proc.kill()
    raise SystemExit("assetd did not start")


def stop(proc):
    proc.send_signal(signal.SIGTERM)
    proc.wait(30)


def start_ceiling(binary, threads):
    port = free_port()
    proc = subprocess.Popen([binary, str(port), str(threads)],
                            stderr=subprocess.PIPE, stdout=subprocess.DEVNULL)
    proc.stderr.readline()
    return proc, port


def wrk(port, conns, seconds, ids_dir=None):
    env = dict(os.environ)
    if ids_dir:
        env["BENCH_IDS"] = ids_dir
    out = subprocess.run(
        ["wrk", "-t1", "-c%d" % conns, "-d%ds" % seconds, "-s", LUA,
         "--timeout", "5s", "http://127.0.0.1:%d/" % port],
        capture_output=True, text=True, check=True, env=env).stdout
    m = BENCH_RE.search(out)
    if not m:
        raise SystemExit("wrk gave no result:\n" + out)
    rps, p50, p99, created, other, errors = m.groups()
    return {"rps": float(rps), "p50": int(p50), "p99": int(p99),
            "created": int(created), "errors": int(other) + int(errors)}


def sync_rate(directory, seconds=2.0):
    """fdatasync of a 250-byte append, as fast as the disk allows."""
    path = os.path.join(directory, "sync-probe")
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
    n, t0 = 0, time.monotonic()
    while time.monotonic() - t0 < seconds:
        os.write(fd, b"x" * 249 + b"\n")
        os.fdatasync(fd)
        n += 1
    elapsed = time.monotonic() - t0
    os.close(fd)
    os.unlink(path)
    return n / elapsed, elapsed / n * 1e6


def write_big_log(directory, records):
    """records issued events, chained as the server writes them."""
    from lifecycle import ChainedFile
    line = ('{"id":%d,"event":"issued","at":"2026-12-04T15:04:05Z",'
            '"employee_name":"Employee %d","employee_email":'
            '"employee%d@example.com","asset_type":"laptop",'
            '"asset_model":"ThinkPad X1 Carbon Gen 11",'
            '"comments":"issued with a dock and a charger"}\n')
    with open(os.path.join(directory, "assets.jsonl"), "w") as raw:
        f = ChainedFile(raw)
        for i in range(1, records + 1):
            f.write(line % (i, i, i))
    with open(os.path.join(directory, "counter"), "w") as f:
        f.write("%d\n" % records)


def check_log(data, ids_dir, created, max_cut):
    """Every id that got a 201 is in the log exactly once; the only other
    lines are requests wrk cut off when a run's time was up (their 201
    was never read), at most one per connection per run."""
    with open(os.path.join(data, "assets.jsonl"), "rb") as f:
        raw = f.read()
    logged = [int(m) for m in re.findall(rb'^\{"id":(\d+),', raw, re.M)]
    acked = []
    for name in os.listdir(ids_dir):
        with open(os.path.join(ids_dir, name)) as f:
            acked += [int(x) for x in f.read().split()]
    lines = raw.count(b"\n")
    ok = (len(acked) == created and len(set(acked)) == len(acked)
          and len(logged) == lines and len(set(logged)) == lines
          and set(acked) <= set(logged)
          and 0 <= lines - created <= max_cut)
    return ok, ("%d lines, ids unique; all %d ids answered 201 are in the "
                "log once; %d lines are requests cut off at the end of a "
                "run: %s" % (lines, created, lines - created,
                             "OK" if ok else "MISMATCH"))


def median(rows, key):
    return statistics.median(r[key] for r in rows)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("build")
    ap.add_argument("--seconds", type=int, default=5)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--million", action="store_true",
                    help="also issue 1,000,000 records and measure memory")
    args = ap.parse_args()
    assetd = os.path.join(args.build, "assetd")
    ceiling = os.path.join(args.build, "tests", "bench", "ceiling")
    work = tempfile.mkdtemp(prefix="bench-", dir=args.build)
    data = os.path.join(work, "data")
    ids_dir = os.path.join(work, "ids")
    os.mkdir(data)
    os.mkdir(ids_dir)

    print("machine: %d cores; %s" % (os.cpu_count(),
                                      open("/proc/loadavg").read().strip()))
    rate, sync_us = sync_rate(data)
    print("disk: %.0f fdatasync/s, %.0f us each (250-byte appends in %s)"
          % (rate, sync_us, args.build))

    proc, port, _ = start_assetd(assetd, data)
    idle_rss = rss_kib(proc.pid)
    cproc, cport = start_ceiling(ceiling, 512)  # as assetd's default
    created = 0
    table = []
    for conns in (1, 16, 64):
        a_rows, c_rows, ratios = [], [], []
        for _ in range(args.rounds):
            c = wrk(cport, conns, args.seconds)
            a = wrk(port, conns, args.seconds, ids_dir)
            created += a["created"]
            a_rows.append(a)
            c_rows.append(c)
            ratios.append(a["rps"] / c["rps"])
        table.append((conns, a_rows, c_rows, ratios))
    loaded_rss = rss_kib(proc.pid)
    stop(proc)
    stop(cproc)

    check = check_log(data, ids_dir, created, args.rounds * (1 + 16 + 64))

    print()
    print("| conns | assetd req/s | p50 ms | p99 ms | errors | ceiling "
          "req/s | p50 ms | p99 ms | assetd/ceiling |")
    print("|---|---|---|---|---|---|---|---|---|")
    for conns, a, c, ratios in table:
        print("| %d | %.0f | %.2f | %.2f | %d | %.0f | %.2f | %.2f | %.2f "
              "(%.2f-%.2f) |" % (
                  conns, median(a, "rps"), median(a, "p50") / 1000,
                  median(a, "p99") / 1000, sum(r["errors"] for r in a),
                  median(c, "rps"), median(c, "p50") / 1000,
                  median(c, "p99") / 1000, statistics.median(ratios),
                  min(ratios), max(ratios)))
    print()
    one = table[0][1]
    print("1 connection: p50 %.3f ms against one fdatasync %.3f ms "
          "(+%.3f ms)" % (median(one, "p50") / 1000, sync_us / 1000,
                          (median(one, "p50") - sync_us) / 1000))
    print("log check: " + check[1])
    print("memory: %.1f MiB idle, %.1f MiB after %d issuances" % (
        idle_rss / 1024, loaded_rss / 1024, created))

    big = os.path.join(work, "big")
    os.mkdir(big)
    write_big_log(big, 1000000)
    times = []
    for _ in range(3):
        proc, _, secs = start_assetd(assetd, big)
        rss = rss_kib(proc.pid)
        stop(proc)
        times.append(secs)
    print("start-up on 1,000,000 records: median %.2f s (%s), %.1f MiB "
          "resident after" % (statistics.median(times),
                             ", ".join("%.2f" % t for t in times),
                             rss / 1024))

    sixteen = table[1]
    targets = [
        ("16 connections: assetd/ceiling at least 0.50",
         "%.2f" % statistics.median(sixteen[3]),
         statistics.median(sixteen[3]) >= 0.5),
        ("16 connections: no errors",
         "%d" % sum(r["errors"] for r in sixteen[1]),
         sum(r["errors"] for r in sixteen[1]) == 0),
        ("16 connections: p99 at most 5 ms",
         "%.2f ms" % (median(sixteen[1], "p99") / 1000),
         median(sixteen[1], "p99") <= 5000),
        ("1 connection: p50 at most one fdatasync + 0.2 ms",
         "+%.3f ms" % ((median(one, "p50") - sync_us) / 1000),
         median(one, "p50") <= sync_us + 200),
        ("resident memory idle under 16 MiB", "%.1f MiB" % (idle_rss / 1024),
         idle_rss < 16 * 1024),
        ("start-up on 1,000,000 records under 2 s",
         "%.2f s" % statistics.median(times), statistics.median(times) < 2),
    ]

    if args.million:
        proc, port, _ = start_assetd(assetd, data)
        total = 0
        while total < 1000000:
            total += wrk(port, 16, 10)["created"]
        after = rss_kib(proc.pid)
        print("memory after %d issuances in one process: %.1f MiB"
              % (total, after / 1024))
        stop(proc)
        # Not a target any more: the state behind lookups grows with
        # the log (lifecycle.py measures it against its 128 MiB budget
        # on a realistic log); here every issuance is a new employee.
        print("  (the in-memory state holds every asset; each of these "
              "went to a different employee)")

    print()
    for name, value, met in targets:
        print("target: %-56s %-10s %s" % (name, value,
                                          "met" if met else "NOT MET"))

    shutil.rmtree(work)
    sys.exit(0 if check[0] else 1)


if __name__ == "__main__":
    main()
