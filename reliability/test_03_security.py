"""Security checks: containers non-root with read-only root file systems and no extra capabilities (task
definition, Dockerfiles, compose), listeners only on loopback (the shipped config AND the running collector, read
with `ss -ltnp`), and a maintained secret scanner (detect-secrets) over every file of the repository, with the
stand-ins' fake example credentials allow-listed explicitly in reliability/secrets-allowlist.txt."""

from __future__ import annotations

import hashlib
import json
import os
import re
import subprocess
import tempfile
from pathlib import Path

import pytest
import yaml

from conftest import CONFIG, REPO, record_result
from harness import listening_sockets  # e2e/harness.py, on the path through conftest

HERE = Path(__file__).resolve().parent
ALLOWLIST = HERE / "secrets-allowlist.txt"
COLLECTOR_PORTS = {4317, 4318, 2000, 13133, 8888}


def final_stage_user(dockerfile: Path) -> str | None:
    user = None
    for line in dockerfile.read_text().splitlines():
        stripped = line.strip()
        if re.match(r"(?i)^FROM\s", stripped):
            user = None                       # USER does not carry over between stages
        m = re.match(r"(?i)^USER\s+(\S+)", stripped)
        if m:
            user = m.group(1)
    return user


def is_non_root(user: str | None) -> bool:
    if not user:
        return False
    uid = user.split(":")[0]
    return uid not in ("0", "root") and (not uid.isdigit() or int(uid) > 0)


# --- images and task definition ---------------------------------------------------------------------------------

@pytest.mark.parametrize("dockerfile", ["Dockerfile", "collector/Dockerfile", "compose/standins.Dockerfile"])
def test_images_run_as_non_root(dockerfile):
    path = REPO / dockerfile
    if not path.exists():
        pytest.skip(f"{dockerfile} not in this tree")
    user = final_stage_user(path)
    assert is_non_root(user), f"{dockerfile}: final stage runs as {user!r} (needs USER <non-zero uid>)"


def task_definition() -> dict:
    return json.loads((REPO / "task-definition.json").read_text())


def test_task_containers_non_root_read_only_unprivileged():
    for c in task_definition()["containerDefinitions"]:
        name = c["name"]
        assert is_non_root(c.get("user")), f"{name}: user {c.get('user')!r}"
        assert c.get("readonlyRootFilesystem") is True, f"{name}: readonlyRootFilesystem"
        assert not c.get("privileged"), f"{name}: privileged"
        caps = (c.get("linuxParameters") or {}).get("capabilities") or {}
        assert not caps.get("add"), f"{name}: adds capabilities {caps.get('add')}"


def test_task_containers_drop_all_capabilities():
    for c in task_definition()["containerDefinitions"]:
        caps = (c.get("linuxParameters") or {}).get("capabilities") or {}
        assert "ALL" in (caps.get("drop") or []), f"{c['name']}: capabilities not dropped"


def test_task_exposes_only_the_app_port():
    """In awsvpc mode the collector's ports are reachable by the app over loopback; none is mapped outward."""
    mapped = {(c["name"], p["containerPort"]) for c in task_definition()["containerDefinitions"]
              for p in c.get("portMappings") or []}
    assert mapped == {("sample-app", 8080)}, mapped


def test_compose_services_hardened_and_published_on_loopback_only():
    compose = yaml.safe_load((REPO / "docker-compose.yml").read_text())
    problems = []
    for name, svc in compose["services"].items():
        if not svc.get("read_only"):
            problems.append(f"{name}: read_only is not true")
        if "ALL" not in (svc.get("cap_drop") or []):
            problems.append(f"{name}: cap_drop ALL missing")
        if not any(str(o).startswith("no-new-privileges") for o in svc.get("security_opt") or []):
            problems.append(f"{name}: no-new-privileges missing")
        if svc.get("privileged") or svc.get("cap_add"):
            problems.append(f"{name}: privileged/cap_add")
        if "user" in svc and not is_non_root(str(svc["user"])):
            problems.append(f"{name}: user {svc['user']}")
        for port in svc.get("ports") or []:
            if not str(port).startswith("127.0.0.1:"):
                problems.append(f"{name}: port {port} published beyond loopback")
    assert not problems, problems


# --- listeners -----------------------------------------------------------------------------------------------------

def config_endpoints() -> list[tuple[str, str]]:
    cfg = yaml.safe_load(CONFIG.read_text())
    found = []

    def walk(node, where):
        if isinstance(node, dict):
            for k, v in node.items():
                if k == "endpoint" and isinstance(v, str) and where.split(".")[0] in ("receivers", "extensions"):
                    found.append((f"{where}.{k}", v))
                walk(v, f"{where}.{k}" if where else k)
        elif isinstance(node, list):
            for i, v in enumerate(node):
                walk(v, f"{where}[{i}]")
    walk(cfg, "")
    prom = cfg["service"]["telemetry"]["metrics"]["readers"][0]["pull"]["exporter"]["prometheus"]
    found.append(("service.telemetry.metrics.prometheus.host", f"{prom['host']}:{prom['port']}"))
    return found


def test_config_binds_every_listener_to_loopback():
    endpoints = config_endpoints()
    listeners = [(w, e) for w, e in endpoints if not w.startswith("extensions.awsproxy.aws_endpoint")]
    assert len(listeners) >= 5, listeners   # otlp grpc + http, health_check, awsproxy, self-metrics
    bad = [(w, e) for w, e in listeners if not re.match(r"^(127\.0\.0\.1|localhost|\[::1\]):\d+$", e)]
    assert not bad, bad


def test_running_collector_listens_only_on_loopback(stack):
    socks = listening_sockets(stack.collector().popen.pid)
    record_result("security_collector_listeners", {"listeners": [f"{a}:{p}" for a, p in sorted(socks)]})
    assert {p for _, p in socks} == COLLECTOR_PORTS, socks
    assert all(a in ("127.0.0.1", "[::1]", "[::ffff:127.0.0.1]") for a, _ in socks), socks


def test_running_app_listens_where_configured(stack):
    """BIND_ADDRESS is honoured (the tests bind 127.0.0.1; on ECS the app must take the ALB's traffic on 8080)."""
    socks = listening_sockets(stack.procs["app"].popen.pid)
    ports = {p for _, p in socks}
    assert 8080 in ports, socks
    assert all(a in ("127.0.0.1", "[::ffff:127.0.0.1]", "[::1]") for a, _ in socks), socks


# --- secrets ---------------------------------------------------------------------------------------------------------

def load_allowlist() -> dict[str, str]:
    """sha1(secret) -> why it is allowed. Lines: `<40 hex>  <reason>`; # comments."""
    allowed = {}
    for line in ALLOWLIST.read_text().splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        digest, _, reason = line.partition(" ")
        allowed[digest] = reason.strip()
    return allowed


def detect_secrets_scan(files: list[str], cwd: Path) -> list[dict]:
    exe = os.environ.get("RELIABILITY_DETECT_SECRETS", "detect-secrets")
    out = subprocess.run([exe, "scan", "--all-files", "--force-use-all-plugins",
                          "--disable-plugin", "HexHighEntropyString", *files], cwd=cwd,
                         capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr[-2000:]
    results = json.loads(out.stdout)["results"]
    return [dict(f, filename=name) for name, findings in results.items() for f in findings]


def repo_files() -> list[str]:
    """Every file git would commit (tracked + untracked, not ignored), text only."""
    out = subprocess.run(["git", "ls-files", "-co", "--exclude-standard", "-z"], cwd=REPO, capture_output=True,
                         check=True).stdout.decode()
    files = []
    for name in filter(None, out.split("\0")):
        p = REPO / name
        if p.is_file() and p.stat().st_size < 2_000_000 and b"\0" not in p.read_bytes()[:8192]:
            files.append(name)
    return files


def test_allowlist_holds_only_the_documented_fake_credentials():
    import awsutil
    allowed = load_allowlist()
    fake = {hashlib.sha1(v.encode()).hexdigest() for v in (awsutil.ACCESS_KEY, awsutil.SECRET_KEY)}
    assert fake <= set(allowed), "the fake example credentials must be listed (with a reason)"
    assert all(reason for reason in allowed.values()), "every allow-list entry needs a reason"


def test_scanner_finds_a_planted_secret():
    """The scanner is live: a planted AWS key pair in a temp file is reported (and not allow-listed)."""
    with tempfile.TemporaryDirectory() as tmp:
        planted = Path(tmp) / "leak.env"
        import base64
        import random
        rnd = random.Random()   # made up at run time, so no key-shaped literal sits in this file
        key_id = "AKIA" + "".join(rnd.choice("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567") for _ in range(16))
        keyword = "_".join(("aws", "secret", "access", "key"))
        secret = f"{keyword} = {base64.b64encode(os.urandom(30)).decode()}"
        planted.write_text(f"AWS_ACCESS_KEY_ID={key_id}\n{secret}\n")
        findings = detect_secrets_scan(["leak.env"], Path(tmp))
    allowed = load_allowlist()
    types = {f["type"] for f in findings if f["hashed_secret"] not in allowed}
    assert "AWS Access Key" in types, findings


def test_no_secrets_in_the_repository():
    files = repo_files()
    assert len(files) > 50, "repository listing looks wrong"
    findings = detect_secrets_scan(files, REPO)
    allowed = load_allowlist()
    unexpected = [f for f in findings if f["hashed_secret"] not in allowed]
    record_result("security_secret_scan", {
        "files_scanned": len(files), "findings": len(findings),
        "allowlisted": len(findings) - len(unexpected),
        "allowlisted_by_file": sorted({f["filename"] for f in findings if f["hashed_secret"] in allowed}),
        "unexpected": [f"{f['filename']}:{f['line_number']} {f['type']}" for f in unexpected]})
    assert not unexpected, "possible secrets (add to reliability/secrets-allowlist.txt only if fake):\n" + "\n".join(
        f"{f['filename']}:{f['line_number']} {f['type']} sha1={f['hashed_secret']}" for f in unexpected)
