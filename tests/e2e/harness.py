# SPDX-License-Identifier: MIT
"""Start the real build/assetd on a loopback port and talk HTTP to it.

Every server runs on 127.0.0.1 with port 0 (the kernel picks a free one;
the port is read from the server's "listening on" line) and a temporary
data directory that is removed afterwards. Nothing here talks to any
other address.
"""
import http.client
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import tempfile
import threading
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
TOP = os.path.dirname(os.path.dirname(HERE))
BIN = os.environ.get("ASSETD_BIN", os.path.join(TOP, "build", "assetd"))
CORPUS = os.environ.get(
    "ASSETD_JSON_CORPUS",
    os.path.join(TOP, "tests", "conformance", "JSONTestSuite",
                 "test_parsing"))

GOOD = {
    "employee_name": "Ada Lovelace",
    "employee_email": "ada@example.com",
    "asset_type": "laptop",
    "asset_model": "ThinkPad X1",
}


class Server:
    """One assetd process with its own data directory."""

    def __init__(self, data_dir=None, args=(), env=None, conf=None,
                 preexec=None):
        self.owns_dir = data_dir is None
        self.data_dir = data_dir or tempfile.mkdtemp(prefix="assetd-e2e-")
        self.args = list(args)
        self.env = dict(os.environ, **(env or {}))
        self.conf = conf
        self.preexec = preexec  # run in the child before exec
        self.proc = None
        self.port = None
        self.stderr_lines = []
        self._reader = None

    @property
    def log_path(self):
        return os.path.join(self.data_dir, "assets.jsonl")

    def start(self, expect_ok=True, timeout=10):
        cmd = [BIN, "--listen", "127.0.0.1:0", "--data-dir", self.data_dir]
        if self.conf is not None:
            path = os.path.join(self.data_dir, "..",
                                os.path.basename(self.data_dir) + ".conf")
            with open(path, "w") as f:
                f.write(self.conf)
            cmd += ["-c", path]
        cmd += self.args
        self.proc = subprocess.Popen(cmd, stderr=subprocess.PIPE,
                                     stdout=subprocess.DEVNULL, env=self.env,
                                     preexec_fn=self.preexec)
        ready = threading.Event()

        def read():
            for raw in self.proc.stderr:
                line = raw.decode("utf-8", "replace").rstrip("\n")
                self.stderr_lines.append(line)
                m = re.search(r"listening on 127\.0\.0\.1:(\d+)", line)
                if m:
                    self.port = int(m.group(1))
                    ready.set()
            ready.set()

        self._reader = threading.Thread(target=read, daemon=True)
        self._reader.start()
        ready.wait(timeout)
        if expect_ok and self.port is None:
            self.stop()
            raise AssertionError("assetd did not start:\n" + self.stderr())
        return self

    def check_sanitizers(self):
        text = self.stderr()
        for marker in ("ERROR: AddressSanitizer", "ERROR: LeakSanitizer",
                       "runtime error:"):
            if marker in text:
                raise AssertionError("sanitizer report:\n" + text)

    def stderr(self):
        return "\n".join(self.stderr_lines)

    def wait_exit(self, timeout=10):
        code = self.proc.wait(timeout)
        self._reader.join(5)
        self.proc.stderr.close()
        return code

    def stop(self, sig=signal.SIGTERM, timeout=15):
        if self.proc is None or self.proc.poll() is not None:
            return self.proc.returncode if self.proc else None
        self.proc.send_signal(sig)
        return self.wait_exit(timeout)

    def kill(self):
        return self.stop(signal.SIGKILL)

    def discard(self):
        """For a server that was meant to fail to start: checks the
        sanitizers and removes the files it was given."""
        self.check_sanitizers()
        if self.owns_dir:
            shutil.rmtree(self.data_dir, ignore_errors=True)
        conf = self.data_dir.rstrip("/") + ".conf"
        if self.conf is not None and os.path.exists(conf):
            os.unlink(conf)

    def cleanup(self):
        """Stops the server and fails if it did not exit cleanly or a
        sanitizer reported anything."""
        killed = self.proc is not None and self.proc.returncode == -9
        code = self.stop()
        self.check_sanitizers()
        if code is not None and not killed and code != 0:
            raise AssertionError("assetd exited %s:\n%s"
                                 % (code, self.stderr()))
        if self.owns_dir:
            shutil.rmtree(self.data_dir, ignore_errors=True)
        conf = self.data_dir.rstrip("/") + ".conf"
        if self.conf is not None and os.path.exists(conf):
            os.unlink(conf)

    # ---- HTTP ----

    def request(self, method, path, body=None, headers=None, timeout=10):
        """Returns (status, headers dict lowercased, parsed JSON body)."""
        conn = http.client.HTTPConnection("127.0.0.1", self.port,
                                          timeout=timeout)
        try:
            if isinstance(body, (dict, list)):
                body = json.dumps(body)
            if isinstance(body, str):
                body = body.encode("utf-8")
            conn.request(method, path, body=body, headers=headers or {})
            resp = conn.getresponse()
            raw = resp.read()
            hdrs = {k.lower(): v for k, v in resp.getheaders()}
            return resp.status, hdrs, json.loads(raw) if raw else None
        finally:
            conn.close()

    def post(self, body, headers=None):
        return self.request("POST", "/api/assets", body, headers)

    def raw(self, data, timeout=5, shutdown=False):
        """Sends raw bytes, returns every byte the server sends back
        until it closes or goes quiet for `timeout` seconds."""
        with socket.create_connection(("127.0.0.1", self.port),
                                      timeout=timeout) as s:
            s.sendall(data)
            if shutdown:
                s.shutdown(socket.SHUT_WR)
            return read_all(s)

    def log_lines(self):
        if not os.path.exists(self.log_path):
            return []
        with open(self.log_path, "rb") as f:
            return f.read().decode("utf-8").splitlines()

    def records(self):
        return [json.loads(line) for line in self.log_lines()]


def read_all(sock):
    chunks = []
    while True:
        try:
            data = sock.recv(65536)
        except socket.timeout:
            break
        except ConnectionResetError:
            break
        if not data:
            break
        chunks.append(data)
    return b"".join(chunks)


def parse_responses(data):
    """Splits raw bytes into [(status, headers, json_body)], using each
    reply's Content-Length."""
    out = []
    while data:
        head, sep, rest = data.partition(b"\r\n\r\n")
        if not sep:
            raise AssertionError("incomplete reply: %r" % data[:200])
        lines = head.decode("latin-1").split("\r\n")
        status = int(lines[0].split()[1])
        hdrs = {}
        for line in lines[1:]:
            k, _, v = line.partition(":")
            hdrs[k.strip().lower()] = v.strip()
        if status == 100:
            data = rest
            out.append((100, hdrs, None))
            continue
        n = int(hdrs["content-length"])
        body, data = rest[:n], rest[n:]
        out.append((status, hdrs, json.loads(body) if body else None))
    return out


def post_bytes(body, extra=b""):
    """A raw POST /api/assets with Content-Length."""
    return (b"POST /api/assets HTTP/1.1\r\nHost: t\r\n" + extra +
            b"Content-Length: " + str(len(body)).encode() + b"\r\n\r\n" +
            body)


class ServerTest(unittest.TestCase):
    """A test case with a fresh server per test."""

    server_args = ()
    server_env = None

    def setUp(self):
        self.server = Server(args=self.server_args, env=self.server_env)
        self.server.start()

    def tearDown(self):
        self.server.cleanup()

    def assertError(self, reply, status, message):
        self.assertEqual(reply[0], status)
        self.assertEqual(reply[1].get("content-type"), "application/json")
        self.assertEqual(reply[2], {"error": message})

    def assertNothingWritten(self):
        self.assertEqual(self.server.log_lines(), [])


class DataDirTest(unittest.TestCase):
    """A test case with one data directory that servers are started on,
    stopped, killed and started again (start() adds one each time)."""

    prefix = "assetd-e2e-"

    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix=self.prefix)
        self.servers = []

    def tearDown(self):
        for s in self.servers:
            s.cleanup()
        shutil.rmtree(self.dir, ignore_errors=True)

    def start(self, **kw):
        s = Server(data_dir=self.dir, **kw)
        self.servers.append(s)
        return s.start()

    def path(self, name):
        return os.path.join(self.dir, name)
