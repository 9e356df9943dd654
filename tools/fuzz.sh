#!/usr/bin/env bash
# Fuzzes @FuzzTest targets with Jazzer, coverage-guided, for a given time each (docs/FUZZING.md).
#
#   tools/fuzz.sh list                      the targets found (Class#method, by module)
#   tools/fuzz.sh TARGET SECONDS            one target: PickleFuzzTest#unpickle or nst.convert.PickleFuzzTest#unpickle
#   tools/fuzz.sh all SECONDS               every target, SECONDS each (CI runs this briefly)
#
# Targets are found by scanning */src/test/java for @FuzzTest methods; nothing here names one. Each runs in
# its own JVM (heap NST_FUZZ_HEAP, default -Xmx1g) through Jazzer's command line, which takes libFuzzer's
# flags directly: -max_total_time=SECONDS, -timeout=NST_FUZZ_TIMEOUT (default 10 s per input: a hang is a
# finding). Seeds: the committed corpus src/test/resources/<package>/<Class>Inputs/<method>/ (read only);
# inputs found here go to <module>/target/fuzz/corpus/<Class>#<method>/, findings (crash-*, timeout-*)
# to <module>/target/fuzz/findings/<Class>#<method>/. Copy a finding into the committed corpus once
# fixed: plain `./mvnw test` then replays it. Exit status 1 when any target had a finding.
set -euo pipefail
cd "$(dirname "$0")/.."
. tools/jdk.sh
nst_find_jdk

usage() { sed -n '2,6p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2; }

# Prints "module<TAB>fully.qualified.Class<TAB>method" for every @FuzzTest method.
targets() {
  local f module cls
  grep -rl --include='*.java' '@FuzzTest' */src/test/java 2>/dev/null | sort | while read -r f; do
    module=${f%%/src/test/java/*}
    cls=${f#*/src/test/java/}; cls=${cls%.java}; cls=${cls//\//.}
    # the method declared after each @FuzzTest annotation (annotation lines in between are skipped)
    awk '/@FuzzTest/ { want = 1; next }
         want && /\(/ { sub(/\(.*/, ""); n = split($0, w, /[ \t]+/); print w[n]; want = 0 }' "$f" |
      while read -r m; do printf '%s\t%s\t%s\n' "$module" "$cls" "$m"; done
  done
}

# Builds the given modules and writes each one's test classpath into CP[module], in one Maven run (the
# reactor resolves sibling modules to their target folders, never to a stale installed jar).
declare -A CP
build() {
  local modules m
  modules=$(printf '%s\n' "$@" | sort -u | paste -sd, -)
  MAVEN_OPTS="${MAVEN_OPTS:--Xmx768m}" ./mvnw -B -q -pl "$modules" -am test-compile dependency:build-classpath \
    -Dmdep.includeScope=test -Dmdep.outputFile=target/fuzz/classpath.txt </dev/null >&2 \
    || { echo "fuzz: building $modules failed" >&2; exit 2; }
  for m in "$@"; do CP[$m]="$m/target/test-classes:$m/target/classes:$(cat "$m/target/fuzz/classpath.txt")"; done
}

# fuzz MODULE CLASS METHOD SECONDS: runs one target, prints one summary line; returns 1 on a finding.
fuzz() {
  local module=$1 cls=$2 method=$3 seconds=$4
  local name="${cls##*.}#$method" pkg=${cls%.*}
  local seeds="$module/src/test/resources/${pkg//.//}/${cls##*.}Inputs/$method"
  local corpus="$module/target/fuzz/corpus/$name" findings="$module/target/fuzz/findings/$name"
  local log="$module/target/fuzz/$name.log"
  mkdir -p "$corpus" "$findings" "$seeds"
  set +e
  java ${NST_FUZZ_HEAP:--Xmx1g} -Xss8m -XX:-OmitStackTraceInFastThrow --add-modules jdk.incubator.vector \
    --enable-native-access=ALL-UNNAMED -cp "${CP[$module]}" com.code_intelligence.jazzer.Jazzer \
    --target_class="$cls" --target_method="$method" \
    --instrumentation_includes='nst.**:io.jhdf.**:us.hebi.**:com.google.protobuf.**:com.drew.**:javax.imageio.**' \
    -max_total_time="$seconds" -timeout="${NST_FUZZ_TIMEOUT:-10}" -rss_limit_mb=4096 \
    -artifact_prefix="$findings/" "$corpus" "$seeds" </dev/null >"$log" 2>&1
  local rc=$?
  set -e
  local runs
  runs=$(sed -n 's/^Done \([0-9]*\) runs in \([0-9]*\) second.*/\1 executions in \2 s/p' "$log" | tail -n 1)
  local found
  found=$(find "$findings" -type f | wc -l)
  if [ "$rc" = 0 ] && [ "$found" = 0 ]; then
    echo "fuzz $name: ${runs:-no run count (see $log)}, no findings, corpus $(find "$corpus" -type f | wc -l) generated + $(find "$seeds" -type f | wc -l) seeds"
    return 0
  fi
  echo "fuzz $name: ${runs:-stopped}, FINDING (exit $rc): see $log and $findings/" >&2
  grep -m 3 -A 6 '^== Java Exception\|ALARM\|out-of-memory' "$log" >&2 || tail -n 20 "$log" >&2
  return 1
}

[ $# -ge 1 ] || usage
case "$1" in
  list) targets | awk -F'\t' '{ n = split($2, c, "."); print $1 ": " c[n] "#" $3 }'; exit 0 ;;
  -h|--help) usage ;;
esac
[ $# -eq 2 ] || usage
target=$1 seconds=$2
selected=()
while IFS=$'\t' read -r module cls method; do
  if [ "$target" = all ] || [ "$target" = "$cls#$method" ] || [ "$target" = "${cls##*.}#$method" ]; then
    selected+=("$module"$'\t'"$cls"$'\t'"$method")
  fi
done < <(targets)
if [ ${#selected[@]} = 0 ]; then
  echo "fuzz: no @FuzzTest target '$target'; known: $(targets | awk -F'\t' '{ n = split($2, c, "."); printf "%s#%s ", c[n], $3 }')" >&2
  exit 2
fi
build $(printf '%s\n' "${selected[@]}" | cut -f1)
failed=0
for t in "${selected[@]}"; do
  IFS=$'\t' read -r module cls method <<<"$t"
  fuzz "$module" "$cls" "$method" "$seconds" || failed=1
done
exit $failed
