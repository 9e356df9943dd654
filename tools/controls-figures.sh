#!/usr/bin/env bash
# The measurements behind docs/CONTROLS.md that are too slow for unit tests: coarse-to-fine (e.g.
# 256,512,1024) against a direct run with the same iterations at the final size, comparing final losses
# from --loss-log; and a tiled run at a size whose memory estimate exceeds the heap. Meant for a fast
# (SIMD) backend; on the scalar one use small sizes. Leaves out pictures (tools/make-readme-pictures.sh).
# Usage: tools/controls-figures.sh [FINAL_SIZE] [ITERATIONS]   (defaults 1024 and 200)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd -P)
final=${1:-1024}
iters=${2:-200}
out=${OUT:-$root/out/controls-figures}
mkdir -p "$out"
ex="$root/examples"
common=(--content "$ex/tubingen.jpg" --style "$ex/starry_night.jpg" --iterations "$iters" --seed 1 --weights "${WEIGHTS:-auto}" --quiet)
last_loss() { tail -1 "$1" | cut -d, -f4; }
secs() { tail -1 "$1" | cut -d, -f3; }

echo "== coarse-to-fine $((final / 4)),$((final / 2)),$final vs direct $final, $iters iterations per scale"
"$root/nst" stylize "${common[@]}" --size "$final" --out "$out/direct.png" --loss-log "$out/direct.csv"
"$root/nst" stylize "${common[@]}" --scales "$((final / 4)),$((final / 2)),$final" --out "$out/c2f.png" --loss-log "$out/c2f.csv"
echo "direct:         final loss $(last_loss "$out/direct.csv") after $(secs "$out/direct.csv") s"
echo "coarse-to-fine: final loss $(last_loss "$out/c2f.csv") after $(secs "$out/c2f.csv") s (all scales)"

echo "== tiled refinement at $final with a heap too small for a direct run"
heap=${TILE_HEAP:-2g}
if NST_JAVA_OPTS="-Xmx$heap" "$root/nst" stylize "${common[@]}" --size "$final" --out "$out/direct-small-heap.png" 2>"$out/direct-small-heap.err"; then
  echo "direct run fits in -Xmx$heap: raise --size or lower TILE_HEAP to exercise tiling"
else
  echo "direct run refused: $(tail -1 "$out/direct-small-heap.err")"
fi
NST_JAVA_OPTS="-Xmx$heap" "$root/nst" stylize "${common[@]}" --scales "$((final / 2)),$final" --tile "$((final / 2))" \
  --out "$out/tiled.png" --loss-log "$out/tiled.csv"
echo "tiled: wrote $out/tiled.png in $(secs "$out/tiled.csv") s"
