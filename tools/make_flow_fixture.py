#!/usr/bin/python3
"""OpenCV's Farneback flow on a real pair of frames with known motion, for FlowFixtureTest.

Writes engine/src/test/resources/flow/:
  frame1.png, frame2.png   W x H crops of examples/tubingen.jpg; frame 2 is the same source moved by an affine
                           motion A about the frame centre c = ((W-1)/2, (H-1)/2): A(p) = c + zoom*R(angle)*(p - c) + t,
                           sampled as frame2(y) = source(A^-1(y)) with bicubic interpolation.
  farneback.f32            OpenCV's flow of frame 1 (frame1 -> frame2), float32 little-endian, the u plane (H x W,
                           row-major) then the v plane.
  fixture.json             the motion, the frame size, the EPE margin, the Farneback parameters (the defaults of
                           OpenCV's fback.py sample), OpenCV's version, and its mean end-point error (and the median
                           of the per-pixel errors) against the true flow A(p) - p over pixels >= margin from every
                           border. The sky at the top is nearly uniform: there Farneback's local fits have nothing
                           to hold on to, which is most of its mean error.
The true flow is the same formula in SyntheticMotion.Motion (Java). Leaves out every other flow method.
Run from the repository root: /usr/bin/python3 tools/make_flow_fixture.py (needs Debian's python3-opencv).
"""
import json, math, os
import cv2
import numpy as np

W, H, MARGIN = 192, 144, 8
MOTION = {"tx": 2.4, "ty": -1.3, "angle_deg": 1.5, "zoom": 1.02}
FARNEBACK = {"pyr_scale": 0.5, "levels": 3, "winsize": 15, "iterations": 3, "poly_n": 5, "poly_sigma": 1.2, "flags": 0}
OUT = "engine/src/test/resources/flow"

src = cv2.imread("examples/tubingen.jpg", cv2.IMREAD_COLOR)
if src is None:
    raise SystemExit("make_flow_fixture: cannot read examples/tubingen.jpg (run from the repository root)")
src = cv2.resize(src, (320, 240), interpolation=cv2.INTER_AREA)
ox, oy = (320 - W) // 2, (240 - H) // 2
cx, cy = (W - 1) / 2.0, (H - 1) / 2.0
a = math.radians(MOTION["angle_deg"])
c, s = MOTION["zoom"] * math.cos(a), MOTION["zoom"] * math.sin(a)

ys, xs = np.mgrid[0:H, 0:W].astype(np.float64)
# frame 2 at y: the source at A^-1(y), in source coordinates (the crop offset added)
dx, dy = xs - MOTION["tx"] - cx, ys - MOTION["ty"] - cy
det = c * c + s * s
inv_x = cx + (c * dx + s * dy) / det + ox
inv_y = cy + (-s * dx + c * dy) / det + oy
frame1 = src[oy:oy + H, ox:ox + W].copy()
frame2 = cv2.remap(src, inv_x.astype(np.float32), inv_y.astype(np.float32), cv2.INTER_CUBIC, borderMode=cv2.BORDER_REFLECT)

# true flow of frame 1: A(p) - p
true_u = cx + c * (xs - cx) - s * (ys - cy) + MOTION["tx"] - xs
true_v = cy + s * (xs - cx) + c * (ys - cy) + MOTION["ty"] - ys

os.makedirs(OUT, exist_ok=True)
cv2.imwrite(os.path.join(OUT, "frame1.png"), frame1)
cv2.imwrite(os.path.join(OUT, "frame2.png"), frame2)
# read back what was written, so OpenCV sees exactly the pixels the Java test sees
g1 = cv2.cvtColor(cv2.imread(os.path.join(OUT, "frame1.png")), cv2.COLOR_BGR2GRAY)
g2 = cv2.cvtColor(cv2.imread(os.path.join(OUT, "frame2.png")), cv2.COLOR_BGR2GRAY)
flow = cv2.calcOpticalFlowFarneback(g1, g2, None, **FARNEBACK)
u, v = flow[..., 0].astype("<f4"), flow[..., 1].astype("<f4")
with open(os.path.join(OUT, "farneback.f32"), "wb") as f:
    f.write(u.tobytes() + v.tobytes())

inner = (slice(MARGIN, H - MARGIN), slice(MARGIN, W - MARGIN))
errors = np.hypot(u[inner] - true_u[inner], v[inner] - true_v[inner])
epe, median = float(np.mean(errors)), float(np.median(errors))
meta = {"width": W, "height": H, "margin": MARGIN, "motion": MOTION, "farneback": FARNEBACK,
        "opencv": cv2.__version__, "farneback_epe": epe, "farneback_median_error": median,
        "source": "examples/tubingen.jpg resized to 320x240 (INTER_AREA), crop at (%d, %d)" % (ox, oy)}
with open(os.path.join(OUT, "fixture.json"), "w") as f:
    json.dump(meta, f, indent=1)
print("farneback EPE %.4f px, median %.4f px (OpenCV %s), max true displacement %.2f px"
      % (epe, median, cv2.__version__, float(np.max(np.hypot(true_u, true_v)))))
