# SPDX-License-Identifier: MIT
"""Access control and TLS against the real server: tokens made with the
real `assetd token` command, each role, the slow-down of failed tokens,
the loopback rule, and HTTPS with a certificate made here by openssl.
Every connection goes to 127.0.0.1 (or, for a second client address,
from 127.0.0.2, which is loopback too)."""
import http.client
import json
import os
import shutil
import socket
import ssl
import stat
import subprocess
import tempfile
import time
import unittest

from harness import BIN, GOOD, Server, parse_responses, post_bytes, read_all

BODY = json.dumps(GOOD).encode()


class Tokens(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="assetd-e2e-access-")
        self.data = os.path.join(self.dir, "data")
        os.mkdir(self.data)
        self.tokens_file = os.path.join(self.dir, "tokens")
        self.conf = os.path.join(self.dir, "assetd.conf")
        with open(self.conf, "w") as f:
            f.write("tokens_file = %s\n" % self.tokens_file)
        self.tok = {role: self.token("add", "%s-1" % role, role).strip()
                    for role in ("read", "issue", "admin")}
        self.server = Server(data_dir=self.data,
                             conf="tokens_file = %s\n" % self.tokens_file)
        self.server.start()

    def tearDown(self):
        self.server.cleanup()
        shutil.rmtree(self.dir, ignore_errors=True)

    def token(self, *args, expect=0):
        p = subprocess.run([BIN, "-c", self.conf, "token"] + list(args),
                           capture_output=True, text=True)
        self.assertEqual(p.returncode, expect, p.stderr)
        return p.stdout

    def post(self, token=None, source="127.0.0.1"):
        headers = b"Connection: close\r\n"
        if token is not None:
            headers += b"Authorization: Bearer " + token.encode() + b"\r\n"
        with socket.socket() as s:
            s.settimeout(5)
            s.bind((source, 0))
            s.connect(("127.0.0.1", self.server.port))
            s.sendall(post_bytes(BODY, headers))
            (reply,) = parse_responses(read_all(s))
        return reply

    def test_tokens_file_holds_hashes_only(self):
        for role, token in self.tok.items():
            self.assertRegex(token, r"^adt_[0-9a-f]{64}$")
        with open(self.tokens_file) as f:
            text = f.read()
        for token in self.tok.values():
            self.assertNotIn(token, text)
            self.assertNotIn(token[4:], text)
        self.assertEqual(stat.S_IMODE(os.stat(self.tokens_file).st_mode),
                         0o600)
        self.assertEqual(self.token("list"),
                         "read-1 read\nissue-1 issue\nadmin-1 admin\n")

    def test_no_token_401_with_challenge(self):
        status, hdrs, body = self.post()
        self.assertEqual((status, body),
                         (401, {"error": "a bearer token is required"}))
        self.assertEqual(hdrs["www-authenticate"], 'Bearer realm="assetd"')
        self.assertEqual(self.server.log_lines(), [])

    def test_unknown_token_401(self):
        for token in ("adt_" + "0" * 64, self.tok["issue"][:-1] + "x", ""):
            with self.subTest(token=token):
                status, hdrs, body = self.post(token)
                self.assertEqual(status, 401)
                self.assertIn(body["error"], ("unknown token",
                                              "a bearer token is required"))
        self.assertEqual(self.server.log_lines(), [])

    def test_read_role_may_not_issue_403(self):
        status, hdrs, body = self.post(self.tok["read"])
        self.assertEqual((status, body),
                         (403, {"error": "this token may only read"}))
        self.assertEqual(self.server.log_lines(), [])

    def test_issue_and_admin_roles_issue_and_are_recorded(self):
        self.assertEqual(self.post(self.tok["issue"])[0], 201)
        self.assertEqual(self.post(self.tok["admin"])[0], 201)
        lines = self.server.log_lines()
        self.assertEqual([json.loads(l)["by"] for l in lines],
                         ["issue-1", "admin-1"])
        self.assertRegex(lines[0], r'^\{"id":1,"event":"issued","at":"[^"]+",'
                                   r'"by":"issue-1","employee_name":')

    def test_every_path_and_method_needs_a_token(self):
        for method, path in (("GET", "/api/assets"), ("GET", "/nope"),
                             ("POST", "/api/assets/1"), ("HEAD", "/api/health"),
                             ("POST", "/"), ("GET", "/api/audit/head")):
            with self.subTest(method=method, path=path):
                status, hdrs, _ = self.server.request(method, path)
                self.assertEqual(status, 401)
                self.assertEqual(hdrs["www-authenticate"],
                                 'Bearer realm="assetd"')
        status, _, body = self.server.request(
            "GET", "/api/assets",
            headers={"Authorization": "Bearer " + self.tok["read"]})
        self.assertEqual((status, body),
                         (200, {"assets": [], "next_cursor": None}))
        # The page's own files are public: the page asks for a token.
        raw = self.server.raw(b"GET /app.js HTTP/1.1\r\nHost: t\r\n"
                              b"Connection: close\r\n\r\n")
        self.assertTrue(raw.startswith(b"HTTP/1.1 200 OK\r\n"))

    def test_failed_tokens_slowed_down_per_address(self):
        for i in range(20):
            self.assertEqual(self.post("adt_wrong%d" % i)[0], 401)
        status, hdrs, body = self.post("adt_wrong")
        self.assertEqual((status, body), (429, {
            "error": "too many failed tokens from this address; try again "
                     "later"}))
        self.assertTrue(1 <= int(hdrs["retry-after"]) <= 60)
        # Even a good token waits, from this address...
        self.assertEqual(self.post(self.tok["issue"])[0], 429)
        # ...but another client is not locked out.
        self.assertEqual(self.post(self.tok["issue"], "127.0.0.2")[0], 201)
        self.assertEqual(len(self.server.log_lines()), 1)

    def test_requests_without_a_token_are_not_counted(self):
        for _ in range(25):
            self.assertEqual(self.post()[0], 401)
        self.assertEqual(self.post(self.tok["issue"])[0], 201)

    def test_two_authorization_headers_400(self):
        raw = self.server.raw(post_bytes(
            BODY, b"Authorization: Bearer " + self.tok["issue"].encode() +
            b"\r\nAuthorization: Bearer adt_x\r\n"))
        (status, _, body), = parse_responses(raw)
        self.assertEqual((status, body), (400, {
            "error": "more than one Authorization header"}))
        self.assertEqual(self.server.log_lines(), [])

    def test_a_token_in_the_wrong_column_is_not_logged(self):
        secret = self.tok["admin"]
        with open(self.tokens_file, "a") as f:
            f.write("%s issue %s\n" % (secret, "0" * 64))
        time.sleep(1.2)
        self.assertEqual(self.post(self.tok["issue"])[0], 201)
        self.assertIn("bad name 'adt_...'", self.server.stderr())
        self.assertNotIn(secret[4:12], self.server.stderr())

    def test_changes_to_the_file_apply_without_restart(self):
        self.assertEqual(self.post(self.tok["issue"])[0], 201)
        self.token("revoke", "issue-1")
        new = self.token("add", "late", "issue").strip()
        time.sleep(1.2)
        self.assertEqual(self.post(self.tok["issue"])[0], 401)
        self.assertEqual(self.post(new)[0], 201)
        self.assertEqual(self.token("list"),
                         "read-1 read\nadmin-1 admin\nlate issue\n")

    def test_token_command_errors(self):
        self.token("add", "read-1", "issue", expect=1)
        self.token("add", "x", "root", expect=2)
        self.token("revoke", "nobody", expect=1)
        self.token("frobnicate", expect=2)
        p = subprocess.run([BIN, "token", "list"], capture_output=True,
                           text=True)
        self.assertEqual(p.returncode, 2)
        self.assertIn("no tokens_file is set", p.stderr)


class OpenServer(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="assetd-e2e-open-")

    def tearDown(self):
        shutil.rmtree(self.dir, ignore_errors=True)

    def test_refuses_non_loopback_without_tokens(self):
        s = Server(data_dir=self.dir, args=["--listen", "0.0.0.0:0"])
        s.start(expect_ok=False)
        self.assertEqual(s.wait_exit(), 1)
        self.assertIn("listen 0.0.0.0:0 is not a loopback address and no "
                      "tokens_file is set", s.stderr())
        self.assertEqual(os.listdir(self.dir), [])

    def test_allow_anonymous_starts_with_a_warning(self):
        s = Server(data_dir=self.dir, args=["--listen", "0.0.0.0:0"],
                   conf="allow_anonymous = yes\n")
        s.start(expect_ok=False)
        try:
            self.assertIn("allow_anonymous = yes: anyone who can reach "
                          "0.0.0.0:0 may issue assets", s.stderr())
            self.assertIsNone(s.proc.poll())
        finally:
            self.assertEqual(s.stop(), 0)
            os.unlink(self.dir + ".conf")

    def test_open_on_loopback_records_no_by(self):
        s = Server(data_dir=self.dir).start()
        try:
            self.assertEqual(s.post(GOOD)[0], 201)
            self.assertNotIn("by", s.records()[0])
        finally:
            s.cleanup()


NGINX_CONF = """
worker_processes 1;
pid %(dir)s/nginx.pid;
error_log %(dir)s/nginx-error.log;
daemon off;
events { worker_connections 64; }
http {
    access_log off;
    client_body_temp_path %(dir)s/body;
    proxy_temp_path %(dir)s/proxy;
    fastcgi_temp_path %(dir)s/fastcgi;
    uwsgi_temp_path %(dir)s/uwsgi;
    scgi_temp_path %(dir)s/scgi;
    server {
        listen 127.0.0.1:%(tls_port)d ssl;
        ssl_certificate %(dir)s/cert.pem;
        ssl_certificate_key %(dir)s/key.pem;
        ssl_protocols TLSv1.2 TLSv1.3;
        location / {
            proxy_pass http://127.0.0.1:%(port)d;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
            proxy_set_header Host $http_host;
            proxy_set_header X-Real-IP $remote_addr;
        }
    }
}
"""


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@unittest.skipUnless(shutil.which("nginx") or os.path.exists("/usr/sbin/nginx"),
                     "nginx is not installed (scripts/install-deps adds it)")
class TlsProxy(unittest.TestCase):
    """HTTPS as docs/TLS.md sets it up: nginx terminates TLS on loopback
    and passes requests, tokens included, to assetd."""

    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="assetd-e2e-tls-")
        os.chmod(self.dir, 0o755)
        self.data = os.path.join(self.dir, "data")
        os.mkdir(self.data)
        self.cert = os.path.join(self.dir, "cert.pem")
        subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048",
                        "-nodes", "-days", "1", "-subj", "/CN=127.0.0.1",
                        "-addext", "subjectAltName=IP:127.0.0.1",
                        "-keyout", os.path.join(self.dir, "key.pem"),
                        "-out", self.cert],
                       check=True, capture_output=True)
        tokens = os.path.join(self.dir, "tokens")
        conf = "tokens_file = %s\ntrusted_proxy = 127.0.0.1\n" % tokens
        with open(os.path.join(self.dir, "cli.conf"), "w") as f:
            f.write(conf)
        self.token = subprocess.run(
            [BIN, "-c", os.path.join(self.dir, "cli.conf"), "token", "add",
             "desk", "issue"], capture_output=True, text=True,
            check=True).stdout.strip()
        self.server = Server(data_dir=self.data, conf=conf).start()
        self.tls_port = free_port()
        conf = os.path.join(self.dir, "nginx.conf")
        with open(conf, "w") as f:
            f.write(NGINX_CONF % {"dir": self.dir, "port": self.server.port,
                                  "tls_port": self.tls_port})
        nginx = shutil.which("nginx") or "/usr/sbin/nginx"
        self.nginx = subprocess.Popen(
            [nginx, "-c", conf, "-e", os.path.join(self.dir, "nginx.err")],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", self.tls_port),
                                         timeout=1).close()
                break
            except OSError:
                time.sleep(0.1)

    def tearDown(self):
        self.nginx.terminate()
        self.nginx.wait(10)
        self.server.cleanup()
        shutil.rmtree(self.dir, ignore_errors=True)

    def https_post(self, token, source):
        p = subprocess.run(
            ["curl", "-sS", "--cacert", self.cert, "--interface", source,
             "-o", "/dev/null", "-w", "%{http_code}", "-X", "POST",
             "-H", "Authorization: Bearer " + token,
             "https://127.0.0.1:%d/api/assets" % self.tls_port,
             "--data-binary", BODY.decode()],
            capture_output=True, text=True, timeout=30)
        return int(p.stdout)

    def test_slow_down_counts_the_client_behind_the_proxy(self):
        for i in range(20):
            self.assertEqual(self.https_post("adt_bad%d" % i, "127.0.0.2"),
                             401)
        self.assertEqual(self.https_post("adt_bad", "127.0.0.2"), 429)
        self.assertEqual(self.https_post(self.token, "127.0.0.3"), 201)
        self.assertEqual([r["by"] for r in self.server.records()], ["desk"])

    def test_curl_over_https_through_nginx(self):
        p = subprocess.run(
            ["curl", "-sS", "--cacert", self.cert, "-X", "POST", "-D", "-",
             "-H", "Authorization: Bearer " + self.token,
             "https://127.0.0.1:%d/api/assets" % self.tls_port,
             "--data-binary", BODY.decode()],
            capture_output=True, text=True, timeout=30)
        self.assertEqual(p.returncode, 0, p.stderr)
        # text mode turns CRLF into LF
        self.assertTrue(p.stdout.startswith("HTTP/1.1 201 Created\n"),
                        p.stdout)
        self.assertIn("\nLocation: /api/assets/1\n", p.stdout)
        self.assertTrue(p.stdout.endswith(
            '{"message":"Asset issued","id":1}'))
        self.assertEqual(len(self.server.log_lines()), 1)

    def test_python_client_verifies_the_certificate(self):
        ctx = ssl.create_default_context(cafile=self.cert)
        conn = http.client.HTTPSConnection("127.0.0.1", self.tls_port,
                                           context=ctx, timeout=10)
        conn.request("POST", "/api/assets", body=BODY,
                     headers={"Authorization": "Bearer " + self.token})
        resp = conn.getresponse()
        self.assertEqual((resp.status, json.loads(resp.read())),
                         (201, {"message": "Asset issued", "id": 1}))
        self.assertIn(conn.sock.version(), ("TLSv1.2", "TLSv1.3"))
        conn.close()
        with self.assertRaises(ssl.SSLCertVerificationError):
            other = http.client.HTTPSConnection(
                "127.0.0.1", self.tls_port,
                context=ssl.create_default_context(), timeout=10)
            other.request("GET", "/")


if __name__ == "__main__":
    unittest.main()
