# SPDX-License-Identifier: MIT
"""docs/openapi.yaml against the source and the real server.

- Document: the file is OpenAPI 3.1 whose references all resolve, it has
  the endpoints that docs/API.md has, and its examples fit their schemas.
- Routes: the route table in the C source (the string literals between
  the comments "routes: begin" and "routes: end" in src/http.c or
  src/api.c) and the paths of the document name the same routes.
- Examples: every response example is a real reply. SCENARIO and
  TOKEN_SCENARIO are the requests, in order, on an empty data directory;
  each step names the example it gets, and the example's place in the
  document (path, method, status, media type) must fit the request. A
  request body example is sent by the step of the same name. Every time
  the server sends is replaced with TIME, the time every example shows,
  and every chain value (of a "chain" or "head" key) with CHAIN.
- Served: GET /api/openapi.yaml is the file, byte for byte.

Needs PyYAML (Debian: python3-yaml); the schema check needs jsonschema
(Debian: python3-jsonschema) and is skipped without it.
"""
import copy
import http.client
import json
import os
import re
import shutil
import subprocess
import tempfile
import unittest

import yaml

from harness import BIN, TOP, Server, ServerTest, parse_responses

try:
    import jsonschema
except ImportError:  # the one check that needs it says so and skips
    jsonschema = None

SPEC_PATH = os.path.join(TOP, "docs", "openapi.yaml")
API_MD = os.path.join(TOP, "docs", "API.md")
ROUTE_FILES = [os.path.join(TOP, "src", name)
               for name in ("http.c", "api.c")]

TIME = "2026-12-04T15:04:05Z"
TIME_RE = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ")
# Chain values depend on the times; every example shows this one.
CHAIN = "0" * 64
CHAIN_RE = re.compile(r"[0-9a-f]{64}")
CHAIN_KEYS = ("chain", "head")
METHODS = ("get", "put", "post", "delete", "options", "head", "patch",
           "trace")
KEY = "5f0c6a1e-8d2b-4c3a-9e7f-1b2d3c4e5f60"
UNKNOWN_TOKEN = "adt_" + "0" * 64


# ---- The document ----

def load_spec():
    """Returns (the file's bytes, the parsed document)."""
    with open(SPEC_PATH, "rb") as f:
        raw = f.read()
    return raw, yaml.safe_load(raw)


def resolve(spec, node):
    """Follows local references ("#/components/...") to what they name."""
    while isinstance(node, dict) and "$ref" in node:
        ref = node["$ref"]
        if not ref.startswith("#/"):
            raise AssertionError("not a local reference: %s" % ref)
        node = spec
        for part in ref[2:].split("/"):
            part = part.replace("~1", "/").replace("~0", "~")
            if not isinstance(node, dict) or part not in node:
                raise AssertionError("reference does not resolve: %s" % ref)
            node = node[part]
    return node


def operations(spec):
    """Yields (path, method in capitals, operation)."""
    for path, item in spec["paths"].items():
        for method in METHODS:
            if method in item:
                yield path, method.upper(), item[method]


class Example:
    """One response example and every operation it belongs to."""

    def __init__(self, name, source, status, media, value):
        self.name = name
        self.source = source  # a component response, or one operation
        self.status = status
        self.media = media
        self.value = value
        self.places = set()  # (path, METHOD)


def response_examples(spec):
    """Returns {name: Example}. A name may be used by one response only
    (a component response shared by several operations counts as one)."""
    found = {}
    for path, method, op in operations(spec):
        for status, resp in op["responses"].items():
            source = resp.get("$ref") or "%s %s %s" % (method, path, status)
            resp = resolve(spec, resp)
            for media, content in resp.get("content", {}).items():
                for name, ex in content.get("examples", {}).items():
                    ex = resolve(spec, ex)
                    old = found.setdefault(
                        name, Example(name, source, int(status), media,
                                      ex["value"]))
                    if old.source != source or old.media != media:
                        raise AssertionError(
                            "example %r is in %s and in %s"
                            % (name, old.source, source))
                    old.places.add((path, method))
    return found


def request_examples(spec):
    """Returns {(path, METHOD, name): value} for request body examples."""
    found = {}
    for path, method, op in operations(spec):
        body = resolve(spec, op.get("requestBody", {}))
        for content in body.get("content", {}).values():
            for name, ex in content.get("examples", {}).items():
                found[(path, method, name)] = resolve(spec, ex)["value"]
    return found


def template_of(spec, target):
    """The path of the document that target (path and query) falls
    under, or None."""
    path = target.split("?", 1)[0]
    hits = [p for p in spec["paths"]
            if re.fullmatch(re.sub(r"\\\{[^}]*\\\}", "[^/]+", re.escape(p)),
                            path)]
    if len(hits) > 1:
        raise AssertionError("%s matches %s" % (path, hits))
    return hits[0] if hits else None


def normalised(value, key=None):
    """value with every time-shaped string replaced by TIME, and every
    chain value (64 lower-case hex digits under the key "chain" or
    "head") by CHAIN."""
    if isinstance(value, str):
        if key in CHAIN_KEYS and CHAIN_RE.fullmatch(value):
            return CHAIN
        return TIME if TIME_RE.fullmatch(value) else value
    if isinstance(value, list):
        return [normalised(v) for v in value]
    if isinstance(value, dict):
        return {k: normalised(v, k) for k, v in value.items()}
    return value


def ordered(value):
    """value with each object as a list of [key, value] pairs, so that
    comparing two values compares the order of keys too."""
    if isinstance(value, list):
        return [ordered(v) for v in value]
    if isinstance(value, dict):
        return [[k, ordered(v)] for k, v in value.items()]
    return value


# ---- The scenario ----

class Step:
    """One request and the name of the example its reply must equal.

    The body is, in order of precedence: raw (a whole request, sent as
    bytes), body (bytes, or an object sent as JSON), or the request body
    example called `send` (by default the step's own name) of the
    operation, with `change` applied to it. auth is a role of the token
    to send ("read", "issue") or "unknown". expect_headers must be in the
    reply (a value of None: present, whatever its value). The request is
    sent `repeat` times; the last reply counts, and those before it must
    not be the example's status.
    """

    def __init__(self, example, method=None, target=None, body=None,
                 raw=None, send=None, change=None, headers=None,
                 auth=None, expect_headers=None, repeat=1):
        self.example = example
        self.method = method
        self.target = target
        self.body = body
        self.raw = raw
        self.send = send or example
        self.change = change or {}
        self.headers = headers or {}
        self.auth = auth
        self.expect_headers = expect_headers or {}
        self.repeat = repeat
        if raw is not None:
            line = raw.split(b"\r\n", 1)[0].decode("ascii").split(" ")
            self.method, self.target = line[0], line[1]


def raw_post(extra, body=b""):
    return (b"POST /api/assets HTTP/1.1\r\nHost: t\r\nConnection: close\r\n"
            + extra + b"\r\n" + body)


SCENARIO = [
    Step("issue-1", "POST", "/api/assets",
         expect_headers={"location": "/api/assets/1"}),
    Step("issue-2", "POST", "/api/assets", headers={"Idempotency-Key": KEY},
         expect_headers={"location": "/api/assets/2"}),
    Step("issue-2-replayed", "POST", "/api/assets", send="issue-2",
         headers={"Idempotency-Key": KEY},
         expect_headers={"idempotent-replayed": "true"}),
    Step("idempotency-key-reused", "POST", "/api/assets", send="issue-3",
         headers={"Idempotency-Key": KEY}),
    Step("issue-3", "POST", "/api/assets",
         expect_headers={"location": "/api/assets/3"}),
    Step("missing-fields", "POST", "/api/assets",
         body=b'{"employee_name":"Ada Lovelace","asset_type":"   "}'),
    Step("email-invalid", "POST", "/api/assets", send="issue-1",
         change={"employee_email": "ada.example.com"}),
    Step("not-a-string", "POST", "/api/assets", send="issue-1",
         change={"asset_type": 5}),
    Step("invalid-json", "POST", "/api/assets",
         body=b'{"employee_name":"Ada Lovelace",}'),
    Step("body-empty", "POST", "/api/assets", body=b""),
    Step("idempotency-key-invalid", "POST", "/api/assets", send="issue-3",
         headers={"Idempotency-Key": 'a"b'}),
    Step("length-required", raw=raw_post(b"")),
    Step("body-too-large", raw=raw_post(b"Content-Length: 65537\r\n")),
    Step("expect-unsupported",
         raw=raw_post(b"Expect: 200-ok\r\nContent-Length: 2\r\n", b"{}")),
    Step("too-many-headers",  # Host, 62 of these and Connection: 64
         raw=raw_post(b"".join(b"X-Pad-%d: x\r\n" % i for i in range(62)))),
    Step("http-version",
         raw=b"GET /api/health HTTP/1.2\r\nHost: t\r\nConnection: close"
             b"\r\n\r\n"),
    Step("transfer-1", "POST", "/api/assets/1/transfer"),
    Step("transfer-same-holder", "POST", "/api/assets/1/transfer",
         send="transfer-1"),
    Step("transfer-missing-email", "POST", "/api/assets/1/transfer",
         body={"employee_name": "Grace Hopper"}),
    Step("return-2", "POST", "/api/assets/2/return"),
    Step("return-again", "POST", "/api/assets/2/return", body=b""),
    Step("transfer-returned", "POST", "/api/assets/2/transfer"),
    Step("return-unknown", "POST", "/api/assets/99/return", body=b""),
    Step("return-comments-not-a-string", "POST", "/api/assets/1/return",
         body={"comments": 7}),
    Step("method-not-allowed-post", "DELETE", "/api/assets/1/return",
         expect_headers={"allow": "POST"}),
    Step("asset-id-invalid", "GET", "/api/assets/007"),
    Step("asset-unknown", "GET", "/api/assets/99"),
    Step("asset-1-after-transfer", "GET", "/api/assets/1"),
    Step("list-page-1", "GET", "/api/assets?limit=2"),
    Step("list-page-2", "GET", "/api/assets?limit=2&cursor=2"),
    Step("list-filtered", "GET",
         "/api/assets?employee_email=GRACE%40example.com&status=issued"),
    Step("list-unknown-parameter", "GET", "/api/assets?sort=id"),
    Step("list-limit-invalid", "GET", "/api/assets?limit=0"),
    Step("list-status-invalid", "GET", "/api/assets?status=lost"),
    Step("csv-all", "GET", "/api/assets.csv",
         expect_headers={"content-disposition":
                         'attachment; filename="assets.csv"'}),
    Step("csv-unknown-parameter", "GET", "/api/assets.csv?limit=2"),
    Step("employee-holds", "GET", "/api/employees/grace@example.com/assets"),
    Step("employee-holds-nothing", "GET",
         "/api/employees/nobody@example.com/assets"),
    Step("employee-email-invalid", "GET", "/api/employees/nobody/assets"),
    Step("health", "GET", "/api/health"),
    Step("audit-head", "GET", "/api/audit/head"),
]

# On a server with a tokens file holding a read token and an issue token.
TOKEN_SCENARIO = [
    Step("token-missing", "GET", "/api/assets",
         expect_headers={"www-authenticate": 'Bearer realm="assetd"'}),
    Step("token-read-only", "POST", "/api/assets", send="issue-1",
         auth="read"),
    Step("token-unknown", "GET", "/api/assets", auth="unknown",
         expect_headers={"www-authenticate": 'Bearer realm="assetd"'}),
    # token-unknown was the first unknown token; this makes 21.
    Step("token-failures", "GET", "/api/assets", auth="unknown", repeat=20,
         expect_headers={"retry-after": None}),
]


def fetch(port, method, target, body=None, headers=None):
    """One request on its own connection. Returns (status, headers with
    lower-case names, body bytes)."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        conn.request(method, target, body=body, headers=headers or {})
        resp = conn.getresponse()
        raw = resp.read()
        return (resp.status, {k.lower(): v for k, v in resp.getheaders()},
                raw)
    finally:
        conn.close()


class ScenarioRunner:
    """Runs steps against one server and compares each reply with its
    example. Mixed into a TestCase."""

    tokens = {}

    def run_steps(self, steps):
        _, spec = load_spec()
        examples = response_examples(spec)
        bodies = request_examples(spec)
        for step in steps:
            with self.subTest(example=step.example):
                self.run_step(spec, examples, bodies, step)

    def place_of(self, spec, example, step):
        """Checks that the request fits where the example is, and returns
        the path of the document it falls under."""
        path = template_of(spec, step.target)
        self.assertIsNotNone(path, "%s is no path of the document"
                             % step.target)
        methods = {m for p, m in example.places if p == path}
        listed = {m.upper() for m in spec["paths"][path] if m in METHODS}
        if example.status == 405:
            self.assertTrue(methods, "%s is not under %s"
                            % (example.name, path))
            self.assertNotIn(step.method, listed)
        else:
            self.assertIn(step.method, methods,
                          "%s is not under %s %s"
                          % (example.name, step.method, path))
        return path

    def request_body(self, bodies, path, step):
        if step.body is not None:
            if isinstance(step.body, bytes):
                return step.body
            return json.dumps(step.body).encode()
        key = (path, step.method, step.send)
        if key not in bodies:
            return None
        value = copy.deepcopy(bodies[key])
        value.update(step.change)
        return json.dumps(value).encode()

    def send(self, step, body):
        if step.raw is not None:
            (reply,) = parse_responses(self.server.raw(step.raw))
            status, hdrs, value = reply
            return status, hdrs, json.dumps(value).encode()
        headers = dict(step.headers)
        if step.auth is not None:
            token = self.tokens.get(step.auth, UNKNOWN_TOKEN)
            headers["Authorization"] = "Bearer " + token
        return fetch(self.server.port, step.method, step.target, body,
                     headers)

    def run_step(self, spec, examples, bodies, step):
        self.assertIn(step.example, examples, "no such example")
        example = examples[step.example]
        path = self.place_of(spec, example, step)
        body = self.request_body(bodies, path, step)
        if step.method == "POST" and step.raw is None:
            self.assertIsNotNone(body, "no body to send")

        for _ in range(step.repeat - 1):
            self.assertNotEqual(self.send(step, body)[0], example.status)
        status, hdrs, raw = self.send(step, body)

        self.assertEqual(status, example.status, raw[:300])
        ctype = hdrs.get("content-type", "").split(";")[0].strip()
        self.assertEqual(ctype, example.media)
        for name, value in step.expect_headers.items():
            self.assertIn(name, hdrs)
            if value is not None:
                self.assertEqual(hdrs[name], value)
        if example.media == "application/json":
            got = normalised(json.loads(raw))
            self.assertEqual(got, example.value)
            self.assertEqual(ordered(got), ordered(example.value),
                             "the keys are in another order")
        else:
            self.assertEqual(TIME_RE.sub(TIME, raw.decode("utf-8")),
                             example.value)


# ---- Tests ----

class Document(unittest.TestCase):
    """The file alone: no server."""

    def setUp(self):
        _, self.spec = load_spec()

    def test_openapi_3_1_with_every_reference_resolving(self):
        self.assertEqual(self.spec["openapi"], "3.1.0")

        def walk(node):
            if isinstance(node, dict):
                if "$ref" in node:
                    resolve(self.spec, node)
                for v in node.values():
                    walk(v)
            elif isinstance(node, list):
                for v in node:
                    walk(v)
        walk(self.spec)
        for path, method, op in operations(self.spec):
            with self.subTest(route="%s %s" % (method, path)):
                self.assertTrue(op.get("summary"))
                self.assertTrue(op.get("responses"))

    def test_every_endpoint_of_api_md(self):
        with open(API_MD, encoding="utf-8") as f:
            text = f.read()
        documented = set(re.findall(r"^## ([A-Z]+ /\S+?):?(?: |$)", text,
                                    re.M))
        in_spec = {"%s %s" % (m, p) for p, m, _ in operations(self.spec)}
        self.assertEqual(in_spec, documented)

    def test_every_example_has_a_step_and_every_step_an_example(self):
        examples = response_examples(self.spec)
        steps = [s.example for s in SCENARIO + TOKEN_SCENARIO]
        self.assertEqual(len(steps), len(set(steps)), "a step is repeated")
        self.assertEqual(set(examples) - set(steps), set(),
                         "examples no step checks")
        self.assertEqual(set(steps) - set(examples), set(),
                         "steps without an example")
        sent = {s.send for s in SCENARIO + TOKEN_SCENARIO
                if s.body is None and s.raw is None}
        unsent = {name for _, _, name in request_examples(self.spec)} - sent
        self.assertEqual(unsent, set(), "request examples never sent")

    def test_examples_fit_their_schemas(self):
        if jsonschema is None:
            self.skipTest("jsonschema is not installed "
                          "(Debian: python3-jsonschema)")
        for name, ex in response_examples(self.spec).items():
            with self.subTest(example=name):
                path, method = sorted(ex.places)[0]
                op = self.spec["paths"][path][method.lower()]
                resp = resolve(self.spec, op["responses"][str(ex.status)])
                schema = resp["content"][ex.media]["schema"]
                root = {"components": self.spec["components"],
                        "allOf": [schema]}
                validator = jsonschema.Draft202012Validator(root)
                errors = [e.message for e in validator.iter_errors(ex.value)]
                self.assertEqual(errors, [])


def source_routes():
    """Returns {(METHOD, path)} from the route table in the C source."""
    tables = []
    for name in ROUTE_FILES:
        if not os.path.exists(name):
            continue
        with open(name, encoding="utf-8") as f:
            text = f.read()
        tables += re.findall(r"/\* routes: begin \*/(.*?)/\* routes: end \*/",
                             text, re.S)
    if len(tables) != 1:
        raise AssertionError("expected one route table between "
                             "/* routes: begin */ and /* routes: end */ in "
                             "src/http.c or src/api.c, found %d"
                             % len(tables))
    literals = re.findall(r'"((?:[^"\\\n]|\\.)*)"', tables[0])
    routes = set()
    for lit in literals:
        m = re.fullmatch(r"([A-Z]+) (/\S*)", lit)
        if m:
            routes.add((m.group(1), m.group(2)))
    if not routes:
        raise AssertionError("the route table names no routes")
    return routes


class Routes(unittest.TestCase):
    def test_source_routes_and_document_agree(self):
        _, spec = load_spec()
        in_source = {("GET" if m == "HEAD" else m, p)
                     for m, p in source_routes()}
        in_spec = {("GET" if m == "HEAD" else m, p)
                   for p, m, _ in operations(spec)}
        self.assertEqual(sorted(in_source - in_spec), [],
                         "routes the document lacks")
        self.assertEqual(sorted(in_spec - in_source), [],
                         "documented routes the server lacks")


class Examples(ServerTest, ScenarioRunner):
    def test_every_example_is_a_real_reply(self):
        self.run_steps(SCENARIO)


class TokenExamples(unittest.TestCase, ScenarioRunner):
    """401, 403 and 429 need a tokens file; tokens are made with the
    real `assetd token add`."""

    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="assetd-e2e-openapi-")
        data = os.path.join(self.dir, "data")
        os.mkdir(data)
        tokens_file = os.path.join(self.dir, "tokens")
        conf = os.path.join(self.dir, "assetd.conf")
        with open(conf, "w") as f:
            f.write("tokens_file = %s\n" % tokens_file)
        self.tokens = {}
        for role in ("read", "issue"):
            p = subprocess.run([BIN, "-c", conf, "token", "add",
                                "%s-1" % role, role],
                               capture_output=True, text=True)
            self.assertEqual(p.returncode, 0, p.stderr)
            self.tokens[role] = p.stdout.strip()
        self.server = Server(data_dir=data,
                             conf="tokens_file = %s\n" % tokens_file)
        self.server.start()

    def tearDown(self):
        self.server.cleanup()
        shutil.rmtree(self.dir, ignore_errors=True)

    def test_every_token_example_is_a_real_reply(self):
        self.run_steps(TOKEN_SCENARIO)


class Served(ServerTest):
    def test_document_is_served_byte_for_byte(self):
        raw, _ = load_spec()
        status, hdrs, body = fetch(self.server.port, "GET",
                                   "/api/openapi.yaml")
        self.assertEqual(status, 200)
        self.assertEqual(hdrs.get("content-type"), "application/yaml")
        self.assertEqual(body, raw)

        reply = self.server.raw(b"HEAD /api/openapi.yaml HTTP/1.1\r\n"
                                b"Host: t\r\nConnection: close\r\n\r\n")
        head, _, rest = reply.partition(b"\r\n\r\n")
        self.assertTrue(head.startswith(b"HTTP/1.1 200 "), head)
        self.assertIn(b"\r\nContent-Length: %d\r\n" % len(raw), head + b"\r\n")
        self.assertEqual(rest, b"")

    def test_undocumented_methods_get_405_with_allow(self):
        _, spec = load_spec()
        self.assertEqual(self.server.post(
            {"employee_name": "Ada Lovelace",
             "employee_email": "ada@example.com", "asset_type": "laptop",
             "asset_model": "ThinkPad X1"})[0], 201)
        for path, item in spec["paths"].items():
            target = path.replace("{id}", "1").replace(
                "{email}", "ada@example.com")
            listed = {m.upper() for m in item if m in METHODS}
            for method in sorted({"GET", "POST", "PUT", "DELETE"} - listed):
                with self.subTest(method=method, path=path):
                    status, hdrs, _ = fetch(self.server.port, method, target,
                                            b"" if method != "GET" else None)
                    self.assertEqual(status, 405)
                    allow = {m.strip() for m in hdrs.get("allow",
                                                         "").split(",")}
                    self.assertEqual(allow - {"HEAD"}, listed - {"HEAD"})


if __name__ == "__main__":
    unittest.main()
