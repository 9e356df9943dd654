#!/usr/bin/env python3
"""Assembles tools/backbones-figure.sh's runs: a 3 x 2 grid (VGG16, VGG19, ResNet-50; without / with the softmax
transform) and the loss curves (total loss relative to its start, log scale, per iteration). Usage:
backbones_figure.py RUN_DIR OUT_DIR SIZE ITERATIONS"""
import csv
import os
import sys

import cv2
import numpy as np

run, out, size, iters = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4]
models, transforms = ["vgg16", "vgg19", "resnet50"], ["none", "softmax"]
rows = []
for t in transforms:
    row = []
    for m in models:
        im = cv2.imread(os.path.join(run, "%s-%s.png" % (m, t)))
        cv2.putText(im, "%s %s" % (m, t), (3, 12), cv2.FONT_HERSHEY_SIMPLEX, 0.38, (255, 255, 255), 1, cv2.LINE_AA)
        row.append(im)
    rows.append(cv2.hconcat(row))
cv2.imwrite(os.path.join(out, "grid.png"), cv2.vconcat(rows))

curves = {}
for m in models:
    for t in transforms:
        with open(os.path.join(run, "%s-%s.csv" % (m, t))) as f:
            r = list(csv.DictReader(f))
        first, last = float(r[0]["total"]), {}
        for row in r:
            last[int(row["iteration"])] = max(float(row["total"]) / first, 1e-6)
        curves["%s %s" % (m, t)] = last
W, H, L, B = 460, 260, 50, 30                     # canvas, left and bottom margins
img = np.full((H, W, 3), 255, np.uint8)
lo = min(min(c.values()) for c in curves.values())
decades = max(1, int(np.ceil(-np.log10(lo))))
xmax = max(max(c) for c in curves.values()) or 1
px = lambda it: int(L + (W - L - 130) * it / xmax)
py = lambda v: int(10 + (H - B - 10) * (-np.log10(v)) / decades)
cv2.rectangle(img, (L, 10), (W - 130, H - B), (0, 0, 0), 1)
for d in range(decades + 1):
    cv2.putText(img, "1e-%d" % d if d else "1", (4, py(10.0 ** -d) + 4), cv2.FONT_HERSHEY_SIMPLEX, 0.35, (0, 0, 0), 1, cv2.LINE_AA)
cv2.putText(img, "iteration (0..%d); loss / initial loss, log" % xmax, (L, H - 10), cv2.FONT_HERSHEY_SIMPLEX, 0.38, (0, 0, 0), 1, cv2.LINE_AA)
colours = {"vgg16": (200, 90, 30), "vgg19": (40, 160, 40), "resnet50": (30, 30, 220)}
for k, (name, c) in enumerate(curves.items()):
    m, t = name.split()
    pts = np.array([(px(i), py(v)) for i, v in sorted(c.items())], np.int32)
    col = colours[m] if t == "softmax" else tuple(int(0.55 * v + 110) for v in colours[m])
    cv2.polylines(img, [pts], False, col, 2 if t == "softmax" else 1, cv2.LINE_AA)
    cv2.line(img, (W - 122, 20 + 16 * k), (W - 102, 20 + 16 * k), col, 2 if t == "softmax" else 1)
    cv2.putText(img, name, (W - 98, 24 + 16 * k), cv2.FONT_HERSHEY_SIMPLEX, 0.35, (0, 0, 0), 1, cv2.LINE_AA)
cv2.putText(img, "%s px, %s iterations, random weights" % (size, iters), (L + 4, 24), cv2.FONT_HERSHEY_SIMPLEX, 0.38, (0, 0, 0), 1, cv2.LINE_AA)
cv2.imwrite(os.path.join(out, "loss-curves.png"), img)
print("wrote", os.path.join(out, "grid.png"), os.path.join(out, "loss-curves.png"))
