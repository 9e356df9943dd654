#!/usr/bin/python3
"""Golden fixture for AdaIN's networks (issue 15): ``nst.engine.adain`` against the public PyTorch code.

Builds the encoder (``vgg``, cut after relu4_1 as ``test.py`` does: ``vgg[:31]``) and the ``decoder`` exactly as
naoto0804/pytorch-AdaIN's ``net.py`` (copied below), at full channel width, with the seeded random weights of
``nst.engine.adain.AdaInWeights.random(SEED)`` (the same generator, written here with numpy: splitmix64's finaliser
on a counter, 24-bit uniforms, He-uniform bounds; see that method's comment). The fixture therefore holds no
weights: Java makes the same ones bit for bit (a test checks a few values of the generator stored here).

Writes ``engine/src/test/resources/golden/adain_net.safetensors``:

* ``content`` (3, 45, 67), ``style_a`` (3, 29, 37), ``style_b`` (3, 53, 41): RGB in [0, 1]
* ``relu1_1`` … ``relu3_1`` of the content, kept small: per-channel ``*_mean`` / ``*_std`` (float64, population
  statistics) and ``*_sub``, every SUB-th element of the flattened (C, H, W) tensor
* ``relu4_1`` (512, 6, 9) in full and ``target_a``: AdaIN(content, style_a) at relu4_1
* ``out_alpha1``, ``out_alpha06`` (style_a, alpha 1 and 0.6) and ``out_blend`` (styles a and b with ``test.py``'s
  interpolation weights (1, 3), i.e. 0.25/0.75, alpha 1): the decoder's full (3, 48, 72) output, not cropped
* ``gen_probe``: the first 8 values of encoder.2.weight and of decoder.28.bias (the generator itself)

Run from the repository root: ``/usr/bin/python3 tools/make_adain_net_fixture.py`` (torch 1.13, numpy).
"""
import math
import os
import sys

import numpy as np
import torch
import torch.nn as nn

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from make_fixtures import write_safetensors  # noqa: E402

OUT = "engine/src/test/resources/golden/adain_net.safetensors"
SEED = 15
SUB = 47

# ---- net.py, verbatim (the two public Sequentials)
decoder = nn.Sequential(
    nn.ReflectionPad2d((1, 1, 1, 1)),
    nn.Conv2d(512, 256, (3, 3)),
    nn.ReLU(),
    nn.Upsample(scale_factor=2, mode='nearest'),
    nn.ReflectionPad2d((1, 1, 1, 1)),
    nn.Conv2d(256, 256, (3, 3)),
    nn.ReLU(),
    nn.ReflectionPad2d((1, 1, 1, 1)),
    nn.Conv2d(256, 256, (3, 3)),
    nn.ReLU(),
    nn.ReflectionPad2d((1, 1, 1, 1)),
    nn.Conv2d(256, 256, (3, 3)),
    nn.ReLU(),
    nn.ReflectionPad2d((1, 1, 1, 1)),
    nn.Conv2d(256, 128, (3, 3)),
    nn.ReLU(),
    nn.Upsample(scale_factor=2, mode='nearest'),
    nn.ReflectionPad2d((1, 1, 1, 1)),
    nn.Conv2d(128, 128, (3, 3)),
    nn.ReLU(),
    nn.ReflectionPad2d((1, 1, 1, 1)),
    nn.Conv2d(128, 64, (3, 3)),
    nn.ReLU(),
    nn.Upsample(scale_factor=2, mode='nearest'),
    nn.ReflectionPad2d((1, 1, 1, 1)),
    nn.Conv2d(64, 64, (3, 3)),
    nn.ReLU(),
    nn.ReflectionPad2d((1, 1, 1, 1)),
    nn.Conv2d(64, 3, (3, 3)),
)

vgg = nn.Sequential(
    nn.Conv2d(3, 3, (1, 1)),
    nn.ReflectionPad2d((1, 1, 1, 1)),
    nn.Conv2d(3, 64, (3, 3)),
    nn.ReLU(),  # relu1-1
    nn.ReflectionPad2d((1, 1, 1, 1)),
    nn.Conv2d(64, 64, (3, 3)),
    nn.ReLU(),  # relu1-2
    nn.MaxPool2d((2, 2), (2, 2), (0, 0), ceil_mode=True),
    nn.ReflectionPad2d((1, 1, 1, 1)),
    nn.Conv2d(64, 128, (3, 3)),
    nn.ReLU(),  # relu2-1
    nn.ReflectionPad2d((1, 1, 1, 1)),
    nn.Conv2d(128, 128, (3, 3)),
    nn.ReLU(),  # relu2-2
    nn.MaxPool2d((2, 2), (2, 2), (0, 0), ceil_mode=True),
    nn.ReflectionPad2d((1, 1, 1, 1)),
    nn.Conv2d(128, 256, (3, 3)),
    nn.ReLU(),  # relu3-1
    nn.ReflectionPad2d((1, 1, 1, 1)),
    nn.Conv2d(256, 256, (3, 3)),
    nn.ReLU(),  # relu3-2
    nn.ReflectionPad2d((1, 1, 1, 1)),
    nn.Conv2d(256, 256, (3, 3)),
    nn.ReLU(),  # relu3-3
    nn.ReflectionPad2d((1, 1, 1, 1)),
    nn.Conv2d(256, 256, (3, 3)),
    nn.ReLU(),  # relu3-4
    nn.MaxPool2d((2, 2), (2, 2), (0, 0), ceil_mode=True),
    nn.ReflectionPad2d((1, 1, 1, 1)),
    nn.Conv2d(256, 512, (3, 3)),
    nn.ReLU(),  # relu4-1, this is the last layer used
    nn.ReflectionPad2d((1, 1, 1, 1)),
    nn.Conv2d(512, 512, (3, 3)),
    nn.ReLU(),  # relu4-2
    nn.ReflectionPad2d((1, 1, 1, 1)),
    nn.Conv2d(512, 512, (3, 3)),
    nn.ReLU(),  # relu4-3
    nn.ReflectionPad2d((1, 1, 1, 1)),
    nn.Conv2d(512, 512, (3, 3)),
    nn.ReLU(),  # relu4-4
    nn.MaxPool2d((2, 2), (2, 2), (0, 0), ceil_mode=True),
    nn.ReflectionPad2d((1, 1, 1, 1)),
    nn.Conv2d(512, 512, (3, 3)),
    nn.ReLU(),  # relu5-1
    nn.ReflectionPad2d((1, 1, 1, 1)),
    nn.Conv2d(512, 512, (3, 3)),
    nn.ReLU(),  # relu5-2
    nn.ReflectionPad2d((1, 1, 1, 1)),
    nn.Conv2d(512, 512, (3, 3)),
    nn.ReLU(),  # relu5-3
    nn.ReflectionPad2d((1, 1, 1, 1)),
    nn.Conv2d(512, 512, (3, 3)),
    nn.ReLU()  # relu5-4
)


# ---- function.py, verbatim
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


# ---- AdaInWeights.random, in numpy
GOLDEN = 0x9E3779B97F4A7C15
M64 = (1 << 64) - 1


def uniform(seed, stream, n, bound):
    base = ((stream << 32) + 1) & M64
    idx = np.arange(n, dtype=np.uint64) + np.uint64(base)
    z = np.uint64(seed & M64) + np.uint64(GOLDEN) * idx
    z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
    z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    z = z ^ (z >> np.uint64(31))
    v = (z >> np.uint64(40)).astype(np.float32) * np.float32(2.0 ** -23) - np.float32(1.0)
    return v * np.float32(bound)


def fill(seq, net, seed):
    with torch.no_grad():
        for i, m in enumerate(seq):
            if isinstance(m, nn.Conv2d):
                o, c, kh, kw = m.weight.shape
                fan_in = c * kh * kw
                w = uniform(seed, 256 * net + 2 * i, o * c * kh * kw, math.sqrt(6.0 / fan_in))
                b = uniform(seed, 256 * net + 2 * i + 1, o, 1.0 / math.sqrt(fan_in))
                m.weight.copy_(torch.from_numpy(w.reshape(o, c, kh, kw)))
                m.bias.copy_(torch.from_numpy(b))


def main():
    torch.set_num_threads(2)
    fill(vgg, 0, SEED)
    fill(decoder, 1, SEED)
    enc = nn.Sequential(*list(vgg.children())[:31])
    gen = torch.Generator().manual_seed(SEED)
    content = torch.rand(1, 3, 45, 67, generator=gen)
    style_a = torch.rand(1, 3, 29, 37, generator=gen) * 0.6 + 0.2
    style_b = torch.rand(1, 3, 53, 41, generator=gen) ** 2
    taps = {3: "relu1_1", 10: "relu2_1", 17: "relu3_1", 30: "relu4_1"}
    feats = {}
    with torch.no_grad():
        x = content
        for i, m in enumerate(enc):
            x = m(x)
            if i in taps:
                feats[taps[i]] = x[0].clone()
        cf = enc(content)
        assert torch.equal(cf[0], feats["relu4_1"])
        fa, fb = enc(style_a), enc(style_b)
        t_a = adaptive_instance_normalization(cf, fa)
        out1 = decoder(t_a)
        out06 = decoder(t_a * 0.6 + cf * 0.4)
        ws = [1.0 / 4.0, 3.0 / 4.0]
        blend = ws[0] * adaptive_instance_normalization(cf, fa) + ws[1] * adaptive_instance_normalization(cf, fb)
        outb = decoder(blend)
    t = {
        "content": content[0].numpy(), "style_a": style_a[0].numpy(), "style_b": style_b[0].numpy(),
        "relu4_1": feats["relu4_1"].numpy(), "target_a": t_a[0].numpy(),
        "out_alpha1": out1[0].numpy(), "out_alpha06": out06[0].numpy(), "out_blend": outb[0].numpy(),
        "gen_probe": np.concatenate([vgg[2].weight.detach().numpy().reshape(-1)[:8],
                                     decoder[28].bias.detach().numpy()[:3],
                                     uniform(SEED, 2 * 2, 5, 1.0)]).astype(np.float32),
    }
    for name in ("relu1_1", "relu2_1", "relu3_1"):
        f = feats[name].double().numpy()
        c = f.shape[0]
        t[name + "_mean"] = f.reshape(c, -1).mean(axis=1)
        t[name + "_std"] = f.reshape(c, -1).std(axis=1)
        t[name + "_sub"] = feats[name].numpy().reshape(-1)[::SUB].copy()
    for k, v in t.items():
        assert np.all(np.isfinite(v)), k
    print("output", tuple(out1.shape), "relu4_1", tuple(cf.shape), "out range", float(out1.min()), float(out1.max()))
    write_safetensors(OUT, t, {"seed": SEED, "sub": SUB, "script": "tools/make_adain_net_fixture.py"})
    print("wrote", OUT, os.path.getsize(OUT), "bytes")


if __name__ == "__main__":
    main()
