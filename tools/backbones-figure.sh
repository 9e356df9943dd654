#!/usr/bin/env bash
# The README's backbone comparison: VGG16, VGG19 and ResNet-50, each without and with SWAG's softmax transform
# (--feature-transform none|softmax), SEEDED RANDOM WEIGHTS (no pretrained weights on the build machine), and the
# loss curves of the six runs. Writes docs/backbones/*.png. Usage: tools/backbones-figure.sh [SIZE] [ITERATIONS]
set -euo pipefail
cd "$(dirname "$0")/.."
size=${1:-128}
iters=${2:-40}
out=docs/backbones
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$out"
for model in vgg16 vgg19 resnet50; do
  for t in none softmax; do
    ./nst stylize --quiet --model "$model" --feature-transform "$t" --weights random --size "$size" --iterations "$iters" \
      --content examples/tubingen.jpg --style examples/starry_night.jpg --out "$tmp/$model-$t.png" \
      --loss-log "$tmp/$model-$t.csv" --backend simd
  done
done
/usr/bin/python3 tools/backbones_figure.py "$tmp" "$out" "$size" "$iters"
