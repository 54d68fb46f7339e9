"""The collector binary: collector/build.sh built it (ocb v0.156.0, the ADOT v0.49.0 component set), and it has
every component type the shipped config names. (That it has exactly ADOT's set is the adot-guard suite's job.)"""

import os
import re
import subprocess

import yaml

from conftest import CONFIG


def test_collector_builds(collector_bin):
    assert collector_bin.is_file() and os.access(collector_bin, os.X_OK), collector_bin


def test_binary_reports_version_0_156_0(collector_bin):
    out = subprocess.run([str(collector_bin), "--version"], capture_output=True, text=True, timeout=60).stdout
    assert "0.156.0" in out, out


def test_binary_has_every_component_type_the_config_uses(collector_bin):
    cfg = yaml.safe_load(CONFIG.read_text())
    wanted = {cid.split("/")[0] for kind in ("receivers", "processors", "exporters", "extensions") for cid in cfg[kind]}
    listing = subprocess.run([str(collector_bin), "components"], capture_output=True, text=True, timeout=60).stdout
    have = set(re.findall(r"(?m)^\s*-?\s*name: (\S+)$", listing))
    assert not wanted - have, f"missing: {sorted(wanted - have)}"
