#!/usr/bin/python3
"""PyTorch fixture for the temporal loss of Ruder, Dosovitskiy & Brox (arXiv 1604.08610, eq. 7) and the backward warp.

Writes engine/src/test/resources/golden/temporal.safetensors (float32; the maths in float64):
  previous (3,H,W)   a seeded "previous stylized frame" in [0,1]
  u, v (H,W)         a smooth seeded backward flow (frame i -> i-1), up to ~3 px, some sample points outside the frame
  weights (H,W)      per-pixel weights c: 0, 1 and a few 0.5 (the loss takes any c in [0,1])
  x (3,H,W)          the current image
  warped (3,H,W)     previous sampled at p + w(p): torch.nn.functional.grid_sample, bilinear, align_corners=True,
                     padding_mode="border" (coordinates clamped to the frame), what nst.engine.flow.Warp.backward does
  loss (1)           lambda * 1/D * sum c * (x - warped)^2, D = 3*H*W, lambda in the metadata
  grad (3,H,W)       d loss / d x by autograd
Run from the repository root: /usr/bin/python3 tools/make_temporal_fixture.py (torch 1.13).
"""
import os
import sys

import numpy as np
import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from make_fixtures import write_safetensors  # noqa: E402

OUT = "engine/src/test/resources/golden/temporal.safetensors"
H, W, LAMBDA = 9, 11, 3.7

g = torch.Generator().manual_seed(1604)
previous = torch.rand(3, H, W, generator=g, dtype=torch.float64)
ys, xs = torch.meshgrid(torch.arange(H, dtype=torch.float64), torch.arange(W, dtype=torch.float64), indexing="ij")
u = 2.5 * torch.sin(0.4 * xs + 0.3 * ys) + 0.3 * torch.rand(H, W, generator=g, dtype=torch.float64)
v = -1.5 * torch.cos(0.5 * ys - 0.2 * xs) + 0.3 * torch.rand(H, W, generator=g, dtype=torch.float64)
weights = (torch.rand(H, W, generator=g, dtype=torch.float64) > 0.3).double()
weights[2, 3] = weights[5, 7] = weights[8, 0] = 0.5
x = torch.rand(3, H, W, generator=g, dtype=torch.float64, requires_grad=True)

grid = torch.stack([2 * (xs + u) / (W - 1) - 1, 2 * (ys + v) / (H - 1) - 1], dim=-1).unsqueeze(0)
warped = F.grid_sample(previous.unsqueeze(0), grid, mode="bilinear", padding_mode="border", align_corners=True)[0]
loss = LAMBDA * (weights * (x - warped) ** 2).sum() / (3 * H * W)
loss.backward()

f32 = lambda t: t.detach().numpy().astype(np.float32)
os.makedirs(os.path.dirname(OUT), exist_ok=True)
write_safetensors(OUT, {"previous": f32(previous), "u": f32(u), "v": f32(v), "weights": f32(weights), "x": f32(x),
                        "warped": f32(warped), "loss": np.array([loss.item()], dtype=np.float64), "grad": f32(x.grad)},
                  {"lambda": LAMBDA, "torch": torch.__version__, "script": "tools/make_temporal_fixture.py"})
print("wrote", OUT, "loss", loss.item())
