# SPDX-License-Identifier: MIT
"""HTTP framing, routing and replies, sent as raw bytes to the real
server so that nothing in a client library smooths them over."""
import http.client
import json
import os
import socket
import threading
import time
import unittest

from harness import GOOD, ServerTest, parse_responses, post_bytes, read_all

BODY = json.dumps(GOOD).encode()
HEAD = b"POST /api/assets HTTP/1.1\r\nHost: t\r\n"


class Routing(ServerTest):
    def test_unknown_paths_404_json(self):
        for path in ("/index.html", "/api/assetsx", "/API/ASSETS",
                     "/api/assets/", "/api/assets/1/x", "/assets.conf",
                     "/data/assets.jsonl", "/../assets.conf", "/favicon.ico",
                     "/web/app.js", "/app.js/", "/%61pp.js"):
            for method in ("GET", "POST"):
                with self.subTest(path=path, method=method):
                    reply = self.server.request(method, path, body=b"{}")
                    self.assertError(reply, 404, "no such endpoint")
        self.assertNothingWritten()

    def test_posts_from_another_sites_page_refused(self):
        # A browser sends Origin with every cross-site POST; without
        # tokens that is all that stops another page writing here.
        own = "http://127.0.0.1:%d" % self.server.port
        body = json.dumps(GOOD).encode()
        for origin in ("http://evil.example", "http://127.0.0.1:1",
                       "null", own + "/", "https://127.0.0.1",
                       "file://"):
            for path in ("/api/assets", "/api/assets/1/return"):
                with self.subTest(origin=origin, path=path):
                    reply = self.server.request(
                        "POST", path, body=body,
                        headers={"Origin": origin})
                    self.assertError(reply, 403, "a POST from another "
                                     "site's page is refused (Origin is "
                                     "not this server)")
        self.assertNothingWritten()
        for origin in (own, own.upper().replace("HTTP", "http"),
                       "https://127.0.0.1:%d" % self.server.port):
            with self.subTest(origin=origin):
                self.assertEqual(self.server.request(
                    "POST", "/api/assets", body=body,
                    headers={"Origin": origin})[0], 201)

    def test_one_origin_and_one_host(self):
        own = b"http://127.0.0.1:%d" % self.server.port
        body = json.dumps(GOOD).encode()
        for extra in (b"Origin: " + own + b"\r\nOrigin: http://evil.example"
                      b"\r\n", b"Host: other.example\r\n"):
            with self.subTest(extra=extra):
                raw = self.server.raw(post_bytes(body, extra))
                status, _, reply = parse_responses(raw)[0]
                name = extra.split(b":")[0].decode()
                self.assertEqual((status, reply), (400, {
                    "error": "more than one %s header" % name}))
        self.assertNothingWritten()

    def test_no_cors_preflight(self):
        raw = self.server.raw(
            b"OPTIONS /api/assets HTTP/1.1\r\nHost: t\r\n"
            b"Origin: http://evil.example\r\n"
            b"Access-Control-Request-Method: POST\r\n"
            b"Access-Control-Request-Headers: content-type\r\n"
            b"Connection: close\r\n\r\n")
        self.assertTrue(raw.startswith(b"HTTP/1.1 405 "), raw[:40])
        self.assertNotIn(b"Access-Control-Allow", raw)

    def test_status_lines_name_the_status(self):
        key = b"Idempotency-Key: k-1\r\n"
        self.assertTrue(self.server.raw(post_bytes(
            json.dumps(GOOD).encode(), key))
                        .startswith(b"HTTP/1.1 201 Created\r\n"))
        other = json.dumps(dict(GOOD, asset_type="phone")).encode()
        self.assertTrue(self.server.raw(post_bytes(other, key)).startswith(
            b"HTTP/1.1 422 Unprocessable Content\r\n"))
        big = b"POST /api/assets HTTP/1.1\r\nHost: t\r\n" \
              b"Content-Length: 99999999\r\n\r\n"
        self.assertTrue(self.server.raw(big).startswith(
            b"HTTP/1.1 413 Content Too Large\r\n"))

    def test_parameters_only_where_read(self):
        self.assertEqual(self.server.post(GOOD)[0], 201)
        for path, name in (("/api/assets/1?x=1", "x"),
                           ("/api/health?verbose", "verbose"),
                           ("/api/audit/head?a=&b=", "a"),
                           ("/api/employees/ada@example.com/assets?"
                            "status=returned", "status"),
                           ("/api/openapi.yaml?v=3", "v")):
            with self.subTest(path=path):
                self.assertError(self.server.request("GET", path), 400,
                                 'unknown parameter "%s"' % name)
        self.assertError(self.server.request(
            "POST", "/api/assets/1/return?force=1"), 400,
            'unknown parameter "force"')
        self.assertEqual(self.server.request("GET", "/api/assets/1?")[0],
                         200)
        self.assertEqual(len(self.server.log_lines()), 1)

    def test_page_files_with_a_strict_policy(self):
        top = os.path.dirname(os.path.dirname(os.path.dirname(
            os.path.abspath(__file__))))
        for path, name, kind in (("/", "index.html", "text/html"),
                                 ("/app.js", "app.js", "text/javascript"),
                                 ("/style.css", "style.css", "text/css")):
            with self.subTest(path=path):
                conn = http.client.HTTPConnection("127.0.0.1",
                                                  self.server.port)
                conn.request("GET", path)
                resp = conn.getresponse()
                body = resp.read()
                conn.close()
                with open(os.path.join(top, "web", name), "rb") as f:
                    self.assertEqual(body, f.read())
                self.assertEqual(resp.status, 200)
                self.assertEqual(resp.getheader("Content-Type"),
                                 kind + "; charset=utf-8")
                self.assertEqual(
                    resp.getheader("Content-Security-Policy"),
                    "default-src 'none'; script-src 'self'; "
                    "style-src 'self'; img-src 'self'; connect-src 'self'; "
                    "base-uri 'none'; form-action 'none'; "
                    "frame-ancestors 'none'")
                self.assertEqual(resp.getheader("X-Content-Type-Options"),
                                 "nosniff")
        # A body sent with a page GET is not read: the connection closes
        # so it is never taken for a request.
        raw = self.server.raw(b"GET / HTTP/1.1\r\nHost: t\r\n"
                              b"Content-Length: 40\r\n\r\n"
                              b"POST /api/assets HTTP/1.1\r\nHost: t\r\n")
        self.assertIn(b"Connection: close\r\n", raw)
        self.assertEqual(raw.count(b"HTTP/1.1 "), 1)
        self.assertNothingWritten()

    def test_other_methods_405_with_allow(self):
        cases = [("/api/assets", "GET, HEAD, POST"),
                 ("/api/assets/1/return", "POST"),
                 ("/api/assets/1", "GET, HEAD"),
                 ("/api/health", "GET, HEAD")]
        for path, allow in cases:
            for method in ("GET", "POST", "PUT", "DELETE", "PATCH"):
                if method in allow:
                    continue
                with self.subTest(method=method, path=path):
                    reply = self.server.request(method, path, body=b"{}")
                    self.assertError(reply, 405,
                                     "method not allowed; use " + allow)
                    self.assertEqual(reply[1]["allow"], allow)
        self.assertNothingWritten()

    def test_head_has_headers_only(self):
        raw = self.server.raw(b"HEAD /nothing HTTP/1.1\r\nHost: t\r\n"
                              b"Connection: close\r\n\r\n")
        head, _, rest = raw.partition(b"\r\n\r\n")
        self.assertTrue(head.startswith(b"HTTP/1.1 404 "))
        self.assertEqual(rest, b"")

    def test_malformed_request_line_is_json(self):
        raw = self.server.raw(b"GARBAGE\r\n\r\n")
        status, hdrs, body = parse_responses(raw)[0]
        self.assertEqual(status, 400)
        self.assertEqual(hdrs["content-type"], "application/json")
        self.assertEqual(body, {"error": "malformed HTTP request"})

    def test_oversized_headers_are_json(self):
        raw = self.server.raw(b"GET /api/assets HTTP/1.1\r\nX-Big: " +
                              b"a" * 20000 + b"\r\n\r\n")
        status, hdrs, body = parse_responses(raw)[0]
        self.assertEqual(status, 400)
        self.assertEqual(hdrs["content-type"], "application/json")
        self.assertEqual(body, {"error": "malformed HTTP request"})

    def test_encoded_paths_are_not_decoded(self):
        for path in (b"/api/%61ssets", b"/api/assets%00", b"/api%2Fassets"):
            with self.subTest(path=path):
                raw = self.server.raw(b"POST " + path + b" HTTP/1.1\r\n"
                                      b"Host: t\r\nConnection: close\r\n"
                                      b"Content-Length: %d\r\n\r\n"
                                      % len(BODY) + BODY)
                (status, _, body), = parse_responses(raw)
                self.assertEqual((status, body),
                                 (404, {"error": "no such endpoint"}))
        self.assertNothingWritten()

    def test_http11_needs_host(self):
        raw = self.server.raw(b"POST /api/assets HTTP/1.1\r\n"
                              b"Content-Length: %d\r\n\r\n" % len(BODY) +
                              BODY)
        (status, _, body), = parse_responses(raw)
        self.assertEqual((status, body), (400, {
            "error": "HTTP/1.1 requests need a Host header"}))
        raw = self.server.raw(b"POST /api/assets HTTP/1.0\r\n"
                              b"Content-Length: %d\r\n\r\n" % len(BODY) +
                              BODY)
        (status, _, body), = parse_responses(raw)
        self.assertEqual(status, 201)

    def test_websocket_upgrade_is_json_404(self):
        raw = self.server.raw(b"GET /api/assets HTTP/1.1\r\nHost: t\r\n"
                              b"Upgrade: websocket\r\nConnection: Upgrade"
                              b"\r\nSec-WebSocket-Key: dGhlIHNhbXBsZQ==\r\n"
                              b"Sec-WebSocket-Version: 13\r\n\r\n")
        (status, hdrs, body), = parse_responses(raw)
        self.assertEqual((status, body), (404, {"error": "no such endpoint"}))
        self.assertEqual(hdrs["content-type"], "application/json")

    def test_http2_preface_and_bad_version_are_json(self):
        raw = self.server.raw(b"GET /api/assets HTTP/3.0\r\n\r\n")
        status, hdrs, body = parse_responses(raw)[0]
        self.assertEqual(status, 505)
        self.assertEqual(body, {"error": "HTTP version not supported; "
                                         "use HTTP/1.1"})


class Framing(ServerTest):
    def one(self, data, **kw):
        return parse_responses(self.server.raw(data, **kw))

    def test_content_length_body(self):
        (status, _, body), = self.one(post_bytes(BODY, b"Connection: close\r\n"))
        self.assertEqual((status, body), (201, {"message": "Asset issued",
                                                "id": 1}))

    def test_chunked_body(self):
        half = len(BODY) // 2
        data = (HEAD + b"Transfer-Encoding: chunked\r\nConnection: close\r\n"
                b"\r\n" + b"%x\r\n" % half + BODY[:half] + b"\r\n" +
                b"%x\r\n" % (len(BODY) - half) + BODY[half:] + b"\r\n0\r\n\r\n")
        (status, _, body), = self.one(data)
        self.assertEqual((status, body), (201, {"message": "Asset issued",
                                                "id": 1}))

    def test_no_length_411(self):
        replies = self.one(HEAD + b"\r\n" + BODY)
        self.assertEqual(replies[0][0], 411)
        self.assertEqual(replies[0][2], {
            "error": "a body needs Content-Length or chunked "
                     "Transfer-Encoding"})
        self.assertEqual(replies[0][1]["connection"], "close")
        self.assertEqual(len(replies), 1)
        self.assertNothingWritten()

    def test_two_content_lengths_400(self):
        data = (HEAD + b"Content-Length: %d\r\nContent-Length: 2\r\n\r\n"
                % len(BODY) + BODY)
        replies = self.one(data)
        self.assertEqual([r[0] for r in replies], [400])
        self.assertEqual(replies[0][2], {
            "error": "more than one Content-Length header"})
        self.assertNothingWritten()

    def test_content_length_with_transfer_encoding_400(self):
        data = (HEAD + b"Content-Length: %d\r\nTransfer-Encoding: chunked"
                b"\r\n\r\n" % len(BODY) + BODY)
        replies = self.one(data)
        self.assertEqual([r[0] for r in replies], [400])
        self.assertEqual(replies[0][2], {
            "error": "Content-Length together with Transfer-Encoding is "
                     "ambiguous"})
        self.assertNothingWritten()

    def test_bad_content_length_values(self):
        for value in (b"2abc", b"+2", b"-1", b" ", b"0x10", b"1 2",
                      b"99999999999999999999"):
            with self.subTest(value=value):
                data = HEAD + b"Content-Length: " + value + b"\r\n\r\n{}"
                (status, _, body), = self.one(data)
                self.assertEqual(status, 400 if value != b"-1" else status)
                self.assertIn("error", body)
        self.assertNothingWritten()

    def test_space_before_colon_400(self):
        data = HEAD + b"Content-Length : 2\r\n\r\n{}"
        (status, _, body), = self.one(data)
        self.assertEqual(status, 400)
        self.assertNothingWritten()

    def test_other_transfer_encodings_400(self):
        for te in (b"gzip", b"chunked, gzip", b"xchunked"):
            with self.subTest(te=te):
                data = HEAD + b"Transfer-Encoding: " + te + b"\r\n\r\n0\r\n\r\n"
                (status, _, body), = self.one(data)
                self.assertEqual(status, 400)
        self.assertNothingWritten()

    def test_bad_chunks_400(self):
        for chunks in (b"zz\r\n{}\r\n0\r\n\r\n", b"2;ext=1\r\n{}\r\n0\r\n\r\n",
                       b"-2\r\n{}\r\n0\r\n\r\n"):
            with self.subTest(chunks=chunks):
                data = (HEAD + b"Transfer-Encoding: chunked\r\n\r\n" +
                        chunks)
                (status, _, body), = self.one(data)
                self.assertEqual(status, 400)
                self.assertEqual(body, {"error": "malformed chunked body"})
        self.assertNothingWritten()

    def test_body_shorter_than_declared_client_leaves(self):
        data = HEAD + b"Content-Length: %d\r\n\r\n" % len(BODY) + BODY[:-5]
        (status, _, body), = self.one(data, shutdown=True)
        self.assertEqual(status, 400)
        self.assertEqual(body, {"error": "request body ended after %d of "
                                         "%d bytes" % (len(BODY) - 5,
                                                       len(BODY))})
        self.assertNothingWritten()

    def test_too_large_413_at_once(self):
        data = HEAD + b"Content-Length: 65537\r\n\r\n"
        (status, hdrs, body), = self.one(data)
        self.assertEqual(status, 413)
        self.assertEqual(body, {"error": "request body is larger than "
                                         "65536 bytes"})
        self.assertEqual(hdrs["connection"], "close")

    def test_chunked_too_large_413(self):
        chunk = b"a" * 4096
        data = (HEAD + b"Transfer-Encoding: chunked\r\n\r\n" +
                (b"1000\r\n" + chunk + b"\r\n") * 17 + b"0\r\n\r\n")
        (status, _, body), = self.one(data)
        self.assertEqual(status, 413)
        self.assertNothingWritten()

    def test_body_at_limit_is_read(self):
        pad = 65536 - len(BODY) - len(', "pad": ""')
        body = BODY[:-1] + b', "pad": "' + b"p" * pad + b'"}'
        self.assertEqual(len(body), 65536)
        (status, _, _), = self.one(post_bytes(body, b"Connection: close\r\n"))
        self.assertEqual(status, 201)

    def test_expect_100_continue(self):
        with socket.create_connection(("127.0.0.1", self.server.port),
                                      timeout=5) as s:
            s.sendall(HEAD + b"Expect: 100-continue\r\nConnection: close\r\n"
                      b"Content-Length: %d\r\n\r\n" % len(BODY))
            first = s.recv(100)
            self.assertEqual(first, b"HTTP/1.1 100 Continue\r\n\r\n")
            s.sendall(BODY)
            replies = parse_responses(read_all(s))
        self.assertEqual(replies[0][0], 201)

    def test_expect_other_417(self):
        (status, _, body), = self.one(post_bytes(BODY, b"Expect: magic\r\n"))
        self.assertEqual(status, 417)
        self.assertNothingWritten()

    def test_pipelined_requests_each_answered(self):
        data = (post_bytes(BODY) + b"GET /nope HTTP/1.1\r\nHost: t\r\n\r\n" +
                post_bytes(b"{}") + post_bytes(BODY, b"Connection: close\r\n"))
        replies = self.one(data)
        self.assertEqual([r[0] for r in replies], [201, 404, 400, 201])
        self.assertEqual([r[2].get("id") for r in replies], [1, None, None, 2])

    def test_many_headers_431(self):
        extra = b"".join(b"X-H%d: v\r\n" % i for i in range(70))
        (status, _, body), = self.one(post_bytes(BODY, extra))
        self.assertEqual(status, 431)
        self.assertEqual(body, {"error": "too many header fields (limit 63)"})
        self.assertNothingWritten()


class Deadlines(ServerTest):

    def setUp(self):
        from harness import Server
        self.server = Server(conf="request_timeout_ms = 1000\n")
        self.server.start()

    def test_stalled_body_400(self):
        with socket.create_connection(("127.0.0.1", self.server.port),
                                      timeout=10) as s:
            s.sendall(HEAD + b"Content-Length: %d\r\n\r\n" % len(BODY) +
                      BODY[:10])
            t0 = time.monotonic()
            replies = parse_responses(read_all(s))
            waited = time.monotonic() - t0
        self.assertEqual(replies[0][0], 400)
        self.assertLess(waited, 5)
        self.assertNothingWritten()

    def test_dripping_body_408(self):
        with socket.create_connection(("127.0.0.1", self.server.port),
                                      timeout=10) as s:
            s.sendall(HEAD + b"Content-Length: %d\r\n\r\n" % len(BODY))
            t0 = time.monotonic()
            got = b""
            for b in BODY:
                try:
                    s.sendall(bytes([b]))
                except OSError:
                    break
                time.sleep(0.2)
                if time.monotonic() - t0 > 4:
                    break
            s.settimeout(3)
            got = read_all(s)
        (status, _, body), = parse_responses(got)
        self.assertEqual(status, 408)
        # request_timeout_ms = 1000: the body deadline is 2 * 1000 + 1000
        self.assertEqual(body, {"error": "request body took longer than "
                                         "3000 ms"})
        self.assertNothingWritten()

    def test_slow_client_does_not_block_others(self):
        socks = []
        try:
            for _ in range(40):
                s = socket.create_connection(("127.0.0.1", self.server.port))
                s.sendall(HEAD + b"Content-Length: 100\r\n\r\n{")
                socks.append(s)
            t0 = time.monotonic()
            status = self.server.post(GOOD)[0]
            self.assertEqual(status, 201)
            self.assertLess(time.monotonic() - t0, 3)
        finally:
            for s in socks:
                s.close()


if __name__ == "__main__":
    unittest.main()
