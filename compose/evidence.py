"""What the compose suite looks for in what the stack produced: the status each endpoint must answer, and
predicates over the X-Ray stand-in's documents, Zipkin's traces and Prometheus' label sets. The fixtures wait
(bounded) until these hold; the tests then assert each one and say which is missing."""

from __future__ import annotations

APP_A = "http://127.0.0.1:8080"   # sample-app
APP_B = "http://127.0.0.1:8081"   # sample-app-peer

# Every endpoint of both instances and the status it must answer: the peer fails every order (ORDERS_ERROR_RATE=1
# in the test overlay), so a real 5xx reaches X-Ray as a fault.
EXPECTED_STATUS = {
    f"{APP_A}/": 200, f"{APP_A}/health": 200, f"{APP_A}/outgoing-http-call": 200, f"{APP_A}/aws-sdk-call": 200,
    f"{APP_A}/outgoing-sampleapp": 200, f"{APP_A}/orders/7": 200, f"{APP_A}/orders/0": 404,
    f"{APP_A}/orders/not-a-number": 400,
    f"{APP_B}/": 200, f"{APP_B}/outgoing-sampleapp": 200, f"{APP_B}/aws-sdk-call": 200, f"{APP_B}/orders/7": 500,
}


# --- what reached X-Ray and Zipkin ------------------------------------------------------------------------------

def segments(docs: list[dict]) -> list[dict]:
    """The (top-level) segments among the documents the X-Ray stand-in accepted."""
    return [d for d in docs if d.get("type") != "subsegment"]


def walk(doc: dict):
    yield doc
    for sub in doc.get("subsegments") or []:
        yield from walk(sub)


def both_services(docs: list[dict]) -> bool:
    return {"sample-app", "sample-app-peer"} <= {s.get("name") for s in segments(docs)}


def trace_across_both_services(docs: list[dict]) -> bool:
    by_trace: dict[str, set] = {}
    for s in segments(docs):
        by_trace.setdefault(s.get("trace_id"), set()).add(s.get("name"))
    return any({"sample-app", "sample-app-peer"} <= names for names in by_trace.values())


def s3_list_buckets(docs: list[dict]) -> bool:
    return any(s.get("namespace") == "aws" and (s.get("aws") or {}).get("operation") == "ListBuckets"
               for d in docs for s in walk(d))


def peer_fault_500(docs: list[dict]) -> bool:
    return any(s.get("name") == "sample-app-peer" and s.get("fault")
               and ((s.get("http") or {}).get("response") or {}).get("status") == 500 for s in segments(docs))


def ecs_origin(docs: list[dict]) -> bool:
    return any(s.get("name") == "sample-app" and str(s.get("origin", "")).startswith("AWS::ECS")
               and "ecs" in (s.get("aws") or {}) for s in segments(docs))


def zipkin_trace_of_both_and_s3(traces: list[list[dict]]) -> bool:
    def service(span):
        return (span.get("localEndpoint") or {}).get("serviceName")
    both = any({"sample-app", "sample-app-peer"} <= {service(s) for s in t} for t in traces)
    s3 = any((s.get("remoteEndpoint") or {}).get("serviceName") == "s3" and s.get("kind") == "CLIENT"
             for t in traces for s in t)
    return both and s3


# --- what reached Prometheus (behind the AMP stand-in) -----------------------------------------------------------

ROUTE_HISTOGRAM = "sum by (job, http_route) (http_server_request_duration_seconds_count)"
ECS_MEMORY = '{__name__=~"ecs_task_memory_utilized.*"}'


def routes_of_both_services(labels: list[dict]) -> bool:
    return {("sample-app", "/orders/{id}"), ("sample-app-peer", "/orders/{id}")} <= {
        (m.get("job"), m.get("http_route")) for m in labels}
