/* SPDX-License-Identifier: MIT */
/*
 * http: CivetWeb glue. Every request flows one way:
 *
 *   Host, token -> route (api_match: exact path, method) -> framing
 *     -> body (deadline, cap) -> api_handle (src/api.c)
 *
 * and every reply, CivetWeb's own errors included, has a Content-Length
 * (or is chunked), so keep-alive and pipelining work; every error is
 * application/json.
 *
 * Invariants:
 * - Nothing reaches the store unless the framing was unambiguous and the
 *   whole declared body arrived in time.
 * - A reply sent before the body was fully read closes the connection,
 *   so unread body bytes are never parsed as a next request.
 * - No files are served: document_root is never set.
 * - Request bodies are never logged: they hold personal data.
 *
 * CivetWeb 1.15 accepts framing that RFC 9112 says to reject (see
 * docs/LIMITS.md); the checks in check_framing() close those gaps.
 */
#include "http.h"

#include <arpa/inet.h>
#include <civetweb.h>
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <inttypes.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "api.h"
#include "deadline.h"
#include "json.h"
#include "log.h"
#include "web.h"

#define ERR_MAX 256

/* Limit: an idle keep-alive connection is closed after this long, because
 * CivetWeb gives each open connection a worker thread of its own. */
#define IDLE_MS 2000

struct http_server {
	struct mg_context *ctx;
	struct store *store;
	struct access *access;
	struct deadline_watch *deadlines;
	char trusted_proxy[16]; /* dotted IPv4, or "" */
	size_t max_body;
	unsigned timeout_ms;
	int port;
	in_addr_t listen_ip; /* network order */
	atomic_int in_flight;
	atomic_int draining;
};

/* ---- Replies ---- */

/* Whether the connection may stay open after this reply: HTTP/1.1
 * unless the client asked to close, HTTP/1.0 only if it asked to keep. */
static int client_keeps_alive(struct mg_connection *conn)
{
	const struct mg_request_info *ri = mg_get_request_info(conn);
	const char *c = mg_get_header(conn, "Connection");

	if (ri == NULL || ri->http_version == NULL)
		return 0;
	if (strcmp(ri->http_version, "1.1") == 0)
		return c == NULL || strcasecmp(c, "close") != 0;
	return c != NULL && strcasecmp(c, "keep-alive") == 0;
}

static int is_head(struct mg_connection *conn)
{
	const struct mg_request_info *ri = mg_get_request_info(conn);

	return ri != NULL && ri->request_method != NULL &&
	       strcmp(ri->request_method, "HEAD") == 0;
}

/* Bytes enough for a reply's status line and headers. */
#define HEAD_MAX 1024

/* The reason phrase for a status line. CivetWeb's own table spells 422
 * "Unproccessable entity", so the statuses assetd sends are named here
 * (RFC 9110's names); any other comes from CivetWeb. */
static const char *reason(struct mg_connection *conn, int status)
{
	switch (status) {
	case 413:
		return "Content Too Large";
	case 422:
		return "Unprocessable Content";
	default:
		return mg_get_response_code_text(conn, status);
	}
}

/* Said instead when a head would not fit in HEAD_MAX: never expected,
 * since every header is assetd's own, but never a cut-off head either. */
static const char head_too_long[] =
	"HTTP/1.1 500 Internal Server Error\r\n"
	"Content-Length: 0\r\n"
	"Connection: close\r\n\r\n";

/* Writes the status line and headers into buf (HEAD_MAX bytes). length
 * is the Content-Length, or -1 for a chunked reply, -2 for a body that
 * runs to the end of the connection. Returns the count; when the head
 * would not fit, writes head_too_long instead and returns minus its
 * count (the caller must send no body). */
static int format_head(struct mg_connection *conn, char *buf, int status,
		       const char *type, long long length,
		       const struct api_header *h, size_t nh, int close)
{
	char framing[64];
	int n;

	framing[0] = '\0';
	if (length >= 0)
		snprintf(framing, sizeof framing, "Content-Length: %lld\r\n",
			 length);
	else if (length == -1)
		snprintf(framing, sizeof framing,
			 "Transfer-Encoding: chunked\r\n");
	n = snprintf(buf, HEAD_MAX,
		     "HTTP/1.1 %d %s\r\n"
		     "Content-Type: %s\r\n"
		     "%s"
		     "Cache-Control: no-store\r\n"
		     "X-Content-Type-Options: nosniff\r\n",
		     status, reason(conn, status), type, framing);
	for (size_t i = 0; i < nh && n < HEAD_MAX; i++)
		n += snprintf(buf + n, (size_t)(HEAD_MAX - n), "%s: %s\r\n",
			      h[i].name, h[i].value);
	if (n < HEAD_MAX)
		n += snprintf(buf + n, (size_t)(HEAD_MAX - n),
			      "Connection: %s\r\n\r\n",
			      close ? "close" : "keep-alive");
	if (n <= 0 || n >= HEAD_MAX) {
		log_error("http: a %d reply's head is over %d bytes; sent "
			  "500 instead", status, HEAD_MAX);
		mg_disable_connection_keep_alive(conn);
		memcpy(buf, head_too_long, sizeof head_too_long - 1);
		return -(int)(sizeof head_too_long - 1);
	}
	return n;
}

/* Whether this reply closes the connection; tells CivetWeb so. */
static int closing(struct mg_connection *conn, int close)
{
	if (close || !client_keeps_alive(conn)) {
		mg_disable_connection_keep_alive(conn);
		return 1;
	}
	return 0;
}

/*
 * Writes a whole reply with one mg_write(): status line, headers and
 * body in one buffer. One write matters: a second small write would wait
 * for the client's delayed ACK (Nagle), about 40 ms on Linux. The head
 * is built here rather than with mg_response_header_*(), which refuse to
 * start once anything was sent (an interim 100 Continue, for one).
 */
static void send_reply(struct mg_connection *conn, int status,
		       const char *type, const char *body, size_t len,
		       const struct api_header *h, size_t nh, int close)
{
	char *buf = malloc(HEAD_MAX + len);
	int n;

	if (buf == NULL)
		return;
	close = closing(conn, close);
	n = format_head(conn, buf, status, type, (long long)len, h, nh,
			close);
	if (n < 0) {
		n = -n;
	} else if (!is_head(conn)) {
		memcpy(buf + n, body, len);
		n += (int)len;
	}
	mg_write(conn, buf, (size_t)n);
	free(buf);
}

/* Sends {"error":msg}. Returns status, for CivetWeb's access log. */
static int send_error(struct mg_connection *conn, int status,
		      const char *msg, const struct api_header *extra,
		      int close)
{
	char buf[ERR_MAX * 6 + 32];
	struct json_out out;

	json_out_init(&out, buf, sizeof buf);
	json_out_raw(&out, "{\"error\":", 9);
	json_out_string(&out, msg, strlen(msg));
	json_out_raw(&out, "}", 1);
	send_reply(conn, status, "application/json", out.buf, out.len, extra,
		   extra != NULL, close);
	return status;
}

/* ---- Replies from src/api.c ---- */

static void api_reply(void *ctx, int status, const char *type,
		      const char *body, size_t len,
		      const struct api_header *h, size_t nh)
{
	send_reply(ctx, status, type, body, len, h, nh, 0);
}

/* A streamed reply: chunked for HTTP/1.1; for HTTP/1.0, the body runs
 * to the end of the connection. */
static int chunked(struct mg_connection *conn)
{
	const struct mg_request_info *ri = mg_get_request_info(conn);

	return strcmp(ri->http_version, "1.1") == 0;
}

static int api_start(void *ctx, int status, const char *type,
		     const struct api_header *h, size_t nh)
{
	struct mg_connection *conn = ctx;
	char buf[HEAD_MAX];
	int close = closing(conn, !chunked(conn));
	int n = format_head(conn, buf, status, type, chunked(conn) ? -1 : -2,
			    h, nh, close);

	mg_write(conn, buf, (size_t)(n < 0 ? -n : n));
	return n < 0 ? -1 : 0;
}

/* One chunk, framing included, in one write; len 0 ends the body. */
static int api_chunk(void *ctx, const char *data, size_t len)
{
	struct mg_connection *conn = ctx;
	char *buf;
	int n = 0, rc;

	if (is_head(conn) || (len == 0 && !chunked(conn)))
		return 0;
	if (!chunked(conn))
		return mg_write(conn, data, len) == (int)len ? 0 : -1;
	buf = malloc(len + 32);
	if (buf == NULL)
		return -1;
	n = snprintf(buf, 32, "%zx\r\n", len);
	if (len > 0) /* the last chunk has no data (and data is NULL) */
		memcpy(buf + n, data, len);
	memcpy(buf + n + len, "\r\n", 2);
	rc = mg_write(conn, buf, (size_t)n + len + 2);
	free(buf);
	return rc == n + (int)len + 2 ? 0 : -1;
}

/* CivetWeb's own errors (malformed requests, oversized headers) as JSON. */
static int on_http_error(struct mg_connection *conn, int status,
			 const char *msg)
{
	const char *text;

	(void)msg; /* it may quote the request: only fixed texts are sent */
	switch (status) {
	case 400:
		text = "malformed HTTP request"; /* headers over 16 KiB too */
		break;
	case 404:
		text = "no such endpoint";
		break;
	case 405:
		text = "method not allowed";
		break;
	case 411: /* CivetWeb's word for a Content-Length it cannot read */
		status = 400;
		text = "Content-Length is not a valid number";
		break;
	case 413:
		text = "request is too large";
		break;
	case 505:
		text = "HTTP version not supported; use HTTP/1.1";
		break;
	default:
		text = "the request could not be handled";
		break;
	}
	send_error(conn, status, text, NULL, 1);
	return 0;
}

static int on_log_message(const struct mg_connection *conn,
			  const char *message)
{
	(void)conn;
	log_warn("http: %s", message);
	return 1;
}

/* ---- Framing ---- */

static int is_digits(const char *s)
{
	if (*s == '\0')
		return 0;
	for (; *s; s++) {
		if (*s < '0' || *s > '9')
			return 0;
	}
	return 1;
}

/*
 * Checks how the body is delimited, from the raw headers. Returns 0 and
 * sets *declared (-1 when chunked), or an HTTP status with err set.
 */
static int check_framing(const struct mg_request_info *ri,
			 long long *declared, char *err, size_t errlen)
{
	const char *cl = NULL, *te = NULL;
	int cl_count = 0, te_count = 0;

	/* Limit: 63 fields. CivetWeb keeps 64 and drops the rest silently,
	 * so 64 cannot be told from more, and a dropped one could be a
	 * second Content-Length. */
	if (ri->num_headers >= MG_MAX_HEADERS) {
		snprintf(err, errlen, "too many header fields (limit %d)",
			 MG_MAX_HEADERS - 1);
		return 431;
	}
	for (int i = 0; i < ri->num_headers; i++) {
		const char *name = ri->http_headers[i].name;

		if (strpbrk(name, " \t") != NULL || *name == '\0') {
			snprintf(err, errlen, "malformed header field name");
			return 400;
		}
		if (strcasecmp(name, "Content-Length") == 0) {
			cl = ri->http_headers[i].value;
			cl_count++;
		} else if (strcasecmp(name, "Transfer-Encoding") == 0) {
			te = ri->http_headers[i].value;
			te_count++;
		}
	}
	if (cl_count > 1) {
		snprintf(err, errlen, "more than one Content-Length header");
		return 400;
	}
	if (cl_count && te_count) {
		snprintf(err, errlen, "Content-Length together with "
				      "Transfer-Encoding is ambiguous");
		return 400;
	}
	if (te_count > 1 || (te && strcasecmp(te, "chunked") != 0)) {
		snprintf(err, errlen,
			 "Transfer-Encoding must be exactly 'chunked'");
		return 400;
	}
	if (te) {
		*declared = -1;
		return 0;
	}
	if (cl == NULL) {
		snprintf(err, errlen, "a body needs Content-Length or "
				      "chunked Transfer-Encoding");
		return 411;
	}
	if (!is_digits(cl) || strlen(cl) > 18) {
		snprintf(err, errlen, "Content-Length is not a valid number");
		return 400;
	}
	*declared = strtoll(cl, NULL, 10);
	return 0;
}

/* ---- The body ---- */

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Answers Expect before the body is read. Returns 0 or a status. */
static int answer_expect(struct mg_connection *conn,
			 const struct mg_request_info *ri, char *err,
			 size_t errlen)
{
	const char *expect = mg_get_header(conn, "Expect");

	if (expect == NULL)
		return 0;
	if (strcasecmp(expect, "100-continue") != 0) {
		snprintf(err, errlen, "only 'Expect: 100-continue' is "
				      "supported");
		return 417;
	}
	if (strcmp(ri->http_version, "1.1") == 0)
		mg_printf(conn, "HTTP/1.1 100 Continue\r\n\r\n");
	return 0;
}

/*
 * Reads the whole body into a buffer the caller frees. declared is the
 * Content-Length, or -1 for chunked. Returns 0, or a status with err set.
 *
 * The whole body must arrive within twice request_timeout_ms plus a
 * second: CivetWeb notices a client that stops sending after one or two
 * idle timeouts, and that client is told its body ended (400); one still
 * dripping at the deadline is cut off by deadline.c (408), since
 * mg_read() would wait for every byte.
 */
static int read_body(struct http_server *srv, struct mg_connection *conn,
		     long long declared, char **body, size_t *len, char *err,
		     size_t errlen)
{
	const struct mg_request_info *ri = mg_get_request_info(conn);
	size_t cap = declared < 0 ? srv->max_body + 1 : (size_t)declared;
	char *buf = malloc(cap + 1);
	size_t got = 0;
	unsigned body_ms = 2 * srv->timeout_ms + 1000;
	int n = 0, slot;

	if (buf == NULL) {
		snprintf(err, errlen, "out of memory");
		return 503;
	}
	slot = deadline_arm(srv->deadlines, ri->remote_addr, ri->remote_port,
			    ri->server_port, body_ms);
	while (got < cap) {
		n = mg_read(conn, buf + got, cap - got);
		if (n <= 0)
			break; /* the end, or the client stopped sending */
		got += (size_t)n;
	}
	if (deadline_disarm(srv->deadlines, slot)) {
		free(buf);
		snprintf(err, errlen, "request body took longer than %u ms",
			 body_ms);
		return 408;
	}
	if (n < 0 && declared < 0) {
		snprintf(err, errlen, "malformed chunked body");
		goto fail_400;
	}
	if (declared < 0 && got > srv->max_body) {
		free(buf);
		snprintf(err, errlen, "request body is larger than %zu bytes",
			 srv->max_body);
		return 413;
	}
	if (declared >= 0 && got < (size_t)declared) {
		snprintf(err, errlen, "request body ended after %zu of %lld "
				      "bytes", got, declared);
		goto fail_400;
	}
	buf[got] = '\0';
	*body = buf;
	*len = got;
	return 0;

fail_400:
	free(buf);
	return 400;
}

/* ---- The body ---- */

/* Framing, size, Expect, then the body itself, into a buffer the caller
 * frees. Returns 0, or a status with err set (nothing read for sure). */
static int receive_body(struct http_server *srv, struct mg_connection *conn,
			enum api_body want, char **body, size_t *len,
			char *err, size_t errlen)
{
	const struct mg_request_info *ri = mg_get_request_info(conn);
	long long declared = 0;
	int status = check_framing(ri, &declared, err, errlen);

	if (status == 411 && want != API_BODY_REQUIRED) {
		*body = NULL; /* no body at all */
		*len = 0;
		return 0;
	}
	if (status == 0 && want == API_BODY_NONE &&
	    (declared < 0 || declared > 0)) {
		snprintf(err, errlen, "a %s request has no body",
			 ri->request_method);
		return 400;
	}

	if (status == 0 && declared > (long long)srv->max_body) {
		snprintf(err, errlen, "request body is larger than %zu bytes",
			 srv->max_body);
		status = 413;
	}
	if (status == 0)
		status = answer_expect(conn, ri, err, errlen);
	if (status == 0)
		status = read_body(srv, conn, declared, body, len, err, errlen);
	return status;
}

/* ---- Routing ---- */

static int header_count(const struct mg_request_info *ri, const char *name)
{
	int n = 0;

	for (int i = 0; i < ri->num_headers; i++)
		n += strcasecmp(ri->http_headers[i].name, name) == 0;
	return n;
}

/* The client's IPv4 address: the peer's, or, when the peer is the
 * configured trusted proxy, the X-Real-IP it sets. Limit: any process
 * connecting from the proxy's address is taken for the proxy, because a
 * connection says nothing more about who made it (docs/TOKENS.md). */
static const char *client_address(const struct http_server *srv,
				  struct mg_connection *conn)
{
	const struct mg_request_info *ri = mg_get_request_info(conn);
	const char *real = mg_get_header(conn, "X-Real-IP");
	struct in_addr addr;

	if (srv->trusted_proxy[0] && strcmp(ri->remote_addr,
					    srv->trusted_proxy) == 0 &&
	    real != NULL && inet_pton(AF_INET, real, &addr) == 1)
		return real;
	return ri->remote_addr;
}

/* Replies to a refused request: 401 with a challenge, 403, or 429. */
static int refuse(struct mg_connection *conn, const struct access_result *r)
{
	char retry[16];
	struct api_header h = {"WWW-Authenticate", "Bearer realm=\"assetd\""};

	if (r->status == 429) {
		snprintf(retry, sizeof retry, "%u", r->retry_after);
		h.name = "Retry-After";
		h.value = retry;
	}
	return send_error(conn, r->status, r->message,
			  r->status == 403 ? NULL : &h, 1);
}

/*
 * Whether a POST may come from where it says: without an Origin header
 * (curl, scripts) yes; with one, only when it names this server as the
 * client reached it (scheme, then exactly the Host header). A browser
 * sends Origin with every cross-site POST, so another site's page
 * cannot write through a browser that can reach this server, even when
 * the server runs without tokens on loopback.
 *
 * Limit: a page that reached the server through DNS rebinding (its own
 * host name pointed at this address) sends a Host and an Origin that
 * agree, so it passes; only tokens stop it, because a server that
 * answers any host name cannot tell that name from its own.
 */
static int same_origin(struct mg_connection *conn)
{
	const char *origin = mg_get_header(conn, "Origin");
	const char *host = mg_get_header(conn, "Host");
	const char *rest;

	if (origin == NULL)
		return 1;
	if (host == NULL)
		return 0;
	if (strncmp(origin, "http://", 7) == 0)
		rest = origin + 7;
	else if (strncmp(origin, "https://", 8) == 0)
		rest = origin + 8;
	else
		return 0; /* "null" and other schemes */
	return strcasecmp(rest, host) == 0;
}

/* Reads the body the route takes and hands the request to api.c. */
static int dispatch(struct http_server *srv, struct mg_connection *conn,
		    const struct api_match *m, const char *who)
{
	const struct mg_request_info *ri = mg_get_request_info(conn);
	struct api_out out = {conn, api_reply, api_start, api_chunk};
	struct api_request rq = {ri->query_string, who[0] ? who : NULL,
				 mg_get_header(conn, "Idempotency-Key"),
				 NULL, 0};
	char err[ERR_MAX], *body = NULL;
	int status;

	status = receive_body(srv, conn, m->body, &body, &rq.body_len, err,
			      sizeof err);
	if (status != 0)
		return send_error(conn, status, err, NULL, 1);
	rq.body = body ? body : "";
	if (header_count(ri, "Idempotency-Key") > 1)
		status = send_error(conn, 400, "more than one Idempotency-Key "
					       "header", NULL, 0);
	else
		status = api_handle(srv->store, m, &rq, &out);
	free(body);
	return status;
}

/* GET or HEAD of one of the page's files: public, with a strict
 * Content-Security-Policy. Returns 0 when path is not one of them. */
static int serve_page(struct mg_connection *conn, const char *method,
		      const char *path)
{
	struct web_file f;
	struct api_header h[2] = {
		{"Content-Security-Policy", web_csp},
		{"Referrer-Policy", "no-referrer"}};

	const char *cl = mg_get_header(conn, "Content-Length");
	int has_body = mg_get_header(conn, "Transfer-Encoding") != NULL ||
		       (cl != NULL && strcmp(cl, "0") != 0);

	if ((strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0) ||
	    !web_find(path, &f))
		return 0;
	/* A body is not read: closing keeps it from being taken for the
	 * next request. */
	send_reply(conn, 200, f.type, f.body, f.len, h, 2, has_body);
	return 200;
}

static int route(struct http_server *srv, struct mg_connection *conn)
{
	const struct mg_request_info *ri = mg_get_request_info(conn);
	const char *path = ri->local_uri_raw ? ri->local_uri_raw : "";
	int post = strcmp(ri->request_method, "POST") == 0;
	struct access_result who;
	struct api_match m;
	const char *allow = NULL;
	int status;

	if (strcmp(ri->http_version, "1.1") == 0 &&
	    mg_get_header(conn, "Host") == NULL)
		return send_error(conn, 400, "HTTP/1.1 requests need a Host "
					     "header", NULL, 1);
	/* One of each, so no two readers of a request see different ones. */
	static const char *const single[] = {"Authorization", "Origin",
					     "Host"};
	for (size_t i = 0; i < sizeof single / sizeof single[0]; i++) {
		char msg[48];

		if (header_count(ri, single[i]) <= 1)
			continue;
		snprintf(msg, sizeof msg, "more than one %s header", single[i]);
		return send_error(conn, 400, msg, NULL, 1);
	}
	if ((status = serve_page(conn, ri->request_method, path)) != 0)
		return status;
	if (post && !same_origin(conn))
		return send_error(conn, 403, "a POST from another site's page "
					     "is refused (Origin is not this "
					     "server)", NULL, 1);
	access_check(srv->access, client_address(srv, conn),
		     mg_get_header(conn, "Authorization"),
		     post ? TOKEN_ISSUE : TOKEN_READ, &who);
	if (who.status != 0)
		return refuse(conn, &who);

	status = api_match(ri->request_method, path, &m, &allow);
	if (status == 404)
		return send_error(conn, 404, "no such endpoint", NULL, 0);
	if (status == 405) {
		char msg[64];
		struct api_header h = {"Allow", allow};

		snprintf(msg, sizeof msg, "method not allowed; use %s", allow);
		return send_error(conn, 405, msg, &h, 0);
	}
	return dispatch(srv, conn, &m, who.who);
}

static int on_request(struct mg_connection *conn, void *data)
{
	struct http_server *srv = data;
	int status;

	atomic_fetch_add(&srv->in_flight, 1);
	if (atomic_load(&srv->draining))
		status = send_error(conn, 503, "the server is shutting down",
				    NULL, 1);
	else
		status = route(srv, conn);
	atomic_fetch_sub(&srv->in_flight, 1);
	return status;
}

/* ---- Start and stop ---- */

/* Appends one CivetWeb option to a NULL-terminated list of pairs. */
static void add_option(const char **options, size_t *n, const char *key,
		       const char *value)
{
	options[(*n)++] = key;
	options[(*n)++] = value;
	options[*n] = NULL;
}

static int start_context(struct http_server *srv, const struct config *cfg,
			 char *err, size_t errlen)
{
	char threads[16], timeout[16], idle[16];
	const char *options[24];
	size_t n = 0;
	struct mg_callbacks callbacks = {0};
	struct mg_init_data init = {0};
	struct mg_error_data error = {0};
	char why[256] = "";

	snprintf(threads, sizeof threads, "%u", cfg->threads);
	snprintf(timeout, sizeof timeout, "%u", cfg->request_timeout_ms);
	snprintf(idle, sizeof idle, "%u", cfg->request_timeout_ms < IDLE_MS
						 ? cfg->request_timeout_ms
						 : IDLE_MS);
	add_option(options, &n, "listening_ports", cfg->listen);
	add_option(options, &n, "num_threads", threads);
	add_option(options, &n, "request_timeout_ms", timeout);
	add_option(options, &n, "enable_keep_alive", "yes");
	add_option(options, &n, "keep_alive_timeout_ms", idle);
	/* Paths match as sent: %61 is not 'a'. */
	add_option(options, &n, "decode_url", "no");
	/* No CORS: CivetWeb would answer every preflight with "*". */
	add_option(options, &n, "access_control_allow_origin", "");
	add_option(options, &n, "access_control_allow_methods", "");
	add_option(options, &n, "access_control_allow_headers", "");
	if (cfg->access_log[0])
		add_option(options, &n, "access_log_file", cfg->access_log);

	callbacks.http_error = on_http_error;
	callbacks.log_message = on_log_message;
	init.callbacks = &callbacks;
	init.user_data = srv;
	init.configuration_options = options;
	error.text = why;
	error.text_buffer_size = sizeof why;

	srv->ctx = mg_start2(&init, &error);
	if (srv->ctx == NULL) {
		snprintf(err, errlen, "cannot listen on %s: %s", cfg->listen,
			 why[0] ? why : "unknown error");
		return -1;
	}
	mg_set_request_handler(srv->ctx, "/", on_request, srv);
	return 0;
}

/* Opens path as mode to see that it can be, so a bad path stops the
 * start with a clear message rather than failing later or quietly
 * (CivetWeb opens the access log per request and says nothing). */
static int check_file(const char *key, const char *path, const char *mode,
		      char *err, size_t errlen)
{
	FILE *f = fopen(path, mode);

	if (f == NULL) {
		snprintf(err, errlen, "%s %s: cannot open: %s", key, path,
			 strerror(errno));
		return -1;
	}
	fclose(f);
	return 0;
}

struct http_server *http_start(const struct config *cfg, struct store *st,
			       struct access *acc, char *err, size_t errlen)
{
	struct in_addr listen_ip = {0};
	struct http_server *srv = calloc(1, sizeof *srv);
	struct mg_server_port ports[1];

	if (srv == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	if (cfg->access_log[0] &&
	    check_file("access_log", cfg->access_log, "a", err, errlen) < 0) {
		free(srv);
		return NULL;
	}
	srv->store = st;
	srv->access = acc;
	snprintf(srv->trusted_proxy, sizeof srv->trusted_proxy, "%s",
		 cfg->trusted_proxy);
	config_listen_addr(cfg->listen, &listen_ip); /* checked by config */
	srv->listen_ip = listen_ip.s_addr;
	srv->max_body = cfg->max_body_bytes;
	srv->timeout_ms = cfg->request_timeout_ms;

	/* Limit: no TLS here, because Debian 12's CivetWeb 1.15 calls
	 * SSL_get_peer_certificate, which OpenSSL 3 no longer exports, on
	 * every HTTPS connection and crashes; docs/TLS.md puts nginx in
	 * front instead. */
	srv->deadlines = deadline_start(cfg->threads);
	if (srv->deadlines == NULL) {
		snprintf(err, errlen, "cannot start the deadline watchdog");
		free(srv);
		return NULL;
	}
	mg_init_library(0);
	if (start_context(srv, cfg, err, errlen) < 0) {
		mg_exit_library();
		deadline_stop(srv->deadlines);
		free(srv);
		return NULL;
	}
	if (mg_get_server_ports(srv->ctx, 1, ports) == 1)
		srv->port = ports[0].port;
	return srv;
}

int http_port(const struct http_server *srv)
{
	return srv->port;
}

/*
 * CivetWeb's accept loop looks at its stop flag only between polls of
 * up to two seconds. Once mg_stop() has set the flag, one connection to
 * our own port wakes the loop so the stop is prompt.
 */
static void *poke_listener(void *arg)
{
	struct http_server *srv = arg;
	struct sockaddr_in addr = {.sin_family = AF_INET};
	int fd;

	usleep(50 * 1000);
	addr.sin_port = htons((uint16_t)srv->port);
	addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (srv->listen_ip != INADDR_ANY)
		addr.sin_addr.s_addr = srv->listen_ip;
	fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd >= 0) {
		(void)connect(fd, (struct sockaddr *)&addr, sizeof addr);
		close(fd);
	}
	return NULL;
}

/* Limit: connections are still accepted while draining (and answered
 * 503), because CivetWeb 1.15 cannot stop accepting on its own. */
void http_stop(struct http_server *srv)
{
	pthread_t poker;
	long long give_up;

	if (srv == NULL)
		return;

	atomic_store(&srv->draining, 1);
	give_up = now_ms() + 2LL * srv->timeout_ms + 1000;
	while (atomic_load(&srv->in_flight) > 0 && now_ms() < give_up)
		usleep(10 * 1000);
	if (atomic_load(&srv->in_flight) > 0)
		log_warn("http: stopping with %d requests still in flight",
			 atomic_load(&srv->in_flight));

	int poked = pthread_create(&poker, NULL, poke_listener, srv) == 0;
	mg_stop(srv->ctx);
	if (poked)
		pthread_join(poker, NULL);
	mg_exit_library();
	deadline_stop(srv->deadlines);
	free(srv);
}
