#!/usr/bin/env bash
# Renders each artistic control on the bundled example images into docs/controls/*.png (small PNGs, the
# README's pictures): the content and styles as "before", one output per control as "after".
# Leaves out timing (see tools/controls-figures.sh). Usage: tools/make-readme-pictures.sh [SIZE] [ITERATIONS]
# Weights: pretrained VGG19 when ./nst finds them (~/.cache/nst), else seeded random ones (colour and texture only).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd -P)
size=${1:-${SIZE:-128}}
iters=${2:-${ITER:-20}}
out="$root/docs/controls"
mkdir -p "$out"
ex="$root/examples"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# EXTRA: more options for every render, e.g. EXTRA="--style-weight 1e6 --tv-weight 1e-5" with random weights,
# whose style term is far weaker than pretrained VGG's at the default weights.
run() { "$root/nst" stylize --quiet --weights "${WEIGHTS:-auto}" --seed 1 ${EXTRA:-} "$@"; }
nst() { run --iterations "$iters" "$@"; }
t0=$SECONDS
step() { echo "make-readme-pictures: $1 ($((SECONDS - t0)) s so far)" >&2; }

# Half/half masks at the content's aspect ratio (1024x768): written as PNG with Python's standard library.
python3 - "$tmp" <<'PY'
import struct, sys, zlib
def png(path, w, h, pixel):
    rows = b"".join(b"\0" + bytes(v for x in range(w) for v in (pixel(x, y),) * 3) for y in range(h))
    chunk = lambda t, d: struct.pack(">I", len(d)) + t + d + struct.pack(">I", zlib.crc32(t + d) & 0xffffffff)
    open(path, "wb").write(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0))
                           + chunk(b"IDAT", zlib.compress(rows, 9)) + chunk(b"IEND", b""))
png(sys.argv[1] + "/left.png", 128, 96, lambda x, y: 255 if x < 64 else 0)
png(sys.argv[1] + "/right.png", 128, 96, lambda x, y: 0 if x < 64 else 255)
PY
cp "$tmp/left.png" "$out/mask-left.png"

# "Before": the inputs at the output's size (0 iterations from the image itself writes it unchanged).
for name in tubingen starry_night the_scream; do
  run --content "$ex/$name.jpg" --style "$ex/$name.jpg" --iterations 0 --size "$size" --out "$out/input-$name.png"
done
step "inputs"
nst --content "$ex/tubingen.jpg" --style "$ex/starry_night.jpg" --size "$size" --out "$out/plain.png"; step plain
nst --content "$ex/tubingen.jpg" --style "$ex/starry_night.jpg" --size "$size" --preserve-colors luminance --out "$out/preserve-luminance.png"; step luminance
nst --content "$ex/tubingen.jpg" --style "$ex/starry_night.jpg" --size "$size" --preserve-colors histogram --out "$out/preserve-histogram.png"; step histogram
nst --content "$ex/tubingen.jpg" --style "$ex/starry_night.jpg" --size "$size" --style-scale 0.5 --out "$out/style-scale-0.5.png"; step "style scale 0.5"
nst --content "$ex/tubingen.jpg" --style "$ex/starry_night.jpg" --size "$size" --style-scale 2 --out "$out/style-scale-2.png"; step "style scale 2"
nst --content "$ex/tubingen.jpg" --style "$ex/starry_night.jpg" --style "$ex/the_scream.jpg" --style-blend 1,1 --size "$size" --out "$out/blend.png"; step blend
nst --content "$ex/tubingen.jpg" --style "$ex/starry_night.jpg" --style "$ex/the_scream.jpg" --mask "$tmp/left.png" --mask "$tmp/right.png" \
    --size "$size" --out "$out/masks.png"; step masks
nst --content "$ex/tubingen.jpg" --style "$ex/starry_night.jpg" --scales "$((size / 2)),$size" --out "$out/coarse-to-fine.png"; step coarse-to-fine
nst --content "$ex/tubingen.jpg" --style "$ex/starry_night.jpg" --size "$size" --tile "$((size / 2))" --tile-iterations 5 --out "$out/tiled.png"; step tiled
nst --content "$ex/tubingen.jpg" --style "$ex/starry_night.jpg" --size "$size" --init-image "$ex/the_scream.jpg" --out "$out/init-image.png"; step init-image
# normalised gradients are not the loss's gradient, so L-BFGS's line search stops early: Adam, as neural-style pairs them
nst --content "$ex/tubingen.jpg" --style "$ex/starry_night.jpg" --size "$size" --normalize-gradients --optimizer adam --learning-rate 0.05 \
    --out "$out/normalize-gradients.png"; step normalize-gradients
du -ch "$out"/*.png | tail -1 >&2
