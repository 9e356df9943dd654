#!/usr/bin/python3
"""Golden fixture for the AdaIN operation (issue 15): ``nst.engine.adain.AdaIn`` against PyTorch.

Writes ``engine/src/test/resources/golden/adain_op.safetensors`` (relative to the repository root): seeded
ReLU-like feature maps (content 16x9x7 with one all-zero channel, two styles of other sizes) and what the
public PyTorch AdaIN code (naoto0804/pytorch-AdaIN, ``function.py`` and ``test.py``) computes from them:

* ``content_mean``, ``content_std``, ``style_a_mean``, ``style_a_std``: ``calc_mean_std`` (unbiased variance,
  plus 1e-5 inside the root), shape (C,)
* ``adain_a``: ``adaptive_instance_normalization(content, style_a)``, alpha = 1
* ``adain_a_alpha06``: ``feat * 0.6 + content * 0.4`` (the ``--alpha`` blend)
* ``blend_ab``: the style interpolation of ``test.py`` with raw weights (1, 3), normalised to (0.25, 0.75)
* ``blend_ab_alpha08``: the same blended with the content at alpha = 0.8

The networks are not involved: this checks the operation alone. Feature maps are (C,H,W) float32 (batch 1
dropped). Run from the repository root: ``/usr/bin/python3 tools/make_adain_fixture.py`` (torch 1.13).
"""
import os
import sys

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from make_fixtures import write_safetensors  # noqa: E402  (the hand-written safetensors writer)

OUT = "engine/src/test/resources/golden/adain_op.safetensors"
WEIGHTS = (1.0, 3.0)


# ---- the public code, verbatim (function.py)
def calc_mean_std(feat, eps=1e-5):
    size = feat.size()
    assert (len(size) == 4)
    N, C = size[:2]
    feat_var = feat.view(N, C, -1).var(dim=2) + eps
    feat_std = feat_var.sqrt().view(N, C, 1, 1)
    feat_mean = feat.view(N, C, -1).mean(dim=2).view(N, C, 1, 1)
    return feat_mean, feat_std


def adaptive_instance_normalization(content_feat, style_feat):
    assert (content_feat.size()[:2] == style_feat.size()[:2])
    size = content_feat.size()
    style_mean, style_std = calc_mean_std(style_feat)
    content_mean, content_std = calc_mean_std(content_feat)
    normalized_feat = (content_feat - content_mean.expand(size)) / content_std.expand(size)
    return normalized_feat * style_std.expand(size) + style_mean.expand(size)


# ---- test.py's style_transfer without the networks: AdaIN, style interpolation, alpha blend
def transfer(content_f, styles_f, alpha, interpolation_weights=None):
    if interpolation_weights:
        feat = torch.zeros_like(content_f)
        for s, w in zip(styles_f, interpolation_weights):   # test.py batches equal-sized styles; same sum
            feat = feat + w * adaptive_instance_normalization(content_f, s)
    else:
        feat = adaptive_instance_normalization(content_f, styles_f[0])
    return feat * alpha + content_f * (1 - alpha)


def features(gen, c, h, w, scale, shift):
    """ReLU-like features: per-channel scale and shift, so the statistics differ from channel to channel."""
    x = torch.randn(1, c, h, w, generator=gen) * scale.view(1, c, 1, 1) + shift.view(1, c, 1, 1)
    return torch.relu(x)


def chw(v):
    """Batch 1 dropped: (1, C, H, W) -> (C, H, W); statistics (1, C, 1, 1) -> (C,)."""
    v = v[0]
    return v.reshape(-1) if tuple(v.shape[1:]) == (1, 1) else v


def main():
    gen = torch.Generator().manual_seed(15)
    c = 16
    content = features(gen, c, 9, 7, torch.rand(c, generator=gen) * 3 + 0.1, torch.randn(c, generator=gen))
    content[0, 3] = 0.0                                       # a dead channel: std = sqrt(eps)
    style_a = features(gen, c, 6, 11, torch.rand(c, generator=gen) * 5 + 0.1, torch.randn(c, generator=gen))
    style_b = features(gen, c, 13, 4, torch.rand(c, generator=gen) * 2 + 0.1, torch.randn(c, generator=gen) + 1)
    weights = [w / sum(WEIGHTS) for w in WEIGHTS]             # test.py normalises the weights the same way
    cm, cs = calc_mean_std(content)
    sm, ss = calc_mean_std(style_a)
    t = {
        "content": content, "style_a": style_a, "style_b": style_b,
        "content_mean": cm, "content_std": cs, "style_a_mean": sm, "style_a_std": ss,
        "adain_a": transfer(content, [style_a], 1.0),
        "adain_a_alpha06": transfer(content, [style_a], 0.6),
        "blend_ab": transfer(content, [style_a, style_b], 1.0, weights),
        "blend_ab_alpha08": transfer(content, [style_a, style_b], 0.8, weights),
    }
    tensors = {k: chw(v).numpy() for k, v in t.items()}
    write_safetensors(OUT, tensors, {"torch": torch.__version__, "eps": "1e-5", "weights": "1,3"})
    for k in sorted(tensors):
        print(k, tensors[k].shape)


if __name__ == "__main__":
    main()
