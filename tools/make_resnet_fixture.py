#!/usr/bin/env python3
"""Golden fixture for the engine's ResNet-50 (nst.engine.network.ResNet50): forward and d/d(image).

Writes engine/src/test/resources/golden/resnet50_narrow.safetensors with /usr/bin/python3 (torch 1.13,
torchvision). Run from the repository root:

    /usr/bin/python3 tools/make_resnet_fixture.py

The network is torchvision's ResNet-50 layout (v1.5: the stride sits on the 3x3 conv of a bottleneck),
built from torchvision's own ``Bottleneck`` module with every width divided by 16 (stem 4 channels,
bottleneck widths 4/8/16/32, block outputs 16/32/64/128), so the whole network fits in ~0.5 MB. The
builder is checked against ``torchvision.models.resnet50()`` at full width: same parameter names and
shapes (classifier aside), so only the width differs.

Weights are seeded random (PyTorch's default conv initialisation after torch.manual_seed(16)) with random batch
norm statistics and affine parameters; the reference outputs come from the model in eval mode WITH its
batch norms. The batch norms are then FOLDED here into the preceding convolutions (inference statistics,
as the converter will do): w' = w * g / sqrt(var + eps) per output channel, b' = beta - mean * g / sqrt(var + eps).
Only the folded weights are stored, so the engine (which has no batch norm) matching the outputs proves
the folding formula as well.

Tensors: ``<conv>.weight`` / ``<conv>.bias`` for conv1 and layerS.B.conv1..3 / layerS.B.downsample;
``input`` (3, 67, 45), already normalised; ``act.<layer>`` for relu, maxpool and every block layerS.B;
``grad.<layer>`` = d(sum of squares of act.<layer>)/d(input) for a few layers; ``grad.sum`` =
d(sum of squares of relu + layer2.1 + layer4.2)/d(input) (several taps on one backward pass).
Metadata: base (stem width, 4), height, width, blocks ("3,4,6,3").
"""

import os
import sys

import numpy as np
import torch
import torch.nn as nn
import torchvision
from torchvision.models.resnet import Bottleneck

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from make_fixtures import write_safetensors  # noqa: E402  (the hand-written safetensors writer)

BLOCKS = [3, 4, 6, 3]
HEIGHT, WIDTH = 67, 45
BASE = 4            # torchvision's 64 divided by 16
OUT = os.path.join(os.path.dirname(__file__), "..", "engine", "src", "test", "resources", "golden",
                   "resnet50_narrow.safetensors")


class NarrowResNet50(nn.Module):
    """torchvision's ResNet-50 trunk (no avgpool/fc) with stem width `base` instead of 64."""

    def __init__(self, base):
        super().__init__()
        self.conv1 = nn.Conv2d(3, base, kernel_size=7, stride=2, padding=3, bias=False)
        self.bn1 = nn.BatchNorm2d(base)
        self.relu = nn.ReLU(inplace=True)
        self.maxpool = nn.MaxPool2d(kernel_size=3, stride=2, padding=1)
        inplanes = base
        for s, n in enumerate(BLOCKS):
            planes, stride = base * 2 ** s, 1 if s == 0 else 2
            blocks = []
            for b in range(n):
                down = None
                if b == 0 and (stride != 1 or inplanes != planes * Bottleneck.expansion):
                    down = nn.Sequential(nn.Conv2d(inplanes, planes * 4, 1, stride=stride, bias=False),
                                         nn.BatchNorm2d(planes * 4))
                blocks.append(Bottleneck(inplanes, planes, stride if b == 0 else 1, down))
                inplanes = planes * 4
            setattr(self, "layer%d" % (s + 1), nn.Sequential(*blocks))

    def named_outputs(self, x):
        out = {}
        x = self.relu(self.bn1(self.conv1(x)))
        out["relu"] = x
        x = self.maxpool(x)
        out["maxpool"] = x
        for s, n in enumerate(BLOCKS):
            for b in range(n):
                x = getattr(self, "layer%d" % (s + 1))[b](x)
                out["layer%d.%d" % (s + 1, b)] = x
        return out


def check_layout():
    """Our builder at base 64 has exactly torchvision.models.resnet50()'s trunk parameters."""
    ours = {k: tuple(v.shape) for k, v in NarrowResNet50(64).state_dict().items()}
    theirs = {k: tuple(v.shape) for k, v in torchvision.models.resnet50().state_dict().items()
              if not k.startswith("fc.")}
    if ours != theirs:
        sys.exit("layout differs from torchvision.models.resnet50(): %s" % sorted(set(ours.items()) ^ set(theirs.items()))[:5])
    m = torchvision.models.resnet50()
    if m.layer2[0].conv2.stride != (2, 2) or m.layer2[0].conv1.stride != (1, 1):
        sys.exit("torchvision's ResNet-50 is not v1.5 here (stride expected on conv2)")


def randomise_bn(model, gen):
    for m in model.modules():
        if isinstance(m, nn.BatchNorm2d):
            c = m.num_features
            m.weight.data = torch.rand(c, generator=gen) * 0.6 + 0.4
            m.bias.data = torch.randn(c, generator=gen) * 0.1
            m.running_mean.data = torch.randn(c, generator=gen) * 0.1
            m.running_var.data = torch.rand(c, generator=gen) * 1.5 + 0.5


def fold(conv, bn):
    scale = bn.weight.detach() / torch.sqrt(bn.running_var + bn.eps)
    w = conv.weight.detach() * scale[:, None, None, None]
    b = bn.bias.detach() - bn.running_mean * scale
    return w.numpy().astype(np.float32), b.numpy().astype(np.float32)


def folded_weights(model):
    t = {}
    t["conv1.weight"], t["conv1.bias"] = fold(model.conv1, model.bn1)
    for s, n in enumerate(BLOCKS):
        for b in range(n):
            blk = getattr(model, "layer%d" % (s + 1))[b]
            p = "layer%d.%d." % (s + 1, b)
            for i in (1, 2, 3):
                t[p + "conv%d.weight" % i], t[p + "conv%d.bias" % i] = fold(getattr(blk, "conv%d" % i), getattr(blk, "bn%d" % i))
            if blk.downsample is not None:
                t[p + "downsample.weight"], t[p + "downsample.bias"] = fold(blk.downsample[0], blk.downsample[1])
    return t


def main():
    torch.set_num_threads(1)        # one summation order: the file is byte-for-byte reproducible
    check_layout()
    torch.manual_seed(16)
    gen = torch.Generator().manual_seed(1616)
    model = NarrowResNet50(BASE)
    randomise_bn(model, gen)
    model.eval()
    x = torch.randn(1, 3, HEIGHT, WIDTH, generator=gen, dtype=torch.float32)
    tensors = folded_weights(model)
    tensors["input"] = x[0].numpy()

    acts = model.named_outputs(x)
    for name, a in acts.items():
        tensors["act." + name] = a[0].detach().numpy()
    for name in ("relu", "maxpool", "layer1.0", "layer2.0", "layer3.5", "layer4.2"):
        xi = x.clone().requires_grad_(True)
        (model.named_outputs(xi)[name] ** 2).sum().backward()
        tensors["grad." + name] = xi.grad[0].numpy()
    xi = x.clone().requires_grad_(True)
    o = model.named_outputs(xi)
    sum((o[n] ** 2).sum() for n in ("relu", "layer2.1", "layer4.2")).backward()
    tensors["grad.sum"] = xi.grad[0].numpy()

    write_safetensors(OUT, tensors, {"base": BASE, "height": HEIGHT, "width": WIDTH,
                                     "blocks": ",".join(map(str, BLOCKS)),
                                     "source": "tools/make_resnet_fixture.py (seeded random weights, BN folded)"})
    print("wrote %s (%d bytes)" % (OUT, os.path.getsize(OUT)))
    for n in ("relu", "maxpool", "layer1.0", "layer4.2"):
        a = tensors["act." + n]
        print("  act.%-9s %-16s max|a| %.3g" % (n, a.shape, np.abs(a).max()))


if __name__ == "__main__":
    main()
