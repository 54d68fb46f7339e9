"""After the exports: the collector's own metrics count what it sent, it still runs, and its log is clean (no
deprecated names, no error-level line)."""

import re

from conftest import SELF_METRICS, get


def test_self_telemetry_on_127_0_0_1_8888_counts_the_exported_span(collector, delivered):
    text = get(SELF_METRICS, timeout=5).text()
    assert re.search(r'(?m)^otelcol_exporter_sent_spans(_total)?\{[^}]*exporter="awsxray"[^}]*\} [1-9]', text), \
        [line for line in text.splitlines() if "sent_spans" in line]


def test_collector_still_runs_after_the_exports(collector, ecs_collected):
    assert collector.alive()


def test_collector_log_has_no_deprecation_warning(collector, ecs_collected):
    lines = [line for line in collector.log.read_text().splitlines() if "deprecat" in line.lower()]
    assert not lines, lines


def test_collector_log_has_no_error_level_line(collector, ecs_collected):
    lines = [line for line in collector.log.read_text().splitlines() if "\terror\t" in line]
    assert not lines, lines
