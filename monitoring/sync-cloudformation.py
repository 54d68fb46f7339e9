#!/usr/bin/env python3
"""Copies monitoring/alert-rules.yml (without its comment lines) into the AlertRules resource of
deploy/cloudformation.yaml: a template cannot read a file, and `aws cloudformation deploy` takes one file.
deploy/tests/test_alerting.py fails when the two differ; run this after changing the rules."""
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
RULES = REPO / "monitoring" / "alert-rules.yml"
TEMPLATE = REPO / "deploy" / "cloudformation.yaml"
START = "      Data: |\n"            # the AlertRules block scalar: everything indented 8+ spaces after it
INDENT = " " * 8

lines = [line for line in RULES.read_text().splitlines() if not line.lstrip().startswith("#")]
block = "".join(f"{INDENT}{line}\n" if line.strip() else "\n" for line in lines).rstrip("\n") + "\n"
text = TEMPLATE.read_text()
head, sep, rest = text.partition("  AlertRules:\n")
assert sep, "no AlertRules resource in the template"
before, found, after = rest.partition(START)
assert found, "AlertRules has no `Data: |` block"
body_end = 0
for line in after.splitlines(keepends=True):   # the old block ends at the first line indented less than 8
    if line.strip() and not line.startswith(INDENT):
        break
    body_end += len(line)
old = after[:body_end]
trailing_blank = old[len(old.rstrip("\n")) + 1:]
TEMPLATE.write_text(head + sep + before + found + block + trailing_blank + after[body_end:])
print(f"AlertRules.Data <- {RULES.relative_to(REPO)} ({len(block)} bytes)")
