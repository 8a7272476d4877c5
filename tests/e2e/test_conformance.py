# SPDX-License-Identifier: MIT
"""Every file of the JSONTestSuite parsing corpus, sent as a request body
to the real server: a JSON reply each time, never a record, and the
server alive at the end."""
import json
import os
import unittest

from harness import CORPUS, GOOD, ServerTest

ALL_MISSING = ("Missing fields: employee_name, employee_email, asset_type, "
               "asset_model")


def holds_nul(data):
    """True when data is JSON with U+0000 in a key or a string."""
    found = []

    def pairs(items):
        found.extend(k for k, v in items if "\0" in k)
        return dict(items)

    def walk(v):
        if isinstance(v, str) and "\0" in v:
            found.append(v)
        elif isinstance(v, dict):
            for x in v.values():
                walk(x)
        elif isinstance(v, list):
            for x in v:
                walk(x)
    try:
        walk(json.loads(data.decode("utf-8"), object_pairs_hook=pairs))
    except (UnicodeDecodeError, ValueError, RecursionError):
        return False
    return bool(found)


def top_level_is_object(data):
    try:
        return isinstance(json.loads(data.decode("utf-8")), dict)
    except (UnicodeDecodeError, ValueError):
        return False


class Corpus(ServerTest):
    def test_every_file(self):
        names = sorted(os.listdir(CORPUS))
        self.assertGreater(len(names), 300)
        for name in names:
            with open(os.path.join(CORPUS, name), "rb") as f:
                data = f.read()
            with self.subTest(name=name):
                status, hdrs, body = self.server.post(data)
                self.assertEqual(hdrs["content-type"], "application/json")
                if len(data) > 65536:
                    self.assertEqual((status, body), (413, {
                        "error": "request body is larger than 65536 bytes"}))
                    continue
                self.assertEqual(status, 400)
                self.assertIsInstance(body["error"], str)
                if holds_nul(data):
                    # Valid JSON, but NUL is refused in any string.
                    self.assertRegex(body["error"], r"^\\u0000 is not "
                                     r"allowed in strings \(offset \d+\)$")
                elif name.startswith("n_"):
                    self.assertFalse(body["error"].startswith("Missing"))
                elif name.startswith("y_") and top_level_is_object(data):
                    self.assertEqual(body["error"], ALL_MISSING)
                elif name.startswith("y_"):
                    self.assertEqual(body["error"],
                                     "body must be a JSON object")
        self.assertNothingWritten()
        self.assertEqual(self.server.post(GOOD)[0], 201)


if __name__ == "__main__":
    unittest.main()
