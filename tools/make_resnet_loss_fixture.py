#!/usr/bin/env python3
"""Golden fixture for the Gatys objective on ResNet-50, with and without SWAG's softmax transform.

Writes, with /usr/bin/python3 (torch 1.13, torchvision), from the repository root:

    /usr/bin/python3 tools/make_resnet_loss_fixture.py

  engine/src/test/resources/golden/resnet50_loss_weights.safetensors   the weights, in the engine's ResNet-50
        file contract (metadata arch=resnet50, preprocess=torchvision; <conv>.weight/.bias, batch norm folded),
        so the test reads them through nst.engine.network.ResNetWeights.load
  engine/src/test/resources/golden/resnet50_loss.safetensors           images, activations, Grams, loss terms
        and d(loss)/d(image)

The network is torchvision's ResNet-50 layout at 1/16 width (NarrowResNet50 of make_resnet_fixture.py, checked
there against torchvision.models.resnet50()), seeded random conv weights with random batch-norm parameters and
statistics (their gammas times BN_GAIN, so that activations reach the range where the softmax at T = 10 is
far from linear), in eval mode. The batch norms are folded into the convs by make_resnet_fixture.fold (the formula the
converter uses); the reference values come from the UNFOLDED model, computed in float64, so the engine (float32,
folded) is compared with an exact reference.

Loss (docs/DESIGN.md): x -> (x - mean)/std -> network -> F_l; with the transform every unit sees
s(F) = N * softmax(F / T) over all N = C*H*W entries of the layer (T = 10, nst.engine.loss.SoftmaxTransform);
content: mean((s(F) - s(P))^2); Gram: s s^T / N; style: mean((G - A)^2); TV: a sum over the [0,1] image;
total = alpha * sum_l w_l Lc + beta * sum_l w_l Ls + gamma * Ltv.

Tensors (per transform t in none, softmax): input.content (3,H,W), input.style (3,Hs,Ws), input.x (3,H,W) in [0,1];
<t>.act.<layer> F_l(x) for the loss layers; <t>.gram.<layer> G_l(x) (of s(F) for softmax); <t>.target.<layer> A_l;
<t>.loss (4,) = total, content, style, tv (weighted); <t>.grad (3,H,W) d total / d x.
Metadata: height, width, alpha, beta, gamma, temperature, content_layers, style_layers (with weights).
"""

import os
import sys

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from make_fixtures import write_safetensors                                   # noqa: E402
from make_resnet_fixture import NarrowResNet50, randomise_bn, folded_weights, check_layout  # noqa: E402

BASE = 4
HEIGHT, WIDTH = 53, 71          # odd: every stride-2 layer floors
STYLE_H, STYLE_W = 49, 61
T = 10.0
ALPHA, BETA, GAMMA = 1e3, 1e5, 1e-4
BN_GAIN = 3.0   # batch-norm gammas times this: activations of order 1 to 10, where T = 10 bends the softmax
CONTENT = [("layer2.1", 1.0), ("layer1.0", 0.5)]
STYLE = [("relu", 1.0), ("layer1.2", 1.0), ("layer2.3", 0.5), ("layer3.5", 1.0), ("layer4.2", 2.0)]
MEAN = torch.tensor([0.485, 0.456, 0.406], dtype=torch.float64).view(3, 1, 1)
STD = torch.tensor([0.229, 0.224, 0.225], dtype=torch.float64).view(3, 1, 1)
HERE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "engine", "src", "test", "resources", "golden")


def transform(f, softmax):
    if not softmax:
        return f
    n = f.numel()
    return n * torch.softmax(f.reshape(-1) / T, dim=0).reshape(f.shape)


def gram(f):
    c, h, w = f.shape
    m = f.reshape(c, h * w)
    return (m @ m.t()) / (c * h * w)


def tv(x):
    dy = x[:, 1:, :] - x[:, :-1, :]
    dx = x[:, :, 1:] - x[:, :, :-1]
    return (dy * dy).sum() + (dx * dx).sum()


def features(model, img):
    return {k: v[0] for k, v in model.named_outputs(((img - MEAN) / STD)[None]).items()}


def main():
    torch.set_num_threads(1)
    check_layout()
    torch.manual_seed(1650)
    gen = torch.Generator().manual_seed(2104)
    model = NarrowResNet50(BASE)
    randomise_bn(model, gen)
    for m in model.modules():
        if isinstance(m, torch.nn.BatchNorm2d):
            m.weight.data *= BN_GAIN
    model.eval()
    weights = folded_weights(model)
    model = model.double()

    content = torch.rand(3, HEIGHT, WIDTH, generator=gen, dtype=torch.float64)
    content = 0.5 * content + 0.5 * torch.linspace(0, 1, WIDTH, dtype=torch.float64)[None, None, :]
    style = torch.rand(3, STYLE_H, STYLE_W, generator=gen, dtype=torch.float64)
    x0 = (content + 0.1 * torch.randn(3, HEIGHT, WIDTH, generator=gen, dtype=torch.float64)).clamp(0, 1)
    # store the float32 images and compute from exactly those values
    content, style, x0 = (t.float().double() for t in (content, style, x0))
    out = {"input.content": content.float().numpy(), "input.style": style.float().numpy(), "input.x": x0.float().numpy()}

    for name, softmax in (("none", False), ("softmax", True)):
        with torch.no_grad():
            fc, fs = features(model, content), features(model, style)
        x = x0.clone().requires_grad_(True)
        fx = features(model, x)
        lc = sum(w * ((transform(fx[l], softmax) - transform(fc[l], softmax)) ** 2).mean() for l, w in CONTENT)
        ls = 0
        for l, w in STYLE:
            g, a = gram(transform(fx[l], softmax)), gram(transform(fs[l], softmax))
            ls = ls + w * ((g - a) ** 2).mean()
            out["%s.gram.%s" % (name, l)] = g.detach().float().numpy()
            out["%s.target.%s" % (name, l)] = a.float().numpy()
            out["%s.act.%s" % (name, l)] = fx[l].detach().float().numpy()
        total = ALPHA * lc + BETA * ls + GAMMA * tv(x)
        total.backward()
        out[name + ".loss"] = np.array([total.item(), ALPHA * lc.item(), BETA * ls.item(), GAMMA * tv(x0).item()], dtype=np.float64)
        out[name + ".grad"] = x.grad.float().numpy()
        print("%-8s total %.6g content %.6g style %.6g tv %.6g  max|grad| %.3g" % (
            name, *out[name + ".loss"], np.abs(out[name + ".grad"]).max()))
        for l, _ in STYLE:
            a = out["%s.act.%s" % (name, l)]
            print("   %-9s %-14s max %.3g" % (l, a.shape, a.max()))

    fmt = lambda layers: ",".join("%s:%g" % lw for lw in layers)
    write_safetensors(os.path.join(HERE, "resnet50_loss_weights.safetensors"), weights,
                      {"arch": "resnet50", "preprocess": "torchvision",
                       "source": "tools/make_resnet_loss_fixture.py (1/16 width, seeded random, BN folded)"})
    write_safetensors(os.path.join(HERE, "resnet50_loss.safetensors"), out,
                      {"height": HEIGHT, "width": WIDTH, "alpha": ALPHA, "beta": BETA, "gamma": GAMMA, "temperature": T,
                       "content_layers": fmt(CONTENT), "style_layers": fmt(STYLE)})
    for f in ("resnet50_loss_weights.safetensors", "resnet50_loss.safetensors"):
        print("wrote %s (%d bytes)" % (f, os.path.getsize(os.path.join(HERE, f))))


if __name__ == "__main__":
    main()
