# Sourced by collector/adot-launch.sh (and by collector/test/test_10_adot_launch_cgroup.py against fake layouts):
# where to create the collector's memory cgroup, decided from a /proc/<pid>/cgroup file and a cgroup mount root.
#
#   adot_memory_cgroup_parent PROC_CGROUP CGROUP_ROOT
#
# prints "VERSION PARENT LIMIT_FILE" and returns 0, or prints nothing and returns 1 (no usable memory controller):
#
#   cgroup v1 (a "N:memory:/path" line whose directory exists under CGROUP_ROOT/memory): this process's memory cgroup;
#     any v1 cgroup can have children with their own memory.limit_in_bytes. This is the branch the tests run here.
#   cgroup v2 (the "0::/path" line): a child gets memory.max only if its parent lists memory in
#     cgroup.subtree_control, and a non-root cgroup that holds processes (this one holds at least this script) cannot
#     turn it on (the kernel's "no internal processes" rule: EBUSY). So: this process's own cgroup if memory is
#     already delegated to its children (a container's cgroup prepared that way), else the hierarchy's root, which is
#     exempt from that rule (memory is in its subtree_control on systemd hosts), else nothing.
#     cgroup.controllers is NOT the test: it lists what a cgroup may hand down, not what its children get.
adot_memory_cgroup_parent() {
  local proc_cgroup=$1 root=${2%/} rel
  rel=$(awk -F: '{ n = split($2, c, ","); for (i = 1; i <= n; i++) if (c[i] == "memory") { print $3; exit } }' "$proc_cgroup")
  if [[ -n $rel && -d $root/memory$rel ]]; then
    echo "1 $root/memory${rel%/} memory.limit_in_bytes"
    return 0
  fi
  rel=$(awk -F: '$1 == "0" && $2 == "" { print $3; exit }' "$proc_cgroup")
  [[ -n $rel ]] || return 1
  local own=$root${rel%/} candidate
  for candidate in "$own" "$root"; do
    if grep -qw memory "$candidate/cgroup.subtree_control" 2>/dev/null; then
      echo "2 $candidate memory.max"
      return 0
    fi
  done
  return 1
}
