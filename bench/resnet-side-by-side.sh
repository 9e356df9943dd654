#!/usr/bin/env bash
# ResNet-50 side by side: nst vs PyTorch, and nst VGG19 (see bench/resnet_side_by_side.py).
# Needs python3-torch and python3-torchvision (apt-get install python3-torch python3-torchvision).
# Example: bench/resnet-side-by-side.sh --sizes 512 --evals 5 --out bench/results/resnet-side-by-side.md
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd -P)
. "$root/tools/jdk.sh"
nst_find_jdk || exit 1
# Debian's python3-torch lives in the system interpreter, which a pyenv/venv python3 on PATH may hide.
py=""
for cand in ${NST_PYTHON:-} python3 /usr/bin/python3; do
  if command -v "$cand" >/dev/null 2>&1 && "$cand" -c 'import torch, torchvision' 2>/dev/null; then py=$cand; break; fi
done
if [ -z "$py" ]; then
  echo "side-by-side: no python3 with PyTorch found (tried ${NST_PYTHON:-} python3 /usr/bin/python3):" \
       "apt-get install python3-torch python3-torchvision, or set NST_PYTHON" >&2
  exit 1
fi
"$root/nst" --version >/dev/null   # builds app/target/nst.jar when missing or stale
cd "$root"
exec "$py" "$root/bench/resnet_side_by_side.py" --java "$JAVA_HOME/bin/java" --nst "$root/nst" "$@"
