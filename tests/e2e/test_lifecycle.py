# SPDX-License-Identifier: MIT
"""An asset's life after it is issued, against the real server: what a
helpdesk client sees over HTTP and what lands in data/assets.jsonl.

Covered, one class per endpoint or concern (docs/API.md is the contract):

  Lookup        GET /api/assets/{id}: state and history; 404; bad ids; HEAD
  List          GET /api/assets: order, every filter alone and combined
  ListPaging    limit and cursor over 120 assets
  ListErrors    every 400 of the list's parameters
  Employee      GET /api/employees/{email}/assets
  Return        POST /api/assets/{id}/return
  Transfer      POST /api/assets/{id}/transfer
  Concurrency   racing returns, transfers and retries
  Csv           GET /api/assets.csv: cells, filters, framing, HTTP/1.0
  Health        GET /api/health counts
  Idempotency   Idempotency-Key on the three POSTs
  IdempotencyBy the key's place after "by" when a token is used
  Restart       everything reads the same after a restart
  OldLog        a hand-written log of issued events only
  LargeLog      1030 assets: CSV batches, an employee's long list
  DamagedLog    a log that breaks the rules refuses to start

Every reply is checked whole: status, the JSON headers API.md promises,
and the body with its key order. Times are checked against
YYYY-MM-DDTHH:MM:SSZ and then replaced by T. Log lines are parsed one by
one, key order included; each line's "seq" and "chain" are checked
against API.md (check_chain) and then replaced by S and C. A lookup's
history must be the asset's log lines byte for byte. Each test gets its
own server on 127.0.0.1 (port 0) and its own data directory.

Run with the sanitizer build (cmake -DASSETD_SANITIZE=ON) as well: the
harness fails a test whose server reported anything.
"""
import collections
import contextlib
import csv
import difflib
import hashlib
import io
import json
import os
import re
import shutil
import socket
import subprocess
import tempfile
import threading
import time
import unittest
from urllib.parse import unquote

from harness import BIN, Server, read_all

# ---- People, things and expected shapes ----

ADA = {"employee_name": "Ada Lovelace", "employee_email": "ada@example.com"}
BOB = {"employee_name": "Bob Stone", "employee_email": "bob@example.com"}
CY = {"employee_name": "Cy Twombly", "employee_email": "cy@example.org"}
DEE = {"employee_name": "Dee Ascii", "employee_email": "dee@example.net"}

LAPTOP = {"asset_type": "laptop", "asset_model": "ThinkPad X1"}
PHONE = {"asset_type": "phone", "asset_model": "Pixel 8"}
SCREEN = {"asset_type": "monitor", "asset_model": "Dell U2720Q"}
MAC = {"asset_type": "laptop", "asset_model": "MacBook Air"}
XPS = {"asset_type": "Laptop", "asset_model": "XPS 13"}

T = "T"  # every time, once its format is checked
TIME = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")
TIME_KEYS = ("at", "issued_at", "returned_at")
S, C = "S", "C"  # a line's "seq" and "chain", checked by check_chain
CHAIN_TAIL = re.compile(rb',"seq":(\d+),"chain":"([0-9a-f]{64})"\}$')
OLD_AT = "2026-12-04T15:04:05Z"

BAD_ID = "asset id must be a whole number from 1 to 9007199254740991"
BAD_KEY = ("Idempotency-Key must be 1 to 255 visible ASCII characters "
           "other than quotes and backslashes")
KEY_REUSED = "Idempotency-Key was already used for a different request"
BAD_EMAIL = "employee_email must be an address like name@example.com"
CSV_HEADER = ["id", "status", "employee_name", "employee_email",
              "asset_type", "asset_model", "comments", "issued_at",
              "returned_at"]

O = collections.OrderedDict


def obj(**members):
    """A JSON object whose key order counts when compared."""
    return O(members)


def ordered(value):
    """value with every dict made an OrderedDict (order-sensitive ==)."""
    if isinstance(value, dict):
        return O((k, ordered(v)) for k, v in value.items())
    if isinstance(value, list):
        return [ordered(v) for v in value]
    return value


def normalise(value):
    """Checks the format of every time in value and replaces it by T;
    a line's "seq" and "chain" become S and C (check_chain has the
    values)."""
    if isinstance(value, list):
        return [normalise(v) for v in value]
    if not isinstance(value, dict):
        return value
    out = O()
    for k, v in value.items():
        if k in TIME_KEYS and isinstance(v, str) and v != T:
            if not TIME.match(v):
                raise AssertionError("%s is not a time: %r" % (k, v))
            v = T
        elif k == "seq" and isinstance(v, int) and v > 0:
            v = S
        elif k == "chain" and re.fullmatch("[0-9a-f]{64}", str(v)):
            v = C
        out[k] = normalise(v)
    return out


def parse_json(raw):
    return json.loads(raw, object_pairs_hook=O)


def state(id, holder=ADA, thing=LAPTOP, comments="", returned=False):
    """An asset's state as API.md shows it."""
    return obj(id=id, status="returned" if returned else "issued",
               employee_name=holder["employee_name"],
               employee_email=holder["employee_email"],
               asset_type=thing["asset_type"],
               asset_model=thing["asset_model"], comments=comments,
               issued_at=T, returned_at=T if returned else None)


def with_history(st, *events):
    out = O(st)
    out["history"] = list(events)
    return out


def envelope(id, kind, key=None, by=None):
    out = obj(id=id, event=kind, at=T)
    if by is not None:
        out["by"] = by
    if key is not None:
        out["idempotency_key"] = key
    return out


def chain_tail(event, chained):
    """A line the server writes ends with "seq" and "chain"; a line
    written by hand in the older layout does not."""
    if chained:
        event["seq"] = S
        event["chain"] = C
    return event


def issued(id, holder=ADA, thing=LAPTOP, comments="", key=None, by=None,
           chained=True):
    out = envelope(id, "issued", key, by)
    out.update(holder)
    out.update(thing)
    out["comments"] = comments
    return chain_tail(out, chained)


def transferred(id, holder, comments="", key=None, by=None):
    out = envelope(id, "transferred", key, by)
    out.update(holder)
    out["comments"] = comments
    return chain_tail(out, True)


def returned(id, comments="", key=None, by=None):
    out = envelope(id, "returned", key, by)
    out["comments"] = comments
    return chain_tail(out, True)


def page(states, next_cursor=None):
    return obj(assets=list(states), next_cursor=next_cursor)


def old_line(id, holder=ADA, thing=LAPTOP, comments="", at=OLD_AT):
    """An issued event as the core wrote it, before lines were chained:
    no "seq" or "chain"."""
    return json.dumps(O([("id", id), ("event", "issued"), ("at", at)] +
                        list(holder.items()) + list(thing.items()) +
                        [("comments", comments)]),
                      separators=(",", ":"), ensure_ascii=False)


# ---- HTTP over a raw socket ----

Reply = collections.namedtuple("Reply", "status headers body chunks rest")


def request_bytes(method, path, body=None, headers=(), version="1.1",
                  close=True):
    """One request. body None sends no Content-Length at all; a dict is
    sent as JSON."""
    lines = ["%s %s HTTP/%s" % (method, path, version)]
    if version == "1.1":
        lines.append("Host: 127.0.0.1")
    if close:
        lines.append("Connection: close")
    lines += ["%s: %s" % kv for kv in headers]
    data = b""
    if body is not None:
        if isinstance(body, (dict, list)):
            body = json.dumps(body)
        data = body.encode() if isinstance(body, str) else body
        lines.append("Content-Length: %d" % len(data))
    head = "\r\n".join(lines) + "\r\n\r\n"
    return head.encode("latin-1") + data


def dechunk(data):
    """Reads a chunked body strictly. Returns (body, chunks, rest)."""
    chunks = []
    while True:
        size, sep, data = data.partition(b"\r\n")
        if not sep or not re.fullmatch(rb"[0-9a-f]+", size):
            raise AssertionError("bad chunk size line %r" % size[:40])
        n = int(size, 16)
        if data[n:n + 2] != b"\r\n":
            raise AssertionError("chunk of %d bytes not ended by CRLF" % n)
        chunk, data = data[:n], data[n + 2:]
        if n == 0:
            return b"".join(chunks), chunks, data
        chunks.append(chunk)


def parse_reply(data, head_only=False):
    """Splits one reply off data, framed as its headers say."""
    head, sep, rest = data.partition(b"\r\n\r\n")
    if not sep:
        raise AssertionError("incomplete reply: %r" % data[:200])
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split(" ")[1])
    headers = {}
    for line in lines[1:]:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    chunks = None
    if head_only:
        body = b""
    elif "content-length" in headers:
        n = int(headers["content-length"])
        body, rest = rest[:n], rest[n:]
    elif headers.get("transfer-encoding") == "chunked":
        body, chunks, rest = dechunk(rest)
    else:
        body, rest = rest, b""
    return Reply(status, headers, body, chunks, rest)


def exchange(port, data, timeout=10):
    with socket.create_connection(("127.0.0.1", port),
                                  timeout=timeout) as s:
        s.sendall(data)
        return read_all(s)


def body_json(reply):
    return normalise(parse_json(reply.body))


def parse_csv(text):
    return list(csv.reader(io.StringIO(text, newline="")))


def check_chain(lines):
    """Checks the tail of every chained line (src/chain.c): "seq" is its
    line number, and "chain" is hex SHA-256 of the value before it and
    the line up to that member; before the first chained line, the value
    is the SHA-256 of all bytes before it. Returns a fault, or None."""
    prev, before = None, b""
    for k, line in enumerate(lines, 1):
        m = CHAIN_TAIL.search(line)
        if m is None:
            if prev is not None:
                return "line %d is not chained, the lines before are" % k
            before += line + b"\n"
            continue
        if int(m.group(1)) != k:
            return "line %d has seq %s" % (k, m.group(1).decode())
        if prev is None:
            prev = hashlib.sha256(before).hexdigest()
        body = line[:m.start(2) - len(b',"chain":"')]
        prev = hashlib.sha256(prev.encode() + body).hexdigest()
        if m.group(2).decode() != prev:
            return "line %d: chain is not %s" % (k, prev)
    return None


def guard(cell):
    """A text cell as the CSV shows it: a ' before a formula start (tab,
    CR or LF first, or = + - @ first after spaces and line breaks)."""
    rest = cell.lstrip(" \t\r\n")
    risky = (cell[:1] and cell[0] in "\t\r\n") or \
        (rest[:1] and rest[0] in "=+-@")
    return "'" + cell if risky else cell


# ---- The test base ----

class Lifecycle(unittest.TestCase):
    """A fresh data directory and server per test. Set initial_log to a
    list of lines to start on a log written by hand."""

    initial_log = None

    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="assetd-e2e-life-")
        self.addCleanup(shutil.rmtree, self.dir, True)
        if self.initial_log is not None:
            self.write_log(self.initial_log)
        self.server = Server(data_dir=self.dir).start()

    def tearDown(self):
        self.server.cleanup()

    def restart(self):
        self.server.cleanup()
        self.server = Server(data_dir=self.dir).start()

    def write_log(self, lines):
        with open(os.path.join(self.dir, "assets.jsonl"), "w") as f:
            f.write("".join(line + "\n" for line in lines))

    # ---- requests ----

    def call(self, method, path, body=None, headers=(), version="1.1"):
        data = exchange(self.server.port, request_bytes(
            method, path, body, headers, version))
        reply = parse_reply(data, head_only=method == "HEAD")
        self.assertEqual(reply.rest, b"", "bytes after the reply")
        return reply

    def get(self, path, **kw):
        return self.call("GET", path, **kw)

    def post(self, path, body=None, key=None, headers=()):
        headers = list(headers)
        if key is not None:
            headers.append(("Idempotency-Key", key))
        return self.call("POST", path, body, headers)

    def issue(self, holder=ADA, thing=LAPTOP, comments=None, key=None):
        body = dict(holder, **thing)
        if comments is not None:
            body["comments"] = comments
        reply = self.post("/api/assets", body, key)
        self.assertEqual(reply.status, 201, reply.body)
        return body_json(reply)["id"]

    def transfer(self, id, holder, comments=None, key=None, **extra):
        body = dict(holder, **extra)
        if comments is not None:
            body["comments"] = comments
        return self.post("/api/assets/%d/transfer" % id, body, key)

    def give_back(self, id, body=None, key=None):
        return self.post("/api/assets/%d/return" % id, body, key)

    # ---- the log ----

    def log_bytes(self):
        path = os.path.join(self.dir, "assets.jsonl")
        if not os.path.exists(path):
            return b""
        with open(path, "rb") as f:
            return f.read()

    def log_lines(self, id=None):
        lines = self.log_bytes().split(b"\n")
        self.assertEqual(lines[-1], b"", "the log ends with a whole line")
        lines = lines[:-1]
        self.assertIsNone(check_chain(lines))
        if id is not None:
            lines = [x for x in lines if x.startswith(b'{"id":%d,' % id)]
        return lines

    def events(self, id=None):
        return [normalise(parse_json(x)) for x in self.log_lines(id)]

    @contextlib.contextmanager
    def nothing_written(self):
        before = self.log_bytes()
        yield
        self.assertEqual(self.log_bytes(), before, "the log changed")

    # ---- assertions ----

    def assertSame(self, actual, expected, msg=""):
        """Equal as JSON, key order included; a diff when not."""
        expected = ordered(expected)
        if actual == expected:
            return
        a = json.dumps(actual, indent=1, ensure_ascii=False).splitlines()
        e = json.dumps(expected, indent=1, ensure_ascii=False).splitlines()
        diff = difflib.unified_diff(e, a, "expected", "actual", lineterm="")
        self.fail("%s\n%s" % (msg, "\n".join(diff)))

    def assertJsonHeaders(self, reply, replayed=False):
        h = reply.headers
        self.assertEqual(h.get("content-type"), "application/json")
        self.assertEqual(h.get("cache-control"), "no-store")
        self.assertEqual(h.get("x-content-type-options"), "nosniff")
        self.assertEqual(h.get("idempotent-replayed"),
                         "true" if replayed else None)
        if reply.chunks is None and reply.body:
            self.assertEqual(h.get("content-length"), str(len(reply.body)))

    def assertReply(self, reply, status, body, replayed=False):
        self.assertEqual(reply.status, status, reply.body)
        self.assertJsonHeaders(reply, replayed)
        self.assertSame(body_json(reply), body)

    def assertFault(self, reply, status, message):
        self.assertReply(reply, status, obj(error=message))

    def assertEvents(self, expected, id=None):
        self.assertSame(self.events(id), expected, "log lines")

    def assertHistoryIsTheLog(self, reply, id):
        """The history is the asset's log lines, byte for byte, and the
        state's times are those of its events."""
        lines = self.log_lines(id)
        self.assertTrue(reply.body.endswith(
            b',"history":[' + b",".join(lines) + b"]}"), reply.body)
        raw = json.loads(reply.body)
        self.assertEqual(raw["issued_at"], raw["history"][0]["at"])
        if raw["status"] == "returned":
            self.assertEqual(raw["returned_at"], raw["history"][-1]["at"])


# ---- GET /api/assets/{id} ----

class Lookup(Lifecycle):
    def test_issued_asset(self):
        self.issue(comments="spare charger")
        reply = self.get("/api/assets/1")
        self.assertReply(reply, 200, with_history(
            state(1, comments="spare charger"),
            issued(1, comments="spare charger")))
        self.assertHistoryIsTheLog(reply, 1)
        self.assertEvents([issued(1, comments="spare charger")])

    def test_transferred_asset(self):
        self.issue(comments="spare charger")
        self.transfer(1, BOB, comments="handover")
        reply = self.get("/api/assets/1")
        self.assertReply(reply, 200, with_history(
            state(1, BOB, comments="spare charger"),
            issued(1, comments="spare charger"),
            transferred(1, BOB, "handover")))
        self.assertHistoryIsTheLog(reply, 1)

    def test_returned_asset(self):
        self.issue(thing=PHONE)
        self.issue()
        self.transfer(1, CY)
        self.give_back(1, {"comments": "scratched"})
        reply = self.get("/api/assets/1")
        self.assertReply(reply, 200, with_history(
            state(1, CY, PHONE, returned=True),
            issued(1, thing=PHONE), transferred(1, CY),
            returned(1, "scratched")))
        self.assertHistoryIsTheLog(reply, 1)
        self.assertReply(self.get("/api/assets/2"), 200,
                         with_history(state(2), issued(2)))

    def test_unknown_id_404(self):
        self.assertFault(self.get("/api/assets/1"), 404, "no asset with id 1")
        self.issue()
        self.assertFault(self.get("/api/assets/2"), 404, "no asset with id 2")
        self.assertFault(self.get("/api/assets/9007199254740991"), 404,
                         "no asset with id 9007199254740991")

    def test_bad_ids_400(self):
        self.issue()
        for id in ("0", "-1", "007", "01", "7a", "%37", "%31", "+1", "1.0",
                   "1e3", "abc", "9007199254740992", "18446744073709551617",
                   "1" * 40):
            with self.subTest(id=id):
                self.assertFault(self.get("/api/assets/" + id), 400, BAD_ID)

    def test_head_gives_the_headers_only(self):
        self.issue()
        for path, status in (("/api/assets/1", 200), ("/api/assets/2", 404),
                             ("/api/assets/007", 400)):
            with self.subTest(path=path):
                got = self.get(path)
                head = self.call("HEAD", path)
                self.assertEqual(head.status, status)
                self.assertEqual(head.body, b"")
                self.assertEqual(head.headers, got.headers)
                self.assertEqual(head.headers["content-length"],
                                 str(len(got.body)))


# ---- GET /api/assets ----

class List(Lifecycle):
    """Five assets: 1 Ada laptop, 2 Bob phone (returned), 3 Cy Mac,
    4 Ada's monitor now with Cy, 5 Dee's 'Laptop' (returned)."""

    def setUp(self):
        super().setUp()
        self.issue(ADA, LAPTOP, "spare charger")
        self.issue(BOB, PHONE)
        self.issue(CY, MAC, "Needs a DOCK")
        self.issue(ADA, SCREEN)
        self.issue(DEE, XPS, "keyboard sticks")
        self.transfer(4, CY, "desk move")
        self.give_back(2)
        self.give_back(5, {"comments": "ok"})
        self.states = {
            1: state(1, ADA, LAPTOP, "spare charger"),
            2: state(2, BOB, PHONE, returned=True),
            3: state(3, CY, MAC, "Needs a DOCK"),
            4: state(4, CY, SCREEN),
            5: state(5, DEE, XPS, "keyboard sticks", returned=True),
        }

    def check(self, query, ids):
        with self.subTest(query=query):
            reply = self.get("/api/assets" + query)
            self.assertReply(reply, 200,
                             page(self.states[i] for i in ids))

    def test_newest_first(self):
        self.check("", [5, 4, 3, 2, 1])
        self.check("?", [5, 4, 3, 2, 1])

    def test_employee_email_exact_case_insensitive(self):
        self.check("?employee_email=ada@example.com", [1])
        self.check("?employee_email=ADA%40Example.COM", [1])
        self.check("?employee_email=cy@example.org", [4, 3])
        self.check("?employee_email=bob@example.com", [2])
        self.check("?employee_email=ada@example", [])
        self.check("?employee_email=da@example.com", [])
        self.check("?employee_email=nobody@example.com", [])
        # Blanks a paste brings along are dropped, as issuing drops them.
        self.check("?employee_email=%20ada@example.com%09", [1])
        self.check("?employee_email=%20%20", [5, 4, 3, 2, 1])

    def test_asset_type_exact_case_insensitive(self):
        self.check("?asset_type=laptop", [5, 3, 1])
        self.check("?asset_type=LAPTOP", [5, 3, 1])
        self.check("?asset_type=+laptop+", [5, 3, 1])
        self.check("?asset_type=Phone", [2])
        self.check("?asset_type=lap", [])
        self.check("?asset_type=laptops", [])

    def test_status(self):
        self.check("?status=issued", [4, 3, 1])
        self.check("?status=returned", [5, 2])

    def test_q_over_name_email_model_comments(self):
        self.check("?q=twombly", [4, 3])          # name
        self.check("?q=EXAMPLE.ORG", [4, 3])      # email
        self.check("?q=pixel", [2])               # model
        self.check("?q=dock", [3])                # comments
        self.check("?q=Charger", [1])
        self.check("?q=ada", [1])                 # 4 is Cy's now
        self.check("?q=phone", [])                # the type is not searched
        self.check("?q=monitor", [])
        self.check("?q=desk+move", [])            # transfer comments are not
        self.check("?q=e", [5, 4, 3, 2, 1])

    def test_plus_and_percent_decoded(self):
        self.check("?q=spare+charger", [1])
        self.check("?q=spare%20charger", [1])
        self.check("?q=SPARE%20Charger", [1])
        self.check("?q=spare%2Bcharger", [])
        self.check("?q=xps+13", [5])
        self.check("?employee_email=cy%40example%2Eorg", [4, 3])

    def test_filters_combined(self):
        self.check("?employee_email=cy@example.org&asset_type=LAPTOP", [3])
        self.check("?status=issued&asset_type=laptop", [3, 1])
        self.check("?status=returned&q=xps", [5])
        self.check("?status=returned&employee_email=cy@example.org", [])
        self.check("?q=dock&status=issued&asset_type=laptop"
                   "&employee_email=CY@example.org", [3])
        self.check("?q=dock&status=returned", [])
        self.check("?asset_type=laptop&q=example.org", [3])

    def test_empty_text_filters_ignored(self):
        self.check("?employee_email=&asset_type=&q=", [5, 4, 3, 2, 1])
        self.check("?q=&status=returned", [5, 2])
        self.check("?q&asset_type", [5, 4, 3, 2, 1])
        self.check("?&&status=issued&&", [4, 3, 1])

    def test_head(self):
        got = self.get("/api/assets?status=issued")
        head = self.call("HEAD", "/api/assets?status=issued")
        self.assertEqual((head.status, head.body), (200, b""))
        self.assertEqual(head.headers, got.headers)


class ListPaging(Lifecycle):
    """120 assets: odd ids Ada's, even ids Bob's; every third a phone."""

    N = 120

    def setUp(self):
        super().setUp()
        for i in range(1, self.N + 1):
            self.issue(ADA if i % 2 else BOB, PHONE if i % 3 == 0 else LAPTOP)

    def expected(self, i):
        return state(i, ADA if i % 2 else BOB,
                     PHONE if i % 3 == 0 else LAPTOP)

    def walk(self, query, limit):
        """Follows next_cursor to the end. Returns (ids, pages)."""
        ids, cursor, pages = [], None, 0
        while True:
            path = "/api/assets?%slimit=%d" % (query, limit)
            if cursor is not None:
                path += "&cursor=" + cursor
            reply = self.get(path)
            self.assertEqual(reply.status, 200, reply.body)
            body = body_json(reply)
            got = [a["id"] for a in body["assets"]]
            self.assertSame(body, page(
                (self.expected(i) for i in got), body["next_cursor"]))
            ids += got
            pages += 1
            cursor = body["next_cursor"]
            if cursor is None:
                return ids, pages
            self.assertEqual(len(got), limit)
            self.assertEqual(cursor, str(got[-1]))

    def test_default_limit_is_50(self):
        reply = self.get("/api/assets")
        self.assertReply(reply, 200, page(
            (self.expected(i) for i in range(120, 70, -1)), "71"))

    def test_limit_bounds(self):
        self.assertReply(self.get("/api/assets?limit=1"), 200,
                         page([self.expected(120)], "120"))
        reply = self.get("/api/assets?limit=500")
        self.assertReply(reply, 200, page(
            self.expected(i) for i in range(120, 0, -1)))

    def test_cursor_visits_each_once_in_order(self):
        ids, pages = self.walk("", 7)
        self.assertEqual(ids, list(range(120, 0, -1)))
        self.assertEqual(pages, 18)

    def test_last_page_full_ends_with_null(self):
        ids, pages = self.walk("", 8)
        self.assertEqual(ids, list(range(120, 0, -1)))
        self.assertEqual(pages, 15)

    def test_cursor_with_filters(self):
        ids, _ = self.walk("employee_email=BOB@example.com&", 7)
        self.assertEqual(ids, list(range(120, 0, -2)))
        ids, _ = self.walk("q=pixel&", 7)
        self.assertEqual(ids, list(range(120, 0, -3)))
        ids, _ = self.walk("status=issued&asset_type=phone&q=ada&", 3)
        self.assertEqual(ids, [i for i in range(120, 0, -1)
                               if i % 3 == 0 and i % 2])

    def test_assets_issued_while_paging_are_not_mixed_in(self):
        first = body_json(self.get("/api/assets?limit=7"))
        for _ in range(3):
            self.issue(CY)
        ids = [a["id"] for a in first["assets"]]
        cursor = first["next_cursor"]
        while cursor is not None:
            body = body_json(self.get(
                "/api/assets?limit=7&cursor=" + cursor))
            ids += [a["id"] for a in body["assets"]]
            cursor = body["next_cursor"]
        self.assertEqual(ids, list(range(120, 0, -1)))

    def test_cursor_beyond_last_id(self):
        self.assertReply(self.get("/api/assets?limit=2&cursor=1000"), 200,
                         page([self.expected(120), self.expected(119)],
                              "119"))
        self.assertReply(self.get("/api/assets?cursor=1"), 200, page([]))


class ListErrors(Lifecycle):
    def setUp(self):
        super().setUp()
        self.issue()

    def bad(self, query, message, path="/api/assets"):
        with self.subTest(query=query), self.nothing_written():
            self.assertFault(self.get(path + "?" + query), 400, message)

    def test_unknown_parameter(self):
        for name in ("sort", "page", "Status", "id", "offset", "q2"):
            self.bad(name + "=1", 'unknown parameter "%s"' % name)
        self.bad("x" * 100 + "=1", 'unknown parameter "%s"' % ("x" * 64))
        self.bad("status=issued&sort=id", 'unknown parameter "sort"')

    def test_repeated_parameter(self):
        for name, value in (("status", "issued"), ("limit", "5"),
                            ("q", "a"), ("cursor", "9"),
                            ("employee_email", "ada@example.com"),
                            ("asset_type", "laptop")):
            self.bad("%s=%s&%s=%s" % (name, value, name, value),
                     'parameter "%s" is given more than once' % name)
        self.bad("stat%75s=issued&status=issued",
                 'parameter "status" is given more than once')
        self.bad("q=&q=", 'parameter "q" is given more than once')

    def test_bad_percent_encoding(self):
        for value in ("%zz", "%4", "%", "a%g1", "%ff", "%c3", "%c3%28",
                      "%ed%a0%80", "%00"):
            self.bad("q=" + value,
                     'parameter "q" is not valid percent-encoded UTF-8')
        self.bad("employee_email=%ff%40x.com", 'parameter "employee_email" '
                 'is not valid percent-encoded UTF-8')
        self.bad("asset_type=%e2%82", 'parameter "asset_type" is not valid '
                 'percent-encoded UTF-8')

    def test_status_value(self):
        for value in ("x", "", "Issued", "RETURNED", "issued+", "any"):
            self.bad("status=" + value,
                     'status must be "issued" or "returned"')
        self.bad("status", 'status must be "issued" or "returned"')

    def test_limit(self):
        for value in ("0", "501", "abc", "-1", "1.5", "", "1e2", "07",
                      "9" * 20):
            self.bad("limit=" + value,
                     "limit must be a whole number from 1 to 500")

    def test_cursor(self):
        for value in ("x", "0", "-5", "", "12a", "9007199254740992"):
            self.bad("cursor=" + value, "cursor is not valid; use "
                     "next_cursor from the previous page")

    def test_q_length_in_bytes(self):
        self.bad("q=" + "a" * 201, "q is longer than 200 bytes")
        self.bad("q=" + "%C3%A9" * 101, "q is longer than 200 bytes")
        self.assertReply(self.get("/api/assets?q=" + "a" * 200), 200,
                         page([]))
        self.assertReply(self.get("/api/assets?q=" + "%C3%A9" * 100), 200,
                         page([]))


# ---- GET /api/employees/{email}/assets ----

class Employee(Lifecycle):
    def held(self, email, states):
        reply = self.get("/api/employees/%s/assets" % email)
        self.assertReply(reply, 200, obj(employee_email=unquote(email),
                                         assets=list(states)))

    def test_only_assets_held_now(self):
        self.issue(ADA, LAPTOP)
        self.issue(BOB, PHONE)
        self.issue(ADA, SCREEN)
        self.issue(ADA, MAC)
        self.held("ada@example.com",
                  [state(4, ADA, MAC), state(3, ADA, SCREEN), state(1)])
        self.transfer(3, BOB)                      # away from Ada
        self.transfer(2, ADA)                      # to Ada
        self.give_back(4)                          # returned
        self.held("ada@example.com", [state(2, ADA, PHONE), state(1)])
        self.held("bob@example.com", [state(3, BOB, SCREEN)])
        self.transfer(3, ADA)                      # and back again
        self.held("ada@example.com", [state(3, ADA, SCREEN),
                                      state(2, ADA, PHONE), state(1)])
        self.held("bob@example.com", [])

    def test_at_sign_escaped_or_not_and_any_case(self):
        self.issue(ADA)
        self.issue(dict(ADA, employee_name="Ada L."))
        both = [state(2, dict(ADA, employee_name="Ada L.")), state(1)]
        self.held("ada@example.com", both)
        self.held("ada%40example.com", both)
        self.held("ADA@EXAMPLE.COM", both)
        self.held("Ada%40Example.Com", both)

    def test_plus_is_not_a_space_in_the_path(self):
        tagged = dict(ADA, employee_email="first.last+tag@example.com")
        self.issue(tagged)
        self.held("first.last+tag@example.com", [state(1, tagged)])
        self.held("first.last%2Btag@example.com", [state(1, tagged)])

    def test_nobody_holds_nothing(self):
        self.held("nobody@example.com", [])
        self.issue(ADA)
        self.give_back(1)
        self.held("ada@example.com", [])

    def test_not_an_email_400(self):
        self.issue()
        for email in ("ada", "ada@example", "@example.com", "ada%40",
                      "a@b@example.com", "ada%20x@example.com",
                      "ada@example..com", "%ff@example.com", "%zz",
                      "ada%00@example.com", "x" * 250 + "@example.com"):
            with self.subTest(email=email):
                self.assertFault(
                    self.get("/api/employees/%s/assets" % email), 400,
                    "employee email must be an address like "
                    "name@example.com")


# ---- POST /api/assets/{id}/return ----

class Return(Lifecycle):
    def setUp(self):
        super().setUp()
        self.issue(comments="spare charger")

    def done(self, reply, comments=""):
        """The reply and the log after returning asset 1."""
        after = [issued(1, comments="spare charger"), returned(1, comments)]
        self.assertReply(reply, 200, with_history(
            state(1, comments="spare charger", returned=True), *after))
        self.assertHistoryIsTheLog(reply, 1)
        self.assertEvents(after)

    def test_no_body_at_all(self):
        data = exchange(self.server.port,
                        b"POST /api/assets/1/return HTTP/1.1\r\n"
                        b"Host: 127.0.0.1\r\nConnection: close\r\n\r\n")
        self.done(parse_reply(data))

    def test_empty_body(self):
        self.done(self.give_back(1, b""))

    def test_white_space_body_is_no_body(self):
        self.done(self.give_back(1, b" \r\n\t "))

    def test_comments(self):
        self.done(self.give_back(1, {"comments": "left at desk, ok"}),
                  "left at desk, ok")

    def test_comments_kept_as_sent(self):
        text = "  two\tlines\r\nZoë ✓  "
        self.done(self.give_back(1, {"comments": text}), text)

    def test_comments_null(self):
        self.done(self.give_back(1, {"comments": None}))

    def test_empty_object(self):
        self.done(self.give_back(1, {}))

    def test_unknown_keys_ignored(self):
        self.done(self.give_back(1, {"employee_name": "X", "note": [1],
                                     "comments": "c"}), "c")

    def test_bad_body_400(self):
        for body, message in (
                ('{"comments":5}', "comments must be a string"),
                ('{"comments":true}', "comments must be a string"),
                ('{"comments":["a"]}', "comments must be a string"),
                ("[]", "body must be a JSON object"),
                ('"x"', "body must be a JSON object"),
                ("null", "body must be a JSON object"),
                ('{"comments":"a\\u0001"}', "comments must not contain "
                 "control characters other than tab and line breaks"),
                ('{"comments":"%s"}' % ("x" * 2001),
                 "comments is longer than 2000 characters"),
                ('{"comments":"a","comments":"b"}',
                 'key "comments" is given more than once'),
                ('{"comments":"x"} x',
                 "unexpected data after the JSON object at offset 17"),
                (b'{"comments":"\xff"}', "invalid UTF-8 at offset 13"),
                ('{"comments":"\\q"}', "invalid escape sequence at offset 13"),
                (b'{"comments":"\x00"}', "body contains a NUL byte at "
                 "offset 13")):
            with self.subTest(body=body), self.nothing_written():
                self.assertFault(self.give_back(1, body), 400, message)
        self.assertSame(body_json(self.get("/api/assets/1"))["status"],
                        "issued")

    def test_unknown_asset_404(self):
        for body in (None, b"", {"comments": "x"}):
            with self.subTest(body=body), self.nothing_written():
                self.assertFault(self.give_back(2, body), 404,
                                 "no asset with id 2")

    def test_bad_id_400(self):
        for id in ("0", "-1", "007", "1a", "%31", "9007199254740992"):
            with self.subTest(id=id), self.nothing_written():
                self.assertFault(self.post("/api/assets/%s/return" % id),
                                 400, BAD_ID)

    def test_already_returned_409(self):
        self.give_back(1)
        for body in (None, b"", {"comments": "again"}):
            with self.subTest(body=body), self.nothing_written():
                self.assertFault(self.give_back(1, body), 409,
                                 "asset 1 was already returned")

    def test_after_a_transfer_the_last_holder_returns(self):
        self.transfer(1, BOB)
        reply = self.give_back(1, {"comments": "done"})
        self.assertReply(reply, 200, with_history(
            state(1, BOB, comments="spare charger", returned=True),
            issued(1, comments="spare charger"), transferred(1, BOB),
            returned(1, "done")))


# ---- POST /api/assets/{id}/transfer ----

class Transfer(Lifecycle):
    def setUp(self):
        super().setUp()
        self.issue(comments="spare charger")

    def bad(self, body, message, status=400, id=1):
        with self.subTest(body=body), self.nothing_written():
            reply = self.post("/api/assets/%d/transfer" % id, body)
            self.assertFault(reply, status, message)

    def test_transfer_state_history_and_log(self):
        reply = self.transfer(1, BOB, "handover")
        after = [issued(1, comments="spare charger"),
                 transferred(1, BOB, "handover")]
        self.assertReply(reply, 200, with_history(
            state(1, BOB, comments="spare charger"), *after))
        self.assertHistoryIsTheLog(reply, 1)
        self.assertEvents(after)

    def test_values_trimmed_unknown_keys_not_stored(self):
        reply = self.transfer(
            1, {"employee_name": "\u00a0 Bob Stone\t",
                "employee_email": " bob@example.com\u3000"},
            comments=None, asset_type="phone", asset_model="X")
        self.assertReply(reply, 200, with_history(
            state(1, BOB, comments="spare charger"),
            issued(1, comments="spare charger"), transferred(1, BOB)))
        self.assertEvents([issued(1, comments="spare charger"),
                           transferred(1, BOB)])

    def test_chain_and_back_to_the_first_holder(self):
        self.assertEqual(self.transfer(1, BOB).status, 200)
        self.assertEqual(self.transfer(1, CY, "c").status, 200)
        reply = self.transfer(1, ADA, comments=None)
        self.assertReply(reply, 200, with_history(
            state(1, ADA, comments="spare charger"),
            issued(1, comments="spare charger"), transferred(1, BOB),
            transferred(1, CY, "c"), transferred(1, ADA)))

    def test_missing_fields(self):
        self.bad({"employee_name": "Bob"}, "Missing fields: employee_email")
        self.bad({"employee_name": "Bob", "employee_email": "  "},
                 "Missing fields: employee_email")
        self.bad({"employee_email": "bob@example.com"},
                 "Missing fields: employee_name")
        self.bad({}, "Missing fields: employee_name, employee_email")
        self.bad({"employee_name": None, "employee_email": "",
                  "comments": "x"},
                 "Missing fields: employee_name, employee_email")
        self.bad(b"", "body is empty; expected a JSON object")

    def test_issuing_rules(self):
        self.bad(dict(BOB, employee_name=5), "employee_name must be a string")
        self.bad(dict(BOB, comments=7), "comments must be a string")
        self.bad(dict(BOB, employee_name="B\u0007b"),
                 "employee_name must not contain control characters")
        self.bad(dict(BOB, employee_name="b" * 201),
                 "employee_name is longer than 200 characters")
        self.bad(dict(BOB, comments="\u001b"), "comments must not contain "
                 "control characters other than tab and line breaks")
        self.bad("[1]", "body must be a JSON object")

    def test_email_rule(self):
        for email in ("bob", "bob@", "@example.com", "bob@example",
                      "bob @example.com", "a@b@example.com",
                      "bob@example..com", "bob@.example.com",
                      "bob@example.com."):
            self.bad(dict(BOB, employee_email=email), BAD_EMAIL)
        self.bad(dict(BOB, employee_email="é" * 243 + "@example.com"),
                 "employee_email is longer than 254 characters")

    def test_unknown_asset_and_bad_id(self):
        self.bad(BOB, "no asset with id 2", 404, id=2)
        with self.nothing_written():
            self.assertFault(self.post("/api/assets/01/transfer", BOB), 400,
                             BAD_ID)

    def test_returned_409(self):
        self.give_back(1)
        self.bad(BOB, "asset 1 was returned; it cannot be transferred", 409)
        self.bad(ADA, "asset 1 was returned; it cannot be transferred", 409)

    def test_same_holder_409(self):
        message = "asset 1 is already held by that employee"
        self.bad(ADA, message, 409)
        self.bad(dict(ADA, employee_email="ADA@Example.COM"), message, 409)
        self.bad(dict(ADA, employee_name="Someone Else"), message, 409)
        self.transfer(1, BOB)
        self.bad(dict(BOB, employee_email="BOB@EXAMPLE.COM"), message, 409)
        self.assertEqual(self.transfer(1, ADA).status, 200)


# ---- Racing requests ----

class Concurrency(Lifecycle):
    THREADS = 20

    def race(self, requests):
        """Sends every request at once, each on its own connection.
        Returns the replies in the same order."""
        replies = [None] * len(requests)
        start = threading.Barrier(len(requests))

        def run(i):
            data = request_bytes(*requests[i])
            with socket.create_connection(("127.0.0.1", self.server.port),
                                          timeout=20) as s:
                start.wait()
                s.sendall(data)
                replies[i] = parse_reply(read_all(s))

        threads = [threading.Thread(target=run, args=(i,))
                   for i in range(len(requests))]
        for t in threads:
            t.start()
        for t in threads:
            t.join(30)
        self.assertNotIn(None, replies)
        return replies

    def people(self):
        return [{"employee_name": "Person %d" % i,
                 "employee_email": "p%d@example.com" % i}
                for i in range(1, self.THREADS)]

    def test_twenty_returns_of_one_asset(self):
        self.issue()
        replies = self.race([("POST", "/api/assets/1/return")] *
                            self.THREADS)
        ok = [r for r in replies if r.status == 200]
        self.assertEqual(len(ok), 1)
        self.assertReply(ok[0], 200, with_history(
            state(1, returned=True), issued(1), returned(1)))
        for r in replies:
            if r.status != 200:
                self.assertFault(r, 409, "asset 1 was already returned")
        self.assertEvents([issued(1), returned(1)])

    def test_transfers_racing_a_return(self):
        self.issue()
        people = self.people()
        requests = [("POST", "/api/assets/1/transfer", p) for p in people]
        requests.insert(self.THREADS // 2,
                        ("POST", "/api/assets/1/return", {"comments": "x"}))
        replies = self.race(requests)
        back = replies.pop(self.THREADS // 2)
        self.assertEqual(back.status, 200, back.body)
        self.assertSame(body_json(back)["history"][-1], returned(1, "x"))
        moved = []
        for p, r in zip(people, replies):
            if r.status == 200:
                moved.append(p)
            else:
                self.assertFault(r, 409, "asset 1 was returned; it cannot "
                                 "be transferred")
        events = self.events()
        self.assertSame(events[0], issued(1))
        self.assertSame(events[-1], returned(1, "x"))
        self.assertEqual(sorted(e["employee_email"] for e in events[1:-1]),
                         sorted(p["employee_email"] for p in moved))
        self.assertEqual({e["event"] for e in events[1:-1]},
                         {"transferred"} if moved else set())
        last = ADA if not moved else {k: events[-2][k] for k in ADA}
        self.assertReply(self.get("/api/assets/1"), 200, with_history(
            state(1, last, returned=True), *events))

    def test_each_reply_is_the_asset_right_after_its_own_event(self):
        """API.md: a transfer's 200 is "the new state", and a retry with
        its key gets "the first reply again". So each of 19 racing
        transfers must see its own event last, not a later one."""
        self.issue()
        people = self.people()
        replies = self.race([
            ("POST", "/api/assets/1/transfer", p,
             [("Idempotency-Key", "race-%d" % i)])
            for i, p in enumerate(people)])
        self.assertEqual([r.status for r in replies], [200] * len(people))
        events = self.events()
        place = {e["employee_email"]: n for n, e in enumerate(events)
                 if e["event"] == "transferred"}

        def seen(body):
            """Who holds it in a reply, and how many events it shows."""
            return body["employee_email"], len(body["history"])

        self.maxDiff = None
        mine = [(p["employee_email"], place[p["employee_email"]] + 1)
                for p in people]
        self.assertEqual([seen(body_json(r)) for r in replies], mine,
                         "(holder, events) in each transfer's reply")
        for i, (p, r) in enumerate(zip(people, replies)):
            n = place[p["employee_email"]]
            self.assertSame(body_json(r), with_history(
                state(1, p), *events[:n + 1]))
            again = self.transfer(1, p, key="race-%d" % i)
            self.assertEqual(again.body, r.body)

    def test_the_same_key_at_once_writes_once(self):
        self.issue()
        replies = self.race([("POST", "/api/assets/1/return",
                              {"comments": "once"},
                              [("Idempotency-Key", "k-once")])] *
                            self.THREADS)
        first = with_history(state(1, returned=True), issued(1),
                             returned(1, "once", key="k-once"))
        self.assertEqual(sorted(r.headers.get("idempotent-replayed", "")
                                for r in replies),
                         [""] + ["true"] * (self.THREADS - 1))
        for r in replies:
            self.assertReply(r, 200, first,
                             replayed="idempotent-replayed" in r.headers)
        self.assertEvents([issued(1), returned(1, "once", key="k-once")])


# ---- GET /api/assets.csv ----

class Csv(Lifecycle):
    HOSTILE = [
        ({"employee_name": "=SUM(A1:A9)",
          "employee_email": "-dash@example.com"},
         {"asset_type": "+plus", "asset_model": '@at, "quoted"'},
         'one, "two"\nthree\r\nfour ✓ Zoë 日本'),
        ({"employee_name": "Zoë Çelik", "employee_email": "zoe@exämple.org"},
         {"asset_type": "laptop", "asset_model": 'X1, "Carbon" a=b'},
         "\tstarts with a tab"),
        ({"employee_name": "Plain Name", "employee_email": "p@example.com"},
         {"asset_type": "phone", "asset_model": "-10%"},
         "\rstarts with CR"),
        (BOB, PHONE, " =1+2"),
        (ADA, LAPTOP, "\n'quoted already"),
    ]

    def setUp(self):
        super().setUp()
        for who, thing, comments in self.HOSTILE:
            self.issue(who, thing, comments)
        self.give_back(4)
        self.transfer(5, CY)

    def csv(self, query="", version="1.1"):
        reply = self.get("/api/assets.csv" + query, version=version)
        self.assertEqual(reply.status, 200, reply.body)
        return reply

    def expected_rows(self, ids):
        rows = [CSV_HEADER]
        for i in ids:
            who, thing, comments = self.HOSTILE[i - 1]
            if i == 5:
                who = CY
            rows.append([str(i), "returned" if i == 4 else "issued"] +
                        [guard(who["employee_name"]),
                         guard(who["employee_email"]),
                         guard(thing["asset_type"]),
                         guard(thing["asset_model"]), guard(comments),
                         T, T if i == 4 else ""])
        return rows

    def table(self, reply):
        rows = parse_csv(reply.body.decode("utf-8"))
        for row in rows[1:]:
            for k in (7, 8):
                if row[k]:
                    self.assertRegex(row[k], TIME)
                    row[k] = T
        return rows

    def test_round_trip_of_hostile_values(self):
        reply = self.csv()
        self.assertEqual(self.table(reply), self.expected_rows(
            [5, 4, 3, 2, 1]))
        text = reply.body.decode("utf-8")
        self.assertTrue(text.startswith(",".join(CSV_HEADER) + "\r\n"))
        self.assertTrue(text.endswith("\r\n"))
        self.assertIn('"\'@at, ""quoted"""', text)
        self.assertIn("'\tstarts with a tab", text)
        self.assertIn("\"'\rstarts with CR\"", text)
        self.assertIn(",' =1+2,", text)
        self.assertIn("\"'\n'quoted already\"", text)

    def test_the_same_states_as_the_list(self):
        listed = body_json(self.get("/api/assets"))["assets"]
        rows = self.table(self.csv())[1:]
        for st, row in zip(listed, rows):
            values = [str(v) if isinstance(v, int) else v or ""
                      for v in st.values()]
            self.assertEqual(row, [guard(v) for v in values])

    def test_filters_apply(self):
        for query, ids in (("?status=returned", [4]),
                           ("?status=issued", [5, 3, 2, 1]),
                           ("?asset_type=PHONE", [4, 3]),
                           ("?employee_email=CY@example.org", [5]),
                           ("?q=zo%C3%AB", [2, 1]), ("?q=CARBON", [2]),
                           ("?q=example.com&asset_type=phone", [4, 3]),
                           ("?q=&employee_email=", [5, 4, 3, 2, 1]),
                           ("?q=nothing", [])):
            with self.subTest(query=query):
                self.assertEqual(self.table(self.csv(query)),
                                 self.expected_rows(ids))

    def test_paging_parameters_are_unknown(self):
        for query, name in (("?limit=5", "limit"), ("?cursor=3", "cursor"),
                            ("?status=issued&limit=1", "limit"),
                            ("?sort=id", "sort")):
            with self.subTest(query=query):
                self.assertFault(self.get("/api/assets.csv" + query), 400,
                                 'unknown parameter "%s"' % name)
        self.assertFault(self.get("/api/assets.csv?status=x"), 400,
                         'status must be "issued" or "returned"')
        self.assertFault(self.get("/api/assets.csv?q=%ff"), 400,
                         'parameter "q" is not valid percent-encoded UTF-8')

    def test_headers_and_chunked_framing(self):
        reply = self.csv()
        h = reply.headers
        self.assertEqual(h["content-type"], "text/csv; charset=utf-8")
        self.assertEqual(h["content-disposition"],
                         'attachment; filename="assets.csv"')
        self.assertEqual(h["transfer-encoding"], "chunked")
        self.assertNotIn("content-length", h)
        self.assertEqual(h["cache-control"], "no-store")
        self.assertEqual(h["x-content-type-options"], "nosniff")
        self.assertGreaterEqual(len(reply.chunks), 1)

    def test_keep_alive_after_the_last_chunk(self):
        data = exchange(self.server.port,
                        request_bytes("GET", "/api/assets.csv",
                                      close=False) +
                        request_bytes("GET", "/api/health"))
        first = parse_reply(data)
        self.assertEqual(first.headers["connection"], "keep-alive")
        self.assertEqual(first.body, self.csv().body)
        second = parse_reply(first.rest)
        self.assertReply(second, 200,
                         obj(status="ok", records=7, last_id=5))

    def test_http_1_0_reads_to_the_end_of_the_connection(self):
        chunked = self.csv().body
        reply = self.csv(version="1.0")
        h = reply.headers
        self.assertNotIn("transfer-encoding", h)
        self.assertNotIn("content-length", h)
        self.assertEqual(h["connection"], "close")
        self.assertEqual(h["content-type"], "text/csv; charset=utf-8")
        self.assertEqual(reply.body, chunked)

    def test_head(self):
        head = self.call("HEAD", "/api/assets.csv")
        self.assertEqual((head.status, head.body), (200, b""))
        self.assertEqual(head.headers["content-type"],
                         "text/csv; charset=utf-8")

    def test_no_match_has_the_header_only(self):
        reply = self.csv("?q=nobody-at-all")
        self.assertEqual(reply.body,
                         (",".join(CSV_HEADER) + "\r\n").encode())


# ---- GET /api/health ----

class Health(Lifecycle):
    def health(self, records, last_id):
        self.assertReply(self.get("/api/health"), 200,
                         obj(status="ok", records=records, last_id=last_id))

    def test_counts_follow_the_log(self):
        self.health(0, 0)
        self.issue()
        self.issue(BOB)
        self.issue(CY)
        self.health(3, 3)
        self.give_back(2)
        self.health(4, 3)
        self.transfer(1, DEE)
        self.health(5, 3)
        self.give_back(1, {"comments": "x"})
        self.health(6, 3)
        self.restart()
        self.health(6, 3)
        self.issue()
        self.health(7, 4)

    def test_errors_and_replays_count_nothing(self):
        self.issue(key="h1")
        self.give_back(1, key="h2")
        self.give_back(1)                       # 409
        self.give_back(9)                       # 404
        self.transfer(1, BOB)                   # 409
        self.post("/api/assets", {})            # 400
        self.issue(key="h1")                    # replay
        self.give_back(1, key="h2")             # replay
        self.health(2, 1)


# ---- Idempotency-Key ----

class Idempotency(Lifecycle):
    def replayed(self, send, first_status):
        """Sends twice; the second is a replay and writes nothing."""
        first = send()
        self.assertEqual(first.status, first_status, first.body)
        self.assertJsonHeaders(first)
        with self.nothing_written():
            again = send()
        self.assertEqual(again.status, first.status)
        self.assertJsonHeaders(again, replayed=True)
        self.assertEqual(again.body, first.body)
        self.assertEqual(again.headers.get("location"),
                         first.headers.get("location"))
        return first

    def test_issue_replayed(self):
        send = lambda: self.post("/api/assets", dict(ADA, **LAPTOP), "i-1")
        first = self.replayed(send, 201)
        self.assertEqual(first.headers["location"], "/api/assets/1")
        self.assertReply(send(), 201, obj(message="Asset issued", id=1),
                         replayed=True)
        self.assertEvents([issued(1, key="i-1")])

    def test_return_replayed(self):
        self.issue()
        self.replayed(lambda: self.give_back(1, {"comments": "c"}, "r-1"),
                      200)
        self.assertEvents([issued(1), returned(1, "c", key="r-1")])

    def test_transfer_replayed(self):
        self.issue()
        self.replayed(lambda: self.transfer(1, BOB, "x", key="t-1"), 200)
        self.assertEvents([issued(1), transferred(1, BOB, "x", key="t-1")])

    def test_json_white_space_and_trimmed_values_do_not_count(self):
        first = self.post("/api/assets", dict(ADA, **LAPTOP), "ws")
        with self.nothing_written():
            again = self.post("/api/assets", json.dumps(
                {"asset_model": "  ThinkPad X1 ", "asset_type": "laptop",
                 "employee_email": "ada@example.com",
                 "employee_name": "\tAda Lovelace"}, indent=4), "ws")
        self.assertReply(again, 201, body_json(first), replayed=True)
        self.transfer(1, BOB, key="ws-t")
        with self.nothing_written():
            again = self.post("/api/assets/1/transfer",
                              '\n{ "employee_email" : " bob@example.com" ,'
                              '\r\n "employee_name":"Bob Stone"  }  ',
                              "ws-t")
        self.assertEqual(again.status, 200)
        self.assertJsonHeaders(again, replayed=True)

    def test_same_key_different_request_422(self):
        self.issue(key="a")
        self.give_back(1, {"comments": "x"}, key="b")
        self.issue(key="c")
        self.transfer(2, BOB, key="d")
        for path, body, key in (
                ("/api/assets", dict(ADA, **PHONE), "a"),
                ("/api/assets", dict(ADA, comments="x", **LAPTOP), "a"),
                ("/api/assets/1/return", {"comments": "y"}, "b"),
                ("/api/assets/1/return", None, "b"),
                ("/api/assets/2/return", {"comments": "x"}, "b"),
                ("/api/assets/2/transfer", CY, "d"),
                ("/api/assets/2/transfer", dict(BOB, comments="z"), "d"),
                ("/api/assets/1/transfer", BOB, "d"),
                ("/api/assets/2/return", None, "d"),
                ("/api/assets/2/transfer", BOB, "c"),
                ("/api/assets", dict(BOB, **LAPTOP), "d")):
            with self.subTest(path=path, key=key), self.nothing_written():
                self.assertFault(self.post(path, body, key), 422, KEY_REUSED)

    def test_replay_is_the_asset_right_after_that_event(self):
        self.issue()
        first = self.transfer(1, BOB, key="then")
        self.transfer(1, CY)
        self.give_back(1)
        with self.nothing_written():
            again = self.transfer(1, BOB, key="then")
        self.assertReply(again, 200, with_history(
            state(1, BOB), issued(1), transferred(1, BOB, key="then")),
            replayed=True)
        self.assertEqual(again.body, first.body)

    def test_replay_survives_a_restart(self):
        issue = self.post("/api/assets", dict(ADA, **LAPTOP), "R1")
        move = self.transfer(1, BOB, "m", key="R2")
        back = self.give_back(1, {"comments": "b"}, key="R3")
        self.restart()
        with self.nothing_written():
            for first, again in (
                    (issue, self.post("/api/assets", dict(ADA, **LAPTOP),
                                      "R1")),
                    (move, self.transfer(1, BOB, "m", key="R2")),
                    (back, self.give_back(1, {"comments": "b"}, "R3"))):
                self.assertEqual(again.status, first.status)
                self.assertJsonHeaders(again, replayed=True)
                self.assertEqual(again.body, first.body)
            self.assertFault(self.give_back(1, {"comments": "c"}, "R3"),
                             422, KEY_REUSED)
        self.assertEqual(self.issue(), 2)

    def test_bad_key_400(self):
        self.issue()
        for key in ("a b", 'a"b', "a\\b", "k" * 256, ""):
            for path, body in (("/api/assets", dict(ADA, **LAPTOP)),
                               ("/api/assets/1/transfer", BOB),
                               ("/api/assets/1/return", None)):
                with self.subTest(key=key, path=path), \
                        self.nothing_written():
                    self.assertFault(self.post(path, body, key), 400,
                                     BAD_KEY)

    def test_longest_and_oddest_keys_accepted(self):
        odd = "!#$%&'()*+,-./:;<=>?@[]^_`{|}~09AZaz"
        self.issue(key="k" * 255)
        self.issue(key=odd)
        self.assertEvents([issued(1, key="k" * 255), issued(2, key=odd)])

    def test_two_key_headers_400(self):
        self.issue()
        for path, body in (("/api/assets", dict(ADA, **LAPTOP)),
                           ("/api/assets/1/transfer", BOB),
                           ("/api/assets/1/return", None)):
            for keys in (("a", "a"), ("a", "b")):
                with self.subTest(path=path, keys=keys), \
                        self.nothing_written():
                    reply = self.post(path, body, headers=[
                        ("Idempotency-Key", k) for k in keys])
                    self.assertFault(reply, 400,
                                     "more than one Idempotency-Key header")

    def test_key_follows_at_in_every_kind_of_line(self):
        self.issue(key="k1")
        self.transfer(1, BOB, key="k2")
        self.give_back(1, key="k3")
        self.assertEvents([issued(1, key="k1"),
                           transferred(1, BOB, key="k2"),
                           returned(1, key="k3")])
        for line in self.log_lines():
            self.assertRegex(line.decode(), r'^\{"id":1,"event":"\w+",'
                             r'"at":"[^"]+","idempotency_key":"k\d",')

    def test_a_failed_request_leaves_its_key_unused(self):
        self.issue()
        self.give_back(1)
        with self.nothing_written():
            self.assertFault(self.give_back(1, key="f1"), 409,
                             "asset 1 was already returned")
            self.assertFault(self.give_back(7, key="f2"), 404,
                             "no asset with id 7")
            self.assertFault(self.post("/api/assets", {}, "f3"), 400,
                             "Missing fields: employee_name, "
                             "employee_email, asset_type, asset_model")
        self.assertEqual(self.issue(key="f1"), 2)
        self.assertEqual(self.issue(BOB, key="f2"), 3)
        self.assertEqual(self.transfer(2, CY, key="f3").status, 200)

    def test_a_key_older_than_a_day_may_be_used_afresh(self):
        recent = time.strftime("%Y-%m-%dT%H:%M:%SZ",
                               time.gmtime(time.time() - 3600))
        old = json.loads(old_line(1, at="2020-01-01T00:00:00Z"),
                         object_pairs_hook=O)
        new = json.loads(old_line(2, at=recent), object_pairs_hook=O)
        lines = []
        for line, key in ((old, "old"), (new, "new")):
            items = list(line.items())
            items.insert(3, ("idempotency_key", key))
            lines.append(json.dumps(O(items), separators=(",", ":")))
        self.server.cleanup()
        self.write_log(lines)
        self.server = Server(data_dir=self.dir).start()
        self.assertReply(self.post("/api/assets", dict(ADA, **LAPTOP),
                                   "new"), 201,
                         obj(message="Asset issued", id=2), replayed=True)
        self.assertEqual(self.issue(BOB, key="old"), 3)
        self.restart()
        self.assertReply(self.post("/api/assets", dict(BOB, **LAPTOP),
                                   "old"), 201,
                         obj(message="Asset issued", id=3), replayed=True)


class IdempotencyBy(Lifecycle):
    """With a tokens file the line names the token, then the key."""

    def setUp(self):
        top = tempfile.mkdtemp(prefix="assetd-e2e-life-by-")
        self.addCleanup(shutil.rmtree, top, True)
        tokens = os.path.join(top, "tokens")
        conf = os.path.join(top, "cli.conf")
        with open(conf, "w") as f:
            f.write("tokens_file = %s\n" % tokens)
        made = subprocess.run([BIN, "-c", conf, "token", "add", "helpdesk",
                               "issue"], capture_output=True, text=True)
        self.assertEqual(made.returncode, 0, made.stderr)
        self.auth = ("Authorization", "Bearer " + made.stdout.strip())
        self.dir = os.path.join(top, "data")
        os.mkdir(self.dir)
        self.server = Server(data_dir=self.dir,
                             conf="tokens_file = %s\n" % tokens).start()

    def post(self, path, body=None, key=None, headers=()):
        headers = [self.auth] + list(headers)
        return super().post(path, body, key, headers)

    def test_key_after_by(self):
        self.assertEqual(self.post("/api/assets", dict(ADA, **LAPTOP),
                                   "b1").status, 201)
        self.assertEqual(self.transfer(1, BOB, key="b2").status, 200)
        self.assertEqual(self.give_back(1, b"", "b3").status, 200)
        with self.nothing_written():
            again = self.transfer(1, BOB, key="b2")
        self.assertJsonHeaders(again, replayed=True)
        self.assertEvents([issued(1, key="b1", by="helpdesk"),
                           transferred(1, BOB, key="b2", by="helpdesk"),
                           returned(1, key="b3", by="helpdesk")])


# ---- Restart ----

class Restart(Lifecycle):
    READS = ["/api/assets", "/api/assets?limit=2",
             "/api/assets?limit=2&cursor=4", "/api/assets?status=returned",
             "/api/assets?q=zo%C3%AB", "/api/assets?asset_type=LAPTOP",
             "/api/assets?employee_email=BOB@example.com",
             "/api/employees/ada@example.com/assets",
             "/api/employees/bob@example.com/assets",
             "/api/employees/zoe@example.com/assets",
             "/api/assets.csv", "/api/health"] + \
            ["/api/assets/%d" % i for i in range(1, 8)]

    def test_everything_reads_the_same(self):
        zoe = {"employee_name": "Zoë", "employee_email": "zoe@example.com"}
        self.issue(ADA, LAPTOP, "one")
        self.issue(BOB, PHONE, key="rk")
        self.issue(zoe, MAC, "=x, \"y\"\nz")
        self.issue(ADA, SCREEN)
        self.issue(CY, XPS)
        self.transfer(1, BOB, "to bob", key="rt")
        self.transfer(1, zoe)
        self.transfer(4, BOB)
        self.give_back(2, {"comments": "broken"})
        self.give_back(5, key="rr")
        before = {p: self.get(p) for p in self.READS}
        log = self.log_bytes()
        self.restart()
        self.assertEqual(self.log_bytes(), log)
        for path, first in before.items():
            with self.subTest(path=path):
                again = self.get(path)
                self.assertEqual(again.status, first.status)
                self.assertEqual(again.body, first.body)
                self.assertEqual(again.headers, first.headers)
        self.assertReply(self.get("/api/health"), 200,
                         obj(status="ok", records=10, last_id=5))
        self.assertEqual(self.issue(), 6)


# ---- A log written by hand ----

class OldLog(Lifecycle):
    ZOE = {"employee_name": "Zoë Çelik", "employee_email": "zoe@exämple.org"}
    LINES = [old_line(1, ADA, LAPTOP, "spare charger"),
             old_line(2, ZOE, PHONE),
             old_line(5, BOB, MAC, 'a "quoted"\nline')]
    initial_log = LINES

    def test_loads_unchanged(self):
        self.assertEqual(self.log_bytes(),
                         "".join(x + "\n" for x in self.LINES).encode())
        self.assertReply(self.get("/api/health"), 200,
                         obj(status="ok", records=3, last_id=5))
        self.assertReply(self.get("/api/assets"), 200, page([
            state(5, BOB, MAC, 'a "quoted"\nline'),
            state(2, self.ZOE, PHONE),
            state(1, ADA, LAPTOP, "spare charger")]))
        reply = self.get("/api/assets/2")
        self.assertReply(reply, 200, with_history(
            state(2, self.ZOE, PHONE),
            issued(2, self.ZOE, PHONE, chained=False)))
        self.assertHistoryIsTheLog(reply, 2)
        self.assertEqual(json.loads(reply.body)["issued_at"], OLD_AT)
        self.assertFault(self.get("/api/assets/3"), 404,
                         "no asset with id 3")

    def test_returned_and_transferred(self):
        self.assertEqual(self.transfer(1, BOB, "desk").status, 200)
        reply = self.give_back(5, {"comments": "done"})
        self.assertReply(reply, 200, with_history(
            state(5, BOB, MAC, 'a "quoted"\nline', returned=True),
            issued(5, BOB, MAC, 'a "quoted"\nline', chained=False),
            returned(5, "done")))
        self.assertHistoryIsTheLog(reply, 5)
        self.assertEqual(self.log_lines()[:3],
                         [x.encode() for x in self.LINES])
        self.assertEvents([issued(1, ADA, LAPTOP, "spare charger",
                                  chained=False),
                           issued(2, self.ZOE, PHONE, chained=False),
                           issued(5, BOB, MAC, 'a "quoted"\nline',
                                  chained=False),
                           transferred(1, BOB, "desk"),
                           returned(5, "done")])
        self.assertEqual(self.issue(CY), 6)
        self.assertReply(self.get("/api/employees/bob@example.com/assets"),
                         200, obj(employee_email="bob@example.com", assets=[
                             state(1, BOB, LAPTOP, "spare charger")]))


class LargeLog(Lifecycle):
    """1030 assets, more than one batch of the CSV export (512) and of an
    employee's list (500)."""

    N = 1030
    initial_log = [old_line(i, ADA if i % 10 else BOB, LAPTOP, "n%d" % i)
                   for i in range(1, N + 1)]

    def test_csv_has_every_row_once(self):
        reply = self.get("/api/assets.csv")
        rows = parse_csv(reply.body.decode())
        self.assertEqual(rows[0], CSV_HEADER)
        self.assertEqual([int(r[0]) for r in rows[1:]],
                         list(range(self.N, 0, -1)))
        self.assertEqual(rows[1][6], "n%d" % self.N)
        self.assertGreater(len(reply.chunks), 2)

    def test_employee_list_has_every_asset_once(self):
        reply = self.get("/api/employees/ada@example.com/assets")
        self.assertReply(reply, 200, obj(
            employee_email="ada@example.com",
            assets=[state(i, ADA, LAPTOP, "n%d" % i)
                    for i in range(self.N, 0, -1) if i % 10]))

    def test_csv_of_one_employee_has_each_of_theirs_once(self):
        reply = self.get("/api/assets.csv?employee_email=ada@example.com")
        rows = parse_csv(reply.body.decode())
        self.assertEqual(rows[0], CSV_HEADER)
        self.assertEqual([int(r[0]) for r in rows[1:]],
                         [i for i in range(self.N, 0, -1) if i % 10])
        self.assertEqual(len(reply.chunks), 2)  # 927 rows: 512, 415

    def test_limit_500_pages(self):
        ids, cursor = [], ""
        while cursor is not None:
            body = body_json(self.get("/api/assets?limit=500" + cursor))
            ids += [a["id"] for a in body["assets"]]
            cursor = body["next_cursor"] and "&cursor=" + body["next_cursor"]
        self.assertEqual(ids, list(range(self.N, 0, -1)))


class DamagedLog(unittest.TestCase):
    """A line that cannot follow the lines before it stops the start."""

    GOOD = [old_line(1), old_line(2, BOB)]

    def refused(self, lines, line_no, why):
        tmp = tempfile.mkdtemp(prefix="assetd-e2e-life-bad-")
        self.addCleanup(shutil.rmtree, tmp, True)
        data = "".join(x + "\n" for x in lines).encode()
        with open(os.path.join(tmp, "assets.jsonl"), "wb") as f:
            f.write(data)
        server = Server(data_dir=tmp).start(expect_ok=False)
        self.assertEqual(server.wait_exit(), 1, server.stderr())
        self.assertIsNone(server.port)
        self.assertRegex(server.stderr(), re.escape(
            "error: store: %s/assets.jsonl:%d: %s; the log is damaged: "
            "restore it from a backup or repair that line by hand"
            % (tmp, line_no, why)))
        with open(os.path.join(tmp, "assets.jsonl"), "rb") as f:
            self.assertEqual(f.read(), data)

    def test_return_of_an_unknown_id(self):
        self.refused(self.GOOD + [self.event(9, "returned"), old_line(3)],
                     3, "this returned event for id 9 names an asset that "
                     "was never issued")

    def test_a_second_return(self):
        self.refused(self.GOOD + [self.event(1, "returned"),
                                  self.event(1, "returned")],
                     4, "this returned event for id 1 follows the asset's "
                     "return")

    def test_transfer_after_return(self):
        self.refused(self.GOOD + [self.event(2, "returned"),
                                  self.event(2, "transferred", CY)],
                     4, "this transferred event for id 2 follows the "
                     "asset's return")

    def test_transfer_of_an_unknown_id(self):
        self.refused([self.event(1, "transferred", CY)] + self.GOOD, 1,
                     "this transferred event for id 1 names an asset "
                     "that was never issued")

    @staticmethod
    def event(id, kind, holder=None):
        items = [("id", id), ("event", kind), ("at", OLD_AT)]
        items += list(holder.items()) if holder else []
        items.append(("comments", ""))
        return json.dumps(O(items), separators=(",", ":"))


if __name__ == "__main__":
    unittest.main()
