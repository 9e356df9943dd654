#!/usr/bin/env bash
# The flicker measurement of `nst video` (README "Video"): a clip with known camera motion made from
# examples/tubingen.jpg, stylized with each temporal weight, same iterations; prints the temporal error table and
# the seconds per frame, writes the frames and a strip (content / each weight) to OUT_DIR.
#   tools/video-flicker.sh [OUT_DIR] [FRAMES] [WIDTH] [HEIGHT] [ITERATIONS] [LAMBDAS] [WEIGHTS]
# Defaults: out/flicker 8 128 96 30 0,3,30 random (the README figures). Seconds per frame at 384 px:
#   tools/video-flicker.sh out/flicker384 3 384 288 20 30
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd -P)
. "$root/tools/jdk.sh"
nst_find_jdk || exit 1
if [ -z "${NST_SKIP_BUILD:-}" ]; then
  (cd "$root" && ./mvnw -q -B -o -pl bench -am -DskipTests package 2>&1 | grep -v "Using incubator modules" || true)
fi
cd "$root"
exec java -Xmx4g --add-modules jdk.incubator.vector -cp bench/target/benchmarks.jar nst.bench.VideoFlicker \
  "${1:-out/flicker}" "${2:-8}" "${3:-128}" "${4:-96}" "${5:-30}" "${6:-0,3,30}" "${7:-random}" 2>&1 | grep -v "Using incubator modules"
