#!/usr/bin/env bash
# AdaIN side by side with PyTorch (issue 15): see bench/adain_side_by_side.py for the workload.
# Example: bench/adain-side-by-side.sh --sizes 512,1024 --threads 2 --heap 4g
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd -P)
. "$root/tools/jdk.sh"
nst_find_jdk || exit 1
py=""
for cand in ${NST_PYTHON:-} python3 /usr/bin/python3; do
  if command -v "$cand" >/dev/null 2>&1 && "$cand" -c 'import torch, PIL' 2>/dev/null; then py=$cand; break; fi
done
[ -n "$py" ] || { echo "adain-side-by-side: no python3 with PyTorch and PIL found (set NST_PYTHON)" >&2; exit 1; }
"$root/nst" --version >/dev/null   # builds app/target/nst.jar when missing or stale
exec "$py" "$root/bench/adain_side_by_side.py" --python "$py" "$@"
