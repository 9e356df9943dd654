#!/usr/bin/python3
"""PyTorch reference for the masked (guided Gram) style loss: writes
engine/src/test/resources/golden/masked_vgg19_max.safetensors for MaskedStyleGoldenTest.
Leaves out content and TV terms (GoldenTest covers them) and everything below relu2_1.

Definition (nst.engine.loss.GuidedStyleLoss's class comment): per style layer l and region r, masks carried to the
layer's size by 2x2 average pooling (floor) at every pooling layer,
    G_{l,r} = (F*m_r)(F*m_r)^T / (C * sum m_r^2),  a_r = sum m_r^2 / (H*W),  A_{l,r} = F_s F_s^T / (C*H_s*W_s)
    L_s     = sum_l w_l sum_r a_r mean((G_{l,r} - A_{l,r})^2)
The gradient of L_s w.r.t. the raw [0,1] image comes from autograd (float32), cross-checked in float64.
Run from the repository root: /usr/bin/python3 tools/make_masked_fixture.py (needs python3-torch).
"""
import json, os, struct
import torch
import torch.nn.functional as Fn

torch.manual_seed(20240611)
torch.set_num_threads(1)
H, W = 14, 11
WIDTHS = [4, 6, 4, 4, 4]
LAYERS = [("conv1_1", 3, 4), ("relu1_1",), ("conv1_2", 4, 4), ("relu1_2",), ("pool1",), ("conv2_1", 4, 6), ("relu2_1",)]
STYLE = {"relu1_1": 1.0, "relu2_1": 0.5}
MEAN = torch.tensor([0.485, 0.456, 0.406]).view(3, 1, 1)
STD = torch.tensor([0.229, 0.224, 0.225]).view(3, 1, 1)

params = {}
for l in LAYERS:
    if l[0].startswith("conv"):
        _, i, o = l
        params[l[0] + ".weight"] = torch.randn(o, i, 3, 3) * (2.0 / (o * 9)) ** 0.5
        params[l[0] + ".bias"] = torch.randn(o) * 0.1

def features(x, dtype):
    """Activations at the style layers of x (3,H,W) in [0,1]."""
    h = ((x - MEAN.to(dtype)) / STD.to(dtype)).unsqueeze(0)
    out = {}
    for l in LAYERS:
        name = l[0]
        if name.startswith("conv"):
            h = Fn.conv2d(h, params[name + ".weight"].to(dtype), params[name + ".bias"].to(dtype), padding=1)
        elif name.startswith("relu"):
            h = torch.relu(h)
        else:
            h = Fn.max_pool2d(h, 2)
        if name in STYLE:
            out[name] = h[0]
    return out

def mask_at(m, layer):
    """m (H,W) pooled 2x2 (average, floor) once per pooling layer before `layer`."""
    idx = [l[0] for l in LAYERS].index(layer)
    t = m.unsqueeze(0).unsqueeze(0)
    for l in LAYERS[:idx + 1]:
        if l[0].startswith("pool"):
            t = Fn.avg_pool2d(t, 2)
    return t[0, 0]

def loss(x, styles, masks, dtype):
    fx = features(x, dtype)
    total = torch.zeros((), dtype=dtype)
    for l, w in STYLE.items():
        f = fx[l]
        c, h, ww = f.shape
        F = f.reshape(c, h * ww)
        for r, (s, m) in enumerate(zip(styles, masks)):
            fs = features(s, dtype)[l]
            Fs = fs.reshape(c, -1)
            A = Fs @ Fs.T / (c * Fs.shape[1])
            mm = mask_at(m.to(dtype), l).reshape(-1)
            ss = (mm * mm).sum()
            if ss <= 1e-12:
                continue
            Fm = F * mm
            G = Fm @ Fm.T / (c * ss)
            total = total + w * (ss / (h * ww)) * ((G - A) ** 2).mean()
    return total

x = torch.rand(3, H, W)
styles = [torch.rand(3, 9, 12), torch.rand(3, 13, 10)]
m0 = torch.rand(H, W)
m1 = 1 - m0
m1[:, 4] = 0                      # a blank column in the second mask
masks = [m0, m1]

x32 = x.clone().requires_grad_(True)
L32 = loss(x32, styles, masks, torch.float32)
L32.backward()
x64 = x.double().requires_grad_(True)
L64 = loss(x64, styles, masks, torch.float64)
L64.backward()
rel = (x32.grad.double() - x64.grad).abs().max() / x64.grad.abs().max()
assert abs(L32.item() - L64.item()) <= 1e-5 * L64.item() and rel < 1e-4, (L32.item(), L64.item(), rel)
print(f"masked style loss {L64.item():.9g} (float32 {L32.item():.9g}); grad max {x64.grad.abs().max():.4g}, float32 rel err {rel:.2e}")

tensors = dict(params)
tensors["input.x"] = x
tensors["input.style0"], tensors["input.style1"] = styles
tensors["input.mask0"], tensors["input.mask1"] = [m.unsqueeze(0).repeat(3, 1, 1) for m in masks]
tensors["grad.style"] = x64.grad.float()
scalars = {"loss.style": L64.item()}
meta = {"arch": "vgg19", "widths": ",".join(map(str, WIDTHS)), "preprocess": "torchvision", "pooling": "max",
        "source": "tools/make_masked_fixture.py (torch %s)" % torch.__version__, "height": str(H), "width": str(W),
        "content_weight": "0", "style_weight": "1", "tv_weight": "0", "content_layers": "",
        "style_layers": ",".join(f"{k}:{v}" for k, v in STYLE.items()), "style_blend": "0.5,0.5"}

header, blobs, off = {"__metadata__": meta}, [], 0
for name in sorted(list(tensors) + list(scalars)):
    if name in scalars:
        data, dtype, shape = struct.pack("<d", scalars[name]), "F64", [1]
    else:
        t = tensors[name].contiguous().float()
        data, dtype, shape = struct.pack("<%df" % t.numel(), *t.reshape(-1).tolist()), "F32", list(t.shape)
    header[name] = {"dtype": dtype, "shape": shape, "data_offsets": [off, off + len(data)]}
    blobs.append(data)
    off += len(data)
h = json.dumps(header, separators=(",", ":")).encode()
h += b" " * ((8 - (8 + len(h)) % 8) % 8)
path = os.path.join("engine", "src", "test", "resources", "golden", "masked_vgg19_max.safetensors")
with open(path, "wb") as f:
    f.write(struct.pack("<Q", len(h)) + h + b"".join(blobs))
print("wrote", path, os.path.getsize(path), "bytes")
