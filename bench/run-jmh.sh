#!/usr/bin/env bash
# Builds bench/target/benchmarks.jar (kernels + engine + JMH) and runs the JMH benchmarks matching [regex].
# GFLOP/s is the "gflop" secondary result of each benchmark (see nst.bench.Flops). Extra JMH options follow
# the regex, e.g.:  bench/run-jmh.sh 'PeakBench' -t 2     bench/run-jmh.sh ConvBench -p px=256 -p layer=256-256-4
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd -P)
. "$root/tools/jdk.sh"
nst_find_jdk || exit 1
regex="${1:-.}"; shift || true
if [ -z "${NST_SKIP_BUILD:-}" ]; then
  (cd "$root" && ./mvnw -q -B -pl bench -am -DskipTests package 2>&1 | grep -v "Using incubator modules" || true)
fi
jar="$root/bench/target/benchmarks.jar"
[ -f "$jar" ] || { echo "run-jmh: $jar was not built" >&2; exit 1; }
exec java --add-modules jdk.incubator.vector -jar "$jar" "$regex" -jvmArgsAppend "--add-modules jdk.incubator.vector" "$@"
