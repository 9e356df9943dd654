#!/usr/bin/python3
"""Converter fixtures for the AdaIN (issue 15) and ResNet-50 (issue 16) weights, written by the real writers.

Writes weights-converter/src/test/resources/fixtures/ (run from the repository root, torch 1.13 + h5py)::

    /usr/bin/python3 tools/make_backbone_weight_fixtures.py

AdaIN (naoto0804/pytorch-AdaIN ``net.py``: the ``vgg`` and ``decoder`` nn.Sequential, full structure, every
width divided by 32 so the files stay small; seeded random weights):

* ``adain_vgg_normalised_legacy.pth`` / ``adain_vgg_normalised_zip.pth``: ``vgg.state_dict()`` saved with
  ``torch.save(..., _use_new_zipfile_serialization=False)`` (the legacy container the public PyTorch 0.x files
  use) and with the default zip container;
* ``adain_decoder_legacy.pth`` / ``adain_decoder_zip.pth``: the same for ``decoder.state_dict()``;
* ``nst/convert/TorchFuzzTestInputs/tarContainer/adain_decoder_tar.pth``: the decoder in the tar container
  (below), a small seed for the tar-container fuzz target;
* ``adain_expected.safetensors``: what the converter must write: ``encoder.<i>.*`` / ``decoder.<i>.*`` with
  <i> the state-dict key index, values as PyTorch holds them.

ResNet-50 (torchvision layout v1.5 at 1/16 width: stem 4 channels, built from torchvision's ``Bottleneck`` as
tools/make_resnet_fixture.py does and checked against ``torchvision.models.resnet50()`` at full width; random
weights and random batch-norm statistics, plus a shrunk ``fc``):

* ``resnet50_tv_zip.pth`` (default container), ``resnet50_tv_legacy.pth`` (``_use_new_zipfile_serialization=False``),
  both with torchvision's 0-d int64 ``num_batches_tracked`` entries;
* ``resnet50_tv_tar.pth``: the tar container of PyTorch < 0.1.10 (the first torchvision ResNet release),
  written here by hand the way torch 0.1.x's ``torch.save`` wrote it (tar entries ``storages``, ``tensors``,
  ``pickle``, pickle protocol 2, tensors as persistent ids ``str(key)``), without ``num_batches_tracked``
  (PyTorch 0.x had none); checked by reading it back with ``torch.load``;
* ``resnet50_tv_folded.safetensors``: the expected conversion: every conv with its batch norm folded in
  (inference statistics, eps 1e-5): w' = w * s, b' = beta - mean * s, s = gamma / sqrt(var + eps), computed
  by torch in float32; the script checks that the folded network (no batch norm) gives the batch-normed
  model's output in eval mode.
* ``resnet50_keras_notop.h5``: the layout of keras-team/keras ``keras/src/applications/resnet.py``
  (``resnet50_weights_tf_dim_ordering_tf_kernels_notop.h5``, Keras 2.2+ layer names ``conv1_conv``,
  ``conv1_bn``, ``conv2_block1_0_conv`` (shortcut), ``conv2_block1_1_conv`` …, datasets
  ``<layer>/<layer>/kernel:0`` (H, W, I, O), ``bias:0``, ``gamma:0``, ``beta:0``, ``moving_mean:0``,
  ``moving_variance:0``), written by h5py with random values at 1/16 width;
* ``resnet50_keras_folded.safetensors``: its expected conversion (torchvision names, kernels to (O, I, H, W),
  the conv bias folded too: b' = beta + (b - mean) * s, eps 1.001e-5 as Keras' ResNet uses).

Deterministic values: fixed seeds, torch.set_num_threads(1). The legacy-container files are not byte-for-byte
reproducible (torch's legacy writer names storages by memory address); the tensors in them are, and the tests
compare tensors.
"""

import collections
import io
import os
import pickle
import struct
import sys
import tarfile

import h5py
import numpy as np
import torch
import torch.nn as nn

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from make_fixtures import write_safetensors  # noqa: E402
from make_resnet_fixture import BLOCKS, NarrowResNet50, check_layout, randomise_bn  # noqa: E402

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(REPO, "weights-converter", "src", "test", "resources", "fixtures")
ADAIN_DIV = 32
RESNET_BASE = 4  # 64 / 16


# ----------------------------------------------------------------------------------------------- AdaIN

def adain_nets(div):
    """net.py's ``decoder`` and ``vgg`` Sequentials (same modules, same order), widths divided by div."""
    c64, c128, c256, c512 = 64 // div, 128 // div, 256 // div, 512 // div

    def pad():
        return nn.ReflectionPad2d((1, 1, 1, 1))

    decoder = nn.Sequential(
        pad(), nn.Conv2d(c512, c256, (3, 3)), nn.ReLU(), nn.Upsample(scale_factor=2, mode='nearest'),
        pad(), nn.Conv2d(c256, c256, (3, 3)), nn.ReLU(),
        pad(), nn.Conv2d(c256, c256, (3, 3)), nn.ReLU(),
        pad(), nn.Conv2d(c256, c256, (3, 3)), nn.ReLU(),
        pad(), nn.Conv2d(c256, c128, (3, 3)), nn.ReLU(), nn.Upsample(scale_factor=2, mode='nearest'),
        pad(), nn.Conv2d(c128, c128, (3, 3)), nn.ReLU(),
        pad(), nn.Conv2d(c128, c64, (3, 3)), nn.ReLU(), nn.Upsample(scale_factor=2, mode='nearest'),
        pad(), nn.Conv2d(c64, c64, (3, 3)), nn.ReLU(),
        pad(), nn.Conv2d(c64, 3, (3, 3)))

    def pool():
        return nn.MaxPool2d((2, 2), (2, 2), (0, 0), ceil_mode=True)

    vgg = nn.Sequential(
        nn.Conv2d(3, 3, (1, 1)),
        pad(), nn.Conv2d(3, c64, (3, 3)), nn.ReLU(),  # relu1-1
        pad(), nn.Conv2d(c64, c64, (3, 3)), nn.ReLU(), pool(),
        pad(), nn.Conv2d(c64, c128, (3, 3)), nn.ReLU(),  # relu2-1
        pad(), nn.Conv2d(c128, c128, (3, 3)), nn.ReLU(), pool(),
        pad(), nn.Conv2d(c128, c256, (3, 3)), nn.ReLU(),  # relu3-1
        pad(), nn.Conv2d(c256, c256, (3, 3)), nn.ReLU(),
        pad(), nn.Conv2d(c256, c256, (3, 3)), nn.ReLU(),
        pad(), nn.Conv2d(c256, c256, (3, 3)), nn.ReLU(), pool(),
        pad(), nn.Conv2d(c256, c512, (3, 3)), nn.ReLU(),  # relu4-1
        pad(), nn.Conv2d(c512, c512, (3, 3)), nn.ReLU(),
        pad(), nn.Conv2d(c512, c512, (3, 3)), nn.ReLU(),
        pad(), nn.Conv2d(c512, c512, (3, 3)), nn.ReLU(), pool(),
        pad(), nn.Conv2d(c512, c512, (3, 3)), nn.ReLU(),  # relu5-1
        pad(), nn.Conv2d(c512, c512, (3, 3)), nn.ReLU(),
        pad(), nn.Conv2d(c512, c512, (3, 3)), nn.ReLU(),
        pad(), nn.Conv2d(c512, c512, (3, 3)), nn.ReLU())  # relu5-4
    return vgg, decoder


def adain():
    torch.manual_seed(15)
    vgg, decoder = adain_nets(ADAIN_DIV)
    enc_idx = [i for i, m in enumerate(vgg) if isinstance(m, nn.Conv2d)]
    dec_idx = [i for i, m in enumerate(decoder) if isinstance(m, nn.Conv2d)]
    assert enc_idx == [0, 2, 5, 9, 12, 16, 19, 22, 25, 29, 32, 35, 38, 42, 45, 48, 51], enc_idx
    assert dec_idx == [1, 5, 8, 11, 14, 18, 21, 25, 28], dec_idx
    venc, vdec = vgg.state_dict(), decoder.state_dict()
    for legacy, tag in ((True, "legacy"), (False, "zip")):
        torch.save(venc, os.path.join(OUT, "adain_vgg_normalised_%s.pth" % tag), _use_new_zipfile_serialization=not legacy)
        torch.save(vdec, os.path.join(OUT, "adain_decoder_%s.pth" % tag), _use_new_zipfile_serialization=not legacy)
    expected = {}
    for k, v in venc.items():
        expected["encoder." + k] = v.numpy().astype(np.float32)
    for k, v in vdec.items():
        expected["decoder." + k] = v.numpy().astype(np.float32)
    # a small tar-container seed for TorchFuzzTest.tarContainer (the ResNet tar file is 450 KB)
    seeds = os.path.join(REPO, "weights-converter", "src", "test", "resources", "nst", "convert", "TorchFuzzTestInputs", "tarContainer")
    os.makedirs(seeds, exist_ok=True)
    save_tar(vdec, os.path.join(seeds, "adain_decoder_tar.pth"))
    write_safetensors(os.path.join(OUT, "adain_expected.safetensors"), expected,
                      {"arch": "adain", "preprocess": "none", "source": "tools/make_backbone_weight_fixtures.py"})


# ----------------------------------------------------------------------------------------------- ResNet-50

def fold(conv, bn):
    """torch float32, in the order the converter computes it."""
    scale = bn.weight.detach() / torch.sqrt(bn.running_var + bn.eps)
    w = conv.weight.detach() * scale[:, None, None, None]
    b = bn.bias.detach() - bn.running_mean * scale
    return w.numpy().astype(np.float32), b.numpy().astype(np.float32)


def conv_bn_pairs(model):
    """(folded name, conv module, bn module) for every conv of the trunk, in network order."""
    out = [("conv1", model.conv1, model.bn1)]
    for s, n in enumerate(BLOCKS):
        for b in range(n):
            blk = getattr(model, "layer%d" % (s + 1))[b]
            p = "layer%d.%d." % (s + 1, b)
            for i in (1, 2, 3):
                out.append((p + "conv%d" % i, getattr(blk, "conv%d" % i), getattr(blk, "bn%d" % i)))
            if blk.downsample is not None:
                out.append((p + "downsample", blk.downsample[0], blk.downsample[1]))
    return out


def check_fold(model, folded):
    """The folded network (convs with bias, no BN) computes what the BN model computes in eval mode."""
    import copy
    m2 = copy.deepcopy(model)
    for name, conv, bn in conv_bn_pairs(m2):
        w, b = folded[name + ".weight"], folded[name + ".bias"]
        conv.weight.data = torch.from_numpy(w)
        conv.bias = nn.Parameter(torch.from_numpy(b))
    for mod in m2.modules():
        if isinstance(mod, nn.BatchNorm2d):
            mod.running_mean.zero_(); mod.running_var.fill_(1.0); mod.eps = 0.0
            mod.weight.data.fill_(1.0); mod.bias.data.zero_()
    x = torch.randn(1, 3, 45, 37, generator=torch.Generator().manual_seed(5))
    with torch.no_grad():
        a, b = model.named_outputs(x)["layer4.2"], m2.named_outputs(x)["layer4.2"]
    err = (a - b).abs().max().item() / a.abs().max().item()
    assert err < 1e-5, err
    print("  folded network matches the batch-normed one: max rel diff %.2e" % err)


class _Persist(pickle.Pickler):
    """torch 0.1.x's _save: tensors pickled as persistent ids str(key), protocol 2."""

    def __init__(self, f, ids):
        super().__init__(f, protocol=2)
        self.ids = ids

    def persistent_id(self, obj):
        if torch.is_tensor(obj):
            return str(self.ids[id(obj)])
        return None


def save_tar(sd, path):
    """The tar container torch < 0.1.10 wrote (read back by torch.serialization's legacy_load)."""
    keys, storages = {}, []
    for i, (k, t) in enumerate(sd.items()):
        keys[id(t)] = 1000 + i            # tensor key (a _cdata in the original)
        storages.append((2000 + i, t))     # its own storage (no views), key 2000+i
    sto = io.BytesIO()
    pickle.dump(len(storages), sto, protocol=2)
    for key, t in storages:
        stype = {torch.float32: torch.FloatStorage, torch.int64: torch.LongStorage}[t.dtype]
        pickle.dump((key, "cpu", stype), sto, protocol=2)
        data = t.contiguous().numpy().tobytes()
        sto.write(struct.pack("<q", t.numel()))
        sto.write(data)
    pickle.dump([], sto, protocol=2)       # storage views: none
    ten = io.BytesIO()
    pickle.dump(len(sd), ten, protocol=2)
    for i, (k, t) in enumerate(sd.items()):
        ttype = {torch.float32: torch.FloatTensor, torch.int64: torch.LongTensor}[t.dtype]
        pickle.dump((1000 + i, 2000 + i, ttype), ten, protocol=2)
        ten.write(struct.pack("<i", t.dim()) + b"\0\0\0\0")
        ten.write(struct.pack("<%dq" % t.dim(), *t.shape))
        ten.write(struct.pack("<%dq" % t.dim(), *t.contiguous().stride()))
        ten.write(struct.pack("<q", 0))
    pk = io.BytesIO()
    _Persist(pk, keys).dump(sd)
    with tarfile.open(path, "w", format=tarfile.PAX_FORMAT) as tar:
        for name, buf in (("storages", sto), ("tensors", ten), ("pickle", pk)):
            info = tarfile.TarInfo(name)
            info.size = len(buf.getvalue())
            info.mtime = 0
            tar.addfile(info, io.BytesIO(buf.getvalue()))
    back = torch.load(path)
    assert list(back.keys()) == list(sd.keys())
    for k in sd:
        assert torch.equal(back[k], sd[k]), k
    print("  %s: torch.load reads it back equal" % os.path.basename(path))


def resnet_torchvision():
    check_layout()
    torch.manual_seed(16)
    gen = torch.Generator().manual_seed(1616)
    model = NarrowResNet50(RESNET_BASE)
    randomise_bn(model, gen)
    model.fc = nn.Linear(RESNET_BASE * 32, 10)   # torchvision's fc (2048 -> 1000), shrunk; dropped by the converter
    for mod in model.modules():                   # non-zero counters, as a trained file has
        if isinstance(mod, nn.BatchNorm2d):
            mod.num_batches_tracked.fill_(int(torch.randint(1, 10 ** 6, (1,), generator=gen)))
    model.eval()
    sd = model.state_dict()
    assert any(k.endswith("num_batches_tracked") and v.dim() == 0 and v.dtype == torch.int64 for k, v in sd.items())
    torch.save(sd, os.path.join(OUT, "resnet50_tv_zip.pth"))
    torch.save(sd, os.path.join(OUT, "resnet50_tv_legacy.pth"), _use_new_zipfile_serialization=False)
    old = collections.OrderedDict((k, v) for k, v in sd.items() if not k.endswith("num_batches_tracked"))
    save_tar(old, os.path.join(OUT, "resnet50_tv_tar.pth"))
    folded = {}
    for name, conv, bn in conv_bn_pairs(model):
        folded[name + ".weight"], folded[name + ".bias"] = fold(conv, bn)
    check_fold(model, folded)
    write_safetensors(os.path.join(OUT, "resnet50_tv_folded.safetensors"), folded,
                      {"arch": "resnet50", "preprocess": "torchvision", "source": "tools/make_backbone_weight_fixtures.py"})


def keras_layers():
    """(Keras layer prefix, torchvision folded name, has shortcut) in network order (ResNet50 of resnet.py)."""
    out = [("conv1", "conv1")]
    for s, n in enumerate(BLOCKS):
        for b in range(n):
            k = "conv%d_block%d_" % (s + 2, b + 1)
            t = "layer%d.%d." % (s + 1, b)
            if b == 0:
                out.append((k + "0", t + "downsample"))
            for i in (1, 2, 3):
                out.append((k + "%d" % i, t + "conv%d" % i))
    return out


def resnet_keras():
    rng = np.random.default_rng(50)
    eps = np.float32(1.001e-5)
    base = RESNET_BASE
    shapes = {"conv1": (7, 3, base)}
    inplanes = base
    for s, n in enumerate(BLOCKS):
        planes = base << s
        for b in range(n):
            k = "conv%d_block%d_" % (s + 2, b + 1)
            if b == 0:
                shapes[k + "0"] = (1, inplanes, planes * 4)
            shapes[k + "1"] = (1, inplanes, planes)
            shapes[k + "2"] = (3, planes, planes)
            shapes[k + "3"] = (1, planes, planes * 4)
            inplanes = planes * 4
    folded = {}
    layer_names = ["input_1", "conv1_pad"]
    with h5py.File(os.path.join(OUT, "resnet50_keras_notop.h5"), "w") as f:
        f.attrs["backend"] = b"tensorflow"
        f.attrs["keras_version"] = b"2.2.4"
        groups = []
        for kname, tname in keras_layers():
            ks, ci, co = shapes[kname]
            kernel = (rng.standard_normal((ks, ks, ci, co)) * (2.0 / (ks * ks * ci)) ** 0.5).astype(np.float32)
            bias = (rng.standard_normal(co) * 0.05).astype(np.float32)
            gamma = (rng.random(co) * 0.6 + 0.4).astype(np.float32)
            beta = (rng.standard_normal(co) * 0.1).astype(np.float32)
            mean = (rng.standard_normal(co) * 0.1).astype(np.float32)
            var = (rng.random(co) * 1.5 + 0.5).astype(np.float32)
            conv_l, bn_l = kname + "_conv", kname + "_bn"
            groups.append((conv_l, [("kernel:0", kernel), ("bias:0", bias)]))
            groups.append((bn_l, [("gamma:0", gamma), ("beta:0", beta), ("moving_mean:0", mean), ("moving_variance:0", var)]))
            scale = gamma / np.sqrt(var + eps)
            w = kernel.transpose(3, 2, 0, 1) * scale[:, None, None, None]
            folded[tname + ".weight"] = np.ascontiguousarray(w, dtype=np.float32)
            folded[tname + ".bias"] = (beta + (bias - mean) * scale).astype(np.float32)
        for name, ds in groups:
            g = f.create_group(name)
            g.attrs["weight_names"] = np.array([("%s/%s" % (name, d)).encode() for d, _ in ds])
            for d, v in ds:
                g.create_dataset("%s/%s" % (name, d), data=v)
        for extra in ("conv1_relu", "pool1_pad", "pool1_pool", "conv2_block1_add", "conv2_block1_out"):
            f.create_group(extra).attrs["weight_names"] = np.array([], dtype="S1")
        layer_names += [n for n, _ in groups] + ["conv1_relu", "pool1_pad", "pool1_pool", "conv2_block1_add", "conv2_block1_out"]
        f.attrs["layer_names"] = np.array([s.encode() for s in layer_names])
    write_safetensors(os.path.join(OUT, "resnet50_keras_folded.safetensors"), folded,
                      {"arch": "resnet50", "preprocess": "caffe", "source": "tools/make_backbone_weight_fixtures.py"})


def main():
    torch.set_num_threads(1)
    os.makedirs(OUT, exist_ok=True)
    adain()
    resnet_torchvision()
    resnet_keras()
    for n in sorted(os.listdir(OUT)):
        if n.startswith(("adain_", "resnet50_")):
            print("  %-36s %8d bytes" % (n, os.path.getsize(os.path.join(OUT, n))))


if __name__ == "__main__":
    main()
