#!/usr/bin/python3
"""Fixtures for the weights-converter tests: one set of random, channel-reduced VGG weights exported in
every format users download (PyTorch zip and legacy containers, Gatys' conv-named dict, Keras HDF5,
Caffe protobuf, MatConvNet MAT v5), plus bad inputs and a PyTorch loss value. Leaves out real pretrained
weights (tests must not need a download) and the full-size file (tools/make_fullsize_pth.py).

What it writes (weights-converter/src/test/resources/fixtures/)
---------------------------------------------------------------
Same weights in every format (converted, they must give bit-identical tensors):

* vgg19: ``vgg19_torchvision_zip.pth``, ``vgg19_torchvision_legacy.pth`` (torchvision ``VGG`` built from
  ``make_layers`` with reduced widths, state dict keys ``features.N.*`` and a shrunk ``classifier.*``),
  ``vgg19_gatys_legacy.pth`` (``conv1_1.weight`` keys, float64 storages), ``vgg19_keras.h5`` (Keras 2.x:
  ``block1_conv1/block1_conv1/kernel:0``), ``vgg19_keras_old.h5`` (``block1_conv1/block1_conv1_W_1:0``),
  ``vgg19_caffe_v1.caffemodel`` (V1 ``layers``, legacy num/channels/height/width blobs),
  ``vgg19_matconvnet.mat`` (SimpleNN ``layers`` cell array, compressed; conv1_1 input channels in RGB
  order, as MatConvNet's VGG files hold them);
* vgg16: ``vgg16_torchvision_zip.pth``, ``vgg16_torchvision_legacy.pth``, ``vgg16_keras_full.h5`` (with
  fc1/fc2/predictions), ``vgg16_caffe.caffemodel`` (new ``layer`` field, BlobShape).

Bad inputs: ``vgg19_missing_conv5_4.pth`` (legacy, features.34 removed), ``vgg19_nan.pth`` (legacy, one
NaN in conv3_1), ``other_network.h5`` (a small ResNet-like Keras file), ``evil_legacy.pth`` and
``evil_zip.pth`` (a state-dict pickle whose __reduce__ would call os.system; nothing here runs it).

``loss_vgg19.safetensors``: tiny images (32x32) and the Gatys loss of the vgg19 weights under both
preprocessings (docs/DESIGN.md definitions, float32 torch), for the engine-vs-PyTorch check.

Run from the repository root with the distribution's interpreter (python3-torch, python3-torchvision,
python3-h5py, python3-scipy, python3-protobuf, protobuf-compiler)::

    /usr/bin/python3 tools/make_converter_fixtures.py

Deterministic: fixed seeds, torch.set_num_threads(1).
"""

import collections
import io
import json
import os
import struct
import subprocess
import sys
import tempfile
import zipfile

import h5py
import numpy as np
import scipy.io
import torch
import torch.nn as nn
import torchvision
from torchvision.models.vgg import VGG, make_layers

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(REPO, "weights-converter", "src", "test", "resources", "fixtures")
PROTO = os.path.join(REPO, "tools", "caffe_subset.proto")

BLOCKS = {"vgg19": (2, 2, 4, 4, 4), "vgg16": (2, 2, 3, 3, 3)}
WIDTHS = {"vgg19": (4, 6, 8, 8, 10), "vgg16": (3, 5, 6, 7, 8)}
FC = 12  # shrunk classifier width (4096 in the real nets)

TV_MEAN = (0.485, 0.456, 0.406)
TV_STD = (0.229, 0.224, 0.225)
CAFFE_MEAN_BGR = (103.939, 116.779, 123.68)


def cfg(arch):
    c = []
    for n, w in zip(BLOCKS[arch], WIDTHS[arch]):
        c += [w] * n + ["M"]
    return c


def build(arch, seed):
    """torchvision's own VGG class and make_layers, reduced widths, shrunk classifier, seeded values."""
    torch.manual_seed(seed)
    model = VGG(make_layers(cfg(arch)), num_classes=10, init_weights=True)
    w5 = WIDTHS[arch][4]
    model.classifier = nn.Sequential(
        nn.Linear(w5 * 7 * 7, FC), nn.ReLU(True), nn.Dropout(),
        nn.Linear(FC, FC), nn.ReLU(True), nn.Dropout(),
        nn.Linear(FC, 10))
    g = torch.Generator().manual_seed(seed + 1)
    with torch.no_grad():
        for m in model.modules():
            if isinstance(m, (nn.Conv2d, nn.Linear)):
                fan_out = m.weight.shape[0] * (9 if isinstance(m, nn.Conv2d) else 1)
                m.weight.copy_(torch.randn(m.weight.shape, generator=g) * (2.0 / fan_out) ** 0.5)
                m.bias.copy_(torch.randn(m.bias.shape, generator=g) * 0.05)
    model.eval()
    return model


def conv_names(arch):
    return ["conv%d_%d" % (b, i) for b, n in enumerate(BLOCKS[arch], 1) for i in range(1, n + 1)]


def convs(model, arch):
    """{paper name: (weight (O,I,3,3) float32 numpy, bias (O,))} in order."""
    out = collections.OrderedDict()
    mods = [m for m in model.features if isinstance(m, nn.Conv2d)]
    for name, m in zip(conv_names(arch), mods):
        out[name] = (m.weight.detach().numpy().copy(), m.bias.detach().numpy().copy())
    return out


def save_pth(obj, name, legacy):
    torch.save(obj, os.path.join(OUT, name), _use_new_zipfile_serialization=not legacy)


# --------------------------------------------------------------------------- Keras HDF5

def keras_h5(name, arch, cw, old_names, with_top):
    """Keras VGG weights file: one group per layer, kernels (H,W,I,O)."""
    with h5py.File(os.path.join(OUT, name), "w") as f:
        layers = ["input_1"]
        for b, n in enumerate(BLOCKS[arch], 1):
            layers += ["block%d_conv%d" % (b, i) for i in range(1, n + 1)] + ["block%d_pool" % b]
        if with_top:
            layers += ["flatten", "fc1", "fc2", "predictions"]
        f.attrs["layer_names"] = np.array([s.encode() for s in layers])
        f.attrs["backend"] = b"tensorflow"
        f.attrs["keras_version"] = b"1.2.2" if old_names else b"2.2.4"
        conv_iter = iter(cw.items())
        rng = np.random.default_rng(7)
        for layer in layers:
            g = f.create_group(layer)
            weights = []
            if "_conv" in layer:
                _, (w, bias) = next(conv_iter)
                weights = [w.transpose(2, 3, 1, 0), bias]          # (O,I,H,W) -> (H,W,I,O)
            elif layer in ("fc1", "fc2", "predictions"):
                fan_in = WIDTHS[arch][4] * 49 if layer == "fc1" else FC
                fan_out = 10 if layer == "predictions" else FC
                weights = [rng.standard_normal((fan_in, fan_out)).astype(np.float32),
                           np.zeros(fan_out, np.float32)]
            if old_names:
                wn = [("%s_W_1:0" % layer), ("%s_b_1:0" % layer)][: len(weights)]
            else:
                wn = [("%s/kernel:0" % layer), ("%s/bias:0" % layer)][: len(weights)]
            g.attrs["weight_names"] = np.array([s.encode() for s in wn], dtype="S") if wn else np.array([], dtype="S1")
            for n, v in zip(wn, weights):
                g.create_dataset(n, data=v.astype(np.float32))


def other_network_h5(name):
    """A Keras weights file of a different network (ResNet-like names): must be refused."""
    rng = np.random.default_rng(3)
    with h5py.File(os.path.join(OUT, name), "w") as f:
        layers = ["conv1", "bn_conv1", "res2a_branch2a", "fc1000"]
        f.attrs["layer_names"] = np.array([s.encode() for s in layers])
        for layer in layers:
            g = f.create_group(layer)
            if layer.startswith("conv") or layer.startswith("res"):
                k = rng.standard_normal((7, 7, 3, 4)).astype(np.float32)
                g.create_dataset(layer + "/kernel:0", data=k)
                g.create_dataset(layer + "/bias:0", data=np.zeros(4, np.float32))
            elif layer.startswith("bn"):
                for v in ("gamma", "beta", "moving_mean", "moving_variance"):
                    g.create_dataset(layer + "/" + v + ":0", data=np.ones(4, np.float32))
            else:
                g.create_dataset(layer + "/kernel:0", data=np.zeros((4, 10), np.float32))
                g.create_dataset(layer + "/bias:0", data=np.zeros(10, np.float32))


# --------------------------------------------------------------------------- Caffe

def caffe_pb2():
    d = tempfile.mkdtemp(prefix="nst-proto-")
    subprocess.check_call(["protoc", "--proto_path=" + os.path.dirname(PROTO), "--python_out=" + d, PROTO])
    sys.path.insert(0, d)
    import caffe_subset_pb2
    return caffe_subset_pb2


def caffe_model(pb, name, arch, cw, v1):
    net = pb.NetParameter()
    net.name = "VGG_ILSVRC_%s_layers" % arch[3:]
    w5 = WIDTHS[arch][4]
    rng = np.random.default_rng(11)
    entries = []
    for b, n in enumerate(BLOCKS[arch], 1):
        for i in range(1, n + 1):
            c = "conv%d_%d" % (b, i)
            entries.append((c, "conv", list(cw[c])))
            entries.append(("relu%d_%d" % (b, i), "relu", []))
        entries.append(("pool%d" % b, "pool", []))
    for fc, fin, fout in (("fc6", w5 * 49, FC), ("fc7", FC, FC), ("fc8", FC, 10)):
        entries.append((fc, "fc", [rng.standard_normal((fout, fin)).astype(np.float32), np.zeros(fout, np.float32)]))
        if fc != "fc8":
            entries.append(("relu" + fc[2:], "relu", []))
            entries.append(("drop" + fc[2:], "dropout", []))
    entries.append(("prob", "softmax", []))
    v1types = {"conv": pb.V1LayerParameter.CONVOLUTION, "relu": pb.V1LayerParameter.RELU,
               "pool": pb.V1LayerParameter.POOLING, "fc": pb.V1LayerParameter.INNER_PRODUCT,
               "dropout": pb.V1LayerParameter.DROPOUT, "softmax": pb.V1LayerParameter.SOFTMAX}
    types = {"conv": "Convolution", "relu": "ReLU", "pool": "Pooling", "fc": "InnerProduct",
             "dropout": "Dropout", "softmax": "Softmax"}
    for lname, kind, blobs in entries:
        layer = net.layers.add() if v1 else net.layer.add()
        layer.name = lname
        layer.type = v1types[kind] if v1 else types[kind]
        for arr in blobs:
            blob = layer.blobs.add()
            if v1:                      # legacy 4D: weights (O,I,H,W) / (1,1,O,I); bias (1,1,1,O)
                d4 = ([1] * (4 - arr.ndim) + list(arr.shape)) if arr.ndim > 1 else [1, 1, 1, arr.shape[0]]
                blob.num, blob.channels, blob.height, blob.width = d4
            else:
                blob.shape.dim.extend(arr.shape)
            blob.data.extend(arr.astype(np.float32).ravel().tolist())
    with open(os.path.join(OUT, name), "wb") as f:
        f.write(net.SerializeToString())


# --------------------------------------------------------------------------- MatConvNet

def matconvnet(name, arch, cw):
    """SimpleNN layout: layers{k} structs with name, type, weights {kernel (H,W,I,O), bias}."""
    layers = []
    w5 = WIDTHS[arch][4]
    rng = np.random.default_rng(13)
    for b, n in enumerate(BLOCKS[arch], 1):
        for i in range(1, n + 1):
            c = "conv%d_%d" % (b, i)
            w, bias = cw[c]
            k = w.transpose(2, 3, 1, 0).copy()                      # (H,W,I,O)
            if c == "conv1_1":
                k = k[:, :, ::-1, :].copy()                         # MatConvNet VGG expects RGB input
            wts = np.empty((1, 2), dtype=object)
            wts[0, 0] = k.astype(np.float32)
            wts[0, 1] = bias.reshape(-1, 1).astype(np.float32)
            layers.append({"name": c, "type": "conv", "weights": wts,
                           "size": np.array(k.shape, dtype=np.float64), "pad": np.ones(4),
                           "stride": np.ones(2)})
            layers.append({"name": "relu%d_%d" % (b, i), "type": "relu"})
        layers.append({"name": "pool%d" % b, "type": "pool", "method": "max",
                       "pool": np.array([2.0, 2.0]), "stride": np.array([2.0, 2.0]), "pad": np.zeros(4)})
    for fc, k in (("fc6", rng.standard_normal((7, 7, w5, FC))), ("fc7", rng.standard_normal((1, 1, FC, FC))),
                  ("fc8", rng.standard_normal((1, 1, FC, 10)))):
        wts = np.empty((1, 2), dtype=object)
        wts[0, 0] = k.astype(np.float32)
        wts[0, 1] = np.zeros((k.shape[3], 1), np.float32)
        layers.append({"name": fc, "type": "conv", "weights": wts})
        if fc != "fc8":
            layers.append({"name": "relu" + fc[2:], "type": "relu"})
    layers.append({"name": "prob", "type": "softmax"})
    cell = np.empty((1, len(layers)), dtype=object)
    for j, l in enumerate(layers):
        cell[0, j] = l
    meta = {"normalization": {"averageImage": np.array([[123.68], [116.779], [103.939]], np.float32),
                              "imageSize": np.array([224.0, 224.0, 3.0])},
            "classes": {"name": np.array(["class%d" % j for j in range(10)], dtype=object)}}
    scipy.io.savemat(os.path.join(OUT, name), {"layers": cell, "meta": meta}, do_compression=True)


# --------------------------------------------------------------------------- pickles that must be refused

class Evil:
    """A pickle payload that would run a shell command when unpickled by pickle.load/torch.load."""

    def __reduce__(self):
        return (os.system, ("touch /tmp/nst-converter-pwned",))


def evil_files():
    sd = collections.OrderedDict([("features.0.weight", Evil())])
    # Legacy container: the real magic number, protocol and sys_info pickles, then the evil state dict.
    buf = io.BytesIO()
    torch.save(collections.OrderedDict([("features.0.bias", torch.zeros(2))]), buf, _use_new_zipfile_serialization=False)
    import pickle
    with open(os.path.join(OUT, "evil_legacy.pth"), "wb") as f:
        pickle.dump(0x1950A86A20F9469CFC6C, f, protocol=2)
        pickle.dump(1001, f, protocol=2)
        pickle.dump(dict(protocol_version=1001, little_endian=True, type_sizes=dict(short=2, int=4, long=4)), f, protocol=2)
        pickle.dump(sd, f, protocol=2)
        pickle.dump([], f, protocol=2)
    # Zip container: archive/data.pkl is the evil pickle.
    with zipfile.ZipFile(os.path.join(OUT, "evil_zip.pth"), "w", zipfile.ZIP_STORED) as z:
        z.writestr("archive/data.pkl", pickle.dumps(sd, protocol=2))
        z.writestr("archive/version", "3\n")
    assert b"posix" in open(os.path.join(OUT, "evil_legacy.pth"), "rb").read()


# --------------------------------------------------------------------------- loss (docs/DESIGN.md definitions)

def preprocess(x, mode):
    if mode == "torchvision":
        return (x - torch.tensor(TV_MEAN).view(3, 1, 1)) / torch.tensor(TV_STD).view(3, 1, 1)
    return x[[2, 1, 0]] * 255.0 - torch.tensor(CAFFE_MEAN_BGR).view(3, 1, 1)


def layer_names(arch):
    names = []
    for b, n in enumerate(BLOCKS[arch], 1):
        for i in range(1, n + 1):
            names += ["conv%d_%d" % (b, i), "relu%d_%d" % (b, i)]
        names.append("pool%d" % b)
    return names


def features(model, arch, x, wanted):
    out = {}
    h = x.unsqueeze(0)
    for name, m in zip(layer_names(arch), model.features):
        h = m(h)
        if name in wanted:
            out[name] = h[0]
    return out


def gram(f):
    c, h, w = f.shape
    m = f.reshape(c, h * w)
    return (m @ m.t()) / (c * h * w)


def loss(model, arch, mode, content, style, x, cl, sl, alpha, beta, gamma):
    with torch.no_grad():
        fc = features(model, arch, preprocess(content, mode), set(cl))
        fs = features(model, arch, preprocess(style, mode), set(sl))
        fx = features(model, arch, preprocess(x, mode), set(cl) | set(sl))
        lc = sum(((fx[l] - fc[l]) ** 2).mean() for l in cl)
        ls = sum(((gram(fx[l]) - gram(fs[l])) ** 2).mean() for l in sl)
        dy = x[:, 1:, :] - x[:, :-1, :]
        dx = x[:, :, 1:] - x[:, :, :-1]
        ltv = (dy * dy).sum() + (dx * dx).sum()
        return float(alpha * lc + beta * ls + gamma * ltv), float(lc), float(ls), float(ltv)


def write_safetensors(path, tensors, metadata):
    names = sorted(tensors)
    header = {"__metadata__": {k: str(v) for k, v in metadata.items()}}
    blobs, off = [], 0
    for n in names:
        a = tensors[n]
        dt = "F64" if a.dtype == np.float64 else "F32"
        b = a.astype("<f8" if dt == "F64" else "<f4").tobytes()
        header[n] = {"dtype": dt, "shape": list(a.shape), "data_offsets": [off, off + len(b)]}
        blobs.append(b)
        off += len(b)
    h = json.dumps(header).encode()
    h += b" " * ((8 - len(h) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(h)) + h + b"".join(blobs))


def loss_fixture(model):
    g = torch.Generator().manual_seed(5)
    content, style = torch.rand(3, 32, 32, generator=g), torch.rand(3, 32, 32, generator=g)
    x = (content + 0.1 * torch.randn(3, 32, 32, generator=g)).float()
    cl, sl = ["relu4_2"], ["relu1_1", "relu2_1", "relu3_1", "relu4_1", "relu5_1"]
    alpha, beta, gamma = 1.0, 1000.0, 0.01
    tensors = {"input.content": content.numpy(), "input.style": style.numpy(), "input.x": x.numpy()}
    meta = {"content_layers": ",".join(cl), "style_layers": ",".join(sl), "content_weight": alpha,
            "style_weight": beta, "tv_weight": gamma, "pooling": "max", "arch": "vgg19",
            "torch": torch.__version__}
    report = {}
    for mode in ("torchvision", "caffe"):
        total, lc, ls, ltv = loss(model, "vgg19", mode, content, style, x, cl, sl, alpha, beta, gamma)
        for term, v in (("total", total), ("content", lc), ("style", ls), ("tv", ltv)):
            tensors["loss.%s.%s" % (term, mode)] = np.array([v], np.float64)
        report[mode] = (total, lc, ls, ltv)
    write_safetensors(os.path.join(OUT, "loss_vgg19.safetensors"), tensors, meta)
    return report


def main():
    torch.set_num_threads(1)
    os.makedirs(OUT, exist_ok=True)
    pb = caffe_pb2()

    m19 = build("vgg19", 19)
    c19 = convs(m19, "vgg19")
    sd19 = m19.state_dict()
    save_pth(sd19, "vgg19_torchvision_zip.pth", legacy=False)
    save_pth(sd19, "vgg19_torchvision_legacy.pth", legacy=True)
    gatys = collections.OrderedDict()
    for n, (w, b) in c19.items():
        gatys[n + ".weight"] = torch.from_numpy(w).double()
        gatys[n + ".bias"] = torch.from_numpy(b).double()
    save_pth(gatys, "vgg19_gatys_legacy.pth", legacy=True)
    keras_h5("vgg19_keras.h5", "vgg19", c19, old_names=False, with_top=False)
    keras_h5("vgg19_keras_old.h5", "vgg19", c19, old_names=True, with_top=False)
    caffe_model(pb, "vgg19_caffe_v1.caffemodel", "vgg19", c19, v1=True)
    matconvnet("vgg19_matconvnet.mat", "vgg19", c19)

    m16 = build("vgg16", 16)
    c16 = convs(m16, "vgg16")
    sd16 = m16.state_dict()
    save_pth(sd16, "vgg16_torchvision_zip.pth", legacy=False)
    save_pth(sd16, "vgg16_torchvision_legacy.pth", legacy=True)
    keras_h5("vgg16_keras_full.h5", "vgg16", c16, old_names=False, with_top=True)
    caffe_model(pb, "vgg16_caffe.caffemodel", "vgg16", c16, v1=False)

    missing = collections.OrderedDict((k, v) for k, v in sd19.items() if not k.startswith("features.34."))
    save_pth(missing, "vgg19_missing_conv5_4.pth", legacy=True)
    nan = collections.OrderedDict((k, v.clone()) for k, v in sd19.items())
    nan["features.10.weight"][1, 2, 0, 1] = float("nan")
    save_pth(nan, "vgg19_nan.pth", legacy=True)
    other_network_h5("other_network.h5")
    evil_files()

    report = loss_fixture(m19)
    total = 0
    for f in sorted(os.listdir(OUT)):
        size = os.path.getsize(os.path.join(OUT, f))
        total += size
        print("%-34s %8d bytes" % (f, size))
    print("total %d bytes; losses %s" % (total, report))
    assert total < 2 * 1024 * 1024, "fixtures must stay under 2 MB"


if __name__ == "__main__":
    main()
