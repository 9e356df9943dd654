#!/usr/bin/python3
"""Crafts the hostile weights files of issue 13 ("Hostile weights and images") for the converter's tests.

Run with Debian's /usr/bin/python3 (torch, h5py, numpy):  /usr/bin/python3 tools/make_hostile_files.py

Each file is what an attacker would hand to `nst weights convert` or `--weights`; each once crashed, hung or
amplified (see the issue). Files that are large but compress well (the 16 MB LONG4, the 1.9 MB deflate
bomb, the MAT file with eight 1 GB arrays) are committed gzip-compressed as NAME.gz and unpacked by the
test into a temporary folder. The 5 GB sparse safetensors file is made by its test (SafeTensorsHostileTest)
at test time; `--sparse DIR` writes one here too, for trying the command line by hand.

Output: weights-converter/src/test/resources/hostile/ (read by HostileWeightsTest) and small copies among the
fuzz seeds (docs/FUZZING.md): .../nst/convert/<Target>FuzzTestInputs/<method>/.
"""
import collections
import gzip
import io
import os
import pickle
import shutil
import struct
import sys
import zipfile
import zlib

import h5py
import numpy as np
import torch

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(REPO, "weights-converter", "src", "test", "resources", "hostile")
SEEDS = os.path.join(REPO, "weights-converter", "src", "test", "resources", "nst", "convert")

MAGIC = 0x1950A86A20F9469CFC6C
BLOCKS19 = (2, 2, 4, 4, 4)


# --------------------------------------------------------------------------- PyTorch containers, by hand

class Storage:
    """A storage a tensor views; pickled as PyTorch's persistent id ('storage', type, key, location, numel)."""

    def __init__(self, key, numel):
        self.key, self.numel = key, numel


class Tensor:
    """Pickles as torch._utils._rebuild_tensor_v2(storage, offset, size, stride, ...), with any size/stride."""

    def __init__(self, storage, offset, size, stride):
        self.storage, self.offset, self.size, self.stride = storage, offset, tuple(size), tuple(stride)

    def __reduce__(self):
        return (torch._utils._rebuild_tensor_v2,
                (self.storage, self.offset, self.size, self.stride, False, collections.OrderedDict()))


class TorchPickler(pickle.Pickler):
    def persistent_id(self, obj):
        if isinstance(obj, Storage):
            return ("storage", torch.FloatStorage, obj.key, "cpu", obj.numel)
        return None


def state_pickle(state_dict):
    buf = io.BytesIO()
    TorchPickler(buf, protocol=2).dump(state_dict)
    return buf.getvalue()


def legacy_header():
    """The three pickles that open a legacy .pth: magic number, protocol version, sys_info."""
    return (pickle.dumps(MAGIC, protocol=2) + pickle.dumps(1001, protocol=2)
            + pickle.dumps(dict(protocol_version=1001, little_endian=True,
                                type_sizes=dict(short=2, int=4, long=4)), protocol=2))


def legacy_pth(body, storages):
    """A legacy container around the state-dict pickle `body`; storages: key -> float32 array."""
    out = legacy_header() + body + pickle.dumps(list(storages), protocol=2)
    for data in storages.values():
        out += struct.pack("<q", data.size) + data.astype("<f4").tobytes()
    return out


def zip_pth(body, storages, compress=zipfile.ZIP_STORED):
    """A zip container (torch >= 1.6): archive/data.pkl plus archive/data/<key>; storages: key -> bytes."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compress) as z:
        z.writestr("archive/data.pkl", body)
        for key, data in storages.items():
            z.writestr("archive/data/" + key, data)
        z.writestr("archive/version", "3\n")
    return buf.getvalue()


def vgg19_state(widths, special=None):
    """A narrow torchvision VGG19 state dict of honest tensors, each on its own storage; `special` replaces
    conv1_1's weight (index features.0). Returns (state dict, storages)."""
    sd, storages, i, c_in = collections.OrderedDict(), collections.OrderedDict(), 0, 3
    for w, n in zip(widths, BLOCKS19):
        for _ in range(n):
            for part, shape in (("weight", (w, c_in, 3, 3)), ("bias", (w,))):
                key = str(len(storages))
                numel = int(np.prod(shape))
                storages[key] = np.full(numel, 0.01, np.float32)
                stride = tuple(int(np.prod(shape[d + 1:])) for d in range(len(shape)))
                sd["features.%d.%s" % (i, part)] = Tensor(Storage(key, numel), 0, shape, stride)
            i, c_in = i + 2, w
        i += 1
    if special is not None:
        del storages[sd["features.0.weight"].storage.key]
        sd["features.0.weight"] = special
    return sd, storages


# --------------------------------------------------------------------------- hand-assembled pickles

def op(*parts):
    return b"".join(p if isinstance(p, bytes) else bytes([p]) for p in parts)


PROTO2 = b"\x80\x02"
EMPTY_DICT, EMPTY_LIST, APPEND, SETITEM, STOP = b"}", b"]", b"a", b"s", b"."
BININT1 = b"K"
TUPLE1 = b"\x85"
NONE = b"N"
POP = b"0"


def binput(n):
    return b"q" + bytes([n])


def binget(n):
    return b"h" + bytes([n])


def self_key_pickle():
    """{L: 1} where L = [L]: a list that contains itself, used as a dict key (Python itself refuses it)."""
    return op(PROTO2, EMPTY_DICT, EMPTY_LIST, binput(0), binget(0), APPEND, BININT1, 1, SETITEM, STOP)


def deep_pickle(levels):
    """(((…(None,)…),),) nested `levels` deep, as the value of a one-key dict."""
    return op(PROTO2, EMPTY_DICT, b"X", struct.pack("<i", 1), b"k", NONE, TUPLE1 * levels, SETITEM, STOP)


def shared_graph_key_pickle(levels):
    """L0 = [], L(k+1) = [Lk, Lk]: 2**levels paths through a few hundred bytes; L(levels) is a dict key."""
    body = op(PROTO2, EMPTY_DICT, EMPTY_LIST, binput(0), POP)
    for k in range(1, levels + 1):
        body += op(EMPTY_LIST, b"(", binget((k - 1) % 256), binget((k - 1) % 256), b"e", binput(k % 256))
        if k < levels:
            body += POP
    return body + op(BININT1, 1, SETITEM, STOP)


def long4_protocol_file(n):
    """A legacy .pth whose 'protocol version' pickle is a LONG4 of n bytes (40 MB of digits when printed)."""
    return (pickle.dumps(MAGIC, protocol=2) + op(PROTO2, b"\x8b", struct.pack("<i", n)) + b"\x01" * n + STOP)


def memo_key_pickle():
    """A protocol-0 PUT whose memo key is no number."""
    return op(PROTO2, EMPTY_DICT, b"pnot-a-number\n", STOP)


# --------------------------------------------------------------------------- the cases

def torch_cases():
    files = {}
    files["self_key_list.pth"] = legacy_header() + self_key_pickle() + pickle.dumps([], protocol=2)
    # 3 million levels, 3 MB of pickle, deflated inside a zip container to a few KB.
    files["deep_nesting.pth"] = zip_pth(deep_pickle(3_000_000), {}, zipfile.ZIP_DEFLATED)
    files["shared_graph_key.pth"] = legacy_header() + shared_graph_key_pickle(50) + pickle.dumps([], protocol=2)
    files["long4_protocol.pth.gz"] = long4_protocol_file(16 << 20)
    files["memo_key.pth"] = legacy_header() + memo_key_pickle() + pickle.dumps([], protocol=2)

    # conv1_1.weight of size 2^32 x 2^32 (x 3 x 3) on a one-element storage.
    huge = Tensor(Storage("big", 1), 0, (2 ** 32, 2 ** 32, 3, 3), (0, 0, 0, 0))
    sd, st = vgg19_state((4, 4, 4, 4, 4), huge)
    st["big"] = np.zeros(1, np.float32)
    files["size_2pow32.pth"] = legacy_pth(state_pickle(sd), st)

    # Stride-0 views: each conv expands one stored float into a full layer; widths 1250 make 900 MB of output.
    sd, st = collections.OrderedDict(), collections.OrderedDict([("0", np.full(1, 0.01, np.float32))])
    one = Storage("0", 1)
    i, c_in = 0, 3
    for n in BLOCKS19:
        for _ in range(n):
            sd["features.%d.weight" % i] = Tensor(one, 0, (1250, c_in, 3, 3), (0, 0, 0, 0))
            sd["features.%d.bias" % i] = Tensor(one, 0, (1250,), (0,))
            i, c_in = i + 2, 1250
        i += 1
    files["stride0_expand.pth"] = legacy_pth(state_pickle(sd), st)

    # A 1.9 MB deflate bomb: storage 'bomb' inflates to ~1.9 GB of zeros; conv1_1.weight (4, 3, 3, 3) reads it
    # through strides that span the whole storage.
    numel = 490_000_000
    stride = (numel // 4 - 1, 1, 3, 1)
    bomb = Tensor(Storage("bomb", numel), 0, (4, 3, 3, 3), stride)
    sd, st = vgg19_state((4, 4, 4, 4, 4), bomb)
    storages = {k: v.astype("<f4").tobytes() for k, v in st.items()}
    body = state_pickle(sd)
    files["deflate_bomb.pth.gz"] = deflate_bomb_zip(body, storages, "bomb", numel * 4)
    return files


def deflate_bomb_zip(body, storages, key, nbytes):
    """A zip container whose storage `key` is `nbytes` of zeros, deflated (about 1000:1)."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_STORED, allowZip64=True) as z:
        z.writestr("archive/data.pkl", body)
        for k, data in storages.items():
            z.writestr("archive/data/" + k, data)
        info = zipfile.ZipInfo("archive/data/" + key)
        info.compress_type = zipfile.ZIP_DEFLATED
        with z.open(info, "w", force_zip64=True) as e:
            chunk = bytes(1 << 24)
            left = nbytes
            while left > 0:
                e.write(chunk[:min(left, len(chunk))])
                left -= len(chunk)
        z.writestr("archive/version", "3\n")
    return buf.getvalue()


def mat_cases():
    """A MAT v5 file of eight zlib-compressed 1 GB double arrays (about 1 MB each, compressed)."""
    header = b"MATLAB 5.0 MAT-file, hostile test".ljust(116, b" ") + bytes(8) + b"\x00\x01IM"
    elements = b""
    n = (1 << 30) // 8                                           # doubles in 1 GB
    for k in range(8):
        name = ("big%d" % k).encode()
        flags = struct.pack("<IIII", 6, 8, 6, 0)                 # miUINT32, 8 bytes: mxDOUBLE_CLASS
        dims = struct.pack("<IIii", 5, 8, n, 1)                  # miINT32, 8 bytes: n x 1
        nm = struct.pack("<II", 1, len(name)) + name.ljust(8, b"\0")
        real_tag = struct.pack("<II", 9, n * 8)                  # miDOUBLE, n*8 bytes
        head = flags + dims + nm + real_tag
        inner_len = len(head) + n * 8
        d = zlib.compressobj(9)
        comp = d.compress(struct.pack("<II", 14, inner_len) + head)
        zeros = bytes(1 << 24)
        for _ in range(n * 8 // len(zeros)):
            comp += d.compress(zeros)
        comp += d.flush()
        elements += struct.pack("<II", 15, len(comp)) + comp
    return {"eight_1gb_arrays.mat.gz": header + elements}


def h5_cases(tmp):
    files = {}
    p = os.path.join(tmp, "self_link.h5")
    with h5py.File(p, "w") as f:
        g = f.create_group("model_weights")
        g["loop"] = f["/"]                                     # a hard link back to the root group
        f["root"] = f["/"]
    files["self_link.h5"] = open(p, "rb").read()

    p = os.path.join(tmp, "unwritten_chunks.h5")
    with h5py.File(p, "w") as f:
        c_in = 3
        for b, n in enumerate((2, 2, 3, 3, 3), 1):           # a narrow Keras VGG16, no data ever written
            for i in range(1, n + 1):
                g = f.create_group("block%d_conv%d" % (b, i))
                g.create_dataset("kernel:0", shape=(3, 3, c_in, 4), chunks=(3, 3, c_in, 2), dtype="f4")
                g.create_dataset("bias:0", shape=(4,), chunks=(2,), dtype="f4")
                c_in = 4
    files["unwritten_chunks.h5"] = open(p, "rb").read()
    return files


SPARSE_BYTES = 12000 * 12000 * 9 * 4


def sparse_safetensors_header(f):
    header = ('{"__metadata__":{"arch":"vgg19","preprocess":"caffe","source":"hostile"},'
              '"conv1_1.weight":{"dtype":"F32","shape":[12000,12000,3,3],"data_offsets":[0,%d]}}' % SPARSE_BYTES).encode()
    header += b" " * (-len(header) % 8)
    f.write(struct.pack("<Q", len(header)) + header)
    return 8 + len(header)


def sparse_safetensors(path):
    """A safetensors file declaring conv1_1.weight of 12000x12000x3x3 float32 (5.2 GB), all of it a hole."""
    with open(path, "wb") as f:
        f.truncate(sparse_safetensors_header(f) + SPARSE_BYTES)


# --------------------------------------------------------------------------- fuzz seeds

def seeds(files):
    """Small seeds for each fuzz target: valid fixtures, and the crashers above (big ones cut or scaled down:
    each still fails, with the new code, on the same check)."""
    fixtures = os.path.join(REPO, "weights-converter", "src", "test", "resources", "fixtures")
    fixture = lambda name: open(os.path.join(fixtures, name), "rb").read()
    valid_zip = zipfile.ZipFile(io.BytesIO(fixture("vgg16_torchvision_zip.pth")))
    valid_pkl = valid_zip.read(next(n for n in valid_zip.namelist() if n.endswith("/data.pkl")))
    sparse_header = io.BytesIO()
    sparse_safetensors_header(sparse_header)
    sd, st = vgg19_state((4, 4, 4, 4, 4), Tensor(Storage("bomb", 4 << 20), 0, (4, 3, 3, 3), ((4 << 20) // 4 - 1, 1, 3, 1)))
    small_bomb = deflate_bomb_zip(state_pickle(sd), {k: v.astype("<f4").tobytes() for k, v in st.items()}, "bomb", 16 << 20)
    targets = {
        ("PickleFuzzTest", "unpickle"): {
            "valid_state_dict.pkl": valid_pkl, "self_key_list.pkl": self_key_pickle(),
            "deep_nesting.pkl": deep_pickle(5000), "shared_graph_key.pkl": shared_graph_key_pickle(50),
            "memo_key.pkl": memo_key_pickle(), "long4_16mb_cut.pkl": long4_protocol_file(16 << 20)[:1024]},
        ("TorchFuzzTest", "zipContainer"): {
            "vgg16_torchvision_zip.pth": fixture("vgg16_torchvision_zip.pth"), "evil_zip.pth": fixture("evil_zip.pth"),
            "deep_nesting.pth": files["deep_nesting.pth"], "deflate_bomb_16mb.pth": small_bomb},
        ("TorchFuzzTest", "legacyContainer"): {
            "vgg16_torchvision_legacy.pth": fixture("vgg16_torchvision_legacy.pth"), "evil_legacy.pth": fixture("evil_legacy.pth"),
            "self_key_list.pth": files["self_key_list.pth"], "shared_graph_key.pth": files["shared_graph_key.pth"],
            "memo_key.pth": files["memo_key.pth"], "size_2pow32.pth": files["size_2pow32.pth"],
            "stride0_expand.pth": files["stride0_expand.pth"], "long4_16mb_cut.pth": files["long4_protocol.pth.gz"][:1024]},
        ("MatFuzzTest", "mat"): {
            "vgg19_matconvnet.mat": fixture("vgg19_matconvnet.mat"),
            "eight_1gb_arrays_cut.mat": files["eight_1gb_arrays.mat.gz"][:4096]},
        ("KerasFuzzTest", "hdf5"): {
            "other_network.h5": fixture("other_network.h5"), "self_link.h5": files["self_link.h5"],
            "unwritten_chunks.h5": files["unwritten_chunks.h5"]},
    }
    for (cls, method), inputs in targets.items():
        d = os.path.join(SEEDS, cls + "Inputs", method)
        shutil.rmtree(d, ignore_errors=True)
        os.makedirs(d)
        for name, data in inputs.items():
            with open(os.path.join(d, name), "wb") as f:
                f.write(data)
    d = os.path.join(REPO, "engine", "src", "test", "resources", "nst", "engine", "SafeTensorsFuzzTestInputs", "safetensors")
    shutil.rmtree(d, ignore_errors=True)
    os.makedirs(d)
    shutil.copy(os.path.join(fixtures, "loss_vgg19.safetensors"), d)
    with open(os.path.join(d, "sparse_12000_header_only.safetensors"), "wb") as f:
        f.write(sparse_header.getvalue())


# --------------------------------------------------------------------------- output

def write(name, data):
    path = os.path.join(OUT, name)
    if name.endswith(".gz"):
        with gzip.open(path, "wb", compresslevel=9) as f:
            f.write(data)
    else:
        with open(path, "wb") as f:
            f.write(data)
    print("%-28s %9d bytes%s" % (name, os.path.getsize(path), " (%d unpacked)" % len(data) if name.endswith(".gz") else ""))


def main():
    if len(sys.argv) == 3 and sys.argv[1] == "--sparse":
        sparse_safetensors(os.path.join(sys.argv[2], "sparse_12000.safetensors"))
        return
    os.makedirs(OUT, exist_ok=True)
    import tempfile
    with tempfile.TemporaryDirectory() as tmp:
        files = {}
        files.update(torch_cases())
        files.update(mat_cases())
        files.update(h5_cases(tmp))
    for name, data in sorted(files.items()):
        write(name, data)
    seeds(files)


if __name__ == "__main__":
    main()
