"""Last, as ECS stops a task: SIGTERM, and the collector flushes and exits 0 within 20 s."""


def test_collector_stops_cleanly_on_sigterm(collector, ecs_collected):
    assert collector.alive(), "the collector was not running"
    assert collector.stop(grace=20) == 0, collector.log.read_text()[-3000:]
