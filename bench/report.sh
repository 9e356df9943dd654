#!/usr/bin/env bash
# One command for the whole benchmark report: the side-by-side comparison (bench/side-by-side.sh with the options
# given here, e.g. --sizes 256,512,1024 --engines nst,torch,dl4j), then `nst bench`, whose report includes its table.
# Usage: bench/report.sh OUT_DIR [side-by-side options…]; options for nst bench in NST_BENCH_OPTS (e.g. "--size 256").
# Writes OUT_DIR/side-by-side.md, OUT_DIR/bench.md, OUT_DIR/bench.csv, OUT_DIR/roofline.png.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd -P)
[ $# -ge 1 ] || { echo "usage: bench/report.sh OUT_DIR [side-by-side options…]" >&2; exit 2; }
out=$1; shift
mkdir -p "$out"
"$root/bench/side-by-side.sh" --out "$out/side-by-side.md" "$@"
# shellcheck disable=SC2086
exec "$root/nst" bench --out "$out" --side-by-side "$out/side-by-side.md" ${NST_BENCH_OPTS:-}
