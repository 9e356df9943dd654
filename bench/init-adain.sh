#!/usr/bin/env bash
# --init adain against --init content (issue 15): the same Gatys run (seeded random VGG19 weights, L-BFGS) started
# from the content or from the AdaIN result (seeded random AdaIN weights: no pretrained files exist on this machine).
# Writes the two loss logs and prints: the evaluations --init adain needs to reach the loss --init content reaches
# after ITERATIONS iterations, and both final losses. Usage: bench/init-adain.sh [SIZE] [ITERATIONS] [OUTDIR]
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
size="${1:-384}"; iters="${2:-300}"; out="${3:-$root/out/init-adain}"
mkdir -p "$out"
common=(--content "$root/examples/tubingen.jpg" --style "$root/examples/starry_night.jpg" --size "$size" --iterations "$iters"
        --weights random --backend simd --quiet)
"$root/nst" stylize "${common[@]}" --init content --out "$out/content.png" --loss-log "$out/content.csv"
"$root/nst" stylize "${common[@]}" --init adain --adain-weights random --out "$out/adain.png" --loss-log "$out/adain.csv"
python3 - "$out/content.csv" "$out/adain.csv" "$size" "$iters" <<'PY'
import csv, sys
def rows(p): return [r for r in csv.DictReader(open(p))]
c, a = rows(sys.argv[1]), rows(sys.argv[2])
target = float(c[-1]["total"])
reach = next((int(r["evaluation"]) for r in a if float(r["total"]) <= target), None)
print(f"size {sys.argv[3]} px, {sys.argv[4]} iterations, seeded random VGG19 and AdaIN weights")
print(f"--init content: start loss {float(c[0]['total']):.4g}, final {target:.4g} after {c[-1]['evaluation']} evaluations")
print(f"--init adain:   start loss {float(a[0]['total']):.4g}, final {float(a[-1]['total']):.4g} after {a[-1]['evaluation']} evaluations")
print(f"--init adain reaches --init content's final loss after: {reach if reach is not None else 'never'} evaluations")
PY
