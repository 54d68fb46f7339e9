"""Where collector/adot-launch.sh puts the collector's memory cgroup (collector/adot-cgroup.sh), decided on fake cgroup
layouts: a /proc/<pid>/cgroup file and a directory tree standing in for /sys/fs/cgroup.

These machines have cgroup v1 (memory in its own hierarchy), so the v2 branch can never run here for real. What these
tests prove is the decision only: which parent and which limit file the script picks for the layouts ECS-like hosts
have. What stays unproven: that the kernel accepts the writes on v2 (mkdir, memory.max, cgroup.procs), the cgroup
namespace and private cgroup2 mount adot-launch.sh adds on v2, and that memory_limiter then reads 320 MiB from
/sys/fs/cgroup/memory.max. test_04 (memory limit of the running collector) covers the v1 path end to end.
"""

import subprocess
from pathlib import Path

import pytest

from conftest import REPO

HELPER = REPO / "collector" / "adot-cgroup.sh"


def decide(proc_cgroup: str, root: Path) -> str | None:
    """adot_memory_cgroup_parent on a fake /proc/<pid>/cgroup: its line, or None when it finds no memory controller."""
    cg_file = root.parent / "proc-cgroup"
    cg_file.write_text(proc_cgroup)
    r = subprocess.run(["bash", "-c", '. "$0"; adot_memory_cgroup_parent "$1" "$2"', str(HELPER), str(cg_file), str(root)],
                       capture_output=True, text=True, timeout=10)
    assert r.stderr == "", r.stderr
    if r.returncode != 0:
        assert r.stdout == "", r.stdout
        return None
    return r.stdout.strip()


def layout(root: Path, files: dict[str, str]) -> Path:
    """A fake cgroup mount: {relative file: content}; the directories come with them."""
    for rel, content in files.items():
        f = root / rel
        f.parent.mkdir(parents=True, exist_ok=True)
        f.write_text(content)
    return root


@pytest.fixture
def root(tmp_path) -> Path:
    r = tmp_path / "sys-fs-cgroup"
    r.mkdir()
    return r


def test_cgroup_v1_uses_the_processs_own_memory_cgroup(root):
    """This machine's shape (hybrid: v1 controllers plus an empty unified hierarchy): the v1 memory cgroup."""
    layout(root, {"memory/process_api/abc/memory.limit_in_bytes": "9223372036854771712\n",
                  "unified/cgroup.subtree_control": ""})
    proc = "9:name=systemd:/\n4:memory:/process_api/abc\n1:cpu:/\n0::/\n"
    assert decide(proc, root) == f"1 {root}/memory/process_api/abc memory.limit_in_bytes"


def test_cgroup_v1_memory_listed_with_other_controllers_and_at_the_root(root):
    layout(root, {"memory/memory.limit_in_bytes": "9223372036854771712\n"})
    assert decide("5:cpu,memory:/\n", root) == f"1 {root}/memory memory.limit_in_bytes"


def test_cgroup_v1_line_without_its_mount_falls_through_to_v2(root):
    """A v1 memory line whose hierarchy is not mounted where expected is not used."""
    layout(root, {"cgroup.subtree_control": "cpu memory pids\n"})
    assert decide("4:memory:/gone\n0::/\n", root) == f"2 {root} memory.max"


def test_cgroup_v2_container_with_memory_delegated_to_its_children(root):
    """A container's cgroup namespace: the process sits at "/", which hands memory to its children."""
    layout(root, {"cgroup.controllers": "cpu io memory pids\n", "cgroup.subtree_control": "memory pids\n"})
    assert decide("0::/\n", root) == f"2 {root} memory.max"


def test_cgroup_v2_leaf_service_uses_the_hierarchy_root_not_its_own_cgroup(root):
    """A systemd service on a v2 host: its own cgroup has memory available (cgroup.controllers) but not delegated
    (empty subtree_control), and it holds processes, so turning memory on there fails with EBUSY: a child of it would
    get no memory.max. The launcher's cgroup goes under the root, whose children get memory."""
    layout(root, {"cgroup.subtree_control": "cpuset cpu io memory pids\n",
                  "system.slice/cgroup.subtree_control": "cpu io memory pids\n",
                  "system.slice/ci.service/cgroup.controllers": "cpu io memory pids\n",
                  "system.slice/ci.service/cgroup.subtree_control": "",
                  "system.slice/ci.service/memory.max": "max\n"})
    assert decide("0::/system.slice/ci.service\n", root) == f"2 {root} memory.max"


def test_cgroup_v2_delegated_subtree_is_preferred_to_the_root(root):
    layout(root, {"cgroup.subtree_control": "cpu memory\n", "ci/job/cgroup.subtree_control": "memory\n"})
    assert decide("0::/ci/job\n", root) == f"2 {root}/ci/job memory.max"


def test_cgroup_v2_without_the_memory_controller_is_refused(root):
    """Memory handed down nowhere (or only available, not delegated): no parent; adot-launch.sh then exits 2 and says
    so rather than starting a collector without its limit."""
    layout(root, {"cgroup.controllers": "cpu io memory pids\n", "cgroup.subtree_control": "cpu pids\n",
                  "a/cgroup.controllers": "cpu pids\n", "a/cgroup.subtree_control": ""})
    assert decide("0::/a\n", root) is None


def test_no_cgroup_line_at_all_is_refused(root):
    assert decide("", root) is None


def test_on_this_machine_it_picks_the_memory_cgroup_the_launcher_uses():
    """The real files: on these cgroup v1 machines, this process's v1 memory cgroup (where adot-launch.sh then
    creates adot-launch-<pid> with the task definition's limit; test_04 checks the running collector's limit)."""
    own = next((line.split(":", 2)[2] for line in Path("/proc/self/cgroup").read_text().splitlines()
                if "memory" in line.split(":", 2)[1].split(",")), None)
    if own is None or not Path("/sys/fs/cgroup/memory").is_dir():
        pytest.skip("not a cgroup v1 memory hierarchy: the fake layouts above are the test here")
    r = subprocess.run(["bash", "-c", '. "$0"; adot_memory_cgroup_parent /proc/self/cgroup /sys/fs/cgroup', str(HELPER)],
                       capture_output=True, text=True, timeout=10, check=True)
    assert r.stdout.split() == ["1", "/sys/fs/cgroup/memory" + own.rstrip("/"), "memory.limit_in_bytes"]
