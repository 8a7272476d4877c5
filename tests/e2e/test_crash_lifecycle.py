# SPDX-License-Identifier: MIT
"""kill -9 while assets are returned and transferred, round after round.

Each round starts assetd on one data directory, lets 4 clients return or
transfer random assets, each request with its own Idempotency-Key, kills
the server with SIGKILL after a random delay, and starts it again. After
every restart:

- every return or transfer that got its 200 is in the log, once, under
  its key (nothing acknowledged is lost);
- no key is in the log twice (nothing was written twice);
- `assetd verify` finds the log sound: layout, event order per asset and
  the whole hash chain, across every crash;
- each asset's state from the server is the one its log lines give;
- sending every request again with its key writes nothing new for those
  already recorded (they are replayed) and records the others once.

The random delays come from a seed printed on stderr; set
ASSETD_CRASH_SEED to replay a run. ASSETD_CRASH_ROUNDS changes the number
of rounds (default 12).
"""
import http.client
import json
import os
import random
import subprocess
import sys
import threading
import time
import unittest

from harness import BIN, GOOD, DataDirTest, Server

ROUNDS = int(os.environ.get("ASSETD_CRASH_ROUNDS", "12"))
ASSETS = 300
CLIENTS = 4
MAX_DELAY = 0.4


def person(n):
    return {"employee_name": "Person %d" % n,
            "employee_email": "p%d@example.com" % n}


class Client(threading.Thread):
    """Returns or transfers random assets until told to stop; remembers
    every request it sent (path, body, key) and which got a 200."""

    def __init__(self, port, rnd, prefix):
        super().__init__(daemon=True)
        self.port = port
        self.rnd = rnd
        self.prefix = prefix
        self.stop = threading.Event()
        self.sent = []          # (key, path, body)
        self.acked = {}         # key -> (asset id, event)
        self.unexpected = []

    def request(self, n):
        asset = self.rnd.randrange(1, ASSETS + 1)
        key = "%s-%05d" % (self.prefix, n)
        if self.rnd.random() < 0.04:
            return key, "/api/assets/%d/return" % asset, \
                {"comments": key}, asset
        return key, "/api/assets/%d/transfer" % asset, \
            dict(person(self.rnd.randrange(10000)), comments=key), asset

    def run(self):
        conn, n = None, 0
        while not self.stop.is_set():
            key, path, body, asset = self.request(n)
            n += 1
            self.sent.append((key, path, body))
            if conn is None:
                conn = http.client.HTTPConnection("127.0.0.1", self.port,
                                                  timeout=10)
            try:
                conn.request("POST", path, body=json.dumps(body),
                             headers={"Idempotency-Key": key})
                resp = conn.getresponse()
                raw = resp.read()
            except (OSError, http.client.HTTPException):
                conn.close()
                conn = None
                time.sleep(0.01)
                continue
            if resp.status == 200:
                event = json.loads(raw)["history"][-1]
                if event.get("idempotency_key") != key:
                    self.unexpected.append((key, raw[:200]))
                self.acked[key] = (asset, event["event"])
            elif resp.status != 409:
                self.unexpected.append((key, resp.status, raw[:200]))
        if conn is not None:
            conn.close()


class KillNineLifecycle(DataDirTest):
    prefix = "assetd-crash-life-"

    def log(self):
        with open(self.path("assets.jsonl"), "rb") as f:
            return [json.loads(l) for l in f.read().splitlines()]

    def check(self, server, acked, when):
        events = self.log()
        keys = [e["idempotency_key"] for e in events
                if "idempotency_key" in e]
        self.assertEqual(len(keys), len(set(keys)),
                         "%s: a key is in the log twice" % when)
        by_key = {e["idempotency_key"]: e for e in events
                  if "idempotency_key" in e}
        for key, (asset, kind) in acked.items():
            self.assertIn(key, by_key, "%s: acknowledged %s lost"
                          % (when, key))
            self.assertEqual((by_key[key]["id"], by_key[key]["event"]),
                             (asset, kind), when)
        out = subprocess.run([BIN, "verify",
                              self.path("assets.jsonl")],
                             capture_output=True, text=True, timeout=60)
        self.assertEqual(out.returncode, 0, "%s: %s" % (when, out.stdout))
        # The server's state is the one the lines give.
        state = {}
        for e in events:
            s = state.setdefault(e["id"], {})
            if e["event"] != "returned":
                s["employee_email"] = e["employee_email"]
            s["status"] = "returned" if e["event"] == "returned" \
                else "issued"
        for asset in random.Random(len(events)).sample(sorted(state), 20):
            status, _, body = server.request("GET", "/api/assets/%d"
                                             % asset)
            self.assertEqual(status, 200)
            self.assertEqual({k: body[k] for k in state[asset]},
                             state[asset], "%s: asset %d" % (when, asset))
        return by_key

    def test_sigkill_during_returns_and_transfers(self):
        seed = int(os.environ.get("ASSETD_CRASH_SEED",
                                  random.randrange(1 << 30)))
        rnd = random.Random(seed)
        server = self.start()
        for n in range(1, ASSETS + 1):
            self.assertEqual(server.post(dict(GOOD, **person(n)))[0], 201)
        acked, sent = {}, []
        for round_no in range(ROUNDS):
            clients = [Client(server.port, random.Random(rnd.random()),
                              "r%02d-c%d" % (round_no, c))
                       for c in range(CLIENTS)]
            for c in clients:
                c.start()
            time.sleep(rnd.uniform(0.05, MAX_DELAY))
            server.kill()
            for c in clients:
                c.stop.set()
                c.join(15)
                self.assertEqual(c.unexpected, [], "round %d" % round_no)
                acked.update(c.acked)
                sent += c.sent
            server = self.start()
            self.check(server, acked, "round %d" % round_no)

        # Every request sent again with its key: recorded ones replay
        # (200), the others are recorded now (200) or refused (409, and
        # then not in the log): either way, at most once.
        replayed, outcome = 0, {}
        for key, path, body in sent:
            status, hdrs, _ = server.request(
                "POST", path, body=json.dumps(body).encode(),
                headers={"Idempotency-Key": key})
            self.assertIn(status, (200, 409), key)
            outcome[key] = status
            replayed += hdrs.get("idempotent-replayed") == "true"
        by_key = self.check(server, acked, "after the retries")
        for key, status in outcome.items():
            self.assertEqual(key in by_key, status == 200, key)
        self.assertGreaterEqual(replayed, len(acked))
        self.assertEqual(server.stop(), 0)
        print("crash lifecycle: seed %d, %d rounds, %d requests sent, "
              "%d acknowledged, %d replayed on retry, %d lines"
              % (seed, ROUNDS, len(sent), len(acked), replayed,
                 len(self.log())), file=sys.stderr)


if __name__ == "__main__":
    unittest.main()
