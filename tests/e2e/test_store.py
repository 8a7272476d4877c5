# SPDX-License-Identifier: MIT
"""The log and the counter seen from outside: concurrency, restarts,
recovery, one owner per directory, clean stops and failing disks."""
import concurrent.futures
import json
import os
import resource
import shutil
import signal
import socket
import tempfile
import threading
import time
import unittest
from concurrent.futures import ThreadPoolExecutor

from harness import (GOOD, DataDirTest, Server, ServerTest, parse_responses,
                     post_bytes)

BODY = json.dumps(GOOD).encode()


class Concurrency(ServerTest):
    def test_8_clients_200_each(self):
        def client(n):
            ids = []
            for i in range(200):
                status, _, body = self.server.post(
                    dict(GOOD, comments="client %d request %d" % (n, i)))
                self.assertEqual(status, 201)
                ids.append(body["id"])
            return ids

        with ThreadPoolExecutor(8) as pool:
            got = [i for ids in pool.map(client, range(8)) for i in ids]
        self.assertEqual(sorted(got), list(range(1, 1601)))
        recs = self.server.records()
        self.assertEqual([r["id"] for r in recs], list(range(1, 1601)))
        self.assertEqual(len({r["comments"] for r in recs}), 1600)
        with open(self.server.log_path, "rb") as f:
            self.assertEqual(f.read().count(b"\n"), 1600)


class Lifecycle(DataDirTest):
    prefix = "assetd-e2e-"

    def read(self, name):
        with open(self.path(name), "rb") as f:
            return f.read()

    def test_restart_continues_ids_and_counter_is_exact(self):
        s = self.start()
        for _ in range(3):
            s.post(GOOD)
        self.assertEqual(s.stop(), 0)
        self.assertEqual(self.read("counter"), b"3\n")
        s = self.start()
        self.assertEqual(s.post(GOOD)[2]["id"], 4)

    def test_no_id_reuse_after_last_line_removed(self):
        s = self.start()
        for _ in range(3):
            s.post(GOOD)
        s.stop()
        lines = self.read("assets.jsonl").splitlines(keepends=True)
        with open(self.path("assets.jsonl"), "wb") as f:
            f.writelines(lines[:2])
        s = self.start()
        self.assertEqual(s.post(GOOD)[2]["id"], 4)
        self.assertEqual([r["id"] for r in s.records()], [1, 2, 4])

    def test_kill_9_loses_no_acknowledged_record(self):
        s = self.start()
        acked = [s.post(GOOD)[2]["id"] for _ in range(20)]
        s.kill()
        s = self.start()
        ids = [r["id"] for r in s.records()]
        self.assertEqual(ids, acked)
        nxt = s.post(GOOD)[2]["id"]
        self.assertGreater(nxt, acked[-1])

    def test_torn_tail_set_aside_on_start(self):
        s = self.start()
        s.post(GOOD)
        s.stop()
        with open(self.path("assets.jsonl"), "ab") as f:
            f.write(b'{"id":2,"event":"issued","at":"2026-')
        s = self.start()
        self.assertIn("ended in a torn line (36 bytes at offset", s.stderr())
        self.assertEqual(self.read("assets.jsonl.torn"),
                         b'{"id":2,"event":"issued","at":"2026-\n')
        self.assertEqual(len(s.log_lines()), 1)
        self.assertEqual(s.post(GOOD)[2]["id"], 2)

    def test_damaged_middle_line_refuses_start(self):
        with open(self.path("assets.jsonl"), "wb") as f:
            line = (b'{"id":%d,"event":"issued","at":"2026-12-04T15:04:05Z",'
                    b'"employee_name":"A","employee_email":"a@example.com",'
                    b'"asset_type":"laptop","asset_model":"X1",'
                    b'"comments":""}\n')
            f.write(line % 1 + b"not json\n" + line % 3)
        s = Server(data_dir=self.dir)
        s.start(expect_ok=False)
        self.assertEqual(s.wait_exit(), 1)
        self.assertIn("%s/assets.jsonl:2: invalid JSON at offset 0"
                      % self.dir, s.stderr())

    def test_second_instance_refused(self):
        self.start()
        s2 = Server(data_dir=self.dir)
        s2.start(expect_ok=False)
        self.assertEqual(s2.wait_exit(), 1)
        self.assertIn("%s is in use by another assetd (lock assetd.lock)"
                      % self.dir, s2.stderr())

    def test_missing_data_dir_refused(self):
        s = Server(data_dir=self.path("missing"))
        s.start(expect_ok=False)
        self.assertEqual(s.wait_exit(), 1)
        self.assertIn("data directory %s: No such file or directory"
                      % self.path("missing"), s.stderr())

    def test_unwritable_data_dir_refused(self):
        if os.geteuid() == 0:
            # root writes anywhere; a read-only bind is not available, so
            # make the log path a directory: it cannot be opened to write.
            os.mkdir(self.path("assets.jsonl"))
            expect = "assets.jsonl: cannot open: Is a directory"
        else:
            os.chmod(self.dir, 0o500)
            expect = "cannot open: Permission denied"
        s = Server(data_dir=self.dir)
        s.start(expect_ok=False)
        self.assertEqual(s.wait_exit(), 1)
        self.assertIn(expect, s.stderr())

    def test_bad_config_names_file_and_line(self):
        s = Server(data_dir=self.dir,
                   conf="threads = 4\nlisten = 127.0.0.1:0\ncolour = blue\n")
        s.start(expect_ok=False)
        self.assertEqual(s.wait_exit(), 1)
        self.assertRegex(s.stderr(), r"error: config: \S+\.conf:3: "
                                     r"unknown key 'colour'")
        s.discard()

    def test_sigterm_finishes_request_in_flight(self):
        s = self.start()
        sock = socket.create_connection(("127.0.0.1", s.port), timeout=10)
        # The 100 Continue comes from the handler: once it is read, the
        # request is in flight (not still queued inside CivetWeb).
        sock.sendall(b"POST /api/assets HTTP/1.1\r\nHost: t\r\n"
                     b"Expect: 100-continue\r\n"
                     b"Content-Length: %d\r\n\r\n" % len(BODY))
        self.assertEqual(sock.recv(100), b"HTTP/1.1 100 Continue\r\n\r\n")
        sock.sendall(BODY[:20])
        time.sleep(0.3)
        s.proc.send_signal(signal.SIGTERM)
        time.sleep(0.3)
        sock.sendall(BODY[20:])
        data = b""
        while True:
            chunk = sock.recv(4096)
            if not chunk:
                break
            data += chunk
        sock.close()
        (status, _, body), = parse_responses(data)
        self.assertEqual((status, body), (201, {"message": "Asset issued",
                                                "id": 1}))
        self.assertEqual(s.wait_exit(), 0)
        self.assertEqual(len(s.log_lines()), 1)
        self.assertEqual(self.read("counter"), b"1\n")

    def test_counter_past_the_largest_id_refused(self):
        for value in (b"9007199254740992\n", b"18446744073709551000\n"):
            with open(self.path("counter"), "wb") as f:
                f.write(value)
            s = Server(data_dir=self.dir)
            s.start(expect_ok=False)
            self.assertEqual(s.wait_exit(), 1)
            self.assertIn("counter: not a number from 0 to 9007199254740991",
                          s.stderr())

    def test_bad_flag_exits_2_and_bad_access_log_exits_1(self):
        s = Server(data_dir=self.dir, args=["--listen", "localhost:1"])
        s.start(expect_ok=False)
        self.assertEqual(s.wait_exit(), 2)
        self.assertIn("error: command line: listen must be "
                      "IPv4-address:port, e.g. 127.0.0.1:8080", s.stderr())
        s = Server(data_dir=self.dir,
                   conf="access_log = %s/no/such/dir.log\n" % self.dir)
        s.start(expect_ok=False)
        self.assertEqual(s.wait_exit(), 1)
        self.assertIn("access_log %s/no/such/dir.log: cannot open: No such "
                      "file or directory" % self.dir, s.stderr())
        s.discard()

    def test_sigint_exits_0(self):
        s = self.start()
        self.assertEqual(s.stop(signal.SIGINT), 0)


class FailingDisk(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="assetd-e2e-")

    def tearDown(self):
        self.server.cleanup()
        shutil.rmtree(self.dir, ignore_errors=True)

    def test_full_disk_503_then_recovers(self):
        self.server = Server(data_dir=self.dir).start()
        s = self.server
        self.assertEqual(s.post(GOOD)[2]["id"], 1)
        size = os.path.getsize(s.log_path)
        # A file-size limit on the running server: the next line is cut
        # short by the kernel, exactly as on a full disk.
        resource.prlimit(s.proc.pid, resource.RLIMIT_FSIZE,
                         (size + 50, resource.RLIM_INFINITY))
        for _ in range(3):
            status, _, body = s.post(GOOD)
            self.assertEqual(status, 503)
            self.assertEqual(body, {"error": "the log cannot be written "
                                             "(disk full?); nothing was "
                                             "written; try again later"})
            self.assertEqual(os.path.getsize(s.log_path), size)
        resource.prlimit(s.proc.pid, resource.RLIMIT_FSIZE,
                         (resource.RLIM_INFINITY, resource.RLIM_INFINITY))
        self.assertEqual(s.post(GOOD)[2]["id"], 2)
        self.assertEqual([r["id"] for r in s.records()], [1, 2])
        # Three failures, logged once; then the recovery.
        failed = [l for l in s.stderr_lines if "append to" in l]
        self.assertEqual(len(failed), 1, s.stderr())
        self.assertTrue(failed[0].endswith(
            "error: store: append to %s failed: File too large (not logged "
            "again until it works or fails otherwise)" % s.log_path),
            failed[0])
        self.assertIn("store: appends to %s work again" % s.log_path,
                      s.stderr())

    def test_starts_on_a_full_disk_and_issues_once_it_has_room(self):
        first = Server(data_dir=self.dir).start()
        self.assertEqual([first.post(GOOD)[2]["id"] for _ in range(2)],
                         [1, 2])
        self.assertEqual(first.stop(), 0)
        size = os.path.getsize(first.log_path)

        # No file may grow at all from the start, as on a full disk: the
        # counter's reservation cannot be written.
        def no_room():
            resource.setrlimit(resource.RLIMIT_FSIZE,
                               (0, resource.RLIM_INFINITY))
        self.server = Server(data_dir=self.dir, preexec=no_room).start()
        s = self.server
        self.assertIn("no new ids until %s/counter can be written"
                      % self.dir, s.stderr())
        status, _, body = s.request("GET", "/api/assets/2")
        self.assertEqual((status, body["id"]), (200, 2))
        for _ in range(2):
            self.assertEqual(s.post(GOOD)[::2], (503, {
                "error": "the id counter cannot be written; nothing was "
                         "written; try again later"}))
        # Many at once: every one is answered, none waits for ever.
        with concurrent.futures.ThreadPoolExecutor(8) as pool:
            replies = list(pool.map(lambda _: s.post(GOOD)[::2], range(8)))
        self.assertEqual(replies, [(503, {
            "error": "the id counter cannot be written; nothing was "
                     "written; try again later"})] * 8)
        self.assertEqual(os.path.getsize(s.log_path), size)
        self.assertEqual(self.read_counter(), b"2\n")
        # Each request tried again, but the failure is logged once.
        failures = [l for l in s.stderr_lines if "cannot write" in l]
        self.assertEqual(len(failures), 1, s.stderr())
        self.assertTrue(failures[0].endswith(
            "error: store: cannot write %s/counter.tmp: File too large "
            "(not logged again until it works or fails otherwise)"
            % self.dir), failures[0])

        resource.prlimit(s.proc.pid, resource.RLIMIT_FSIZE,
                         (resource.RLIM_INFINITY, resource.RLIM_INFINITY))
        self.assertEqual(s.post(GOOD)[2]["id"], 3)
        self.assertEqual(self.read_counter(), b"1003\n")
        self.assertIn("store: %s/counter written again" % self.dir,
                      s.stderr())
        self.assertEqual(s.stop(), 0)
        self.assertEqual(self.read_counter(), b"3\n")
        self.assertEqual([r["id"] for r in s.records()], [1, 2, 3])

    def test_a_torn_tail_on_a_full_disk_waits_for_a_restart(self):
        first = Server(data_dir=self.dir).start()
        self.assertEqual(first.post(GOOD)[2]["id"], 1)
        self.assertEqual(first.stop(), 0)
        with open(first.log_path, "ab") as f:
            f.write(b'{"id":2,"event":"iss')
        size = os.path.getsize(first.log_path)

        def no_room():
            resource.setrlimit(resource.RLIMIT_FSIZE,
                               (0, resource.RLIM_INFINITY))
        s = Server(data_dir=self.dir, preexec=no_room).start()
        self.assertIn("cannot save torn line: File too large; serving "
                      "reads, refusing writes until a restart can set it "
                      "aside", s.stderr())
        self.assertEqual(s.request("GET", "/api/assets/1")[0], 200)
        self.assertEqual(s.post(GOOD)[::2], (503, {
            "error": "the log cannot be written safely; nothing was "
                     "written; the server needs a restart"}))
        self.assertEqual(os.path.getsize(s.log_path), size)
        self.assertEqual(
            os.path.getsize(os.path.join(self.dir, "assets.jsonl.torn")), 0)
        self.assertEqual(s.stop(), 0)
        self.assertIn("store: closed %s without recording the last id 1; "
                      "the next start goes on past the counter's "
                      "reservation" % self.dir, s.stderr())

        self.server = Server(data_dir=self.dir).start()
        self.assertEqual(self.server.post(GOOD)[2]["id"], 2)
        with open(os.path.join(self.dir, "assets.jsonl.torn"), "rb") as f:
            self.assertEqual(f.read(), b'{"id":2,"event":"iss\n')

    def read_counter(self):
        with open(os.path.join(self.dir, "counter"), "rb") as f:
            return f.read()

    def test_failed_sync_503_until_restart(self):
        self.server = Server(data_dir=self.dir,
                             env={"ASSETD_TEST_FAIL_SYNC": "2"}).start()
        s = self.server
        self.assertEqual(s.post(GOOD)[0], 201)
        self.assertEqual(s.request("GET", "/api/health")[::2],
                         (200, {"status": "ok", "records": 1, "last_id": 1}))
        # The request whose sync failed cannot know whether its line
        # survives; the next one is refused before anything is written.
        status, _, body = s.post(GOOD)
        self.assertEqual((status, body), (503, {
            "error": "the log could not be synced: this request may or "
                     "may not be recorded (after the restart, look it up "
                     "or retry with the same Idempotency-Key); the server "
                     "needs a restart"}))
        size = os.path.getsize(s.log_path)
        status, _, body = s.post(GOOD)
        self.assertEqual((status, body), (503, {
            "error": "the log cannot be written safely; nothing was "
                     "written; the server needs a restart"}))
        self.assertEqual(os.path.getsize(s.log_path), size)
        # Health says so; a return is refused the same way; reads work.
        self.assertEqual(s.request("GET", "/api/health")[::2], (503, {
            "status": "failing", "records": 2, "last_id": 2,
            "error": "the log cannot be written safely; the server needs "
                     "a restart"}))
        status, _, body = s.request("POST", "/api/assets/1/return")
        self.assertEqual((status, body["error"]),
                         (503, "the log cannot be written safely; nothing "
                               "was written; the server needs a restart"))
        self.assertEqual(s.request("GET", "/api/assets/1")[0], 200)
        self.assertEqual(s.stop(), 0)
        self.server = Server(data_dir=self.dir).start()
        status, _, body = self.server.post(GOOD)
        self.assertEqual(status, 201)
        self.assertGreater(body["id"], 2)


if __name__ == "__main__":
    unittest.main()
