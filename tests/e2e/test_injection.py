# SPDX-License-Identifier: MIT
"""Log injection: hostile text in every field still makes one line per
record, readable back with the real tools a helpdesk uses (wc, jq, grep).

Values hold quotes, backslashes, text that looks like JSON or like a
whole second record, U+2028/U+2029 (line breaks to JavaScript and some
splitters), right-to-left marks (U+202E, U+200F), emoji (with ZWJ and
flags), combining characters, non-BMP characters, and Unicode spaces.
Comments may also hold tab, CR and LF; the four required fields may not
(control characters are refused there), so those appear only at their
edges, where they are trimmed. Emails hold every character a dot-atom
allows; one with a character that shows nothing inside, or of another
shape (quotes, backslashes, brackets), is refused with 400.

Checks, against the log file on disk:
- `wc -l` equals the number of records;
- `jq -c .` reads every line, and each decoded record equals what was
  sent (the four required values trimmed as docs/API.md says, comments
  as sent), with the fixed keys in the fixed order and nothing else;
- no raw control character, U+2028 or U+2029 is in the file;
- `grep -F` finds non-ASCII names as raw UTF-8, one line each, and
  `grep '^{"id":N,'` finds exactly one line for each id.
"""
import json
import os
import shutil
import subprocess
import unittest
from urllib.parse import quote

from harness import GOOD, ServerTest

KEYS = ["id", "event", "at", "employee_name", "employee_email",
        "asset_type", "asset_model", "comments", "seq", "chain"]
REQUIRED = ("employee_name", "employee_email", "asset_type", "asset_model")

# The white space docs/API.md and docs/DESIGN.md trim around the four
# required values.
SPACES = (" \t\r\n\u00a0\u1680" +
          "".join(chr(c) for c in range(0x2000, 0x200b)) +
          "\u2028\u2029\u202f\u205f\u3000\ufeff")

# Default_Ignorable_Code_Point (Unicode 15, DerivedCoreProperties.txt):
# characters that show nothing, also trimmed there, and refused inside an
# email.
IGNORABLE = "".join(chr(c) for first, last in (
    (0x00AD, 0x00AD), (0x034F, 0x034F), (0x061C, 0x061C),
    (0x115F, 0x1160), (0x17B4, 0x17B5), (0x180B, 0x180F),
    (0x200B, 0x200F), (0x202A, 0x202E), (0x2060, 0x206F),
    (0x3164, 0x3164), (0xFE00, 0xFE0F), (0xFEFF, 0xFEFF),
    (0xFFA0, 0xFFA0), (0xFFF0, 0xFFF8), (0x1BCA0, 0x1BCA3),
    (0x1D173, 0x1D17A), (0xE0000, 0xE0FFF)) for c in range(first, last + 1))

# Text that is hostile anywhere (no control characters).
HOSTILE = [
    'Ada "The Countess" Lovelace',
    'C:\\temp\\new\\table \\n \\u2028 \\"',          # literal backslashes
    'x","id":999,"event":"deleted","y":"',           # a key injection
    '"}{"id":1,"event":"issued"}',                   # a record injection
    'line\u2028sep\u2029para',                       # JS line breaks
    '\u202eevil.exe\u202c txt',                      # right-to-left override
    'report\u202egpj.exe',                           # ... inside a value
    'abc\u200fdef\u200e',                            # RLM, LRM
    '\u05e9\u05dc\u05d5\u05dd \u0645\u0631\u062d\u0628\u0627',  # RTL text
    'Zo\u00eb \u00c7elik',                           # precomposed
    'Zoe\u0308 C\u0327elik',                         # combining marks
    'Z\u0351\u0352\u0353a\u0300\u0301\u0302\u0303lgo',  # stacked marks
    '\U0001f469\u200d\U0001f4bb Ada \U0001f1ec\U0001f1e7 \U0001f600',
    '\U0001d54f \u6f22\u5b57 \u0915\u094d\u0937',   # non-BMP, CJK, Devanagari
    'non\u00a0breaking\u3000ideographic',            # inner spaces kept
    '</script><script>alert(1)</script>',
    "Robert'); DROP TABLE assets;--",
    '${jndi:ldap://127.0.0.1/a} %s %n {{7*7}}',
    '\\',
    '"',
    '\ufffd\ufeffinner bom',
]

# Only comments may hold these.
LINE_BREAKS = [
    'one\ntwo',
    'cr\ronly',
    'crlf\r\nend\r\n',
    '\ttabbed\tcolumns\t',
    'fake end"}\n{"id":999999,"event":"issued","at":"2026-01-01T00:00:00Z"}',
    '\n\n\n',
    '\r\n{"id":1}\r\n',
    'mixed\n\u2028\r\u2029\t"\\\u202e\U0001f4bb',
]

# Emails that are accepted; the leading U+202E is trimmed like a space.
EMAILS = [
    'zo\u00eb.\u00e7elik@ex\u00e4mple.com',
    "o'brien+it@example.com",
    '=1+2@example.com',
    "${jndi}{{7*7}}%s%n!#&/?^_`|~@example.com",
    '\u202eeve@example.com',
    '\U0001f469\U0001f4bb@example.com',
    '\u7528\u6237@\u4f8b\u5b50.\u5e7f\u544a',
    "a}{'id'|2@example.com",
]

# Emails that are refused: a character that shows nothing inside (the
# address would look like another holder's), or a shape that is not
# RFC 5322's dot-atom (quotes, backslashes, brackets, ':').
REFUSED_EMAILS = [
    '\U0001f469\u200d\U0001f4bb@example.com',
    't\u200b@example.com',
    'eve\u202e@example.com',
    'ada@exa\u00admple.com',
    'ada\U000e0041@example.com',
    '"quoted\\"x"@example.com',
    'back\\slash@example.com',
    'a}{"id":2@example.com',
    '<ada@example.com>',
    'ada@[127.0.0.1]',
]


def trim(value):
    return value.strip(SPACES + IGNORABLE)


def have(tool):
    return shutil.which(tool) is not None


class Injection(ServerTest):
    def build(self):
        """The bodies to send: every hostile text in every field."""
        bodies = []
        for text in HOSTILE:
            for field in ("employee_name", "asset_type", "asset_model",
                          "comments"):
                bodies.append(dict(GOOD, **{field: text}))
        for text in LINE_BREAKS + HOSTILE:
            bodies.append(dict(GOOD, comments=text))
        for email in EMAILS:
            bodies.append(dict(GOOD, employee_email=email))
        # Everything at once, with trimmed edges on the required fields.
        for i, text in enumerate(HOSTILE):
            edge = SPACES[i % len(SPACES)] + " \t\r\n\u3000\ufeff"
            bodies.append({
                "employee_name": edge + text + edge,
                "employee_email": "\n\t " + EMAILS[i % len(EMAILS)] + " \r\n",
                "asset_type": "\u2028" + text[::-1] + "\u2029",
                "asset_model": "\u00a0" + text + text + "\u205f",
                "comments": LINE_BREAKS[i % len(LINE_BREAKS)] + text,
            })
        return bodies

    def expected(self, body):
        rec = {k: trim(body[k]) for k in REQUIRED}
        rec["comments"] = body.get("comments", "")
        return rec

    def post_all(self):
        bodies = self.build()
        for n, body in enumerate(bodies, 1):
            # Half as \u escapes (surrogate pairs included), half as raw
            # UTF-8: both must store the same text.
            raw = json.dumps(body, ensure_ascii=bool(n % 2))
            if n % 3 == 0:
                raw = raw.replace("/", "\\/")
            status, _, reply = self.server.post(raw.encode("utf-8"))
            self.assertEqual((status, reply),
                             (201, {"message": "Asset issued", "id": n}),
                             "body %d: %r" % (n, body))
        return bodies

    def test_every_record_is_one_line_and_round_trips_through_jq(self):
        bodies = self.post_all()
        path = self.server.log_path
        with open(path, "rb") as f:
            raw = f.read()

        # One line per record, as wc counts them.
        wc = subprocess.run(["wc", "-l", path], capture_output=True,
                            check=True).stdout.split()[0]
        self.assertEqual(int(wc), len(bodies))
        self.assertTrue(raw.endswith(b"\n"))

        # Nothing in the file that a line splitter could take for a line
        # break, and no raw control character at all.
        forbidden = [bytes([b]) for b in range(0x20) if b != 0x0a]
        forbidden += [b"\x7f", "\u2028".encode(), "\u2029".encode()]
        for n, line in enumerate(raw.split(b"\n"), 1):
            for bad in forbidden:
                self.assertFalse(bad in line, "line %d holds raw %r"
                                 % (n, bad))
        for escape in (b"\\u2028", b"\\u2029", b"\\n", b"\\r", b"\\t"):
            self.assertTrue(escape in raw, escape)

        # The real jq reads every line back to what was sent.
        self.assertTrue(have("jq"), "jq is needed (apt-get install jq)")
        out = subprocess.run(["jq", "-c", ".", path], capture_output=True,
                             check=True).stdout
        jq_lines = out.split(b"\n")
        self.assertEqual(jq_lines.pop(), b"")
        self.assertEqual(len(jq_lines), len(bodies))
        for n, (line, body) in enumerate(zip(jq_lines, bodies), 1):
            rec = json.loads(line)
            self.assertEqual(list(rec), KEYS, "line %d" % n)
            self.assertEqual(rec["id"], n)
            self.assertEqual(rec["event"], "issued")
            self.assertEqual(rec["seq"], n)
            got = {k: rec[k] for k in KEYS[3:-2]}
            self.assertEqual(got, self.expected(body), "line %d" % n)

        # jq sees exactly the keys written, in order, on every line: no
        # value managed to add or replace a key.
        keys = subprocess.run(["jq", "-c", "keys_unsorted", path],
                              capture_output=True, check=True).stdout
        self.assertEqual(keys.split(b"\n")[:-1],
                         [json.dumps(KEYS, separators=(",", ":")).encode()]
                         * len(bodies))
        count = subprocess.run(["jq", "-s", "length", path],
                               capture_output=True, check=True).stdout
        self.assertEqual(int(count), len(bodies))

        # Python's own line reader agrees byte for byte with jq's view.
        for n, (line, body) in enumerate(zip(raw.split(b"\n"), bodies), 1):
            rec = json.loads(line)
            self.assertEqual({k: rec[k] for k in KEYS[3:-2]},
                             self.expected(body))

    def test_grep_finds_non_ascii_as_raw_utf8(self):
        bodies = self.post_all()
        path = self.server.log_path
        names = ["Zo\u00eb \u00c7elik", "Zoe\u0308 C\u0327elik",
                 "report\u202egpj.exe",
                 "\U0001f469\u200d\U0001f4bb Ada \U0001f1ec\U0001f1e7 "
                 "\U0001f600",
                 "\u05e9\u05dc\u05d5\u05dd \u0645\u0631\u062d\u0628\u0627",
                 "\u7528\u6237@\u4f8b\u5b50.\u5e7f\u544a"]
        with open(path, "rb") as f:
            lines = f.read().split(b"\n")[:-1]
        for name in names:
            with self.subTest(name=name):
                needle = name.encode("utf-8")
                want = sum(1 for line in lines if needle in line)
                self.assertGreater(want, 0)
                for locale in ("C", "C.UTF-8"):
                    env = dict(os.environ, LC_ALL=locale)
                    out = subprocess.run(["grep", "-c", "-F", "--", needle,
                                          path], capture_output=True,
                                         env=env).stdout
                    self.assertEqual(int(out), want, locale)
                # The record jq selects by that exact name is the one sent.
                field = ("employee_email" if "@" in name else
                         "employee_name")
                ids = subprocess.run(
                    ["jq", "-r", "--arg", "v", name,
                     "select(.%s == $v) | .id" % field, path],
                    capture_output=True, check=True).stdout.split()
                sent = [n for n, b in enumerate(bodies, 1)
                        if trim(b[field]) == name]
                self.assertTrue(sent)
                self.assertEqual([int(i) for i in ids], sent)

        # Each id is found by an anchored grep exactly once, whatever the
        # values hold (several quote "id":999 or "id":1).
        for n in (1, 2, 999, len(bodies)):
            pattern = '^{"id":%d,' % n
            out = subprocess.run(["grep", "-c", "--", pattern, path],
                                 capture_output=True).stdout
            self.assertEqual(int(out), 1 if n <= len(bodies) else 0,
                             pattern)
        # README's unanchored `grep '"id":42,'` cannot be fooled either:
        # inside a value the quotes are escaped (\"id\":999,).
        for n in (1, 999):
            out = subprocess.run(["grep", "-c", "--", '"id":%d,' % n, path],
                                 capture_output=True).stdout
            self.assertEqual(int(out), 1 if n == 1 else 0)

    def test_lookalike_and_malformed_emails_400(self):
        """An email that would look like another holder's, or is not a
        dot-atom, is refused in an issue, in a transfer and in a URL."""
        bad = "employee_email must be an address like name@example.com"
        for email in REFUSED_EMAILS:
            with self.subTest(email=email):
                self.assertError(self.server.post(
                    dict(GOOD, employee_email=email)), 400, bad)
        self.assertNothingWritten()

        # t\u200b@example.com is not a second holder next to t@...
        holder = dict(GOOD, employee_email="t@example.com")
        self.assertEqual(self.server.post(holder)[0], 201)
        self.assertError(self.server.request(
            "POST", "/api/assets/1/transfer",
            {"employee_name": "T", "employee_email": "t\u200b@example.com"}),
            400, bad)
        self.assertError(self.server.request(
            "POST", "/api/assets/1/transfer", holder), 409,
            "asset 1 is already held by that employee")
        for email in ("t\u200b@example.com", "t@example.com\u200b"):
            path = "/api/employees/%s/assets" % quote(email, safe="@")
            self.assertError(self.server.request("GET", path), 400,
                             "employee email must be an address like "
                             "name@example.com")


if __name__ == "__main__":
    unittest.main()
