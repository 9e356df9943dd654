#!/usr/bin/python3
"""Full-width golden fixture: VGG19 with all its channels (64 ... 512) at 224x224, cut after relu5_1,
computed by PyTorch in float32 (the reference the Java engine is compared with) and in float64 (to
measure how far float32 itself is from the exact result, which sets the test's tolerances).

Regenerate from the repository root (Debian python3-torch 1.13, python3-numpy, python3-pil):

    /usr/bin/python3 tools/make_fullwidth_golden.py
    ./mvnw -B -q -o -pl engine -am test -Dtest='FullWidthGoldenTest' -Dsurefire.failIfNoSpecifiedTests=false

It writes engine/src/test/resources/golden/vgg19_fullwidth_224.safetensors (about 4 MB) and prints
the float32 error of every stored quantity. Deterministic: no random generator of torch or numpy is
used, torch.set_num_threads(1).

Weights are not stored (about 80 MB): every conv weight and bias comes from a counter-based formula
that the Java test (nst.engine.FullWidthWeights) reproduces bit for bit:

    z_i   = splitmix64((id << 32) + i)           id = 2*k+1 (weight) or 2*k+2 (bias) of the k-th conv
    u_i   = (2*(z_i >>> 40) + 1 - 2^24) / 2^24    uniform in (-1, 1), an exact float32 (odd multiple of 2^-24)
    w_i   = u_i * float32(sqrt(6 / (9*C_in)))     He-uniform: variance 2 / fan_in
    b_i   = u_i * float32(0.2)                    biases nonzero, so a bias mix-up changes every result

Each step is an integer operation or one correctly rounded float32 operation, so NumPy and Java agree
exactly. The evaluation point x = content + float32(0.1) * u (id 1000) is reproduced the same way.

Loss (DESIGN.md definitions, as tools/make_fixtures.py, with per-layer weights w_l != 1)::

    L_c = sum_l w_l mean((F_l(x) - F_l(c))^2)
    L_s = sum_l w_l mean((G_l(x) - G_l(s))^2),   G = F F^T / (C H W)
    L   = alpha L_c + beta L_s + gamma L_tv(x)

Stored: input.content (3,224,224), input.style0 (3,160,192); check.{conv}.weight (every 997th weight)
and check.{conv}.bias (all biases) to prove the formula was reproduced; act.x.{l} and act.content.relu4_2 as a
strided subsample (every s-th element of the flattened (C,H,W) tensor, s a prime in the metadata entry
stride.{tensor name}); gram.x.{l} in full (C,C); gram.target.{l} subsampled the same way; loss.* (F64);
grad.total (3,224,224) = dL/dx; and for every quantity q, err.{q} (F64 [1]) = the norm-wise relative
error ||q_float32 - q_float64|| / ||q_float64|| of PyTorch's own float32 result (over the full tensor),
which FullWidthGoldenTest uses to set its tolerances.
"""

import math
import os
import sys

import numpy as np
import torch
import torch.nn.functional as Fn
from PIL import Image

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from make_fixtures import (TV_MEAN, TV_STD, layer_names, load_image, read_safetensors,  # noqa: E402
                           write_safetensors)

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(REPO, "engine", "src", "test", "resources", "golden", "vgg19_fullwidth_224.safetensors")
IMAGES = "/work/shared/images"

H = W = 224
STYLE_H, STYLE_W = 160, 192
WIDTHS = (64, 128, 256, 512, 512)
CUT = "relu5_1"
CONTENT = [("relu4_2", 0.75)]
STYLE = [("relu1_1", 0.5), ("relu2_1", 2.0), ("relu3_1", 1.5), ("relu4_1", 4.0), ("relu5_1", 8.0)]
ALPHA, BETA, GAMMA = 1.0, 2000.0, 2e-5
NOISE_ID = 1000
NOISE = np.float32(0.1)
BIAS_SCALE = np.float32(0.2)
CHECK_STRIDE = 997      # every 997th weight of each conv is stored to check the formula's reproduction
SAMPLES = 8192          # about this many elements of each activation are stored

M64 = (1 << 64) - 1


def splitmix64(x):
    """Vigna's splitmix64 finaliser on a uint64 array (wrapping arithmetic)."""
    z = x + np.uint64(0x9E3779B97F4A7C15)
    z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
    z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    return z ^ (z >> np.uint64(31))


def uniform(tensor_id, n):
    """n exact float32 values in (-1, 1) for stream `tensor_id`."""
    i = np.arange(n, dtype=np.uint64)
    z = splitmix64((np.uint64(tensor_id) << np.uint64(32)) + i)
    k = (z >> np.uint64(40)).astype(np.int64)                  # top 24 bits
    return ((2 * k + 1 - (1 << 24)).astype(np.float32) / np.float32(1 << 24)).astype(np.float32)


def conv_layers():
    names = layer_names("vgg19")
    return [n for n in names[: names.index(CUT) + 1] if n.startswith("conv")]


def weights():
    out = {}
    c_in = 3
    for k, name in enumerate(conv_layers()):
        c_out = WIDTHS[int(name[4]) - 1]
        scale = np.float32(math.sqrt(6.0 / (9 * c_in)))
        w = uniform(2 * k + 1, c_out * c_in * 9) * scale
        b = uniform(2 * k + 2, c_out) * BIAS_SCALE
        out[name] = (w.reshape(c_out, c_in, 3, 3), b)
        c_in = c_out
    return out


def preprocess(x):
    mean = torch.tensor(TV_MEAN, dtype=x.dtype).view(3, 1, 1)
    std = torch.tensor(TV_STD, dtype=x.dtype).view(3, 1, 1)
    return (x - mean) / std


def features(x, params, wanted):
    names = layer_names("vgg19")
    h = preprocess(x).unsqueeze(0)
    out = {}
    for name in names[: names.index(CUT) + 1]:
        if name.startswith("conv"):
            w, b = params[name]
            h = Fn.conv2d(h, w, b, padding=1)
        elif name.startswith("relu"):
            h = torch.relu(h)
        else:
            h = Fn.max_pool2d(h, 2, 2)
        if name in wanted:
            out[name] = h[0]
    return out


def gram(f):
    c, hh, ww = f.shape
    m = f.reshape(c, hh * ww)
    return m @ m.t() / (c * hh * ww)


def tv(x):
    dy = x[:, 1:, :] - x[:, :-1, :]
    dx = x[:, :, 1:] - x[:, :, :-1]
    return (dy * dy).sum() + (dx * dx).sum()


def evaluate(dtype, params_np, content_np, style_np, x_np):
    """Everything the fixture stores, computed in `dtype`."""
    params = {k: (torch.from_numpy(w).to(dtype), torch.from_numpy(b).to(dtype)) for k, (w, b) in params_np.items()}
    content = torch.from_numpy(content_np).to(dtype)
    style = torch.from_numpy(style_np).to(dtype)
    cl = [l for l, _ in CONTENT]
    sl = [l for l, _ in STYLE]
    with torch.no_grad():
        fc = features(content, params, set(cl))
        fs = features(style, params, set(sl))
        targets = {l: gram(fs[l]) for l in sl}
    x = torch.from_numpy(x_np).to(dtype).requires_grad_(True)
    fx = features(x, params, set(cl) | set(sl))
    lc = sum(w * ((fx[l] - fc[l]) ** 2).mean() for l, w in CONTENT)
    per_layer = {l: ((gram(fx[l]) - targets[l]) ** 2).mean() for l in sl}
    ls = sum(w * per_layer[l] for l, w in STYLE)
    ltv = tv(x)
    total = ALPHA * lc + BETA * ls + GAMMA * ltv
    total.backward()
    q = {}
    for l in set(cl) | set(sl):
        q["act.x." + l] = fx[l].detach()
    for l in cl:
        q["act.content." + l] = fc[l]
    for l in sl:
        q["gram.x." + l] = gram(fx[l]).detach()
        q["gram.target." + l] = targets[l]
        q["loss.style." + l] = per_layer[l].detach()
    q["loss.content"] = lc.detach()
    q["loss.style"] = ls.detach()
    q["loss.tv"] = ltv.detach()
    q["loss.total"] = total.detach()
    q["grad.total"] = x.grad
    return {k: v.numpy() for k, v in q.items()}


def stride_for(n):
    """The smallest prime >= n / SAMPLES: a prime stride walks through channels and positions alike."""
    s = max(1, n // SAMPLES)
    while s > 1 and any(s % p == 0 for p in range(2, int(math.isqrt(s)) + 1)):
        s += 1
    return s


def main():
    torch.set_num_threads(1)
    params = weights()
    content = load_image(IMAGES, "tubingen.jpg", H, W).numpy()
    style = load_image(IMAGES, "starry_night.jpg", STYLE_H, STYLE_W).numpy()
    x = (content + NOISE * uniform(NOISE_ID, 3 * H * W).reshape(3, H, W)).astype(np.float32)

    q32 = evaluate(torch.float32, params, content, style, x)
    q64 = evaluate(torch.float64, params, content, style, x)

    tensors = {"input.content": content, "input.style0": style}
    for name, (w, b) in params.items():    # lets the Java test prove it rebuilt the same bits
        tensors["check.%s.weight" % name] = np.ascontiguousarray(w.ravel()[::CHECK_STRIDE])
        tensors["check.%s.bias" % name] = b
    meta = dict(
        arch="vgg19", widths=",".join(map(str, WIDTHS)), pooling="max", preprocess="torchvision",
        height=str(H), width=str(W), cut_layer=CUT,
        content_layers=",".join("%s:%r" % lw for lw in CONTENT),
        style_layers=",".join("%s:%r" % lw for lw in STYLE),
        style_blend="1", style_count="1",
        content_weight=repr(ALPHA), style_weight=repr(BETA), tv_weight=repr(GAMMA),
        noise_id=str(NOISE_ID), noise_amplitude="0.1", bias_scale="0.2",
        weights="splitmix64 counter formula, see tools/make_fullwidth_golden.py",
        source="nst tools/make_fullwidth_golden.py, torch %s" % torch.__version__,
        content_image="tubingen.jpg", style_images="starry_night.jpg",
    )
    print("%-28s %10s %12s %12s" % ("quantity", "stored", "max|q|", "f32 err"))
    for k in sorted(q32):
        a32, a64 = q32[k].astype(np.float64), q64[k]
        err = float(np.linalg.norm((a32 - a64).ravel()) / np.linalg.norm(a64.ravel()))
        tensors["err." + k] = np.array([err], dtype=np.float64)
        if k.startswith("loss."):
            tensors[k] = np.array([float(q32[k])], dtype=np.float64)
            stored = 1
        elif k.startswith("act.") or k.startswith("gram.target."):
            flat = q32[k].astype(np.float32).ravel()
            s = stride_for(flat.size)
            meta["stride." + k] = str(s)
            tensors[k] = np.ascontiguousarray(flat[::s])
            stored = tensors[k].size
        else:
            tensors[k] = q32[k].astype(np.float32)
            stored = tensors[k].size
        print("%-28s %10d %12.4e %12.3e" % (k, stored, np.abs(a32).max(), err))
    weighted = (ALPHA * q32["loss.content"], BETA * q32["loss.style"], GAMMA * q32["loss.tv"])
    print("weighted terms: %.4g %.4g %.4g" % weighted)
    write_safetensors(OUT, tensors, meta)
    read_safetensors(OUT)
    print("wrote %s (%d bytes)" % (OUT, os.path.getsize(OUT)))


if __name__ == "__main__":
    main()
