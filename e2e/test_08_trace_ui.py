"""The local trace UI: Zipkin, fed by the X-Ray stand-in with every segment it accepted (so it shows the X-Ray
view, not the app's raw spans). Through Zipkin's API and in a real browser (headless Chromium): the trace of a
request, found by the id the app returned, holds both services and the S3 call; the dependency graph links them.
Runs before test_10, which moves the collector to the OTLP path (no segments, so nothing new for Zipkin)."""

import time
import urllib.parse

import pytest

from browser import chrome, screenshot, wait_for_text
from conftest import APP_A, PROM, SERVICE_A, SERVICE_B, ZIPKIN, get, get_json, wait_until


def zipkin_id(xray_trace_id: str) -> str:
    _, epoch, rest = xray_trace_id.split("-")
    return epoch + rest


def zipkin_trace(xray_trace_id: str, predicate, what: str) -> list[dict]:
    def probe():
        reply = get(f"{ZIPKIN}/api/v2/trace/{zipkin_id(xray_trace_id)}")
        spans = reply.json() if reply.status == 200 else []
        return spans if spans and predicate(spans) else None
    return wait_until(probe, 60, what, interval=1.0)


@pytest.fixture(scope="module")
def traced(stack, traffic):
    """One request through both services (A -> B) and one S3 call, with the trace ids the app returned."""
    peer = get(f"{APP_A}/outgoing-sampleapp").json()["traceId"]
    s3 = get(f"{APP_A}/aws-sdk-call").json()["traceId"]
    return {"peer": peer, "s3": s3}


def services(spans):
    return {s.get("localEndpoint", {}).get("serviceName") for s in spans}


def complete(spans) -> bool:
    """Every span's parent has arrived too: the feed holds a subsegment until its segment names the service."""
    ids = {s["id"] for s in spans}
    return all(s["parentId"] in ids for s in spans if "parentId" in s)


def test_zipkin_holds_the_xray_view_of_a_two_service_trace(traced):
    spans = zipkin_trace(traced["peer"], lambda s: {SERVICE_A, SERVICE_B} <= services(s) and complete(s),
                         "both services in the Zipkin trace, every parent present")
    by_id = {s["id"]: s for s in spans}
    # B's server segment for A's call hangs under A's client call, as the X-Ray segments say (parent_id). (B then
    # makes its own leaf call, to itself here: a second B server segment, under a B client span.)
    servers_b = [s for s in spans if s["localEndpoint"]["serviceName"] == SERVICE_B and s.get("kind") == "SERVER"]
    parents = [by_id[s["parentId"]] for s in servers_b if s.get("parentId") in by_id]
    from_a = [p for p in parents if p["localEndpoint"]["serviceName"] == SERVICE_A]
    assert len(from_a) == 1 and from_a[0]["kind"] == "CLIENT", [(s["name"], s.get("parentId")) for s in servers_b]
    roots = [s for s in spans if "parentId" not in s]
    assert [r["localEndpoint"]["serviceName"] for r in roots] == [SERVICE_A]
    assert roots[0]["name"] == "get /outgoing-sampleapp"


def test_zipkin_shows_the_s3_call(traced):
    spans = zipkin_trace(traced["s3"], lambda s: any(x.get("remoteEndpoint", {}).get("serviceName") == "s3" for x in s),
                         "the S3 client span")
    (s3,) = [s for s in spans if s.get("remoteEndpoint", {}).get("serviceName") == "s3"]
    assert s3["kind"] == "CLIENT" and s3["name"] == "listbuckets" and s3["tags"]["aws.operation"] == "ListBuckets"


def test_dependency_graph_links_the_services(traced):
    zipkin_trace(traced["peer"], lambda s: {SERVICE_A, SERVICE_B} <= services(s), "trace stored")

    def links():
        now = int(time.time() * 1000)
        deps = get_json(f"{ZIPKIN}/api/v2/dependencies?endTs={now}&lookback=3600000")
        pairs = {(d["parent"], d["child"]) for d in deps}
        return pairs if {(SERVICE_A, SERVICE_B), (SERVICE_A, "s3")} <= pairs else None

    wait_until(links, 30, "dependency links sample-app -> sample-app-peer and -> s3", interval=1.0)


def test_browser_finds_the_trace_by_the_id_the_app_returned(traced):
    zipkin_trace(traced["peer"], lambda s: {SERVICE_A, SERVICE_B} <= services(s), "trace stored")
    zipkin_trace(traced["s3"], lambda s: len(s) >= 3, "S3 trace stored")
    driver = chrome()
    try:
        driver.get(f"{ZIPKIN}/zipkin/traces/{zipkin_id(traced['peer'])}")
        text = wait_for_text(driver, [SERVICE_A, SERVICE_B, "get /outgoing-sampleapp"])
        assert zipkin_id(traced["peer"]) in text
        screenshot(driver, "zipkin-trace")
        driver.get(f"{ZIPKIN}/zipkin/traces/{zipkin_id(traced['s3'])}")
        wait_for_text(driver, [SERVICE_A, "s3", "listbuckets"])
        screenshot(driver, "zipkin-trace-s3")
        driver.get(f"{ZIPKIN}/zipkin/dependency")
        wait_for_text(driver, ["RUN QUERY"])
        driver.find_element("xpath", "//button[contains(., 'Run Query') or contains(., 'RUN QUERY')]").click()
        time.sleep(3)   # the graph is a canvas drawn once the links arrive (the API test checks the links)
        screenshot(driver, "zipkin-dependencies")
    finally:
        driver.quit()


def test_browser_shows_a_red_query_in_prometheus(stack, traffic):
    query = 'sum by (job, http_route) (rate(http_server_request_duration_seconds_count[1m]))'
    driver = chrome()
    try:
        driver.get(f"{PROM}/graph?" + urllib.parse.urlencode({"g0.expr": query, "g0.tab": "1", "g0.range_input": "15m"}))
        wait_for_text(driver, ['http_route="/orders/{id}"', f'job="{SERVICE_A}"'], timeout=45)
        screenshot(driver, "prometheus-red")
        driver.find_element("link text", "Alerts").click()   # its path differs between Prometheus UIs
        wait_for_text(driver, ["ErrorBudgetFastBurn", "CollectorExportFailing"])
        screenshot(driver, "prometheus-alerts")
    finally:
        driver.quit()
