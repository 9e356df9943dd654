#!/usr/bin/env bash
# Side-by-side benchmark of nst and PyTorch (see bench/side_by_side.py for the workload and options).
# Needs python3-torch and python3-torchvision (apt-get install python3-torch python3-torchvision).
# Example: bench/side-by-side.sh --sizes 512,256 --evals 20 --out bench/results/side-by-side.md
#          bench/side-by-side.sh --sizes 256 --engines nst,torch,dl4j   (adds Deeplearning4j, built with -Pdl4j)
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
# The DL4J peer (--engines …,dl4j) needs the bench module's optional profile: DL4J's ~210 MB of jars, downloaded
# from Maven Central the first time, copied to bench/target/dl4j-lib.
case " $* " in
  *dl4j*)
    echo "side-by-side: building the DL4J worker (mvnw -Pdl4j -pl bench -am compile)..." >&2
    (cd "$root" && ./mvnw -q -B -Pdl4j -pl bench -am -DskipTests compile 2>&1 | grep -v "Using incubator modules" || true)
    ;;
esac
cd "$root"
exec "$py" "$root/bench/side_by_side.py" --java "$JAVA_HOME/bin/java" --nst "$root/nst" "$@"
