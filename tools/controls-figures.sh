#!/usr/bin/env bash
# The measurements behind docs/CONTROLS.md that are too slow for unit tests, on the bundled Tübingen photo and
# The Starry Night: (1) coarse-to-fine FINAL/4, FINAL/2, FINAL against a direct run with the same iterations at
# FINAL, comparing final losses from --loss-log; (2) a TILE_SIZE output under a heap too small for a direct run
# (the direct run must be refused by the memory estimate): a direct run at TILE_SCALES, then the last scale refined
# in 512 px tiles, then tools/seams.py on it, and again with a 2-level step injected (which it must find).
# TILE_SCALES= (empty) tiles straight from the photo: in flat regions (the sky) that leaves visible tile patches,
# see docs/CONTROLS.md.
# The tiled stage uses a square centre crop of the photo (made with Python's PIL, Debian's python3-pil) so
# that the output is TILE_SIZE x TILE_SIZE. Meant for the SIMD backend; leaves out pictures
# (tools/make-readme-pictures.sh).
# Usage: tools/controls-figures.sh [FINAL_SIZE] [ITERATIONS]   (defaults 1024 and 200)
#        STAGES ("c2f tiling"), TILE_SIZE (2048), TILE_SCALES (768), TILE_ITER (10), TILE_ITERATIONS_PER_ROUND (5),
#        TILE_HEAP (4g),
#        WEIGHTS (auto), OUT
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd -P)
final=${1:-1024}
iters=${2:-200}
out=${OUT:-$root/out/controls-figures}
mkdir -p "$out"
ex="$root/examples"
stages=${STAGES:-c2f tiling}
style=(--style "$ex/starry_night.jpg" --seed 1 --weights "${WEIGHTS:-auto}" --quiet)
common=(--content "$ex/tubingen.jpg" "${style[@]}")
last_loss() { tail -1 "$1" | cut -d, -f4; }
secs() { tail -1 "$1" | cut -d, -f3; }

if [[ " $stages " == *" c2f "* ]]; then
echo "== coarse-to-fine $((final / 4)),$((final / 2)),$final vs direct $final, $iters iterations per scale"
"$root/nst" stylize "${common[@]}" --iterations "$iters" --size "$final" --out "$out/direct.png" --loss-log "$out/direct.csv"
"$root/nst" stylize "${common[@]}" --iterations "$iters" --scales "$((final / 4)),$((final / 2)),$final" --out "$out/c2f.png" --loss-log "$out/c2f.csv"
echo "direct:         final loss $(last_loss "$out/direct.csv") after $(secs "$out/direct.csv") s"
echo "coarse-to-fine: final loss $(last_loss "$out/c2f.csv") after $(secs "$out/c2f.csv") s (all scales)"
fi
[[ " $stages " == *" tiling "* ]] || exit 0

size=${TILE_SIZE:-2048}
titer=${TILE_ITER:-10}
tround=${TILE_ITERATIONS_PER_ROUND:-5}
tscales=${TILE_SCALES-768}
heap=${TILE_HEAP:-4g}
square="$out/tubingen-square.png"
python3 -c 'import sys; from PIL import Image
im = Image.open(sys.argv[1]).convert("RGB"); w, h = im.size; s = min(w, h)
im.crop(((w - s) // 2, (h - s) // 2, (w - s) // 2 + s, (h - s) // 2 + s)).save(sys.argv[2])' "$ex/tubingen.jpg" "$square"
common=(--content "$square" "${style[@]}")
scales=()
[ -z "$tscales" ] || scales=(--scales "$tscales,$size")
echo "== $size px${tscales:+ after $tscales px} in 512 px tiles, $titer iterations per tile ($tround per round), heap -Xmx$heap"
if NST_JAVA_OPTS="-Xmx$heap" "$root/nst" stylize "${common[@]}" --iterations "$titer" --size "$size" \
     --out "$out/direct-$size.png" 2>"$out/direct-$size.err"; then
  echo "a direct run fits in -Xmx$heap: raise TILE_SIZE or lower TILE_HEAP to exercise tiling" >&2
  exit 1
fi
echo "direct run refused: $(grep 'error' "$out/direct-$size.err" | tail -1)"
NST_JAVA_OPTS="-Xmx$heap" /usr/bin/time -f "tiled run: %e s wall, peak RSS %M KB" "$root/nst" stylize "${common[@]}" \
  --iterations "$titer" --size "$size" "${scales[@]}" --tile 512 --tile-iterations "$tround" --out "$out/tiled-$size.png" --loss-log "$out/tiled-$size.csv"
echo "tiled: wrote $out/tiled-$size.png; $(wc -l < "$out/tiled-$size.csv") loss rows"
python3 "$root/tools/seams.py" "$out/tiled-$size.png" --tile 512 --iterations "$titer" --tile-iterations "$tround"
python3 "$root/tools/seams.py" "$out/tiled-$size.png" --tile 512 --iterations "$titer" --tile-iterations "$tround" --inject 2
# docs/CONTROLS.md's sky crops: the top 1000 rows at a quarter of the size (tiles-after-768-sky.png, and with TILE_SCALES= the
# from-photo one)
python3 -c 'import sys; from PIL import Image
im = Image.open(sys.argv[1]).convert("RGB"); w, h = im.size; c = im.crop((0, 0, w, min(h, 1000 * w // 2048)))
c.resize((c.width // 4, c.height // 4), Image.LANCZOS).save(sys.argv[2], optimize=True)' "$out/tiled-$size.png" "$out/tiled-$size-sky.png"
echo "sky crop: $out/tiled-$size-sky.png"
