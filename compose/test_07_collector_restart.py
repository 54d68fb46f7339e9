"""The collector restarts without the apps losing their network: they share the task's namespace, which the task
container (like ECS's pause container) holds, not the collector."""

from conftest import settle
from dockertask import docker
from evidence import APP_A


def test_after_a_collector_restart_the_app_still_answers_on_the_tasks_loopback(task):
    docker("restart", "-t", "5", task.compose.container("aws-otel-collector"))
    settle(lambda: task.compose.health("aws-otel-collector") == "healthy", 60, "the restarted collector healthy")
    assert task.ns.get(f"{APP_A}/outgoing-sampleapp", timeout=30).status == 200
