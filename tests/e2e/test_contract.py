# SPDX-License-Identifier: MIT
"""POST /api/assets, rule by rule, against the real server: the exact
reply a helpdesk script sees, and the exact log line (or none)."""
import hashlib
import json
import re
import unittest

from harness import GOOD, ServerTest, parse_responses, post_bytes

AT = r'"at":"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ"'


def with_(**changes):
    body = dict(GOOD)
    for k, v in changes.items():
        if v is ...:
            body.pop(k, None)
        else:
            body[k] = v
    return body


class Issue(ServerTest):
    def bad(self, body, message, status=400):
        reply = self.server.post(body)
        self.assertError(reply, status, message)
        self.assertNothingWritten()

    def test_issue_returns_201_id_and_location(self):
        status, hdrs, body = self.server.post(GOOD)
        self.assertEqual(status, 201)
        self.assertEqual(body, {"message": "Asset issued", "id": 1})
        self.assertEqual(hdrs["location"], "/api/assets/1")
        self.assertEqual(hdrs["content-type"], "application/json")
        self.assertEqual(self.server.post(GOOD)[2]["id"], 2)

    def test_log_line_exact_bytes(self):
        self.server.post(with_(comments="spare charger"))
        lines = self.server.log_lines()
        self.assertEqual(len(lines), 1)
        pattern = ('^' + re.escape('{"id":1,"event":"issued",') + AT +
                   re.escape(',"employee_name":"Ada Lovelace",'
                             '"employee_email":"ada@example.com",'
                             '"asset_type":"laptop",'
                             '"asset_model":"ThinkPad X1",'
                             '"comments":"spare charger","seq":1,'
                             '"chain":"') + '[0-9a-f]{64}"}$')
        self.assertRegex(lines[0], pattern)
        # The chain value, computed here independently: SHA-256 of the
        # SHA-256 of the empty log before it, then the line's body.
        body = lines[0][:lines[0].rindex(',"chain":"')].encode()
        start = hashlib.sha256(b"").hexdigest().encode()
        self.assertEqual(lines[0][-66:-2],
                         hashlib.sha256(start + body).hexdigest())

    def test_comments_absent_or_null_stored_empty(self):
        self.server.post(GOOD)
        self.server.post(with_(comments=None))
        self.assertEqual([r["comments"] for r in self.server.records()],
                         ["", ""])

    def test_unknown_keys_ignored_and_not_stored(self):
        status, _, _ = self.server.post(
            with_(extra={"a": [1, 2, {"b": None}]}, note="x"))
        self.assertEqual(status, 201)
        self.assertEqual(list(self.server.records()[0].keys()),
                         ["id", "event", "at", "employee_name",
                          "employee_email", "asset_type", "asset_model",
                          "comments", "seq", "chain"])

    def test_values_trimmed(self):
        self.server.post(with_(employee_name="  Ada \t",
                               asset_type="\u00a0laptop\u3000",
                               comments="  kept as sent  "))
        rec = self.server.records()[0]
        self.assertEqual(rec["employee_name"], "Ada")
        self.assertEqual(rec["asset_type"], "laptop")
        self.assertEqual(rec["comments"], "  kept as sent  ")

    def test_content_type_ignored(self):
        body = json.dumps(GOOD).encode()
        for ctype in (b"text/plain", b"application/x-www-form-urlencoded"):
            raw = self.server.raw(post_bytes(
                body, b"Content-Type: " + ctype + b"\r\nConnection: close\r\n"))
            self.assertEqual(parse_responses(raw)[0][0], 201)
        raw = self.server.raw(post_bytes(body, b"Connection: close\r\n"))
        self.assertEqual(parse_responses(raw)[0][0], 201)
        self.assertEqual(len(self.server.log_lines()), 3)

    def test_escaped_key_is_the_same_key(self):
        body = json.dumps(GOOD).replace("employee_name",
                                        "employee\\u005fname")
        self.assertEqual(self.server.post(body)[0], 201)
        self.assertEqual(self.server.records()[0]["employee_name"],
                         "Ada Lovelace")

    def test_non_ascii_raw_utf8_and_newlines_escaped(self):
        self.server.post(with_(employee_name="Zoë Çelik",
                               comments="line one\nline two\r\n\tend"))
        with open(self.server.log_path, "rb") as f:
            raw = f.read()
        self.assertIn("Zoë Çelik".encode(), raw)
        self.assertEqual(raw.count(b"\n"), 1)
        self.assertIn(b'"comments":"line one\\nline two\\r\\n\\tend"', raw)
        self.assertEqual(self.server.records()[0]["comments"],
                         "line one\nline two\r\n\tend")

    # ---- missing fields ----

    def test_missing_all(self):
        self.bad({}, "Missing fields: employee_name, employee_email, "
                     "asset_type, asset_model")

    def test_missing_kinds(self):
        for value in (..., None, "", "   ", "\t\n", "\u00a0\u2003"):
            with self.subTest(value=value):
                self.bad(with_(employee_name=value, asset_type=value),
                         "Missing fields: employee_name, asset_type")

    def test_missing_reported_before_other_faults(self):
        self.bad({"employee_name": 5, "comments": 7},
                 "Missing fields: employee_email, asset_type, asset_model")
        self.bad({"asset_model": "x", "asset_model": "y"},
                 "Missing fields: employee_name, employee_email, asset_type")

    # ---- types, duplicates ----

    def test_field_not_a_string(self):
        for field in ("employee_name", "employee_email", "asset_type",
                      "asset_model", "comments"):
            for value in (5, True, [], {}, 1.5):
                with self.subTest(field=field, value=value):
                    self.bad(with_(**{field: value}),
                             "%s must be a string" % field)

    def test_key_given_twice(self):
        body = json.dumps(GOOD)[:-1] + ', "asset_type": "phone"}'
        self.bad(body, 'key "asset_type" is given more than once')
        body = json.dumps(GOOD)[:-1] + ', "employee\\u005fname": "B"}'
        self.bad(body, 'key "employee_name" is given more than once')
        body = json.dumps(GOOD)[:-1] + ', "x": 1, "x": 2}'
        self.bad(body, 'key "x" is given more than once')

    # ---- characters ----

    def test_control_characters_in_required_fields(self):
        for field in ("employee_name", "employee_email", "asset_type",
                      "asset_model"):
            for ch in ("\u0007", "\n", "\u007f", "\u0085", "\t"):
                with self.subTest(field=field, ch=ch):
                    value = "a" + ch + "b@c.d"
                    self.bad(with_(**{field: value}),
                             "%s must not contain control characters"
                             % field)

    def test_comments_allow_tab_and_line_breaks_only(self):
        self.assertEqual(self.server.post(
            with_(comments="a\tb\nc\rd"))[0], 201)
        for ch in ("\u0000x", "\u0001", "\u001b", "\u007f", "\u009f"):
            if ch.startswith("\u0000"):
                continue  # NUL is refused by the JSON layer, tested there
            with self.subTest(ch=ch):
                reply = self.server.post(with_(comments="a" + ch))
                self.assertError(reply, 400,
                                 "comments must not contain control "
                                 "characters other than tab and line "
                                 "breaks")
        self.assertEqual(len(self.server.log_lines()), 1)

    # ---- lengths, counted in code points ----

    def test_lengths(self):
        limits = {"employee_name": 200, "asset_type": 100,
                  "asset_model": 200, "comments": 2000}
        n = 0
        for field, limit in limits.items():
            for ch in ("a", "é", "😀"):
                with self.subTest(field=field, ch=ch):
                    status, _, _ = self.server.post(
                        with_(**{field: ch * limit}))
                    self.assertEqual(status, 201)
                    n += 1
                    self.assertError(
                        self.server.post(with_(**{field: ch * (limit + 1)})),
                        400, "%s is longer than %d characters"
                        % (field, limit))
        email = "é" * 240 + "@example.com"  # 252 code points
        self.assertEqual(len(email), 252)
        self.assertEqual(self.server.post(
            with_(employee_email=email + "ab"))[0], 201)
        self.assertError(self.server.post(
            with_(employee_email=email + "abc")), 400,
            "employee_email is longer than 254 characters")
        self.assertEqual(len(self.server.log_lines()), n + 1)

    def test_email_shape(self):
        for email in ("ada", "ada@", "@example.com", "ada@example",
                      "a@b@example.com", "ada @example.com",
                      "ada@exa mple.com", "ada@.example.com",
                      "ada@example..com", "ada@example.com.",
                      "ada\u00a0x@example.com"):
            with self.subTest(email=email):
                self.bad(with_(employee_email=email),
                         "employee_email must be an address like "
                         "name@example.com")
        for email in ("a@b.c", "zoë@exämple.org", "first.last+tag@x.co.uk"):
            with self.subTest(email=email):
                self.assertEqual(self.server.post(
                    with_(employee_email=email))[0], 201)


if __name__ == "__main__":
    unittest.main()
