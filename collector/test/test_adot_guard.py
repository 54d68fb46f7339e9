"""Guard: everything the project ships or tells users to run must be accepted by the real ADOT v0.49.0 image.

The ECS task runs public.ecr.aws/aws-observability/aws-otel-collector:v0.49.0. A component type, alias or
feature gate that image does not register stops it at start, while a test collector that happens to have it
passes every test. So this suite reads ADOT's registered set (collector/adot/adot-v0.49.0.json, taken from
ADOT's source at that tag) and checks, in both directions:
  - every collector config and every --feature-gates flag the repo ships or documents uses only that set;
  - the ocb manifest (collector/builder-config.yaml) lists exactly ADOT's component modules;
  - the built test collector registers exactly ADOT's types, providers and feature gates.
The checker itself is tested too: a `transform` processor put back into the shipped config must fail.
"""
from __future__ import annotations

import json
import os
import re
import subprocess
from pathlib import Path

import pytest
import yaml

REPO = Path(__file__).resolve().parents[2]
ADOT = json.loads((REPO / "collector" / "adot" / "adot-v0.49.0.json").read_text())
MANIFEST = yaml.safe_load((REPO / "collector" / "builder-config.yaml").read_text())
KINDS = ("extensions", "receivers", "processors", "exporters")
GATES = set(ADOT["feature_gates"]["components"]) | set(ADOT["feature_gates"]["adot"]) \
    | set(ADOT["feature_gates"]["datadog_exporter"])
NOT_BUILT = {key.split("/", 1)[1] for key in ADOT["not_built_by_the_tests"]}   # types, e.g. "datadog"


def accepted_types(kind: str) -> set[str]:
    """Types (and deprecated aliases) of this kind that ADOT v0.49.0's binary accepts."""
    return {name for c in ADOT["components"][kind] for name in (c["type"], c.get("alias")) if name}


# ----------------------------------------------------------------------------------------- the checker
def env_values(var: str) -> set[str]:
    """Every value the repo sets an environment variable to (VAR=value, "VAR": "value", VAR: value)."""
    values = set()
    # Name and value on one line ([ \t], not \s): across a line break, code such as `if key == "VAR":`
    # would give the first word of the next line ("return") as a value.
    pattern = re.compile(rf"""\b{var}["']?[ \t]*[=:][ \t]*["']?([A-Za-z][A-Za-z0-9_/.-]*)""")
    for path in repo_files():
        values.update(m.group(1) for m in pattern.finditer(path.read_text(errors="replace")))
    return values


def expand(entry: str) -> set[str]:
    """A pipeline entry may be or hold ${env:VAR:-default} (e.g. batch/${env:TRACES_EXPORTER:-awsxray}): the entry
    with its default and with every value the repo gives VAR."""
    m = re.search(r"\$\{env:([A-Z0-9_]+)(?::-([^}]*))?\}", entry)
    if not m:
        return {entry}
    values = ({m.group(2)} if m.group(2) else set()) | env_values(m.group(1))
    return {entry[:m.start()] + v + entry[m.end():] for v in values}


def config_problems(cfg: dict) -> list[str]:
    """What in one collector config the ADOT v0.49.0 binary would refuse (empty list: nothing)."""
    problems = []
    for kind in KINDS:
        for cid in (cfg.get(kind) or {}):
            if cid.split("/", 1)[0] not in accepted_types(kind):
                problems.append(f"{kind[:-1]} type {cid.split('/', 1)[0]!r} ({cid}) is not registered by ADOT v0.49.0")
    if cfg.get("connectors"):
        problems.append(f"connectors {sorted(cfg['connectors'])}: ADOT v0.49.0 registers no connector")
    service = cfg.get("service") or {}
    for ext in service.get("extensions") or []:
        if ext not in (cfg.get("extensions") or {}):
            problems.append(f"service.extensions names {ext!r}, which is not configured")
    for name, pipeline in (service.get("pipelines") or {}).items():
        for kind in ("receivers", "processors", "exporters"):
            for entry in pipeline.get(kind) or []:
                for cid in expand(entry):
                    if cid not in (cfg.get(kind) or {}):
                        problems.append(f"pipeline {name} uses {kind[:-1]} {cid!r}, which is not configured")
    return problems


def gate_problems(flags: list[str]) -> list[str]:
    """Gate ids in --feature-gates=a,-b,+c flags that ADOT v0.49.0 does not register."""
    bad = []
    for flag in flags:
        for gate in flag.split("=", 1)[1].split(","):
            if gate.lstrip("+-") not in GATES:
                bad.append(f"feature gate {gate.lstrip('+-')!r} is not registered by ADOT v0.49.0")
    return bad


# ------------------------------------------------------------------------------ what the repo ships
def repo_files() -> list[Path]:
    tracked = subprocess.run(["git", "ls-files"], cwd=REPO, capture_output=True, text=True, check=True).stdout
    return [REPO / p for p in tracked.splitlines()
            if (REPO / p).is_file() and not p.startswith("collector/adot/")
            and p.endswith((".yaml", ".yml", ".json", ".md", ".sh", ".py", ".java"))
            and p != "collector/test/test_adot_guard.py"]


def shipped_configs() -> dict[str, dict]:
    """Every collector config in the repo: YAML files, configs embedded in scripts, YAML blocks in docs."""
    found = {}
    for path in repo_files():
        rel = str(path.relative_to(REPO))
        text = path.read_text(errors="replace")
        candidates = []
        if path.suffix in (".yaml", ".yml") and rel != "collector/builder-config.yaml":
            candidates.append((rel, text))
        if path.suffix == ".md":
            candidates += [(f"{rel} (YAML block {i})", block) for i, block in
                           enumerate(re.findall(r"```ya?ml\n(.*?)```", text, re.S), 1)]
        if path.suffix == ".sh":   # single-quoted configs assigned to a variable, e.g. MINI='...'
            candidates += [(f"{rel} ({name})", body) for name, body in
                           re.findall(r"^([A-Z_]+)='((?:extensions|receivers)[^']*)'", text, re.M)]
        for where, body in candidates:
            try:
                docs = [d for d in yaml.safe_load_all(body) if isinstance(d, dict)]
            except yaml.YAMLError:
                continue
            for doc in docs:
                if any(k in doc for k in ("receivers", "exporters")) and "service" in doc:
                    found[where] = doc
    return found


def shipped_gate_flags() -> dict[str, list[str]]:
    flags = {}
    for path in repo_files():
        hits = re.findall(r"--feature-gates=[A-Za-z0-9_.,+-]+", path.read_text(errors="replace"))
        if hits:
            flags[str(path.relative_to(REPO))] = hits
    return flags


# ----------------------------------------------------------------------------------------- the tests
def test_the_repo_ships_collector_configs_to_check():
    configs = shipped_configs()
    assert "otel-collector-config.yaml" in configs, sorted(configs)
    assert any(k.startswith("collector/test/image.sh") for k in configs), sorted(configs)


@pytest.mark.parametrize("where", sorted(shipped_configs()))
def test_every_shipped_config_uses_only_adot_components(where):
    assert config_problems(shipped_configs()[where]) == []


def test_the_config_as_stored_in_ssm_uses_only_adot_components():
    stored = subprocess.run([str(REPO / "deploy" / "deploy.sh"), "--print-collector-config"],
                            capture_output=True, text=True, check=True, timeout=30).stdout
    assert config_problems(yaml.safe_load(stored)) == []


def test_every_feature_gate_flag_is_registered_by_adot():
    flags = shipped_gate_flags()
    assert "task-definition.json" in flags, "the task definition passes no --feature-gates any more?"
    assert {where: gate_problems(f) for where, f in flags.items() if gate_problems(f)} == {}


# The checker must be able to fail: the mistakes it exists for.
def test_guard_rejects_a_transform_processor_put_back():
    cfg = yaml.safe_load((REPO / "otel-collector-config.yaml").read_text())
    cfg["processors"]["transform/instance"] = {"metric_statements": []}
    cfg["service"]["pipelines"]["metrics"]["processors"].append("transform/instance")
    assert config_problems(cfg) == ["processor type 'transform' (transform/instance) is not registered by ADOT v0.49.0"]


@pytest.mark.parametrize("kind,cid", [("processors", "groupbyattrs"), ("processors", "deltatocumulative"),
                                      ("exporters", "routing"), ("receivers", "hostmetrics"),
                                      ("extensions", "oauth2client")])
def test_guard_rejects_other_types_adot_lacks(kind, cid):
    cfg = yaml.safe_load((REPO / "otel-collector-config.yaml").read_text())
    cfg[kind][cid] = {}
    assert len(config_problems(cfg)) == 1 and repr(cid) in config_problems(cfg)[0]


def test_guard_rejects_a_connector_and_an_unknown_feature_gate():
    cfg = yaml.safe_load((REPO / "otel-collector-config.yaml").read_text())
    cfg["connectors"] = {"spanmetrics": {}}
    assert any("connector" in p for p in config_problems(cfg))
    assert gate_problems(["--feature-gates=exporter.prometheusremotewritexporter.RetryOn429,+no.such.gate"]) \
        == ["feature gate 'no.such.gate' is not registered by ADOT v0.49.0"]


def test_guard_accepts_adot_aliases():
    cfg = yaml.safe_load((REPO / "otel-collector-config.yaml").read_text())
    cfg["exporters"]["prometheusremotewrite/alias"] = cfg["exporters"]["prometheus_remote_write"]
    cfg["processors"]["resourcedetection/alias"] = {}
    assert config_problems(cfg) == []


# --------------------------------------------------------------------------- manifest <-> ADOT's set
def manifest_modules(section: str) -> set[str]:
    return {entry["gomod"].split()[0] for entry in MANIFEST.get(section) or []}


@pytest.mark.parametrize("kind", KINDS)
def test_manifest_lists_exactly_adots_component_modules(kind):
    adot = {c["module"] for c in ADOT["components"][kind] if c["type"] not in NOT_BUILT}
    assert manifest_modules(kind) == adot   # both directions: nothing missing, nothing ADOT lacks


def test_manifest_pins_adots_versions():
    versions = {entry["gomod"].split()[1] for kind in KINDS for entry in MANIFEST[kind]}
    assert versions == {ADOT["versions"]["collector_contrib"]}
    providers = {entry["gomod"].split()[1] for entry in MANIFEST["providers"]}
    assert providers <= {ADOT["versions"]["collector_stable"], ADOT["versions"]["collector_contrib"]}
    assert MANIFEST["dist"]["version"] == ADOT["versions"]["collector_contrib"].lstrip("v")
    assert "connectors" not in MANIFEST and "converters" not in MANIFEST


def test_manifest_says_why_each_adot_component_is_not_built():
    text = (REPO / "collector" / "builder-config.yaml").read_text()
    contrib = "github.com/open-telemetry/opentelemetry-collector-contrib/"
    for kind in KINDS:
        for c in ADOT["components"][kind]:
            if c["type"] in NOT_BUILT:
                assert f"# NOT BUILT: {c['module'].removeprefix(contrib)} " in text, c


def test_manifest_providers_are_adots():
    schemes = {m.rsplit("/", 1)[-1].removesuffix("provider") for m in manifest_modules("providers")}
    assert schemes == set(ADOT["providers"]["schemes"])


# ----------------------------------------------------------------------------- built binary <-> ADOT
@pytest.fixture(scope="module")
def collector_bin() -> str:
    """The test collector (collector/build.sh, cached by its inputs; COLLECTOR_BIN to use another)."""
    path = os.environ.get("COLLECTOR_BIN") or subprocess.run(
        [str(REPO / "collector" / "build.sh")], capture_output=True, text=True, check=True).stdout.splitlines()[-1]
    assert os.access(path, os.X_OK), path
    return path


@pytest.fixture(scope="module")
def registered(collector_bin) -> dict:
    return yaml.safe_load(subprocess.run([collector_bin, "components"], capture_output=True, text=True,
                                         check=True, timeout=60).stdout)


@pytest.mark.parametrize("kind", KINDS)
def test_binary_registers_exactly_adots_types(registered, kind):
    built = {c["name"] for c in registered[kind] or []}
    assert built == {c["type"] for c in ADOT["components"][kind]} - NOT_BUILT


def test_binary_has_adots_providers_and_no_connectors_or_converters(registered):
    assert {p["scheme"] for p in registered["providers"]} == set(ADOT["providers"]["schemes"])
    assert not registered.get("connectors") and not registered.get("converters")


def test_binary_registers_adots_component_feature_gates(collector_bin):
    out = subprocess.run([collector_bin, "featuregate"], capture_output=True, text=True, check=True, timeout=60).stdout
    ids = {line.split()[0] for line in out.splitlines()[1:] if line.strip()}
    assert ids == set(ADOT["feature_gates"]["components"])


def test_binary_accepts_adots_deprecated_aliases(collector_bin, tmp_path):
    # One config naming every alias ADOT accepts; validate must resolve each to its component.
    cfg = {
        "receivers": {"filelog": {"include": ["/nonexistent/*.log"]},
                      "otlp": {"protocols": {"grpc": {"endpoint": "127.0.0.1:9"}}}},
        "processors": {"metricstransform": {"transforms": []}, "resourcedetection": {"detectors": ["env"]},
                       "k8sattributes": {"passthrough": True}},
        "exporters": {"prometheusremotewrite": {"endpoint": "http://127.0.0.1:9/api/v1/write"},
                      "otlp": {"endpoint": "127.0.0.1:9"}, "otlphttp": {"endpoint": "http://127.0.0.1:9"},
                      "loadbalancing": {"protocol": {"otlp": {"endpoint": "127.0.0.1:9"}},
                                        "resolver": {"static": {"hostnames": ["127.0.0.1:9"]}}}},
        "service": {"pipelines": {
            "logs": {"receivers": ["filelog"], "processors": ["resourcedetection", "k8sattributes"],
                     "exporters": ["otlp", "otlphttp", "loadbalancing"]},
            "metrics": {"receivers": ["otlp"], "processors": ["metricstransform"],
                        "exporters": ["prometheusremotewrite"]}}},
    }
    aliases = {c["alias"] for kind in KINDS for c in ADOT["components"][kind] if c.get("alias")}
    used = {cid for kind in KINDS for cid in cfg.get(kind, {})}
    assert aliases <= used, aliases - used
    path = tmp_path / "aliases.yaml"
    path.write_text(yaml.safe_dump(cfg))
    result = subprocess.run([collector_bin, "validate", f"--config={path}"], capture_output=True, text=True,
                            timeout=60, env={**os.environ, "AWS_EC2_METADATA_DISABLED": "true"})
    assert result.returncode == 0, result.stdout + result.stderr
