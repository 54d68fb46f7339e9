"""Just enough AWS wire format to send our own requests to the stand-ins: SigV4 from botocore (the AWS SDK for
Python), snappy from cramjam, and a Prometheus remote-write protobuf encoder (three small messages; a protobuf
runtime would need generated classes for them). The tests first prove each probe is accepted when signed
correctly, so a rejection after tampering can only come from the tampering.
"""

from __future__ import annotations

import datetime as dt
import struct
from unittest import mock

import cramjam
from botocore import auth as botocore_auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

ACCESS_KEY = "AKIDEXAMPLE"
SECRET_KEY = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
REGION = "us-west-2"


def sign(method: str, url: str, headers: dict[str, str], body: bytes, service: str, region: str = REGION,
         access_key: str = ACCESS_KEY, secret_key: str = SECRET_KEY, now: dt.datetime | None = None,
         content_sha256_header: bool = True) -> dict[str, str]:
    """Returns `headers` plus Host, X-Amz-Date, Authorization (AWS4-HMAC-SHA256) and, unless told otherwise,
    a signed X-Amz-Content-Sha256 (the AWS SDKs add it; the collector's Go signer does not)."""
    request = AWSRequest(method=method, url=url, data=body, headers=dict(headers))
    signer = botocore_auth.SigV4Auth(Credentials(access_key, secret_key), service, region)
    if content_sha256_header:
        request.headers["X-Amz-Content-Sha256"] = signer.payload(request)
    if now is None:
        signer.add_auth(request)
    else:  # a stale-date probe: botocore takes the signing time from this function
        with mock.patch.object(botocore_auth, "get_current_datetime", return_value=now.replace(tzinfo=None)):
            signer.add_auth(request)
    out = dict(request.headers.items())
    out.setdefault("Host", request.url.split("/")[2])
    return out


def snappy_encode(data: bytes) -> bytes:
    """Snappy block format (what remote write uses), not the framing format."""
    return bytes(cramjam.snappy.compress_raw(data))


# Hand-encoded on purpose: Prometheus's WriteRequest is not in opentelemetry-proto (the OTLP classes the reliability
# suite uses) and has no maintained PyPI package of generated classes; three message types and one varint helper are
# less than pulling a .proto compiler into the e2e venv.
def _uvarint(n: int) -> bytes:
    out = bytearray()
    while True:
        b = n & 0x7F
        n >>= 7
        if n:
            out.append(b | 0x80)
        else:
            out.append(b)
            return bytes(out)


# --- Prometheus remote write protobuf (prometheus.WriteRequest) ------------------------------------

def _field(number: int, wire: int) -> bytes:
    return _uvarint(number << 3 | wire)


def _len_delimited(number: int, payload: bytes) -> bytes:
    return _field(number, 2) + _uvarint(len(payload)) + payload


def write_request(series: list[tuple[dict[str, str], float, int]]) -> bytes:
    """Encodes [(labels, value, timestamp_ms)] as a WriteRequest (labels sorted, as Prometheus wants)."""
    out = bytearray()
    for labels, value, ts_ms in series:
        ts = bytearray()
        for name in sorted(labels):
            label = _len_delimited(1, name.encode()) + _len_delimited(2, labels[name].encode())
            ts += _len_delimited(1, label)
        sample = _field(1, 1) + struct.pack("<d", value) + _field(2, 0) + _uvarint(ts_ms)
        ts += _len_delimited(2, sample)
        out += _len_delimited(1, bytes(ts))
    return bytes(out)
