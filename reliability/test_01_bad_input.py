"""Bad input against the running app (real process, real JDK HTTP server, exporting to the real collector).

Every class gets a clear 4xx with the app's JSON error body ({"error": code, "message", "status"}) - except a
malformed trace header, which never fails the request (W3C): it is ignored and counted, and the request gets a
FRESH trace id, never the injected one - never a 500, and the app answers /health normally afterwards (checked
after every test by an autouse fixture).
"""

from __future__ import annotations

import http.client as httpclient
import re
import socket
import threading
import time

import pytest

from conftest import (APP, APP_PORT, SERVICE, get, http, promql, raw_request, record_result, rss_kib,
                      wait_until)

VALID_TRACEPARENT = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"
XRAY_OF_VALID = "1-4bf92f35-77b34da6a3ce929d0e0e4736"


@pytest.fixture(autouse=True)
def app_stays_healthy(stack):
    yield
    assert stack.procs["app"].alive(), "the app process died"
    reply = get(f"{APP}/health", timeout=5)
    assert reply.status == 200 and reply.json() == {"status": "ok"}, (reply.status, reply.text()[:200])


def assert_json_error(reply, status: int, code: str) -> dict:
    assert reply.status == status, f"expected {status} {code}, got {reply.status}: {reply.body[:300]!r}"
    body = reply.json()
    assert body["error"] == code and body["status"] == status and body["message"], body
    return body


def no_server_error_in_app_log(stack) -> None:
    log = stack.procs["app"].log.read_text(errors="replace")
    assert "unhandled error" not in log and " status=500 " not in log, \
        "the app logged an unhandled error / 500:\n" + "\n".join(
            line for line in log.splitlines() if "unhandled error" in line or " status=500 " in line)[:2000]


# --- routing ---------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("path", ["/no/such/route", "/orders", "/orders/1/items/2", "/%ff%fe", "/index.php",
                                  "/.git/config", "/actuator/env"])
def test_unknown_routes_are_404_json(stack, path):
    assert_json_error(get(APP + path), 404, "not_found")


@pytest.mark.parametrize("method,path", [("POST", "/orders/1"), ("DELETE", "/orders/1"), ("PUT", "/"),
                                         ("PATCH", "/aws-sdk-call"), ("OPTIONS", "/outgoing-http-call")])
def test_wrong_methods_are_405_with_allow(stack, method, path):
    reply = http(method, APP + path, body=b"{}" if method in ("POST", "PUT", "PATCH") else None)
    assert_json_error(reply, 405, "method_not_allowed")
    assert reply.headers.get("allow") == "GET"


def test_unknown_method_token_is_405_not_500(stack):
    reply = raw_request(b"BREW /orders/1 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
    assert reply.status == 405, reply.head
    assert reply.json()["error"] == "method_not_allowed"


# --- ids and paths ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize("order_id", ["abc", "-1", "1.5", "1e3", "1234567890123", "%27%20OR%201=1", "0x10",
                                      "%00", "%2e%2e", "%EF%BC%91%EF%BC%92"])  # the last: full-width digits 1 2
def test_invalid_order_ids_are_400(stack, order_id):
    assert_json_error(get(f"{APP}/orders/{order_id}"), 400, "invalid_order_id")


@pytest.mark.parametrize("order_id,status,code", [("0", 404, "order_not_found"),
                                                  ("999999999999", 404, "order_not_found")])
def test_unknown_order_ids_are_404(stack, order_id, status, code):
    assert_json_error(get(f"{APP}/orders/{order_id}"), status, code)


@pytest.mark.parametrize("raw_path", [b"/../../../../etc/passwd", b"/orders/..%2f..%2f..%2fetc%2fpasswd",
                                      b"/orders/../../etc/passwd", b"/%2e%2e/%2e%2e/etc/passwd",
                                      b"/orders/1/../../../etc/shadow", b"//etc/passwd"])
def test_path_traversal_never_reads_files(stack, raw_path):
    reply = raw_request(b"GET " + raw_path + b" HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
    assert reply.status is not None and 400 <= reply.status < 500, reply.head
    assert reply.json()["error"] in ("not_found", "invalid_order_id")
    assert b"root:" not in reply.body


def test_absolute_form_and_hostile_host_header_are_not_followed(stack):
    reply = raw_request(b"GET http://169.254.169.254/latest/meta-data/ HTTP/1.1\r\nHost: evil.invalid\r\n"
                        b"Connection: close\r\n\r\n")
    assert reply.status == 404 and reply.json()["error"] == "not_found", reply.head
    assert b"evil.invalid" not in reply.body and b"169.254" not in reply.body


# --- sizes -----------------------------------------------------------------------------------------------------

def test_huge_query_string_is_414(stack):
    assert_json_error(get(f"{APP}/?q=" + "A" * 10_000), 414, "uri_too_long")


def test_huge_path_is_414(stack):
    assert_json_error(get(f"{APP}/orders/" + "9" * 5000), 414, "uri_too_long")


def test_oversized_header_value_is_431(stack):
    assert_json_error(get(f"{APP}/", headers={"X-Big": "x" * 9000}), 431, "header_too_large")


def test_too_many_headers_is_431(stack):
    headers = {f"X-H{i}": "v" for i in range(80)}
    assert_json_error(get(f"{APP}/", headers=headers), 431, "headers_too_large")


def test_header_block_beyond_the_servers_limit_is_refused(stack):
    # 70 KB of headers: past the JDK server's own sun.net.httpserver.maxReqHeaderSize (64 KiB, set by the app).
    block = b"".join(b"X-Pad-%d: %s\r\n" % (i, b"p" * 7000) for i in range(10))
    reply = raw_request(b"GET / HTTP/1.1\r\nHost: x\r\n" + block + b"Connection: close\r\n\r\n")
    # The JDK server refuses it before the app sees it: a 4xx or a closed connection, never a 2xx/5xx.
    assert reply.status is None or 400 <= reply.status < 500, reply.head


def test_control_characters_in_headers_are_400(stack):
    reply = raw_request(b"GET / HTTP/1.1\r\nHost: x\r\nX-Evil: a\x01b\x1bc\r\nConnection: close\r\n\r\n")
    assert reply.status == 400, reply.head
    assert reply.json()["error"] == "invalid_header"


def test_garbage_request_lines_are_refused(stack):
    for garbage in (b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03" + b"\x00" * 64,   # a TLS ClientHello
                    b"GARBAGE\r\n\r\n", b"GET\r\n\r\n", b"GET / HTTP/9.9\r\n\r\n", b"\r\n\r\n\r\n",
                    b"GET /orders/1 HTTP/1.1\r\nHost: x\r\nContent-Length: -5\r\n\r\n",
                    b"GET /orders/1 HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nZZZ\r\n"):
        reply = raw_request(garbage, timeout=5)
        assert reply.status is None or reply.status < 500, (garbage[:40], reply.head)


def test_unexpected_body_on_get_is_ignored(stack):
    reply = http("GET", f"{APP}/", body=b"\x00\xff" * 5000, headers={"Content-Type": "application/x-garbage"})
    assert reply.status == 200 and reply.json()["status"] == "ok"


def test_invalid_hop_header_is_400(stack):
    for value in ("abc", "-1", "99999999999999999999", "1; DROP TABLE"):
        assert_json_error(get(f"{APP}/outgoing-sampleapp", headers={"X-Sample-App-Hop": value}), 400,
                          "invalid_header")


# --- trace context ---------------------------------------------------------------------------------------------

def test_valid_traceparent_is_honoured(stack):
    """The control for the hostile cases below: a valid header IS propagated, so ignoring one is observable."""
    reply = get(f"{APP}/", headers={"traceparent": VALID_TRACEPARENT})
    assert reply.status == 200 and reply.json()["traceId"] == XRAY_OF_VALID


HOSTILE_TRACEPARENTS = [
    "00-not-a-trace-01",
    "00-00000000000000000000000000000000-00f067aa0ba902b7-01",        # all-zero trace id
    "00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01",        # all-zero span id
    "ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",        # forbidden version
    "00-4BF92F3577B34DA6A3CE929D0E0E4736-00F067AA0BA902B7-01",        # upper case
    "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-extra",  # version 00 with 5 fields
    VALID_TRACEPARENT + "'; DROP TABLE spans;--",
    "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01<script>alert(1)</script>",
    "${jndi:ldap://127.0.0.1:1/a}",
    "00-" + "a" * 4000 + "-00f067aa0ba902b7-01",
]


def fresh_trace(reply) -> dict:
    """A hostile trace header is ignored: 200 and a new X-Ray trace id, not the injected one."""
    assert reply.status == 200, (reply.status, reply.text()[:300])
    body = reply.json()
    assert re.fullmatch(r"1-[0-9a-f]{8}-[0-9a-f]{24}", body["traceId"]), body
    assert body["traceId"] != XRAY_OF_VALID and "4bf92f35" not in body["traceId"]
    return body


@pytest.mark.parametrize("value", HOSTILE_TRACEPARENTS)
def test_hostile_traceparent_is_ignored_with_a_fresh_trace(stack, value):
    fresh_trace(get(f"{APP}/", headers={"traceparent": value}))


HOSTILE_XRAY = [
    "Root=garbage",
    "Root=1-4bf92f35-77b34da6a3ce929d0e0e4736;Parent=xyz;Sampled=1",
    "Root=1-4bf92f35-77b34da6a3ce929d0e0e4736;Sampled=yes",
    "Parent=00f067aa0ba902b7;Sampled=1",                                   # no Root
    "Root=1-4bf92f35-77b34da6a3ce929d0e0e4736\"; DROP TABLE x;--",
    "Root=${jndi:ldap://127.0.0.1:1/a}",
    ";;;;=;=;",
]


@pytest.mark.parametrize("value", HOSTILE_XRAY)
def test_hostile_x_amzn_trace_id_is_ignored_with_a_fresh_trace(stack, value):
    fresh_trace(get(f"{APP}/", headers={"X-Amzn-Trace-Id": value}))


def test_an_oversized_x_amzn_trace_id_is_judged_like_the_propagator_judges_it(stack):
    # AwsXrayPropagator (1.60.0-alpha) has no length limit and skips fields it does not know (Self), so a valid
    # Root and Parent behind a 5,000-character Self continue that trace; the app judges headers by the
    # propagator's own extraction (AwsTraceHeader), so 200 and the caller's trace, nothing echoed.
    value = "Root=1-4bf92f35-77b34da6a3ce929d0e0e4736;Parent=00f067aa0ba902b7;Sampled=1;Self=" + "x" * 5000
    reply = get(f"{APP}/", headers={"X-Amzn-Trace-Id": value})
    assert reply.status == 200, (reply.status, reply.text()[:300])
    assert reply.json()["traceId"] == "1-4bf92f35-77b34da6a3ce929d0e0e4736", reply.json()
    assert "xxxxxxxx" not in reply.text()


def test_duplicate_traceparent_headers_are_ignored(stack):
    reply = raw_request(b"GET / HTTP/1.1\r\nHost: x\r\ntraceparent: " + VALID_TRACEPARENT.encode() +
                        b"\r\ntraceparent: " + VALID_TRACEPARENT.encode() + b"\r\nConnection: close\r\n\r\n")
    assert reply.status == 200 and reply.json()["traceId"] != XRAY_OF_VALID, reply.head


def test_ignored_trace_headers_are_counted_in_amp_with_bounded_labels(stack):
    def counts():
        return {r["metric"].get("header"): float(r["value"][1])
                for r in promql(f'sample_app_trace_header_invalid_total{{job="{SERVICE}"}}')}
    time.sleep(3)   # let the latest export (every 2 s) land, then take the baseline
    before = counts()
    for value in HOSTILE_TRACEPARENTS[:3]:
        fresh_trace(get(f"{APP}/", headers={"traceparent": value}))
    for value in HOSTILE_XRAY[:2]:
        fresh_trace(get(f"{APP}/", headers={"X-Amzn-Trace-Id": value}))
    wait_until(lambda: counts().get("traceparent", 0) >= before.get("traceparent", 0) + 3
               and counts().get("x-amzn-trace-id", 0) >= before.get("x-amzn-trace-id", 0) + 2, 30,
               "sample_app_trace_header_invalid_total in Prometheus")
    # Whatever clients send, the label has at most three values.
    assert set(counts()) <= {"traceparent", "x-amzn-trace-id", "other"}, counts()


@pytest.mark.parametrize("value", ["k=" + "v" * 8000, "=;=;=,,,;;", "a=%zz%00", "k=v;" * 500,
                                   "user=admin'--, role=<script>", "${jndi:ldap://127.0.0.1:1/a}=1"])
def test_hostile_baggage_is_ignored_safely(stack, value):
    reply = get(f"{APP}/", headers={"baggage": value})
    assert reply.status == 200, reply.text()[:300]
    body = reply.json()
    assert body["status"] == "ok" and re.fullmatch(r"1-[0-9a-f]{8}-[0-9a-f]{24}", body["traceId"])
    assert b"jndi" not in reply.body and b"script" not in reply.body


# --- slow and incomplete requests ------------------------------------------------------------------------------

def test_slow_and_incomplete_requests_do_not_block_service(stack):
    """40 connections that never finish their headers (slowloris) plus 10 that promise a body they never send:
    normal requests keep being served meanwhile, and the JDK server drops the stuck connections itself
    (sun.net.httpserver.maxReqTime, 30 s in the app) - so they cannot pile up forever."""
    stuck: list[socket.socket] = []
    try:
        for i in range(40):
            s = socket.create_connection(("127.0.0.1", APP_PORT), timeout=5)
            s.sendall(b"GET /orders/%d HTTP/1.1\r\nHost: x\r\nX-Slow: " % (i + 1))   # never ends the header
            stuck.append(s)
        for i in range(10):
            s = socket.create_connection(("127.0.0.1", APP_PORT), timeout=5)
            s.sendall(b"POST /orders/1 HTTP/1.1\r\nHost: x\r\nContent-Length: 100000\r\n\r\n{\"a\":")
            stuck.append(s)
        t0 = time.monotonic()
        for i in range(20):
            reply = get(f"{APP}/orders/{i + 1}", timeout=5)
            assert reply.status == 200, reply.text()[:200]
        served_in = time.monotonic() - t0
        # Keep trickling one byte every few seconds, as slowloris does; the server still closes them.
        t_open = time.monotonic()
        closed_after = None
        while time.monotonic() - t_open < 50:
            alive = 0
            for s in stuck:
                try:
                    s.settimeout(0.01)
                    data = s.recv(4096)
                    if data == b"":
                        continue  # closed by the server
                    alive += 1  # it answered something (e.g. 408/400 for the POSTs): fine, not stuck
                except socket.timeout:
                    alive += 1
                    try:
                        s.sendall(b"a")
                    except OSError:
                        alive -= 1
                except OSError:
                    continue
            if alive == 0:
                closed_after = time.monotonic() - t_open
                break
            time.sleep(3)
        record_result("bad_input_slowloris", {"connections": len(stuck), "20_normal_requests_served_s":
                                              round(served_in, 2), "all_closed_by_server_after_s":
                                              None if closed_after is None else round(closed_after, 1)})
        assert closed_after is not None, "the server kept slow/incomplete connections open for 50 s"
    finally:
        for s in stuck:
            s.close()


# --- cardinality: 10,000 distinct URLs -------------------------------------------------------------------------

def test_ten_thousand_distinct_urls_keep_series_bounded(stack):
    """10,000 distinct URLs (random paths, query strings, order ids) keep the app's metric series bounded:
    routes are templates and unmatched paths share one `unmatched` label value."""
    pid = stack.procs["app"].popen.pid
    rss_before = rss_kib(pid)
    n_threads, per_thread = 4, 2500
    statuses: dict[int, int] = {}
    lock = threading.Lock()

    def worker(k: int) -> None:
        conn = httpclient.HTTPConnection("127.0.0.1", APP_PORT, timeout=10)
        local: dict[int, int] = {}
        try:
            for i in range(per_thread):
                n = k * per_thread + i
                path = (f"/rand-{n}/x{n % 97}", f"/orders/{n}?utm={n}", f"/?session={n}",
                        f"/orders/id-{n}")[n % 4]
                conn.request("GET", path)
                resp = conn.getresponse()
                resp.read()
                local[resp.status] = local.get(resp.status, 0) + 1
        finally:
            conn.close()
            with lock:
                for code, count in local.items():
                    statuses[code] = statuses.get(code, 0) + count

    t0 = time.monotonic()
    threads = [threading.Thread(target=worker, args=(k,)) for k in range(n_threads)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(180)
    elapsed = time.monotonic() - t0
    assert sum(statuses.values()) == n_threads * per_thread, statuses
    assert not any(code >= 500 for code in statuses), statuses

    # The last of these requests reach Prometheus (via collector and AMP stand-in) within a few export periods.
    def counted() -> float | None:
        r = promql(f'sum({{__name__=~"(total_)?api_requests(_total)?", job="{SERVICE}"}})')
        return float(r[0]["value"][1]) if r and float(r[0]["value"][1]) >= 10_000 else None
    wait_until(counted, 60, "10,000 requests counted in Prometheus", interval=1)
    series = promql(f'{{job="{SERVICE}"}}')
    names: dict[str, int] = {}
    for s in series:
        names[s["metric"]["__name__"]] = names.get(s["metric"]["__name__"], 0) + 1
    label_values = {v for s in series for k, v in s["metric"].items() if k != "__name__"}
    leaked = sorted(v for v in label_values if re.search(r"rand-|utm=|session=|id-\d", v))
    route_values = {s["metric"].get("http_route") for s in series} | {s["metric"].get("apiName") for s in series}
    rss_after = rss_kib(pid)
    record_result("bad_input_cardinality", {
        "requests": n_threads * per_thread, "seconds": round(elapsed, 1), "statuses": statuses,
        "app_series_total": len(series), "largest_metric_series": max(names.values()),
        "route_label_values": sorted(v for v in route_values if v), "app_rss_kib_before": rss_before,
        "app_rss_kib_after": rss_after})
    assert not leaked, f"raw URLs leaked into labels: {leaked[:10]}"
    assert len(series) < 600, f"{len(series)} series for one app after 10,000 URLs"
    # Per metric (histogram buckets aside: 15 per series): routes x methods x status codes, not URLs.
    per_metric = {n: c for n, c in names.items() if not n.endswith("_bucket")}
    assert max(per_metric.values()) < 50, sorted(per_metric.items(), key=lambda kv: -kv[1])[:5]
    no_server_error_in_app_log(stack)
