#!/usr/bin/python3
"""Golden-fixture generator for the nst engine (PyTorch reference).

What it writes
--------------
Into ``engine/src/test/resources/golden/`` (relative to the repository root):

* ``vgg19_max_torchvision.safetensors``  (also holds an L-BFGS record and an Adam record)
* ``vgg19_avg_caffe.safetensors``
* ``vgg16_max_caffe.safetensors``
* ``vgg16_avg_torchvision.safetensors``
* ``README.md`` (generated: file contents, versions, loss values)

Each ``.safetensors`` file is a small Gatys et al. style-transfer problem on a
randomly initialised, channel-reduced VGG16/VGG19 ("features" part, torchvision
layer structure, non-inplace ReLU): the seeded weights, the input images, the
activations, Gram matrices, unweighted loss terms, the total loss and the
gradient of every weighted term with respect to the raw [0,1] RGB image.

Definitions (float32 throughout, as torch computes by default)::

    F_l(x)  activations at layer l, shape (C,H,W)
    G_l     = F F^T / (C*H*W), F reshaped to (C, H*W)
    L_c     = sum_{l in content} mean((F_l(x) - F_l(c))^2)
    L_s     = sum_{l in style}   mean((G_l(x) - A_l)^2),  A_l = sum_k b_k G_l(s_k)
    L_tv    = sum (x[c,i+1,j]-x[c,i,j])^2 + sum (x[c,i,j+1]-x[c,i,j])^2   (raw x)
    L       = alpha L_c + beta L_s + gamma L_tv

Preprocessing: ``torchvision`` = (x - mean)/std, RGB; ``caffe`` = BGR order,
255*x - (103.939, 116.779, 123.68).

File format: safetensors written by hand: u64 LE header length N, N bytes of
JSON header (space padded so that the data starts 8-byte aligned; the
``__metadata__`` entry first, then tensors sorted by name, data laid out
contiguously in that order), then little-endian raw data.  Tensors are F32
except the loss scalars / L-BFGS losses (F64).

How to run
----------
From the repository root (Debian packages python3-torch python3-torchvision
python3-pil python3-numpy; use the system interpreter, not a pyenv one)::

    /usr/bin/python3 tools/make_fixtures.py            # generate + verify
    /usr/bin/python3 tools/make_fixtures.py --verify   # only re-read and verify

Images are read from ``/work/shared/images`` (override with ``--images DIR``).
The output is deterministic: fixed seeds, torch.set_num_threads(1).

Verification re-reads every file (header layout, offsets, dtypes, shapes) and
independently recomputes the forward pass, Grams and losses in float64 numpy,
and the gradient in float64 torch (plus a finite-difference check), asserting
agreement with the stored float32 values.
"""

import argparse
import json
import math
import os
import struct
import sys

import numpy as np
import torch
import torch.nn as nn
import PIL
from PIL import Image

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT_DIR = os.path.join(REPO, "engine", "src", "test", "resources", "golden")
DEFAULT_IMAGES = "/work/shared/images"

NOISE_AMPLITUDE = 0.1

TV_MEAN = (0.485, 0.456, 0.406)
TV_STD = (0.229, 0.224, 0.225)
CAFFE_MEAN_BGR = (103.939, 116.779, 123.68)

BLOCKS = {"vgg19": (2, 2, 4, 4, 4), "vgg16": (2, 2, 3, 3, 3)}

# alpha / beta / gamma were chosen (powers of ten / round numbers) so that the
# three weighted terms have comparable magnitude at input.x; main() asserts that
# they stay within a factor of 10 of each other.
CASES = [
    dict(
        name="vgg19_max_torchvision",
        arch="vgg19", pooling="max", preprocess="torchvision",
        height=29, width=37,
        content="tubingen.jpg",
        styles=[("starry_night.jpg", 31, 41), ("the_scream.jpg", 27, 23)],
        blend=(0.7, 0.3), blend_str="0.7,0.3",
        content_layers=["relu4_2"],
        style_layers=["relu1_1", "relu2_1", "relu3_1", "relu4_1", "relu5_1"],
        widths=(8, 12, 16, 20, 24),
        alpha=30.0, beta=2000.0, gamma=0.01,
        seed=1001,
        lbfgs=True,
    ),
    dict(
        name="vgg19_avg_caffe",
        arch="vgg19", pooling="avg", preprocess="caffe",
        height=33, width=35,
        content="tubingen.jpg",
        styles=[("shipwreck.jpg", 35, 30)],
        blend=(1.0,), blend_str="1",
        content_layers=["relu4_2"],
        style_layers=["relu1_1", "relu2_1", "relu3_1", "relu4_1", "relu5_1"],
        widths=(6, 10, 12, 14, 16),
        alpha=5.0, beta=0.0002, gamma=0.01,
        seed=1002,
        lbfgs=False,
    ),
    dict(
        name="vgg16_max_caffe",
        arch="vgg16", pooling="max", preprocess="caffe",
        height=29, width=31,
        content="tubingen.jpg",
        styles=[("woman-with-hat-matisse.jpg", 32, 32)],
        blend=(1.0,), blend_str="1",
        content_layers=["conv4_2", "relu3_3"],
        style_layers=["relu1_2", "pool2", "relu3_3", "conv4_3"],
        widths=(8, 8, 12, 12, 16),
        alpha=0.02, beta=0.0001, gamma=0.01,
        seed=1003,
        lbfgs=False,
    ),
    dict(
        name="vgg16_avg_torchvision",
        arch="vgg16", pooling="avg", preprocess="torchvision",
        height=36, width=20,
        content="tubingen.jpg",
        styles=[("starry_night.jpg", 20, 36), ("shipwreck.jpg", 24, 24)],
        blend=(0.5, 0.5), blend_str="0.5,0.5",
        content_layers=["relu2_2"],
        style_layers=["relu1_1", "relu2_1", "relu3_1", "relu4_1", "relu5_1"],
        widths=(4, 6, 8, 10, 12),
        alpha=200.0, beta=100.0, gamma=0.02,
        seed=1004,
        lbfgs=False,
    ),
]

LBFGS_MAX_ITER = 10
LBFGS_HISTORY = 100
ADAM_LR = 0.02          # nst's default Adam learning rate
ADAM_STEPS = 20


# --------------------------------------------------------------------------
# network


def layer_names(arch):
    """Names of all layers of the VGG features stack, in order."""
    names = []
    for b, n in enumerate(BLOCKS[arch], start=1):
        for i in range(1, n + 1):
            names += ["conv%d_%d" % (b, i), "relu%d_%d" % (b, i)]
        names.append("pool%d" % b)
    return names


def cut_layers(arch, used):
    names = layer_names(arch)
    last = max(names.index(l) for l in used)
    return names[: last + 1]


class VGGFeatures(nn.Module):
    """torchvision-structured VGG features, reduced widths, cut at `layers[-1]`."""

    def __init__(self, arch, widths, pooling, layers, gen):
        super().__init__()
        self.names = list(layers)
        mods = []
        in_ch = 3
        for name in self.names:
            if name.startswith("conv"):
                b = int(name[4])
                out_ch = widths[b - 1]
                conv = nn.Conv2d(in_ch, out_ch, kernel_size=3, stride=1, padding=1, bias=True)
                std = math.sqrt(2.0 / (out_ch * 3 * 3))
                with torch.no_grad():
                    conv.weight.copy_(torch.randn(conv.weight.shape, generator=gen) * std)
                    conv.bias.copy_(torch.randn(conv.bias.shape, generator=gen) * 0.05)
                mods.append(conv)
                in_ch = out_ch
            elif name.startswith("relu"):
                mods.append(nn.ReLU(inplace=False))
            elif name.startswith("pool"):
                mods.append(nn.MaxPool2d(2, 2) if pooling == "max" else nn.AvgPool2d(2, 2))
        self.mods = nn.ModuleList(mods)
        for p in self.parameters():
            p.requires_grad_(False)

    def weights(self):
        out = {}
        for name, m in zip(self.names, self.mods):
            if isinstance(m, nn.Conv2d):
                out[name + ".weight"] = m.weight.detach()
                out[name + ".bias"] = m.bias.detach()
        return out

    def forward(self, x, wanted):
        """x: preprocessed (3,H,W). Returns {layer: (C,H,W)} for layers in `wanted`."""
        feats = {}
        h = x.unsqueeze(0)
        for name, m in zip(self.names, self.mods):
            h = m(h)
            if name in wanted:
                feats[name] = h[0]
        return feats


def preprocess(x, mode):
    dt = x.dtype
    if mode == "torchvision":
        mean = torch.tensor(TV_MEAN, dtype=dt).view(3, 1, 1)
        std = torch.tensor(TV_STD, dtype=dt).view(3, 1, 1)
        return (x - mean) / std
    if mode == "caffe":
        mean = torch.tensor(CAFFE_MEAN_BGR, dtype=dt).view(3, 1, 1)
        return x[[2, 1, 0]] * 255.0 - mean
    raise ValueError(mode)


def gram(f):
    c, h, w = f.shape
    m = f.reshape(c, h * w)
    return (m @ m.t()) / (c * h * w)


def tv_loss(x):
    dy = x[:, 1:, :] - x[:, :-1, :]
    dx = x[:, :, 1:] - x[:, :, :-1]
    return (dy * dy).sum() + (dx * dx).sum()


class Problem:
    """Loss terms for one case, targets fixed."""

    def __init__(self, case, net, content, styles):
        self.case = case
        self.net = net
        self.cl = case["content_layers"]
        self.sl = case["style_layers"]
        with torch.no_grad():
            fc = net(preprocess(content, case["preprocess"]), set(self.cl))
            self.content_targets = {l: fc[l].detach().clone() for l in self.cl}
            self.style_targets = {}
            for k, (s, b) in enumerate(zip(styles, case["blend"])):
                fs = net(preprocess(s, case["preprocess"]), set(self.sl))
                for l in self.sl:
                    g = gram(fs[l]) * b
                    self.style_targets[l] = g if k == 0 else self.style_targets[l] + g

    def terms(self, x):
        feats = self.net(preprocess(x, self.case["preprocess"]), set(self.cl) | set(self.sl))
        lc = None
        for l in self.cl:
            d = feats[l] - self.content_targets[l]
            t = (d * d).mean()
            lc = t if lc is None else lc + t
        ls = None
        per_layer = {}
        grams = {}
        for l in self.sl:
            g = gram(feats[l])
            grams[l] = g
            d = g - self.style_targets[l]
            t = (d * d).mean()
            per_layer[l] = t
            ls = t if ls is None else ls + t
        ltv = tv_loss(x)
        return dict(content=lc, style=ls, tv=ltv, style_layers=per_layer, feats=feats, grams=grams)

    def total(self, x, alpha, beta, gamma):
        t = self.terms(x)
        return alpha * t["content"] + beta * t["style"] + gamma * t["tv"], t


# --------------------------------------------------------------------------
# images


def load_image(images_dir, fname, h, w):
    img = Image.open(os.path.join(images_dir, fname)).convert("RGB")
    bicubic = getattr(Image, "Resampling", Image).BICUBIC
    img = img.resize((w, h), bicubic)  # PIL takes (width, height)
    arr = np.asarray(img, dtype=np.float32) / np.float32(255.0)
    assert arr.shape == (h, w, 3)
    return torch.from_numpy(np.ascontiguousarray(arr.transpose(2, 0, 1)))


# --------------------------------------------------------------------------
# safetensors


def write_safetensors(path, tensors, metadata):
    names = sorted(tensors)
    header = {"__metadata__": {k: str(v) for k, v in metadata.items()}}
    blobs = []
    off = 0
    for n in names:
        a = tensors[n]
        if a.dtype == np.float32:
            dt, data = "F32", a.astype("<f4", copy=False)
        elif a.dtype == np.float64:
            dt, data = "F64", a.astype("<f8", copy=False)
        else:
            raise TypeError((n, a.dtype))
        raw = np.ascontiguousarray(data).tobytes(order="C")
        header[n] = {"dtype": dt, "shape": list(a.shape), "data_offsets": [off, off + len(raw)]}
        blobs.append(raw)
        off += len(raw)
    hj = json.dumps(header, separators=(",", ":")).encode("utf-8")
    hj += b" " * ((-(8 + len(hj))) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(hj)))
        f.write(hj)
        for raw in blobs:
            f.write(raw)


def read_safetensors(path):
    """Strict reader; checks the layout rules described at the top."""
    with open(path, "rb") as f:
        buf = f.read()
    (n,) = struct.unpack("<Q", buf[:8])
    assert (8 + n) % 8 == 0, "data section not 8-byte aligned"
    header = json.loads(buf[8 : 8 + n].decode("utf-8"))
    data = buf[8 + n :]
    meta = header.pop("__metadata__")
    assert all(isinstance(k, str) and isinstance(v, str) for k, v in meta.items())
    names = list(header)
    assert names == sorted(names), "tensors not sorted by name"
    tensors = {}
    off = 0
    for name in names:
        e = header[name]
        b, end = e["data_offsets"]
        assert b == off, (name, b, off)
        size = {"F32": 4, "F64": 8}[e["dtype"]]
        count = int(np.prod(e["shape"])) if e["shape"] else 1
        assert end - b == size * count, name
        dt = "<f4" if e["dtype"] == "F32" else "<f8"
        tensors[name] = np.frombuffer(data[b:end], dtype=dt).reshape(e["shape"])
        off = end
    assert off == len(data), "trailing bytes"
    return meta, tensors


# --------------------------------------------------------------------------
# generation


def f64(v):
    return np.array([float(v)], dtype=np.float64)


def npy(t):
    return t.detach().cpu().numpy().astype(np.float32)


def build(case, images_dir):
    gen = torch.Generator().manual_seed(case["seed"])
    used = case["content_layers"] + case["style_layers"]
    layers = cut_layers(case["arch"], used)
    net = VGGFeatures(case["arch"], case["widths"], case["pooling"], layers, gen)
    h, w = case["height"], case["width"]
    content = load_image(images_dir, case["content"], h, w)
    styles = [load_image(images_dir, f, sh, sw) for f, sh, sw in case["styles"]]
    noise = torch.rand((3, h, w), generator=gen) * 2.0 - 1.0
    x = content + NOISE_AMPLITUDE * noise
    return net, content, styles, x


def generate(case, images_dir, probe=False):
    net, content, styles, x = build(case, images_dir)
    prob = Problem(case, net, content, styles)
    alpha, beta, gamma = case["alpha"], case["beta"], case["gamma"]

    if probe:
        with torch.no_grad():
            t = prob.terms(x)
        return {k: float(t[k]) for k in ("content", "style", "tv")}

    xg = x.clone().requires_grad_(True)
    t = prob.terms(xg)
    wc, ws, wt = alpha * t["content"], beta * t["style"], gamma * t["tv"]
    total = wc + ws + wt
    g_total = torch.autograd.grad(total, xg, retain_graph=True)[0]
    g_c = torch.autograd.grad(wc, xg, retain_graph=True)[0]
    g_s = torch.autograd.grad(ws, xg, retain_graph=True)[0]
    g_t = torch.autograd.grad(wt, xg)[0]

    tensors = {}
    for k, v in net.weights().items():
        tensors[k] = npy(v)
    tensors["input.x"] = npy(x)
    tensors["input.content"] = npy(content)
    for k, s in enumerate(styles):
        tensors["input.style%d" % k] = npy(s)
    for l in set(case["content_layers"]) | set(case["style_layers"]):
        tensors["act.x." + l] = npy(t["feats"][l])
    for l in case["content_layers"]:
        tensors["act.content." + l] = npy(prob.content_targets[l])
    for l in case["style_layers"]:
        tensors["gram.x." + l] = npy(t["grams"][l])
        tensors["gram.target." + l] = npy(prob.style_targets[l])
        tensors["loss.style." + l] = f64(t["style_layers"][l])
    tensors["loss.content"] = f64(t["content"])
    tensors["loss.style"] = f64(t["style"])
    tensors["loss.tv"] = f64(t["tv"])
    tensors["loss.total"] = f64(total)
    tensors["grad.total"] = npy(g_total)
    tensors["grad.content"] = npy(g_c)
    tensors["grad.style"] = npy(g_s)
    tensors["grad.tv"] = npy(g_t)

    meta = dict(
        arch=case["arch"],
        preprocess=case["preprocess"],
        pooling=case["pooling"],
        widths=",".join(str(v) for v in case["widths"]),
        source="nst tools/make_fixtures.py, torch %s" % torch.__version__,
        height=str(case["height"]),
        width=str(case["width"]),
        content_layers=",".join(case["content_layers"]),
        style_layers=",".join(case["style_layers"]),
        style_blend=case["blend_str"],
        content_weight=repr(float(alpha)),
        style_weight=repr(float(beta)),
        tv_weight=repr(float(gamma)),
        style_count=str(len(styles)),
        torch_version=torch.__version__,
        # informational extras
        content_image=case["content"],
        style_images=",".join(f for f, _, _ in case["styles"]),
        seed=str(case["seed"]),
        noise_amplitude=repr(NOISE_AMPLITUDE),
        cut_layer=net.names[-1],
    )

    if case["lbfgs"]:
        xl = content.clone().requires_grad_(True)
        opt = torch.optim.LBFGS([xl], lr=1, max_iter=LBFGS_MAX_ITER, history_size=LBFGS_HISTORY,
                                line_search_fn="strong_wolfe")
        losses = []

        def closure():
            opt.zero_grad()
            loss, _ = prob.total(xl, alpha, beta, gamma)
            loss.backward()
            losses.append(float(loss.item()))
            return loss

        opt.step(closure)
        with torch.no_grad():
            final, _ = prob.total(xl, alpha, beta, gamma)
        tensors["lbfgs.losses"] = np.array(losses, dtype=np.float64)
        tensors["lbfgs.final_loss"] = f64(final)
        tensors["lbfgs.final_x"] = npy(xl)
        st = opt.state[opt._params[0]]
        meta.update(
            lbfgs_iterations=str(LBFGS_MAX_ITER),
            lbfgs_history=str(LBFGS_HISTORY),
            lbfgs_evaluations=str(len(losses)),
            lbfgs_init="content",
            lbfgs_lr="1",
            lbfgs_line_search="strong_wolfe",
            lbfgs_max_eval=str(LBFGS_MAX_ITER * 5 // 4),
            lbfgs_tolerance_grad="1e-07",
            lbfgs_tolerance_change="1e-09",
            lbfgs_iterations_done=str(st["n_iter"]),
        )
        assert st["func_evals"] == len(losses)

        # Adam record: torch.optim.Adam defaults (betas 0.9/0.999, eps 1e-8, no weight decay, no AMSGrad),
        # from input.content; the loss of every evaluation, each taken before that step's update.
        xa = content.clone().requires_grad_(True)
        adam = torch.optim.Adam([xa], lr=ADAM_LR)
        adam_losses = []
        for _ in range(ADAM_STEPS):
            adam.zero_grad()
            loss, _ = prob.total(xa, alpha, beta, gamma)
            loss.backward()
            adam_losses.append(float(loss.item()))
            adam.step()
        tensors["adam.losses"] = np.array(adam_losses, dtype=np.float64)
        meta.update(adam_lr=repr(ADAM_LR), adam_steps=str(ADAM_STEPS), adam_betas="0.9,0.999", adam_eps="1e-08")

    path = os.path.join(OUT_DIR, case["name"] + ".safetensors")
    write_safetensors(path, tensors, meta)
    return path


# --------------------------------------------------------------------------
# independent float64 verification


def np_forward(x, meta, weights, wanted):
    """Pure numpy float64 forward of the preprocessed VGG stack."""
    if meta["preprocess"] == "torchvision":
        h = (x - np.array(TV_MEAN)[:, None, None]) / np.array(TV_STD)[:, None, None]
    else:
        h = x[[2, 1, 0]] * 255.0 - np.array(CAFFE_MEAN_BGR)[:, None, None]
    out = {}
    for name in layer_names(meta["arch"]):
        if name.startswith("conv"):
            w = weights[name + ".weight"].astype(np.float64)
            b = weights[name + ".bias"].astype(np.float64)
            c, hh, ww = h.shape
            hp = np.pad(h, ((0, 0), (1, 1), (1, 1)))
            y = np.zeros((w.shape[0], hh, ww))
            for ky in range(3):
                for kx in range(3):
                    y += np.einsum("oi,ihw->ohw", w[:, :, ky, kx], hp[:, ky : ky + hh, kx : kx + ww])
            h = y + b[:, None, None]
        elif name.startswith("relu"):
            h = np.maximum(h, 0.0)
        else:
            c, hh, ww = h.shape
            v = h[:, : hh // 2 * 2, : ww // 2 * 2].reshape(c, hh // 2, 2, ww // 2, 2)
            h = v.max(axis=(2, 4)) if meta["pooling"] == "max" else v.mean(axis=(2, 4))
        if name in wanted:
            out[name] = h
        if name == meta["cut_layer"]:
            break
    return out


def np_gram(f):
    c = f.shape[0]
    m = f.reshape(c, -1)
    return m @ m.T / f.size


def np_tv(x):
    return ((x[:, 1:, :] - x[:, :-1, :]) ** 2).sum() + ((x[:, :, 1:] - x[:, :, :-1]) ** 2).sum()


def rel(a, b):
    a = np.asarray(a, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    return float(np.abs(a - b).max() / max(np.abs(b).max(), 1e-30))


class StoredNet(nn.Module):
    """Float64 torch net rebuilt only from the file (for the gradient check)."""

    def __init__(self, meta, t):
        super().__init__()
        self.meta = meta
        self.names = cut_layers(meta["arch"], [meta["cut_layer"]])
        self.w = {k: torch.from_numpy(v.astype(np.float64)) for k, v in t.items()
                  if k.startswith("conv")}

    def forward(self, x, wanted):
        h = x.unsqueeze(0)
        feats = {}
        for name in self.names:
            if name.startswith("conv"):
                h = torch.nn.functional.conv2d(h, self.w[name + ".weight"], self.w[name + ".bias"], padding=1)
            elif name.startswith("relu"):
                h = torch.relu(h)
            elif self.meta["pooling"] == "max":
                h = torch.nn.functional.max_pool2d(h, 2, 2)
            else:
                h = torch.nn.functional.avg_pool2d(h, 2, 2)
            if name in wanted:
                feats[name] = h[0]
        return feats


def verify(path):
    meta, t = read_safetensors(path)
    name = os.path.basename(path)
    cl = meta["content_layers"].split(",")
    sl = meta["style_layers"].split(",")
    H, W = int(meta["height"]), int(meta["width"])
    widths = [int(v) for v in meta["widths"].split(",")]
    nstyle = int(meta["style_count"])
    alpha, beta, gamma = (float(meta[k]) for k in ("content_weight", "style_weight", "tv_weight"))
    blend = [float(v) for v in meta["style_blend"].split(",")]
    assert len(blend) == nstyle and abs(sum(blend) - 1.0) < 1e-12

    # --- shapes
    layers = cut_layers(meta["arch"], [meta["cut_layer"]])
    assert layers[-1] == meta["cut_layer"]
    assert meta["cut_layer"] == cut_layers(meta["arch"], cl + sl)[-1]
    in_ch = 3
    for l in layers:
        if l.startswith("conv"):
            o = widths[int(l[4]) - 1]
            assert t[l + ".weight"].shape == (o, in_ch, 3, 3), l
            assert t[l + ".bias"].shape == (o,), l
            in_ch = o
    for k in ("input.x", "input.content", "grad.total", "grad.content", "grad.style", "grad.tv"):
        assert t[k].shape == (3, H, W) and t[k].dtype == np.float32, k
    for k in range(nstyle):
        assert t["input.style%d" % k].shape[0] == 3
    for k in ["loss.content", "loss.style", "loss.tv", "loss.total"] + ["loss.style." + l for l in sl]:
        assert t[k].shape == (1,) and t[k].dtype == np.float64, k

    # --- float64 numpy recomputation of forward, grams and losses
    x = t["input.x"].astype(np.float64)
    c = t["input.content"].astype(np.float64)
    fx = np_forward(x, meta, t, set(cl) | set(sl))
    fc = np_forward(c, meta, t, set(cl))
    worst = 0.0
    for l in set(cl) | set(sl):
        assert t["act.x." + l].shape == fx[l].shape, l
        worst = max(worst, rel(t["act.x." + l], fx[l]))
    for l in cl:
        worst = max(worst, rel(t["act.content." + l], fc[l]))
    assert worst < 1e-4, ("activation mismatch", worst)
    lc = sum(np.mean((fx[l] - fc[l]) ** 2) for l in cl)
    targets = {l: 0.0 for l in sl}
    for k in range(nstyle):
        fs = np_forward(t["input.style%d" % k].astype(np.float64), meta, t, set(sl))
        for l in sl:
            targets[l] = targets[l] + blend[k] * np_gram(fs[l])
    ls_layers = {}
    for l in sl:
        g = np_gram(fx[l])
        assert rel(t["gram.x." + l], g) < 1e-4, ("gram.x", l)
        assert rel(t["gram.target." + l], targets[l]) < 1e-4, ("gram.target", l)
        ls_layers[l] = np.mean((g - targets[l]) ** 2)
        # definition check straight from the stored float32 act.x / gram tensors
        a = t["act.x." + l].astype(np.float64)
        g2 = np_gram(a)
        assert rel(t["gram.x." + l], g2) < 1e-5, ("gram def", l)
        l2 = np.mean((t["gram.x." + l].astype(np.float64) - t["gram.target." + l]) ** 2)
        assert abs(l2 - t["loss.style." + l][0]) <= 1e-4 * abs(l2), ("style loss def", l)
        assert abs(ls_layers[l] - t["loss.style." + l][0]) <= 1e-3 * abs(ls_layers[l]), ("loss.style." + l)
    ls = sum(ls_layers.values())
    ltv = np_tv(x)
    total = alpha * lc + beta * ls + gamma * ltv
    for key, ref in (("loss.content", lc), ("loss.style", ls), ("loss.tv", ltv), ("loss.total", total)):
        got = t[key][0]
        assert abs(got - ref) <= 1e-4 * abs(ref), (key, got, ref)
    stored_total = alpha * t["loss.content"][0] + beta * t["loss.style"][0] + gamma * t["loss.tv"][0]
    assert abs(stored_total - t["loss.total"][0]) <= 1e-5 * abs(stored_total)

    # --- float64 torch gradient from the stored weights / inputs + finite difference
    net = StoredNet(meta, t)
    xt = torch.from_numpy(x).requires_grad_(True)
    ct = torch.from_numpy(c)
    pp = lambda v: preprocess(v, meta["preprocess"])
    ctg = {l: v.detach() for l, v in net(pp(ct), set(cl)).items()}
    tg = {l: torch.from_numpy(targets[l]) for l in sl}

    def parts(v):
        f = net(pp(v), set(cl) | set(sl))
        a = sum(((f[l] - ctg[l]) ** 2).mean() for l in cl)
        b = sum(((gram(f[l]) - tg[l]) ** 2).mean() for l in sl)
        return alpha * a, beta * b, gamma * tv_loss(v)

    pc, ps, pt = parts(xt)
    grads = {}
    for key, term in (("grad.content", pc), ("grad.style", ps), ("grad.tv", pt),
                      ("grad.total", pc + ps + pt)):
        grads[key] = torch.autograd.grad(term, xt, retain_graph=True)[0].numpy()
        # norm-wise relative error (float32 vs float64 through a deep stack)
        e = np.linalg.norm(t[key] - grads[key]) / np.linalg.norm(grads[key])
        assert e < 1e-3, (key, e)
    gsum = t["grad.content"].astype(np.float64) + t["grad.style"] + t["grad.tv"]
    assert np.linalg.norm(gsum - t["grad.total"]) <= 1e-5 * np.linalg.norm(t["grad.total"])
    rng = np.random.default_rng(0)
    d = torch.from_numpy(rng.standard_normal(x.shape))
    # ReLU / max-pool kinks: eps must be tiny (float64 handles it) so that no
    # activation changes sign inside [x - eps d, x + eps d].
    eps = 1e-6
    with torch.no_grad():
        fp = sum(parts(xt + eps * d))
        fm = sum(parts(xt - eps * d))
    fd = float((fp - fm) / (2 * eps))
    an = float((torch.from_numpy(t["grad.total"].astype(np.float64)) * d).sum())
    assert abs(fd - an) <= 1e-4 * abs(fd), ("finite difference", fd, an)

    if "lbfgs.losses" in t:
        losses = t["lbfgs.losses"]
        assert len(losses) == int(meta["lbfgs_evaluations"])
        assert t["lbfgs.final_x"].shape == (3, H, W)
        xf = t["lbfgs.final_x"].astype(np.float64)
        with torch.no_grad():
            ff = float(sum(parts(torch.from_numpy(xf))))
        assert abs(ff - t["lbfgs.final_loss"][0]) <= 1e-4 * ff, ("lbfgs final", ff)
        with torch.no_grad():
            f0 = float(sum(parts(ct)))
        assert abs(f0 - losses[0]) <= 1e-4 * f0, ("lbfgs first", f0, losses[0])
        assert t["lbfgs.final_loss"][0] < losses[0]
    if "adam.losses" in t:
        adam = t["adam.losses"]
        assert len(adam) == int(meta["adam_steps"])
        assert abs(f0 - adam[0]) <= 1e-4 * f0, ("adam first", f0, adam[0])
        assert adam[-1] < adam[0]

    return meta, t


# --------------------------------------------------------------------------


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--verify", action="store_true", help="only re-read and verify existing files")
    ap.add_argument("--probe", action="store_true", help="print unweighted losses at x (to pick weights)")
    ap.add_argument("--images", default=DEFAULT_IMAGES)
    args = ap.parse_args()

    torch.set_num_threads(1)
    torch.manual_seed(0)
    torch.use_deterministic_algorithms(True)

    if args.probe:
        for case in CASES:
            print(case["name"], generate(case, args.images, probe=True))
        return

    if not args.verify:
        os.makedirs(OUT_DIR, exist_ok=True)
        for case in CASES:
            generate(case, args.images)

    rows = []
    total_size = 0
    for case in CASES:
        path = os.path.join(OUT_DIR, case["name"] + ".safetensors")
        meta, t = verify(path)
        size = os.path.getsize(path)
        total_size += size
        a, b, g = (float(meta[k]) for k in ("content_weight", "style_weight", "tv_weight"))
        lc, ls, lt = t["loss.content"][0], t["loss.style"][0], t["loss.tv"][0]
        terms = (a * lc, b * ls, g * lt)
        assert max(terms) / min(terms) < 10.0, ("weighted terms not balanced", terms)
        rows.append((os.path.basename(path), size, meta, lc, ls, lt, t["loss.total"][0], terms, t))
    if not args.verify:
        write_readme(rows)

    print("%-34s %8s %10s %10s %10s %13s %13s %13s %13s" % (
        "file", "bytes", "alpha", "beta", "gamma", "L_c", "L_s", "L_tv", "L"))
    for fn, size, meta, lc, ls, lt, tot, terms, t in rows:
        print("%-34s %8d %10s %10s %10s %13.6e %13.6e %13.6e %13.6e" % (
            fn, size, meta["content_weight"], meta["style_weight"], meta["tv_weight"], lc, ls, lt, tot))
        print("%-34s %8s weighted terms: %.4g %.4g %.4g" % ("", "", *terms))
        if "lbfgs.losses" in t:
            print("%-34s %8s L-BFGS %s evals: %s -> final %.6e" % (
                "", "", meta["lbfgs_evaluations"],
                ", ".join("%.5g" % v for v in t["lbfgs.losses"]), t["lbfgs.final_loss"][0]))
    print("total %d bytes; all checks passed (torch %s)" % (total_size, torch.__version__))


def debian_torch():
    try:
        import subprocess
        v = subprocess.run(["dpkg-query", "-W", "-f=${Version}", "python3-torch"],
                           capture_output=True, text=True, check=True).stdout.strip()
        return " (Debian python3-torch %s)" % v if v else ""
    except Exception:
        return ""


def lbfgs_info(rows):
    for row in rows:
        meta = row[2]
        if "lbfgs_evaluations" in meta:
            return meta["lbfgs_evaluations"], meta["lbfgs_max_eval"], meta["lbfgs_iterations_done"]
    return ("?", "?", "?")


def write_readme(rows):
    lines = [
        "# Golden fixtures (PyTorch reference)",
        "",
        "Generated by `tools/make_fixtures.py` (this README too). Regenerate from the repository root with",
        "",
        "    /usr/bin/python3 tools/make_fixtures.py          # writes + verifies",
        "    /usr/bin/python3 tools/make_fixtures.py --verify # re-read and check only",
        "",
        "Generated with torch %s%s (CPU, float32, `torch.set_num_threads(1)`), numpy %s, Pillow %s"
        " (BICUBIC resize), Python %d.%d. Definitions (preprocessing, Gram, losses, TV) are"
        " documented at the top of the script. Output is byte-for-byte deterministic on the same"
        " software stack." % (
            torch.__version__, debian_torch(), np.__version__, PIL.__version__,
            sys.version_info[0], sys.version_info[1]),
        "",
        "## Files",
        "",
        "| file | bytes | arch / pooling / preprocess | HxW | widths | alpha | beta | gamma | L_c | L_s | L_tv | L |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for fn, size, meta, lc, ls, lt, tot, terms, t in rows:
        lines.append("| `%s` | %d | %s / %s / %s | %sx%s | %s | %s | %s | %s | %.6g | %.6g | %.6g | %.6g |" % (
            fn, size, meta["arch"], meta["pooling"], meta["preprocess"], meta["height"], meta["width"],
            meta["widths"], meta["content_weight"], meta["style_weight"], meta["tv_weight"], lc, ls, lt, tot))
    lines += [
        "",
        "Only `vgg19_max_torchvision.safetensors` carries the L-BFGS record: %s closure evaluations;"
        " the step stopped on max_eval=%s (= max_iter*5//4) after %s iterations, so the run is"
        " bounded by evaluations, not by max_iter=10." % lbfgs_info(rows),
        "",
        "## Format",
        "",
        "safetensors: u64 LE header length, JSON header (`__metadata__` first, then tensors sorted by",
        "name, space-padded so the data starts 8-byte aligned), raw little-endian data laid out in name",
        "order. Tensors are F32 unless noted; loss scalars are F64 of shape [1] (the float32 values",
        "torch computed, widened).",
        "",
        "## Tensors in each file",
        "",
        "- `conv{b}_{i}.weight` (O,I,3,3), `conv{b}_{i}.bias` (O): seeded random weights (He fan_out",
        "  normal, biases normal std 0.05) for every conv up to the cut layer (metadata `cut_layer`).",
        "- `input.x` (3,H,W): evaluation point = content + 0.1*U[-1,1] noise, not clamped;",
        "  `input.content` (3,H,W); `input.style{k}` (3,Hs,Ws). Raw RGB in [0,1].",
        "- `act.x.{layer}` for every content and style layer; `act.content.{layer}` for content layers.",
        "- `gram.x.{layer}` and `gram.target.{layer}` (blended A_l) for style layers.",
        "- `loss.content`, `loss.style`, `loss.tv` (unweighted), `loss.total`, `loss.style.{layer}` (F64 [1]).",
        "- `grad.total` = dL/dx; `grad.content`, `grad.style`, `grad.tv` = gradients of the *weighted*",
        "  terms alpha*L_c, beta*L_s, gamma*L_tv w.r.t. the raw image.",
        "- L-BFGS record: `lbfgs.losses` (F64, every closure evaluation in order), `lbfgs.final_loss`",
        "  (F64 [1], L at `lbfgs.final_x` after the step), `lbfgs.final_x` (3,H,W). Started from",
        "  `input.content`; one `torch.optim.LBFGS(lr=1, max_iter=10, history_size=100,",
        "  line_search_fn='strong_wolfe').step(closure)` call.",
        "- Adam record (same file): `adam.losses` (F64, the loss before each of %d steps of" % ADAM_STEPS,
        "  `torch.optim.Adam(lr=%r)` with default betas (0.9, 0.999), eps 1e-8), started from `input.content`." % ADAM_LR,
        "",
        "## Metadata",
        "",
        "arch, preprocess, pooling, widths, source, height, width, content_layers, style_layers,",
        "style_blend, content_weight (alpha), style_weight (beta), tv_weight (gamma), style_count,",
        "torch_version; L-BFGS file also lbfgs_iterations, lbfgs_history, lbfgs_evaluations (and",
        "informational lbfgs_init, lbfgs_lr, lbfgs_line_search, lbfgs_max_eval, lbfgs_tolerance_grad,",
        "lbfgs_tolerance_change, lbfgs_iterations_done) and adam_lr, adam_steps, adam_betas, adam_eps. Informational extras in every file:",
        "content_image, style_images, seed, noise_amplitude, cut_layer.",
        "",
    ]
    with open(os.path.join(OUT_DIR, "README.md"), "w") as f:
        f.write("\n".join(lines))


if __name__ == "__main__":
    main()
