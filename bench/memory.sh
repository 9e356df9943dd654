#!/usr/bin/env bash
# Memory check: nst's memory estimate against measured peak RSS of direct runs (see bench/memory.py).
# Example: bench/memory.sh --sizes 512,1024,2048 --heaps 2g,4g,12g --iterations 3 --out bench/results/memory.md
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd -P)
. "$root/tools/jdk.sh"
nst_find_jdk || exit 1
"$root/nst" --version >/dev/null   # builds app/target/nst.jar when missing or stale
cd "$root"
exec /usr/bin/env python3 "$root/bench/memory.py" --nst "$root/nst" "$@"
