# SPDX-License-Identifier: MIT
"""The helpdesk's asset-* tools (scripts/, docs/TOOLS.md) run as a user
runs them, against the real server on a loopback port: what they print,
their exit codes, and that hostile text reaches the log and comes back
byte for byte. A fake curl first on PATH records curl's arguments and
its standard input, to show the token is never among the arguments.
Every address used is 127.0.0.1: the server, a small stand-in HTTP
server for replies assetd never sends, and a port bound and released
for "cannot reach"."""
import http.server
import json
import os
import shutil
import socket
import stat
import subprocess
import tempfile
import threading
import unittest
from urllib.parse import parse_qsl, urlsplit

from harness import BIN, TOP, Server, ServerTest

SCRIPTS = os.path.join(TOP, "scripts")
HELPER = "assetd-tool.sh"
TOOLS = ("asset-issue", "asset-return", "asset-transfer", "asset-show",
         "asset-find")

# Values a shell, a JSON encoder or a URL could get wrong. Required
# fields are trimmed by the server and may not hold control characters,
# so these have neither at their ends; comments keep everything.
NAMES = [
    "Zoë Ødegård 山田",
    "O'Brien \"The Hammer\"",
    "back\\slash\\ and \\\" \\u0041 \\n",
    "$(touch CANARY) `touch CANARY`; touch CANARY",
    "-rf",
    "--url",
    "a=b&c=d#e%20f+g?h/i",
    "%s%n%d *? ~root $HOME",
    "\U0001F4BB\u00a0laptop\u3000inside",
]
COMMENTS = [
    "line one\nline two\r\n\tend\n\n",
    "  kept as sent  ",
    "",
    "{\"json\": [1, 2]} \\",
    "-",
    "山" * 2000,
]
EMAILS = ["o'brien+it@example.com", "a&b=c%41#x@example.com",
          "Ada.Lovelace@Example.COM"]


def closed_port():
    """A loopback port nothing listens on: bound, then released."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class ToolRunner:
    """Runs the tools with an environment of the test's own: HOME is a
    temporary directory (no user's ~/.config/assetd is read), no
    ASSETD_* or proxy variables are inherited."""

    def setUp(self):
        self.home = tempfile.mkdtemp(prefix="assetd-e2e-tools-")
        self.canary = os.path.join(self.home, "CANARY")
        env = {k: v for k, v in os.environ.items()
               if not k.startswith("ASSETD_") and k != "XDG_CONFIG_HOME"
               and "proxy" not in k.lower()}
        env["HOME"] = self.home
        self.env = env

    def tearDown(self):
        shutil.rmtree(self.home, ignore_errors=True)

    def run_tool(self, tool, *args, env=None, scripts=SCRIPTS):
        """Returns (exit code, stdout, stderr), the output as text."""
        args = [a.replace("CANARY", self.canary) if isinstance(a, str)
                else a for a in args]
        p = subprocess.run([os.path.join(scripts, tool)] + args,
                           env=dict(self.env, **(env or {})),
                           capture_output=True, timeout=120)
        return (p.returncode, p.stdout.decode("utf-8"),
                p.stderr.decode("utf-8"))

    def write_config(self, text, directory=None):
        directory = directory or os.path.join(self.home, ".config")
        os.makedirs(directory, exist_ok=True)
        path = os.path.join(directory, "assetd")
        with open(path, "w") as f:
            f.write(text)
        return path

    def fake_curl(self, reply=None):
        """Puts a curl first on PATH that appends its arguments (each
        followed by NUL) to self.argv_log and its standard input to
        self.stdin_log, then runs the real curl, or, with `reply`,
        prints that instead and touches no network."""
        real = shutil.which("curl", path=self.env["PATH"])
        bindir = os.path.join(self.home, "fakebin")
        os.makedirs(bindir, exist_ok=True)
        self.argv_log = os.path.join(self.home, "curl.argv")
        self.stdin_log = os.path.join(self.home, "curl.stdin")
        this_stdin = os.path.join(self.home, "curl.stdin.last")
        script = ("#!/bin/sh\n"
                  "printf '%%s\\0' \"$@\" >>'%s'\n"
                  "cat >'%s'\n"
                  "cat '%s' >>'%s'\n"
                  % (self.argv_log, this_stdin, this_stdin, self.stdin_log))
        if reply is None:
            script += "exec '%s' \"$@\" <'%s'\n" % (real, this_stdin)
        else:
            script += "printf '%%s' '%s'\n" % reply
        path = os.path.join(bindir, "curl")
        with open(path, "w") as f:
            f.write(script)
        os.chmod(path, 0o755)
        self.env["PATH"] = bindir + os.pathsep + self.env["PATH"]

    def curl_argv(self):
        with open(self.argv_log, "rb") as f:
            return f.read().decode("utf-8").split("\0")

    def curl_stdin(self):
        with open(self.stdin_log, "rb") as f:
            return f.read().decode("utf-8")


class Usage(ToolRunner, unittest.TestCase):
    """--help, and command lines refused (64) before any request: the
    URL is a closed port, so a tool that sent anything would exit 2."""

    def setUp(self):
        super().setUp()
        self.env["ASSETD_URL"] = "http://127.0.0.1:%d" % closed_port()

    def test_help(self):
        for tool in TOOLS:
            for args in (["--help"], ["-h"], ["--url", "x", "--help"]):
                with self.subTest(tool=tool, args=args):
                    code, out, err = self.run_tool(tool, *args)
                    self.assertEqual((code, err), (0, ""))
                    self.assertTrue(out.startswith("Usage: %s " % tool))
                    self.assertIn("--token TOKEN", out)
                    self.assertIn("Exit codes: 0 done; 1 the server", out)

    def test_usage_errors_64(self):
        cases = [
            ("asset-issue", [], "missing --name, --email, --type, --model"),
            ("asset-issue", ["--name", "A", "--email", "a@example.com",
                             "--type", "t"], "missing --model"),
            ("asset-issue", ["--name"], "--name needs a value"),
            ("asset-issue", ["--nmae=x"], "unknown option --nmae"),
            ("asset-issue", ["stray"], "unexpected stray"),
            ("asset-return", [], "missing the asset's ID"),
            ("asset-return", ["7", "8"], "too many arguments"),
            ("asset-return", ["../7"], "the ID must be a whole number"),
            ("asset-return", ["7?x=1"], "the ID must be a whole number"),
            ("asset-return", ["-1"], "unknown option -1"),
            ("asset-show", [""], "the ID must be a whole number"),
            ("asset-transfer", ["7", "--name", "B"], "missing --email"),
            ("asset-find", ["--limit", "0"], "--limit must be a whole"),
            ("asset-find", ["--limit=5x"], "--limit must be a whole"),
            ("asset-find", ["--url", "ftp://127.0.0.1/"],
             "the URL must start with http:// or https://"),
            ("asset-find", ["--url", "http://127.0.0.1/ x"],
             "the URL must not contain spaces"),
            ("asset-find", ["--token", "a\nb"],
             "the token must not contain spaces"),
        ]
        for tool, args, message in cases:
            with self.subTest(tool=tool, args=args):
                code, out, err = self.run_tool(tool, *args)
                self.assertEqual((code, out), (64, ""), err)
                self.assertIn("%s: %s" % (tool, message), err)
                self.assertTrue(err.endswith("Try '%s --help'.\n" % tool))

    def test_text_that_is_not_utf8_is_refused(self):
        code, _, err = self.run_tool(
            "asset-issue", "--name", b"Zo\xeb", "--email", "a@example.com",
            "--type", "t", "--model", "m")
        self.assertEqual(code, 64)
        self.assertIn("asset-issue: --name is not UTF-8 text", err)
        code, _, err = self.run_tool("asset-find", "--q", b"\xed\xa0\x80")
        self.assertEqual(code, 64)
        self.assertIn("asset-find: --q is not UTF-8 text", err)


class Lint(unittest.TestCase):
    """The tools are POSIX sh: dash parses them, and checkbashisms and
    shellcheck, where installed, find nothing."""

    FILES = [os.path.join(SCRIPTS, f) for f in TOOLS + (HELPER,)]

    def check(self, cmd):
        p = subprocess.run(cmd, capture_output=True, text=True)
        self.assertEqual(p.returncode, 0, p.stdout + p.stderr)

    def test_dash_parses(self):
        if not shutil.which("dash"):
            self.skipTest("dash is not installed")
        for f in self.FILES:
            self.check(["dash", "-n", f])

    def test_checkbashisms(self):
        if not shutil.which("checkbashisms"):
            self.skipTest("checkbashisms (devscripts) is not installed")
        self.check(["checkbashisms", "-f"] + self.FILES)

    def test_shellcheck(self):
        if not shutil.which("shellcheck"):
            self.skipTest("shellcheck is not installed")
        self.check(["shellcheck", "-x"] + self.FILES)


class ToolServerTest(ToolRunner, ServerTest):
    """The tools against a fresh open server (no tokens file)."""

    def setUp(self):
        ServerTest.setUp(self)
        ToolRunner.setUp(self)
        self.env["ASSETD_URL"] = "http://127.0.0.1:%d" % self.server.port

    def tearDown(self):
        ToolRunner.tearDown(self)
        ServerTest.tearDown(self)

    def issue(self, name="Ada Lovelace", email="ada@example.com",
              type_="laptop", model="ThinkPad X1", comments=None, env=None):
        args = ["--name", name, "--email", email, "--type", type_,
                "--model", model]
        if comments is not None:
            args += ["--comments", comments]
        return self.run_tool("asset-issue", *args, env=env)


class Issue(ToolServerTest):
    def test_prints_the_id_alone(self):
        self.assertEqual(self.issue(), (0, "1\n", ""))
        self.assertEqual(self.issue(), (0, "2\n", ""))

    def test_hostile_values_reach_the_log_exactly(self):
        n = 0
        for locale in ("C", "C.UTF-8"):
            for name in NAMES:
                for comments in COMMENTS:
                    n += 1
                    with self.subTest(locale=locale, name=name,
                                      comments=comments[:20]):
                        model = name[::-1]
                        code, out, err = self.issue(
                            name=name, email=EMAILS[n % len(EMAILS)],
                            type_=name[:20], model=model,
                            comments=comments, env={"LC_ALL": locale})
                        self.assertEqual((code, out, err),
                                         (0, "%d\n" % n, ""))
                        # Each line of the log parses as JSON on its own.
                        rec = self.server.records()[-1]
                        self.assertEqual(
                            (rec["id"], rec["employee_name"],
                             rec["employee_email"], rec["asset_type"],
                             rec["asset_model"], rec["comments"]),
                            (n, name.replace("CANARY", self.canary),
                             EMAILS[n % len(EMAILS)],
                             name[:20].replace("CANARY", self.canary),
                             model.replace("CANARY", self.canary),
                             comments))
        self.assertFalse(os.path.exists(self.canary))

    def test_option_value_after_equals(self):
        code, _, _ = self.run_tool(
            "asset-issue", "--name=a=b", "--email=a@example.com",
            "--type=--model", "--model", "--type", "--comments=")
        self.assertEqual(code, 0)
        rec = self.server.records()[0]
        self.assertEqual((rec["employee_name"], rec["asset_type"],
                          rec["asset_model"], rec["comments"]),
                         ("a=b", "--model", "--type", ""))

    def test_refused_by_the_server_1(self):
        cases = [
            (dict(email="not-an-address"),
             "employee_email must be an address like name@example.com"),
            (dict(email=""), "Missing fields: employee_email"),
            (dict(name=" \t", type_=""),
             "Missing fields: employee_name, asset_type"),
            (dict(name="x" * 201),
             "employee_name is longer than 200 characters"),
            (dict(model="a\tb"),
             "asset_model must not contain control characters"),
        ]
        for fields, message in cases:
            with self.subTest(fields=fields):
                self.assertEqual(self.issue(**fields),
                                 (1, "", "asset-issue: %s\n" % message))
        self.assertNothingWritten()

    def test_unreachable_2(self):
        url = "http://127.0.0.1:%d" % closed_port()
        args = {"asset-issue": ["--name", "A", "--email", "a@example.com",
                                "--type", "t", "--model", "m"],
                "asset-return": ["1"],
                "asset-transfer": ["1", "--name", "B", "--email",
                                   "b@example.com"],
                "asset-show": ["1"],
                "asset-find": []}
        for tool in TOOLS:
            with self.subTest(tool=tool):
                code, out, err = self.run_tool(tool, *args[tool],
                                               env={"ASSETD_URL": url})
                self.assertEqual((code, out), (2, ""))
                self.assertIn("%s: cannot reach the server at %s\n"
                              % (tool, url), err)
        self.assertNothingWritten()

    def test_config_lookup_order(self):
        good = "http://127.0.0.1:%d" % self.server.port
        bad = "http://127.0.0.1:%d" % closed_port()
        del self.env["ASSETD_URL"]
        self.write_config("# the helpdesk's server\n\n"
                          "  url =  %s/  \r\n" % good)
        self.assertEqual(self.issue()[0], 0)            # the file
        env = {"ASSETD_URL": bad}
        self.assertEqual(self.issue(env=env)[0], 2)     # env over file
        code, _, _ = self.run_tool(
            "asset-issue", "--url", good, "--name", "A", "--email",
            "a@example.com", "--type", "t", "--model", "m", env=env)
        self.assertEqual(code, 0)                       # option over env
        self.assertEqual(self.issue(env={"ASSETD_URL": ""})[0], 0)

        # $XDG_CONFIG_HOME/assetd is used instead when that is set.
        xdg = os.path.join(self.home, "xdg")
        self.write_config("url=%s\n" % bad, xdg)
        self.assertEqual(self.issue(env={"XDG_CONFIG_HOME": xdg})[0], 2)
        self.assertEqual(len(self.server.log_lines()), 3)

    def test_config_file_is_read_not_run(self):
        del self.env["ASSETD_URL"]
        for text, message in [
                ("url=$(touch${IFS}CANARY)\n",
                 "the URL must start with http:// or https://"),
                ("url=$(touch CANARY)\n", "the URL must not contain spaces"),
                ("url=http://127.0.0.1:1/$(touch${IFS}CANARY)\n"
                 "token=`touch CANARY` x\n",
                 "the token must not contain spaces"),
                ("url=http://127.0.0.1:1/\ntokn=x\n",
                 ":2: unknown name 'tokn'"),
                ("touch CANARY\n", ":1: expected name=value")]:
            with self.subTest(text=text):
                self.write_config(text.replace("CANARY", self.canary))
                code, out, err = self.issue()
                self.assertEqual((code, out), (64, ""))
                self.assertIn(message, err)
        self.assertFalse(os.path.exists(self.canary))
        self.assertNothingWritten()

        os.unlink(os.path.join(self.home, ".config", "assetd"))
        os.mkdir(os.path.join(self.home, ".config", "assetd"))
        code, _, err = self.issue()
        self.assertEqual(code, 64)
        self.assertIn("cannot read %s/.config/assetd" % self.home, err)

    def test_default_url_is_loopback_8080(self):
        # The fake curl answers itself: nothing is sent to port 8080,
        # where a server this test did not start might listen.
        del self.env["ASSETD_URL"]
        self.fake_curl(reply='{"message":"Asset issued","id":42}\n201')
        self.assertEqual(self.issue(), (0, "42\n", ""))
        self.assertIn('url = "http://127.0.0.1:8080/api/assets"\n',
                      self.curl_stdin())

    def test_body_is_not_in_curl_arguments(self):
        self.fake_curl()
        name = "Zoë \"quoted\" \\ back"
        self.assertEqual(self.issue(name=name)[0], 0)
        argv = "\0".join(self.curl_argv())
        self.assertNotIn("Zo", argv)
        self.assertNotIn("ada@example.com", argv)
        self.assertEqual(self.server.records()[0]["employee_name"], name)

    def test_installed_layout(self):
        # As cmake/tools.cmake installs them: the programs in bin, the
        # helper in share/assetd; and called through a symbolic link.
        prefix = os.path.join(self.home, "prefix")
        os.makedirs(os.path.join(prefix, "bin"))
        os.makedirs(os.path.join(prefix, "share", "assetd"))
        for tool in TOOLS:
            shutil.copy(os.path.join(SCRIPTS, tool),
                        os.path.join(prefix, "bin"))
        shutil.copy(os.path.join(SCRIPTS, HELPER),
                    os.path.join(prefix, "share", "assetd"))
        links = os.path.join(self.home, "links")
        os.mkdir(links)
        os.symlink(os.path.join(prefix, "bin", "asset-issue"),
                   os.path.join(links, "asset-issue"))
        for scripts in (os.path.join(prefix, "bin"), links):
            code, out, err = self.run_tool(
                "asset-issue", "--name", "A", "--email", "a@example.com",
                "--type", "t", "--model", "m", scripts=scripts)
            self.assertEqual((code, err), (0, ""))

        os.unlink(os.path.join(prefix, "share", "assetd", HELPER))
        code, _, err = self.run_tool("asset-issue", "--help",
                                     scripts=os.path.join(prefix, "bin"))
        self.assertEqual((code, err),
                         (2, "asset-issue: cannot find assetd-tool.sh\n"))


class Token(ToolRunner, unittest.TestCase):
    """A server with a tokens file: the token reaches the server from
    the option, the variable and the file, and never curl's
    arguments."""

    def setUp(self):
        ToolRunner.setUp(self)
        self.dir = tempfile.mkdtemp(prefix="assetd-e2e-tools-tok-")
        data = os.path.join(self.dir, "data")
        os.mkdir(data)
        tokens_file = os.path.join(self.dir, "tokens")
        conf = os.path.join(self.dir, "assetd.conf")
        with open(conf, "w") as f:
            f.write("tokens_file = %s\n" % tokens_file)
        self.tok = {}
        for role in ("read", "issue"):
            p = subprocess.run([BIN, "-c", conf, "token", "add",
                                "helpdesk-" + role, role],
                               capture_output=True, text=True, check=True)
            self.tok[role] = p.stdout.strip()
        self.server = Server(data_dir=data,
                             conf="tokens_file = %s\n" % tokens_file)
        self.server.start()
        self.env["ASSETD_URL"] = "http://127.0.0.1:%d" % self.server.port

    def tearDown(self):
        self.server.cleanup()
        shutil.rmtree(self.dir, ignore_errors=True)
        ToolRunner.tearDown(self)

    def issue(self, *extra, env=None):
        return self.run_tool("asset-issue", "--name", "A", "--email",
                             "a@example.com", "--type", "t", "--model",
                             "m", *extra, env=env)

    def test_token_from_each_source_never_in_curl_argv(self):
        token = self.tok["issue"]
        self.fake_curl()
        self.assertEqual(self.issue("--token", token), (0, "1\n", ""))
        self.assertEqual(self.issue(env={"ASSETD_TOKEN": token}),
                         (0, "2\n", ""))
        path = self.write_config("url=%s\ntoken=%s\n"
                                 % (self.env.pop("ASSETD_URL"), token))
        os.chmod(path, stat.S_IRUSR | stat.S_IWUSR)
        self.assertEqual(self.issue(), (0, "3\n", ""))

        argv = self.curl_argv()
        self.assertTrue(any(a == "--config" for a in argv), argv)
        for secret in (token, token[4:], token[4:20], "Bearer"):
            self.assertFalse(any(secret in a for a in argv), argv)
        self.assertEqual(self.curl_stdin().count(
            'header = "Authorization: Bearer %s"\n' % token), 3)
        self.assertEqual([r["by"] for r in self.server.records()],
                         ["helpdesk-issue"] * 3)

    def test_refusals_1(self):
        self.assertEqual(self.issue(),
                         (1, "", "asset-issue: a bearer token is required\n"))
        self.assertEqual(self.issue("--token", "adt_" + "0" * 64),
                         (1, "", "asset-issue: unknown token\n"))
        self.assertEqual(self.issue("--token", self.tok["read"]),
                         (1, "", "asset-issue: this token may only read\n"))
        self.assertEqual(self.server.log_lines(), [])

    def test_locked_out_address_429_is_retry_2(self):
        # 20 unknown tokens lock 127.0.0.1 out for the rest of the
        # minute: then even a good token gets 429 and Retry-After.
        bad = {"Authorization": "Bearer adt_" + "0" * 64}
        for _ in range(20):
            self.assertEqual(
                self.server.request("GET", "/api/assets/1", headers=bad)[0],
                401)
        status, headers, _ = self.server.request("GET", "/api/assets/1",
                                                 headers=bad)
        self.assertEqual(status, 429)
        self.assertRegex(headers["retry-after"], r"^[0-9]+$")
        code, out, err = self.issue("--token", self.tok["issue"])
        self.assertEqual((code, out), (2, ""))
        self.assertRegex(err, r"^asset-issue: too many failed tokens from "
                         r"this address; try again later \(retry after "
                         r"[0-9]+ s\)\n\Z")
        self.assertEqual(self.server.log_lines(), [])


class StandIn(http.server.BaseHTTPRequestHandler):
    """Answers every request with the next of server.replies, a list of
    (status, body bytes) or (status, body bytes, {header: value}), and
    records each request's path."""

    def do_GET(self):
        self.server.paths.append(self.path)
        status, body, *headers = self.server.replies.pop(0)
        self.send_response(status)
        for name, value in (headers[0] if headers else {}).items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_POST = do_GET

    def log_message(self, *args):
        pass


def page(ids, next_cursor):
    assets = [{"id": i, "status": "issued", "employee_name": "N",
               "employee_email": "e%d@example.com" % i,
               "asset_type": "laptop", "asset_model": "M\tX\n",
               "comments": "", "issued_at": "2026-12-04T15:04:05Z",
               "returned_at": None} for i in ids]
    return 200, json.dumps({"assets": assets,
                            "next_cursor": next_cursor}).encode()


class NotAssetd(ToolRunner, unittest.TestCase):
    """Replies the real server does not send, from a stand-in on
    127.0.0.1: a proxy's error page, a garbled success, and paging."""

    def setUp(self):
        ToolRunner.setUp(self)
        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0),
                                                     StandIn)
        self.httpd.replies = []
        self.httpd.paths = []
        threading.Thread(target=self.httpd.serve_forever,
                         daemon=True).start()
        self.env["ASSETD_URL"] = "http://127.0.0.1:%d/base/" % (
            self.httpd.server_address[1])

    def tearDown(self):
        self.httpd.shutdown()
        self.httpd.server_close()
        ToolRunner.tearDown(self)

    def test_error_page_without_json_1(self):
        self.httpd.replies = [(502, b"<html>Bad Gateway</html>\n")]
        self.assertEqual(
            self.run_tool("asset-show", "7"),
            (1, "", "asset-show: the server answered HTTP 502\n"))
        self.assertEqual(self.httpd.paths, ["/base/api/assets/7"])

    def test_error_message_control_characters_shown_as_question_marks(self):
        self.httpd.replies = [(400, b'{"error":"bad \\u001b[31m key"}')]
        self.assertEqual(self.run_tool("asset-find"),
                         (1, "", "asset-find: bad ?[31m key\n"))

    # Each tool with arguments it accepts, for replies every tool
    # treats alike.
    ARGS = [("asset-issue", ["--name", "A", "--email", "a@example.com",
                             "--type", "t", "--model", "m"]),
            ("asset-return", ["7"]),
            ("asset-transfer", ["7", "--name", "B", "--email",
                                "b@example.com"]),
            ("asset-show", ["7"]),
            ("asset-find", [])]

    def test_too_many_failed_tokens_429_is_retry_2(self):
        # The body and header assetd sends to a locked-out address.
        body = (b'{"error":"too many failed tokens from this address; '
                b'try again later"}')
        message = "too many failed tokens from this address; try again later"
        for tool, args in self.ARGS:
            for headers, shown in [
                    ({"Retry-After": "42"}, " (retry after 42 s)"),
                    ({}, ""),
                    # Not a number of seconds: not shown.
                    ({"Retry-After": "Wed, 21 Oct 2026 07:28:00 GMT"}, ""),
                    ({"Retry-After": "-1"}, "")]:
                with self.subTest(tool=tool, headers=headers):
                    self.httpd.replies = [(429, body, headers)]
                    self.assertEqual(
                        self.run_tool(tool, *args),
                        (2, "", "%s: %s%s\n" % (tool, message, shown)))
        self.assertEqual(len(self.httpd.paths), 4 * len(self.ARGS))

    def test_server_unavailable_503_is_retry_2(self):
        # Every 503 assetd sends (docs/API.md), those that need a
        # restart too: after it, trying again is what to do.
        messages = [
            "the log cannot be written (disk full?); nothing was written; "
            "try again later",
            "the log could not be synced: this request may or may not be "
            "recorded (after the restart, look it up or retry with the "
            "same Idempotency-Key); the server needs a restart",
            "the log cannot be written safely; nothing was written; the "
            "server needs a restart",
            "every id has been used; nothing was issued",
            "the id counter cannot be written; nothing was written; try "
            "again later",
            "the server is shutting down",
            "out of memory",
        ]
        for n, message in enumerate(messages):
            for tool, args in (self.ARGS[n % len(self.ARGS)], self.ARGS[3]):
                with self.subTest(tool=tool, message=message):
                    self.httpd.replies = [
                        (503, json.dumps({"error": message}).encode())]
                    self.assertEqual(self.run_tool(tool, *args),
                                     (2, "", "%s: %s\n" % (tool, message)))
        # A 503 without assetd's JSON, from a proxy say, is retry too.
        self.httpd.replies = [(503, b"<html>Service Unavailable</html>")]
        self.assertEqual(
            self.run_tool("asset-find"),
            (2, "", "asset-find: the server answered HTTP 503\n"))

    def test_other_refusals_stay_1_even_with_retry_after(self):
        # Only 429 and 503 mean "later": a 4xx the request caused is 1,
        # whatever headers come with it.
        for tool, args in self.ARGS:
            for status, message in [(400, "unknown parameter \"x\""),
                                    (401, "unknown token"),
                                    (404, "no asset with id 7"),
                                    (413, "request body is larger than "
                                          "65536 bytes")]:
                with self.subTest(tool=tool, status=status):
                    self.httpd.replies = [
                        (status, json.dumps({"error": message}).encode(),
                         {"Retry-After": "42"})]
                    self.assertEqual(self.run_tool(tool, *args),
                                     (1, "", "%s: %s\n" % (tool, message)))

    def test_garbled_success_2(self):
        for tool, args, reply in [
                ("asset-show", ["7"], (200, b"<html>")),
                ("asset-issue", ["--name", "A", "--email", "a@example.com",
                                 "--type", "t", "--model", "m"],
                 (201, b'{"id":"7"}')),
                ("asset-return", ["7"], (204, b"")),
                ("asset-find", [], (200, b'{"assets":{}}'))]:
            with self.subTest(tool=tool):
                self.httpd.replies = [reply]
                code, out, err = self.run_tool(tool, *args)
                self.assertEqual((code, out), (2, ""))
                self.assertTrue(err.startswith(tool + ": "), err)

    def test_find_follows_next_cursor_and_encodes_the_query(self):
        self.httpd.replies = [page([9, 8], "8"), page([5], "5"),
                              page([2, 1], None)]
        code, out, err = self.run_tool(
            "asset-find", "--email", "o'brien+it@example.com", "--type",
            "Zoë &=#%", "--status", "issued", "--q", "a b/c?")
        self.assertEqual((code, err), (0, ""))
        self.assertEqual(out.splitlines(), [
            "%d\tissued\te%d@example.com\tlaptop\tM?X?" % (i, i)
            for i in (9, 8, 5, 2, 1)])
        # jq 1.6 leaves ' unencoded, jq 1.7 encodes it: both are right.
        query = [("employee_email", "o'brien+it@example.com"),
                 ("asset_type", "Zoë &=#%"), ("status", "issued"),
                 ("q", "a b/c?"), ("limit", "500")]
        self.assertEqual(
            [parse_qsl(urlsplit(p).query, strict_parsing=True)
             for p in self.httpd.paths],
            [query, query + [("cursor", "8")], query + [("cursor", "5")]])
        for path in self.httpd.paths:
            self.assertTrue(path.startswith("/base/api/assets?"))
            self.assertIn("brien%2Bit%40example.com", path)

    def test_find_limit_sizes_the_pages(self):
        self.httpd.replies = [page(range(700, 200, -1), "201"),
                              page([200, 199], "199")]
        code, out, _ = self.run_tool("asset-find", "--limit", "502")
        self.assertEqual((code, len(out.splitlines())), (0, 502))
        self.assertEqual(self.httpd.paths, [
            "/base/api/assets?limit=500",
            "/base/api/assets?limit=2&cursor=201"])

    def test_find_stops_on_a_cursor_that_does_not_go_down_2(self):
        for second in ("9", "10", "1e3", "-1", "07"):
            with self.subTest(second=second):
                self.httpd.replies = [page([9], "9"), page([9], second)]
                self.httpd.paths = []
                code, _, err = self.run_tool("asset-find")
                self.assertEqual(code, 2)
                self.assertRegex(err, "next_cursor that (does not go "
                                 "down|is not an id)")
                self.assertEqual(len(self.httpd.paths), 2)

    def test_issue_refuses_an_id_that_is_not_one_2(self):
        for bad in ("-7", "1e300", "1.5", "0", "9007199254740992"):
            with self.subTest(id=bad):
                self.httpd.replies = [(201, b'{"message":"Asset issued",'
                                            b'"id":%s}' % bad.encode())]
                self.httpd.paths = []
                code, out, _ = self.run_tool(
                    "asset-issue", "--name", "A", "--email", "a@b.co",
                    "--type", "t", "--model", "m")
                self.assertEqual((code, out), (2, ""))

    def usage_error(self, tool, message):
        """The whole of stderr for a usage error (64)."""
        return "%s: %s\nTry '%s --help'.\n" % (tool, message, tool)

    def test_an_option_given_twice_is_a_usage_error_64(self):
        # The stand-in has no reply queued and records every request's
        # path: a tool that sent anything would show in paths.
        url = self.env["ASSETD_URL"]
        cases = [
            ("asset-issue", ["--name", "Ada", "--email", "a@example.com",
                             "--type", "t", "--model", "m", "--name",
                             "Bob"], "--name"),
            ("asset-issue", ["--name=Ada", "--email", "a@example.com",
                             "--type", "t", "--model", "m", "--name",
                             "Bob"], "--name"),
            ("asset-return", ["7", "--comments", "a", "--comments=b"],
             "--comments"),
            ("asset-transfer", ["7", "--name", "B", "--email=b@example.com",
                                "--email=c@example.com"], "--email"),
            ("asset-show", ["--url", url, "7", "--url", url], "--url"),
            ("asset-find", ["--token=adt_first", "--token", "adt_second"],
             "--token"),
            ("asset-find", ["--q=", "--q", "x"], "--q"),
        ]
        for tool, args, option in cases:
            with self.subTest(tool=tool, args=args):
                self.assertEqual(
                    self.run_tool(tool, *args),
                    (64, "", self.usage_error(tool,
                                              option + " given twice")))
        self.assertEqual(self.httpd.paths, [])

    def test_a_name_given_twice_in_the_config_file_is_an_error_64(self):
        # The file is read because it is the only place the URL is
        # given; the error names the file, the line and the name, and
        # never a value, which may be the token.
        url = self.env.pop("ASSETD_URL")
        path = os.path.join(self.home, ".config", "assetd")
        for text, line, name in [
                ("url = %s\ntoken = adt_first\n# a comment\n\n"
                 "  token=adt_second \r\n" % url, 5, "token"),
                ("url=%s\n\nurl = %sother/\n" % (url, url), 3, "url"),
                ("url=\nurl=%s\n" % url, 2, "url")]:
            with self.subTest(text=text):
                self.write_config(text)
                code, out, err = self.run_tool("asset-show", "7")
                self.assertEqual(
                    (code, out, err),
                    (64, "", self.usage_error(
                        "asset-show", "%s:%d: name '%s' given twice"
                        % (path, line, name))))
                self.assertNotIn("adt_", err)
        self.assertEqual(self.httpd.paths, [])

    def test_url_with_query_or_fragment_is_a_usage_error(self):
        for url in ("http://127.0.0.1:1/a?b", "http://127.0.0.1:1/#c"):
            with self.subTest(url=url):
                code, _, err = self.run_tool("asset-show", "7", "--url",
                                             url)
                self.assertEqual(code, 64)
                self.assertIn("must not have a query or a fragment", err)


class Lifecycle(ToolServerTest):
    """Return, transfer, lookup and lists through the tools."""

    def state(self, asset_id):
        status, _, body = self.server.request("GET",
                                              "/api/assets/%d" % asset_id)
        self.assertEqual(status, 200)
        return body

    def test_show_gives_back_hostile_values(self):
        for name in NAMES:
            with self.subTest(name=name):
                code, out, _ = self.issue(name=name, model=name,
                                          comments=COMMENTS[0])
                self.assertEqual(code, 0)
                asset_id = int(out)
                code, out, err = self.run_tool("asset-show", out.strip())
                self.assertEqual((code, err), (0, ""))
                shown = json.loads(out)
                self.assertEqual(shown, self.state(asset_id))
                name = name.replace("CANARY", self.canary)
                self.assertEqual((shown["employee_name"],
                                  shown["asset_model"], shown["comments"]),
                                 (name, name, COMMENTS[0]))
        self.assertFalse(os.path.exists(self.canary))
        self.assertEqual(self.run_tool("asset-show", "99"),
                         (1, "", "asset-show: no asset with id 99\n"))
        code, _, err = self.run_tool("asset-show", "007")
        self.assertEqual(code, 1)
        self.assertIn("asset id must be a whole number", err)

    def test_return(self):
        self.issue(email="ada@example.com", type_="laptop", model="X1")
        self.issue()
        code, out, err = self.run_tool("asset-return", "1", "--comments",
                                       COMMENTS[0])
        self.assertEqual((code, out, err),
                         (0, "1\treturned\tada@example.com\tlaptop\tX1\n",
                          ""))
        rec = self.server.records()[-1]
        self.assertEqual((rec["id"], rec["event"], rec["comments"]),
                         (1, "returned", COMMENTS[0]))
        self.assertEqual(self.state(1)["status"], "returned")
        self.assertEqual(self.run_tool("asset-return", "2")[0], 0)
        self.assertEqual(self.server.records()[-1]["comments"], "")
        lines = len(self.server.log_lines())

        self.assertEqual(self.run_tool("asset-return", "1"),
                         (1, "", "asset-return: asset 1 was already "
                                 "returned\n"))
        self.assertEqual(self.run_tool("asset-return", "99"),
                         (1, "", "asset-return: no asset with id 99\n"))
        self.assertEqual(len(self.server.log_lines()), lines)

    def test_transfer(self):
        self.issue(type_="phone", model="Pixel")
        for n, name in enumerate(NAMES, 1):
            email = EMAILS[n % len(EMAILS)]
            with self.subTest(name=name):
                # Consecutive emails differ, so each is a new holder.
                code, out, err = self.run_tool(
                    "asset-transfer", "1", "--name", name, "--email",
                    email, "--comments", COMMENTS[n % len(COMMENTS)])
                self.assertEqual((code, out, err),
                                 (0, "1\tissued\t%s\tphone\tPixel\n" % email,
                                  ""))
                rec = self.server.records()[-1]
                name = name.replace("CANARY", self.canary)
                self.assertEqual(
                    (rec["event"], rec["employee_name"],
                     rec["employee_email"], rec["comments"]),
                    ("transferred", name, email,
                     COMMENTS[n % len(COMMENTS)]))
                state = self.state(1)
                self.assertEqual((state["employee_name"],
                                  state["employee_email"]), (name, email))
        self.assertFalse(os.path.exists(self.canary))

        holder = self.state(1)["employee_email"]
        self.assertEqual(
            self.run_tool("asset-transfer", "1", "--name", "X", "--email",
                          holder.upper()),
            (1, "", "asset-transfer: asset 1 is already held by that "
                    "employee\n"))
        self.assertEqual(
            self.run_tool("asset-transfer", "1", "--name", "X",
                          "--email", ""),
            (1, "", "asset-transfer: Missing fields: employee_email\n"))

    def test_find(self):
        self.issue(email=EMAILS[0], type_="laptop", model="X1",
                   comments="has a & in it")
        self.issue(email=EMAILS[1], type_="Phone", model="Pixel 8")
        self.issue(email=EMAILS[0], type_="phone", model="Zoë 山田")
        self.issue(email=EMAILS[2], type_="laptop", model="-rf")

        def find(*args):
            code, out, err = self.run_tool("asset-find", *args)
            self.assertEqual((code, err), (0, ""))
            return [line.split("\t") for line in out.splitlines()]

        everything = find()
        self.assertEqual([r[0] for r in everything], ["4", "3", "2", "1"])
        self.assertEqual(everything[1],
                         ["3", "issued", EMAILS[0], "phone", "Zoë 山田"])
        self.assertEqual([r[0] for r in find("--email", EMAILS[0].upper())],
                         ["3", "1"])
        self.assertEqual([r[0] for r in find("--email", EMAILS[1])], ["2"])
        self.assertEqual([r[0] for r in find("--type", "PHONE")],
                         ["3", "2"])
        self.assertEqual([r[0] for r in find("--q", "a & in")], ["1"])
        self.assertEqual([r[0] for r in find("--q", "Zoë 山")], ["3"])
        self.assertEqual([r[0] for r in find("--q", "-rf")], ["4"])
        self.assertEqual([r[0] for r in find("--limit", "3")],
                         ["4", "3", "2"])
        self.assertEqual(find("--email", "nobody@example.com"), [])
        self.assertEqual(self.run_tool("asset-find", "--status", "lost"),
                         (1, "", 'asset-find: status must be "issued" or '
                                 '"returned"\n'))
        if self.run_tool("asset-return", "2")[0] == 0:
            self.assertEqual([r[:2] for r in find("--status", "returned")],
                             [["2", "returned"]])

    def test_find_follows_every_page(self):
        for _ in range(520):
            self.assertEqual(self.server.post(
                {"employee_name": "N", "employee_email": "n@example.com",
                 "asset_type": "t", "asset_model": "m"})[0], 201)
        code, out, _ = self.run_tool("asset-find")
        self.assertEqual(code, 0)
        self.assertEqual([int(line.split("\t")[0])
                          for line in out.splitlines()],
                         list(range(520, 0, -1)))
        code, out, _ = self.run_tool("asset-find", "--limit", "510")
        self.assertEqual((code, len(out.splitlines())), (0, 510))


if __name__ == "__main__":
    unittest.main()
