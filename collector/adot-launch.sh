#!/usr/bin/env bash
# Starts a collector binary the way the ADOT image starts on ECS (task-definition.json), so every test
# that runs the collector outside Docker runs it like production:
#
#   - config only through AOT_CONFIG_CONTENT, holding exactly the text deploy/deploy.sh stores in SSM
#     (comments stripped); like ADOT (pkg/config/config_factory.go) the location becomes
#     --config=env:AOT_CONFIG_CONTENT and every --config/--set flag is dropped;
#   - the collector container's `command` from task-definition.json (ADOT_COMMAND overrides it, e.g.
#     ADOT_COMMAND="" for no flags at all) and its plain environment values (GOGC, GOMEMLIMIT);
#   - uid/gid 10001 with no capabilities and no new privileges, on a read-only root file system
#     (a private mount namespace: nothing changes for the rest of the machine);
#   - the task volume the task definition mounts for file_storage (its persistent queue): the only writable
#     directory, owned by uid 10001 with mode 0700 as the collector-storage-init container leaves it on ECS.
#     ADOT_STORAGE_DIR names it: a directory that outlives this collector, so a restart finds its queue as a
#     container restarted in place does on ECS (tests pass one under their log directory). Unset, each launch
#     gets a new empty one under ${TMPDIR:-/tmp} (a new task). The config finds it through COLLECTOR_STORAGE_DIR
#     (only an environment variable differs from ECS, where the default path is the volume's mount point);
#   - the container's memory limit (the task definition's `memory`, MiB) as a memory cgroup, so
#     memory_limiter's percentages and the kernel's reclaim work against the same limit as on ECS
#     (ADOT_MEMORY_MIB overrides it; ADOT_MEMORY_MIB="" runs without a limit). Where that cgroup goes is
#     adot-cgroup.sh's decision (tested on fake v1/v2 layouts by collector/test/test_10_adot_launch_cgroup.py).
#     On cgroup v2 the collector reads only /sys/fs/cgroup/memory.max (memorylimiter's cgroups package), so
#     there it also gets a cgroup namespace rooted at that cgroup and its own cgroup2 mount, as a container
#     has (never run: the test machines have cgroup v1).
#
#   collector/adot-launch.sh BIN [CONFIG]      CONFIG defaults to the repo's otel-collector-config.yaml
#
# The process keeps this script's PID (every step execs), so signals reach the collector. Needs root
# for the user switch and the mount namespace (the tests run as root); otherwise it says so and stops.
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$HERE/.." && pwd)
BIN=${1:?usage: adot-launch.sh BIN [CONFIG]}
CONFIG=${2:-$REPO/otel-collector-config.yaml}
BIN=$(cd "$(dirname "$BIN")" && pwd)/$(basename "$BIN")
[[ -x $BIN ]] || { echo "adot-launch: not an executable: $BIN" >&2; exit 2; }
[[ $(id -u) == 0 ]] || { echo "adot-launch: must run as root (user switch, read-only mount namespace)" >&2; exit 2; }

AOT_CONFIG_CONTENT=$(COLLECTOR_CONFIG_FILE=$CONFIG "$REPO/deploy/deploy.sh" --print-collector-config)
export AOT_CONFIG_CONTENT

# What the task definition gives the collector container, one fact per line: "cmd ARG", "env NAME=VALUE"
# (plain values only: GOGC, GOMEMLIMIT, not the ${...} placeholders deploy.sh fills in), "memory MIB".
task_def_lines=$(python3 -c '
import json, sys
c = next(c for c in json.load(open(sys.argv[1]))["containerDefinitions"] if c["name"] == "aws-otel-collector")
lines = ["cmd " + a for a in c.get("command", [])]
lines += ["env " + e["name"] + "=" + e["value"] for e in c.get("environment", []) if "${" not in e["value"]]
print("\n".join(lines + ["memory " + str(c.get("memory", ""))]))' "$REPO/task-definition.json")

if [[ -n ${ADOT_COMMAND+set} ]]; then
  read -r -a command <<<"$ADOT_COMMAND"
else
  mapfile -t command < <(sed -n 's/^cmd //p' <<<"$task_def_lines")
fi
args=(--config=env:AOT_CONFIG_CONTENT)
for a in ${command[@]+"${command[@]}"}; do
  case $a in --config=*|--set=*) ;; *) args+=("$a") ;; esac
done
while IFS='=' read -r name value; do   # unless the caller set them
  if [[ -n $name && -z ${!name+set} ]]; then export "$name=$value"; fi
done < <(sed -n 's/^env //p' <<<"$task_def_lines")

# The memory limit: a new cgroup with the task definition's limit, under the parent adot-cgroup.sh picks (v1: this
# process's memory cgroup; v2: a cgroup whose children get the memory controller).
ADOT_LAUNCH_CGROUP2=""
ADOT_MEMORY_MIB=${ADOT_MEMORY_MIB-$(sed -n 's/^memory //p' <<<"$task_def_lines")}
if [[ -n $ADOT_MEMORY_MIB ]]; then
  . "$HERE/adot-cgroup.sh"
  parent="" limit_file=""
  read -r _ parent limit_file < <(adot_memory_cgroup_parent /proc/self/cgroup /sys/fs/cgroup) || true   # nothing: no controller
  if [[ -n $parent ]]; then
    for old in "$parent"/adot-launch-*; do rmdir "$old" 2>/dev/null || true; done   # the empty ones of earlier runs
  fi
  cg=$parent/adot-launch-$$
  if [[ -z $parent ]] || ! { mkdir -p "$cg" && echo $((ADOT_MEMORY_MIB * 1024 * 1024)) >"$cg/$limit_file" && echo $$ >"$cg/cgroup.procs"; } 2>/dev/null
  then
    echo "adot-launch: cannot put the collector in a ${ADOT_MEMORY_MIB} MiB memory cgroup (${parent:-no memory controller})" \
         "(ADOT_MEMORY_MIB= runs it without a limit)" >&2
    exit 2
  fi
  if [[ $limit_file == memory.max ]]; then ADOT_LAUNCH_CGROUP2=1; fi
fi

# The task volume: on disk, not tmpfs (a tmpfs would be charged to the collector's memory cgroup; Fargate's
# volumes are ephemeral disk). Created and handed to uid 10001 here, before the root file system turns read-only.
if [[ -z ${ADOT_STORAGE_DIR:-} ]]; then
  ADOT_STORAGE_DIR=$(mktemp -d "${TMPDIR:-/tmp}/adot-launch-storage.XXXXXX")
  echo "adot-launch: file_storage directory (a new task volume): $ADOT_STORAGE_DIR" >&2
fi
mkdir -p "$ADOT_STORAGE_DIR"
chown 10001:10001 "$ADOT_STORAGE_DIR"
chmod 700 "$ADOT_STORAGE_DIR"
# Bound (read-write) to a fixed mount point uid 10001 can reach, as the binary's folder is below: the caller's
# directory may sit under one only root can traverse (a test's mkdtemp log directory).
STORAGE_MNT=${TMPDIR:-/tmp}/.adot-launch-storage
mkdir -p "$STORAGE_MNT"; chmod 755 "$STORAGE_MNT"
export ADOT_LAUNCH_STORAGE=$(cd "$ADOT_STORAGE_DIR" && pwd) COLLECTOR_STORAGE_DIR=$STORAGE_MNT

# The binary usually sits under /root (mode 700), which uid 10001 cannot traverse: bind its folder to
# a world-readable mount point inside the private namespace, read-only like the rest.
MNT=${TMPDIR:-/tmp}/.adot-launch-bin
mkdir -p "$MNT"; chmod 755 "$MNT"
export ADOT_LAUNCH_DIR=$(dirname "$BIN") ADOT_LAUNCH_MNT=$MNT ADOT_LAUNCH_NAME=$(basename "$BIN")
# As in the image: HOME has no AWS config files, logs go to stderr.
export HOME=/nonexistent RUN_IN_CONTAINER=True ADOT_LAUNCH_CGROUP2
# cgroup v2: a new cgroup namespace makes the cgroup just joined its root, and a cgroup2 mount made inside it shows
# that cgroup at /sys/fs/cgroup, so memory.max there is the container's limit (v1 needs neither: the collector
# resolves its memory cgroup through /proc/self/cgroup and mountinfo).
exec unshare --mount --propagation private ${ADOT_LAUNCH_CGROUP2:+--cgroup} -- bash -c '
  set -e
  if [[ -n $ADOT_LAUNCH_CGROUP2 ]]; then mount -t cgroup2 -o ro,nosuid,nodev,noexec cgroup2 /sys/fs/cgroup; fi
  mount --bind "$ADOT_LAUNCH_DIR" "$ADOT_LAUNCH_MNT"
  mount -o remount,bind,ro "$ADOT_LAUNCH_MNT"
  mount --bind "$ADOT_LAUNCH_STORAGE" "$COLLECTOR_STORAGE_DIR"
  mount -o remount,bind,ro /
  exec setpriv --reuid=10001 --regid=10001 --clear-groups --inh-caps=-all --bounding-set=-all \
    --no-new-privs "$ADOT_LAUNCH_MNT/$ADOT_LAUNCH_NAME" "$@"' adot-launch "${args[@]}"
