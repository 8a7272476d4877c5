# SPDX-License-Identifier: MIT
"""kill -9 under load, round after round, on one data directory.

Each round starts assetd on the same directory, lets several clients
issue assets as fast as they can (and one more send requests that are
refused with 400), kills the server with SIGKILL after a random delay,
and starts it again. After every kill and every restart:

- every id a client got a 201 for is in the log exactly once, with the
  values that client sent (nothing acknowledged is ever lost);
- every line is a whole JSON object ending in a newline; ids strictly
  increase; no record was written twice, and none that was refused;
- no id is ever acknowledged twice, across all rounds;
- the torn-tail side file, if any, holds only bytes that were never
  acknowledged.

Every few rounds a torn last line is also planted after the kill (the
bytes a write cut short by a crash leaves behind; SIGKILL alone rarely
tears a line this short), and the restart must set exactly those bytes
aside in assets.jsonl.torn.

The random delays come from a seed printed on stderr; set
ASSETD_CRASH_SEED to replay a run. ASSETD_CRASH_ROUNDS changes the number
of rounds (default 25).
"""
import http.client
import json
import os
import random
import re
import sys
import threading
import time
import unittest

from harness import GOOD, DataDirTest, Server

ROUNDS = int(os.environ.get("ASSETD_CRASH_ROUNDS", "25"))
CLIENTS = 6
MAX_DELAY = 0.5      # seconds of load before the kill, at most
KEYS = ["id", "event", "at", "employee_name", "employee_email",
        "asset_type", "asset_model", "comments", "seq", "chain"]
TAG = re.compile(rb"r\d{3}-c\d-n\d{6}")
BAD_REPLY = {"error": "Missing fields: employee_email, asset_type, "
                      "asset_model"}


class Client(threading.Thread):
    """Issues assets over one keep-alive connection until told to stop or
    the server goes away. Remembers what each 201 acknowledged."""

    def __init__(self, port, round_no, n, bad=False):
        super().__init__(daemon=True)
        self.port = port
        self.bad = bad
        self.prefix = "r%03d-c%d" % (round_no, n)
        self.stop = threading.Event()
        self.acked = {}        # id -> comments tag
        self.sent = set()      # every tag sent, acknowledged or not
        self.unexpected = []   # anything but a 201 or a dropped connection
        self.refused = 0       # bad requests answered 400, as they must be

    def run(self):
        seq = 0
        conn = None
        while not self.stop.is_set():
            if conn is None:
                conn = http.client.HTTPConnection("127.0.0.1", self.port,
                                                  timeout=10)
            tag = "%s-n%06d" % (self.prefix, seq)
            seq += 1
            if self.bad:
                # Refused (400): must never reach the log.
                body = json.dumps({"employee_name": tag, "comments": tag})
            else:
                body = json.dumps(dict(GOOD, comments=tag))
                self.sent.add(tag)
            try:
                conn.request("POST", "/api/assets", body=body,
                             headers={"Content-Type": "application/json"})
                resp = conn.getresponse()
                raw = resp.read()
            except (OSError, http.client.HTTPException):
                # The server died (or is not up): this request was never
                # acknowledged. Try again until told to stop.
                conn.close()
                conn = None
                time.sleep(0.01)
                continue
            try:
                reply = json.loads(raw)
            except ValueError:
                reply = raw
            if self.bad:
                if (resp.status, reply) != (400, BAD_REPLY):
                    self.unexpected.append((tag, resp.status, raw))
                else:
                    self.refused += 1
                continue
            if (resp.status != 201 or not isinstance(reply, dict) or
                    set(reply) != {"message", "id"} or
                    reply["message"] != "Asset issued" or
                    resp.getheader("Location") !=
                    "/api/assets/%s" % reply["id"]):
                self.unexpected.append((tag, resp.status, raw))
                continue
            self.acked[reply["id"]] = tag
        if conn is not None:
            conn.close()


class KillNine(DataDirTest):
    prefix = "assetd-crash-"

    def read(self, name):
        try:
            with open(self.path(name), "rb") as f:
                return f.read()
        except FileNotFoundError:
            return b""

    # ---- checks ----

    def check_log(self, acked, sent, when):
        """The whole log against everything acknowledged so far."""
        raw = self.read("assets.jsonl")
        if raw:
            self.assertTrue(raw.endswith(b"\n") or when == "after kill",
                            "%s: log does not end with a newline" % when)
        lines = raw.split(b"\n")
        tail = lines.pop()      # b"" when the file ends with a newline
        by_id = {}
        last = 0
        tags = set()
        for no, line in enumerate(lines, 1):
            try:
                rec = json.loads(line)
            except ValueError as e:
                self.fail("%s: line %d is not JSON (%s): %r"
                          % (when, no, e, line[:200]))
            self.assertEqual(list(rec), KEYS, "%s: line %d" % (when, no))
            self.assertGreater(rec["id"], last,
                               "%s: line %d: ids must strictly increase"
                               % (when, no))
            last = rec["id"]
            self.assertEqual(rec["event"], "issued")
            for k in ("employee_name", "employee_email", "asset_type",
                      "asset_model"):
                self.assertEqual(rec[k], GOOD[k])
            self.assertIn(rec["comments"], sent,
                          "%s: line %d holds a record nobody sent" % (when,
                                                                      no))
            self.assertFalse(rec["comments"] in tags,
                             "%s: line %d: record written twice" % (when, no))
            tags.add(rec["comments"])
            by_id[rec["id"]] = rec
        # A torn tail is allowed only right after a kill, and it must not
        # be an acknowledged record.
        if tail:
            self.assertEqual(when, "after kill")
            self.assert_unacknowledged(tail, acked, "torn tail")
        for i, tag in acked.items():
            self.assertTrue(i in by_id, "%s: acknowledged id %d is missing"
                          % (when, i))
            self.assertEqual(by_id[i]["comments"], tag,
                             "%s: id %d holds another record" % (when, i))
        return by_id, last

    def assert_unacknowledged(self, data, acked, what):
        tags = set(acked.values())
        for m in TAG.finditer(data):
            self.assertFalse(m.group().decode() in tags,
                             "%s holds an acknowledged record: %r"
                             % (what, data[:300]))
        for m in re.finditer(rb'"id":(\d+)[,}]', data):
            self.assertFalse(int(m.group(1)) in acked,
                             "%s holds acknowledged id %s: %r"
                             % (what, m.group(1), data[:300]))

    # ---- the test ----

    def test_sigkill_under_load_loses_nothing_acknowledged(self):
        seed = int(os.environ.get("ASSETD_CRASH_SEED",
                                  str(int(time.time() * 1000) % 10**9)))
        rng = random.Random(seed)
        acked = {}          # every id acknowledged in any round -> tag
        sent = set()
        planted = []        # torn bytes we put at the end of the log
        torn_seen = []      # every torn tail, planted or left by a kill
        kills = 0
        refused = 0
        t0 = time.monotonic()

        s = self.start()
        for rnd in range(ROUNDS):
            # After the restart: recovery done, log whole, nothing lost.
            by_id, last = self.check_log(acked, sent, "round %d start" % rnd)
            self.assertEqual(self.read("assets.jsonl.torn"),
                             b"".join(t + b"\n" for t in torn_seen),
                             "the side file holds exactly the torn tails")

            clients = [Client(s.port, rnd, n) for n in range(CLIENTS)]
            clients.append(Client(s.port, rnd, CLIENTS, bad=True))
            for c in clients:
                c.start()
            time.sleep(rng.uniform(0.0, MAX_DELAY))
            s.kill()
            kills += 1
            for c in clients:
                c.stop.set()
            for c in clients:
                c.join(30)
                self.assertFalse(c.is_alive(), "a client hung")
                self.assertEqual(c.unexpected, [],
                                 "unexpected replies")
                sent |= c.sent
                refused += c.refused
                for i, tag in c.acked.items():
                    self.assertFalse(i in acked, "id %d acknowledged twice"
                                     % i)
                    self.assertGreater(i, last,
                                       "id %d issued again after restart"
                                       % i)
                    acked[i] = tag
            s.check_sanitizers()

            # Straight after the kill, before any recovery: every
            # acknowledged record is already in the file.
            _, last_written = self.check_log(acked, sent, "after kill")

            raw = self.read("assets.jsonl")
            whole = raw[:raw.rfind(b"\n") + 1]
            tail = raw[len(whole):]
            if not tail and rnd % 4 == 3:
                # Plant a torn last line: a prefix of the record the dead
                # server would have written next. Its id is inside the
                # counter's reservation, so it must never be handed out.
                nxt = max([last_written] + list(acked)) + 1
                self.assertLessEqual(nxt, int(self.read("counter")))
                line = json.dumps(
                    dict(id=nxt, event="issued",
                         at="2026-12-04T15:04:05Z", **GOOD,
                         comments="torn r%03d" % rnd),
                    separators=(",", ":")).encode()
                tail = line[:rng.randrange(1, len(line))]
                with open(self.path("assets.jsonl"), "ab") as f:
                    f.write(tail)
                planted.append(tail)

            s = self.start()
            if tail:
                torn_seen.append(tail)
                self.assertIn("ended in a torn line (%d bytes at offset %d,"
                              % (len(tail), len(whole)), s.stderr())
                self.assertEqual(self.read("assets.jsonl"), whole)

        by_id, last = self.check_log(acked, sent, "final")
        torn = self.read("assets.jsonl.torn")
        self.assertEqual(torn, b"".join(t + b"\n" for t in torn_seen))
        self.assert_unacknowledged(torn, acked, "assets.jsonl.torn")

        # The server still issues, above every id ever handed out, and a
        # clean stop records the exact last id.
        status, _, body = s.post(GOOD)
        self.assertEqual(status, 201)
        self.assertGreater(body["id"], max([last] + list(acked)))
        self.assertEqual(s.stop(), 0)
        self.assertEqual(self.read("counter"), b"%d\n" % body["id"])

        written = len(by_id)
        self.assertGreater(len(acked), 0, "no request was acknowledged")
        summary = ("crash: %d rounds, %d SIGKILLs, %d torn tails planted, "
                   "%d left by kills, %d refused requests (400, none "
                   "written), "
                   "%d requests acknowledged, %d records written but not "
                   "acknowledged, 0 acknowledged records lost, 0 ids "
                   "reused, %d records in the log (seed %d, %.1f s)"
                   % (ROUNDS, kills, len(planted),
                      len(torn_seen) - len(planted), refused, len(acked),
                      written - len(acked), written, seed,
                      time.monotonic() - t0))
        print(summary, file=sys.stderr)


if __name__ == "__main__":
    unittest.main()
