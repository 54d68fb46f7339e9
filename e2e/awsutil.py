"""Just enough AWS wire format to send our own requests to the stand-ins: a SigV4 signer written out
from the public specification (stdlib hmac/hashlib), a literal-only snappy block encoder and a
Prometheus remote-write protobuf encoder. The tests first prove each probe is accepted when signed
correctly, so a rejection after tampering can only come from the tampering.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import struct
import urllib.parse

ACCESS_KEY = "AKIDEXAMPLE"
SECRET_KEY = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
REGION = "us-west-2"


def _hmac(key: bytes, msg: str) -> bytes:
    return hmac.new(key, msg.encode("utf-8"), hashlib.sha256).digest()


def _uri_encode(s: str, safe: str) -> str:
    return urllib.parse.quote(s, safe=safe + "-_.~")


def sign(method: str, url: str, headers: dict[str, str], body: bytes, service: str, region: str = REGION,
         access_key: str = ACCESS_KEY, secret_key: str = SECRET_KEY, now: dt.datetime | None = None,
         content_sha256_header: bool = True) -> dict[str, str]:
    """Returns `headers` plus Host, X-Amz-Date, X-Amz-Content-Sha256 and Authorization (AWS4-HMAC-SHA256)."""
    now = now or dt.datetime.now(dt.timezone.utc)
    amz_date = now.strftime("%Y%m%dT%H%M%SZ")
    date = amz_date[:8]
    parts = urllib.parse.urlsplit(url)
    payload_hash = hashlib.sha256(body).hexdigest()
    out = dict(headers)
    out["Host"] = parts.netloc
    out["X-Amz-Date"] = amz_date
    if content_sha256_header:  # the collector's Go signer omits it; AWS SDKs add it
        out["X-Amz-Content-Sha256"] = payload_hash
    canonical_headers = {k.lower().strip(): " ".join(v.strip().split()) for k, v in out.items()}
    signed = ";".join(sorted(canonical_headers))
    query = urllib.parse.parse_qsl(parts.query, keep_blank_values=True)
    canonical_query = "&".join(
        f"{_uri_encode(k, '')}={_uri_encode(v, '')}" for k, v in sorted(query))
    canonical_request = "\n".join([
        method,
        _uri_encode(parts.path or "/", "/"),
        canonical_query,
        "".join(f"{k}:{canonical_headers[k]}\n" for k in sorted(canonical_headers)),
        signed,
        payload_hash,
    ])
    scope = f"{date}/{region}/{service}/aws4_request"
    string_to_sign = "\n".join([
        "AWS4-HMAC-SHA256", amz_date, scope, hashlib.sha256(canonical_request.encode()).hexdigest()])
    key = _hmac(("AWS4" + secret_key).encode(), date)
    for part in (region, service, "aws4_request"):
        key = _hmac(key, part)
    signature = hmac.new(key, string_to_sign.encode(), hashlib.sha256).hexdigest()
    out["Authorization"] = (f"AWS4-HMAC-SHA256 Credential={access_key}/{scope}, "
                            f"SignedHeaders={signed}, Signature={signature}")
    return out


# --- snappy (block format, literals only: valid snappy that any decoder accepts) -------------------

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


def snappy_encode(data: bytes) -> bytes:
    out = bytearray(_uvarint(len(data)))
    for i in range(0, len(data), 65536):
        chunk = data[i:i + 65536]
        n = len(chunk) - 1
        if n < 60:
            out.append(n << 2)
        else:
            out.append(61 << 2)  # literal, length-1 in the next two bytes (little endian)
            out += struct.pack("<H", n)
        out += chunk
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
