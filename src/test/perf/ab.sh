#!/usr/bin/env bash
# A/B of the unsampled request path (issue 20; docs/benchmark.md "Round 3: unsampled path").
# Usage: src/test/perf/ab.sh OUTDIR MODE REF_A REF_B [JVM_RUNS] [WARM_S] [WINDOW_S] [ROUNDS]
# MODE: shipped (X-Ray rules that never sample), disabled (OTEL_SDK_DISABLED=true) or none (no SDK); a ref may
# carry its own mode as REF:MODE (e.g. HEAD:disabled HEAD:none compares two modes of one build).
# Builds src/main of each git ref into OUTDIR/<ref>, compiles the current UnsampledPathProbe against it, and
# runs the probe in alternating fresh JVMs (A B A B ...), each pinned to CPU 0 (the JVM then sizes itself for
# one CPU, as on a 0.25-vCPU task) with wrk on CPU 1, all inside a network namespace of its own (loopback only).
# Results: OUTDIR/<ref>-<mode>-<run>.txt, one line per wrk window (see UnsampledPathProbe), and a median summary.
# AB_JAVA_OPTS_A / AB_JAVA_OPTS_B: extra JVM flags for A's or B's JVMs (e.g. AB_JAVA_OPTS_B=-XX:TieredStopAtLevel=1
# with the same ref on both sides, issue 21's JIT question); a side with flags gets "+a" or "+b" in its file and row
# names, so that the same ref:mode on both sides stays two rows.
# The flags must be plain space-separated words (no quotes, spaces inside a flag, $ or glob characters): they are
# pasted into the bash -c command line below.
set -euo pipefail
out=$1 mode=$2 a=$3 b=$4 runs=${5:-2} warm=${6:-30} window=${7:-5} rounds=${8:-3}
here=$(cd "$(dirname "$0")/../../.." && pwd)
java_home=${JAVA_HOME_25:-/usr/lib/jvm/temurin-25-jdk-amd64}
mkdir -p "$out"
# The dependencies: the shaded jar (mvn package) without the app's own classes, which come from each ref.
if [ ! -s "$out/deps.jar" ]; then
  cp "$here/target/sample-app.jar" "$out/deps.jar" && zip -q -d "$out/deps.jar" 'com/example/*'
fi
cp=$out/deps.jar
build() { # ref -> OUTDIR/<ref>/{classes,probe}
  local ref=$1 dir="$out/$1"
  [ -d "$dir/probe" ] && return
  rm -rf "$dir" && mkdir -p "$dir/src" "$dir/classes" "$dir/probe"
  if [ "$ref" = WORKTREE ]; then cp -r "$here/src/main" "$dir/src/"; else git -C "$here" archive "$ref" src/main | tar -x -C "$dir"; fi
  "$java_home/bin/javac" -nowarn --release 25 -d "$dir/classes" -cp "$cp" $(find "$dir/src/main/java" -name '*.java')
  cp -r "$dir/src/main/resources/." "$dir/classes/"
  "$java_home/bin/javac" --release 25 -d "$dir/probe" -cp "$dir/classes:$cp" \
    "$here/src/test/java/com/example/ecsotel/perf/UnsampledPathProbe.java"
}
build "${a%%:*}"; build "${b%%:*}"
name() { # spec side -> the file/row name: <ref>-<mode>, "+a"/"+b" appended when that side has extra JVM flags
  local ref=${1%%:*} m=$mode opts tag
  [[ $1 == *:* ]] && m=${1#*:}
  if [ "$2" = A ]; then opts=${AB_JAVA_OPTS_A:-} tag=+a; else opts=${AB_JAVA_OPTS_B:-} tag=+b; fi
  echo "$ref-$m${opts:+$tag}"
}
for run in $(seq 1 "$runs"); do
  for side in A B; do
    if [ $side = A ]; then spec=$a opts=${AB_JAVA_OPTS_A:-}; else spec=$b opts=${AB_JAVA_OPTS_B:-}; fi
    ref=${spec%%:*} m=$mode
    [[ $spec == *:* ]] && m=${spec#*:}
    echo "run $run: $ref ($m) $opts" >&2
    unshare --net bash -c "ip link set lo up && taskset -c 0 '$java_home/bin/java' -Xmx160m -XX:+ExitOnOutOfMemoryError \
      -XX:-UsePerfData $opts -cp '$out/$ref/classes:$out/$ref/probe:$cp' com.example.ecsotel.perf.UnsampledPathProbe \
      $m $warm $window $rounds '$out/$(name "$spec" $side)-$run.txt' | cat > /dev/null"
  done
done
python3 - "$out" "$(name "$a" A)" "$(name "$b" B)" <<'PY'
import sys, glob, statistics as st
out, *names = sys.argv[1:]
rows = {}
for name in dict.fromkeys(names):
    for f in glob.glob(f"{out}/{name}-[0-9]*.txt"):
        for line in open(f):
            if line.startswith("#"):
                continue
            m, scen, rnd, req, alloc, cpu, jit = line.split()
            rows.setdefault((scen, name), []).append((float(alloc), float(cpu), int(jit), int(req)))
print(f"{'scenario':12} {'ref-mode':18} {'n':>3} {'B/req med':>10} {'(min-max)':>15} {'CPU us/req med':>14} {'(min-max)':>13} {'JIT ms':>7}")
for (scen, ref), v in sorted(rows.items()):
    a = [x[0] for x in v]; c = [x[1] for x in v]
    print(f"{scen:12} {ref:18} {len(v):3} {st.median(a):10.0f} {min(a):7.0f}-{max(a):<7.0f} {st.median(c):14.2f} "
          f"{min(c):6.2f}-{max(c):<6.2f} {max(x[2] for x in v):7}")
PY
