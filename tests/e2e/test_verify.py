# SPDX-License-Identifier: MIT
"""The tamper-evident log: `assetd verify` on copies of a real log, each
edited one way (a byte changed, a line removed, inserted, two swapped,
the tail cut), caught at the right line with the right cause; the chain
with a chain_key; GET /api/audit/head and `verify --head`; and a log
written before the chain existed going on chained."""
import hashlib
import hmac
import json
import os
import shutil
import subprocess
import tempfile
import unittest

from harness import BIN, GOOD, Server

KEY = "a-long-secret-chain-key-for-tests"


def verify(path, *args, conf=None):
    """Runs assetd [-c conf] verify path args; returns (code, output)."""
    cmd = [BIN] + (["-c", conf] if conf else []) + ["verify", path]
    proc = subprocess.run(cmd + list(args), capture_output=True, text=True,
                          timeout=60)
    return proc.returncode, proc.stdout + proc.stderr


def person(i):
    return dict(GOOD, employee_name="Person %d" % i,
                employee_email="p%d@example.com" % i)


class Tampering(unittest.TestCase):
    """One real log of 12 lines (10 issued, a transfer, a return), then a
    copy per kind of edit."""

    @classmethod
    def setUpClass(cls):
        cls.work = tempfile.mkdtemp(prefix="assetd-verify-")
        server = Server()
        server.start()
        for i in range(1, 11):
            assert server.post(person(i))[0] == 201
        assert server.request("POST", "/api/assets/3/transfer",
                              body=json.dumps(person(42)).encode())[0] == 200
        assert server.request("POST", "/api/assets/5/return",
                              body=b"")[0] == 200
        status, _, cls.head = server.request("GET", "/api/audit/head")
        assert status == 200
        server.stop()
        with open(server.log_path, "rb") as f:
            cls.log = f.read()
        server.cleanup()
        cls.lines = cls.log.splitlines(keepends=True)

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.work)

    def copy(self, lines):
        path = os.path.join(self.work, "copy-%d.jsonl" % id(lines))
        with open(path, "wb") as f:
            f.write(b"".join(lines) if isinstance(lines, list) else lines)
        return path

    def assertFails(self, data, line, cause, *args):
        code, out = verify(self.copy(data), *args)
        self.assertEqual(code, 1, out)
        self.assertRegex(out, r"^FAIL: .*copy-\d+\.jsonl: line %d: %s"
                         % (line, cause))

    def test_the_clean_log_verifies_and_matches_the_head(self):
        code, out = verify(self.copy(self.log))
        self.assertEqual(code, 0, out)
        self.assertEqual(self.head["records"], 12)
        self.assertEqual(self.head["last_id"], 10)
        self.assertEqual(out, "OK: 12 events, last id 10, head %s\n"
                         % self.head["head"])
        # The head is the last line's chain value.
        self.assertEqual(json.loads(self.lines[-1])["chain"],
                         self.head["head"])
        self.assertEqual([json.loads(l)["seq"] for l in self.lines],
                         list(range(1, 13)))

    def test_every_chain_value_recomputed_independently(self):
        prev = hashlib.sha256(b"").hexdigest()
        for raw in self.lines:
            text = raw.decode().rstrip("\n")
            cut = text.rindex(',"chain":"')
            want = hashlib.sha256((prev + text[:cut]).encode()).hexdigest()
            self.assertEqual(text[cut + 10:-2], want)
            prev = want

    def test_one_byte_changed(self):
        for n in (0, 4, 11):
            with self.subTest(line=n + 1):
                lines = list(self.lines)
                lines[n] = lines[n].replace(b"Person", b"Persom", 1) \
                    if b"Person" in lines[n] else \
                    lines[n].replace(b'"comments":""',
                                     b'"comments":"x"')
                self.assertFails(lines, n + 1, "edited: its chain value "
                                 "does not match its content")

    def test_a_byte_that_breaks_the_layout(self):
        lines = list(self.lines)
        lines[6] = lines[6].replace(b'","employee_email"',
                                    b'", "employee_email"')
        self.assertFails(lines, 7, "edited: unexpected member|edited: "
                         "its chain value does not match")

    def test_a_line_removed(self):
        lines = self.lines[:4] + self.lines[5:]
        self.assertFails(lines, 5, r"removed: this was line 6, so 1 "
                         r"line\(s\) before it were removed")

    def test_two_lines_removed(self):
        lines = self.lines[:2] + self.lines[4:]
        self.assertFails(lines, 3, r"removed: this was line 5, so 2 "
                         r"line\(s\) before it were removed")

    def test_a_copy_inserted(self):
        lines = self.lines[:3] + [self.lines[2]] + self.lines[3:]
        self.assertFails(lines, 4, "inserted: a copy of line 3")

    def test_a_forged_line_inserted(self):
        forged = dict(json.loads(self.lines[3]), id=99,
                      employee_name="Mallory")
        raw = json.dumps(forged, separators=(",", ":"),
                         ensure_ascii=False).encode() + b"\n"
        lines = self.lines[:3] + [raw] + self.lines[3:]
        self.assertFails(lines, 4, "inserted: this line is not in the "
                         "chain, and the next one follows the line "
                         "before it")

    def test_two_lines_swapped(self):
        lines = list(self.lines)
        lines[7], lines[8] = lines[8], lines[7]
        self.assertFails(lines, 8, "reordered: this is line 9, and line 8 "
                         "is now at line 9")

    def test_lines_moved_and_numbers_edited(self):
        lines = list(self.lines)
        lines[2], lines[9] = lines[9], lines[2]
        self.assertFails(lines, 3, "reordered: this is line 10, and line 3 "
                         "is now at line 10")
        lines = list(self.lines)
        lines.insert(9, lines.pop(4))
        self.assertFails(lines, 5, "reordered: this is line 6, and line 5 "
                         "is now at line 10")
        lines = list(self.lines)
        lines[4] = lines[4].replace(b'"seq":5,', b'"seq":9,')
        self.assertFails(lines, 5, 'edited: its "seq" says 9, the number '
                         'of line 9')
        lines = list(self.lines)
        lines.insert(4, self.lines[9])
        self.assertFails(lines, 5, "inserted: a copy of line 11")

    def test_tail_cut_mid_line(self):
        self.assertFails(self.log[:-30], 12, r"truncated: the last line "
                         r"has no newline")

    def test_whole_lines_cut_from_the_end_against_a_head(self):
        head = "%d:%s" % (self.head["records"], self.head["head"])
        self.assertFails(self.lines[:10], 11, "truncated: the log ends "
                         "after 10 lines, but the head written down had "
                         "12", "--head", head)
        # Without a head written down, a clean cut cannot be seen.
        self.assertEqual(verify(self.copy(self.lines[:10]))[0], 0)

    def test_a_head_written_down_earlier_still_matches(self):
        # The head after line 6, taken by verifying the first 6 lines.
        code, out = verify(self.copy(self.lines[:6]))
        self.assertEqual(code, 0, out)
        early = "6:" + out.split("head ")[1].strip()
        code, out = verify(self.copy(self.log), "--head", early)
        self.assertEqual(code, 0, out)
        # Rewriting everything up to the head from scratch shows.
        lines = list(self.lines)
        lines[0] = lines[0].replace(b"Person 1", b"Person X")
        self.assertFails(lines, 1, "edited", "--head", early)

    def test_bad_arguments_and_files(self):
        code, out = verify(os.path.join(self.work, "missing.jsonl"))
        self.assertEqual((code, out), (2, "assetd verify: %s: No such "
                                       "file or directory\n" % os.path.join(
                                           self.work, "missing.jsonl")))
        code, out = verify(self.copy(self.log), "--head", "12:nothex")
        self.assertEqual((code, out), (2, "assetd verify: --head must be "
                                       "LINES:HEAD, as GET /api/audit/head "
                                       "gives them\n"))
        self.assertEqual(verify(self.work), (2, "assetd verify: %s: not a "
                                             "regular file\n" % self.work))
        path = self.copy(self.log)
        self.assertEqual(verify(path, "--head", "0:" + "0" * 64), (
            1, "FAIL: %s: line 1: the head written down for 0 lines is "
               "not an empty log's head\n" % path))


class KeyedChain(unittest.TestCase):
    """With chain_key the values are HMACs: the key verifies, its absence
    or another key does not, and a forger without it cannot rebuild."""

    def setUp(self):
        self.work = tempfile.mkdtemp(prefix="assetd-verify-key-")
        self.conf = os.path.join(self.work, "assets.conf")
        with open(self.conf, "w") as f:
            f.write("chain_key = %s\n" % KEY)
        self.server = Server(conf="chain_key = %s\n" % KEY)
        self.server.start()

    def tearDown(self):
        self.server.cleanup()
        shutil.rmtree(self.work)

    def test_hmac_chain(self):
        for i in range(3):
            self.assertEqual(self.server.post(person(i))[0], 201)
        head = self.server.request("GET", "/api/audit/head")[2]
        lines = self.server.log_lines()
        prev = hashlib.sha256(b"").hexdigest()
        for text in lines:
            cut = text.rindex(',"chain":"')
            prev = hmac.new(KEY.encode(), (prev + text[:cut]).encode(),
                            hashlib.sha256).hexdigest()
            self.assertEqual(text[cut + 10:-2], prev)
        self.assertEqual(head["head"], prev)

        code, out = verify(self.server.log_path, conf=self.conf)
        self.assertEqual((code, out), (0, "OK: 3 events, last id 3, head "
                                       "%s\n" % prev))
        code, out = verify(self.server.log_path)
        self.assertEqual(code, 1)
        self.assertIn("line 1: edited: its chain value does not match its "
                      "content (or the key is not the server's)", out)

    def test_short_key_refused_at_start(self):
        s = Server(conf="chain_key = short\n")
        s.start(expect_ok=False)
        self.assertEqual(s.wait_exit(), 1)
        self.assertIn(":1: chain_key must be 16 to 256 characters",
                      s.stderr())
        s.discard()


class OlderLogs(unittest.TestCase):
    """A log written before the chain existed goes on chained; the first
    chained line covers the old lines' bytes."""

    def test_unchained_start_then_chained(self):
        old = ''.join(
            '{"id":%d,"event":"issued","at":"2026-12-04T15:04:05Z",'
            '"employee_name":"Old %d","employee_email":"old%d@example.com",'
            '"asset_type":"laptop","asset_model":"X1","comments":""}\n'
            % (i, i, i) for i in (1, 2, 3)).encode()
        server = Server()
        with open(server.log_path, "wb") as f:
            f.write(old)
        server.start()
        head = server.request("GET", "/api/audit/head")[2]
        self.assertEqual(head, {"records": 3, "last_id": 3,
                                "head": hashlib.sha256(old).hexdigest()})
        self.assertEqual(server.post(GOOD)[0], 201)
        server.stop()
        with open(server.log_path, "rb") as f:
            log = f.read()
        self.assertTrue(log.startswith(old))
        fourth = log[len(old):].decode().rstrip("\n")
        cut = fourth.rindex(',"chain":"')
        want = hashlib.sha256((hashlib.sha256(old).hexdigest() +
                               fourth[:cut]).encode()).hexdigest()
        self.assertEqual(fourth[cut + 10:-2], want)
        self.assertIn(',"seq":4,', fourth)
        code, out = verify(server.log_path)
        self.assertEqual((code, out), (0, "OK: 4 events, last id 4, head "
                                       "%s\n" % want))

        # An old, unchained line edited: the first chained line shows it.
        tampered = log.replace(b"Old 2", b"Old 9")
        path = os.path.join(server.data_dir, "copy.jsonl")
        with open(path, "wb") as f:
            f.write(tampered)
        code, out = verify(path)
        self.assertEqual(code, 1)
        self.assertIn("line 4: edited", out)
        server.cleanup()


if __name__ == "__main__":
    unittest.main()
