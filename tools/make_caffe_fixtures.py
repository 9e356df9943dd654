#!/usr/bin/python3
"""Caffe fixtures for the weights-converter tests: tiny VGG16 .caffemodel files written by real protobuf,
hostile variants of them, and a sample of every protobuf wire type. Leaves out the narrow VGG16/VGG19
models that every format shares (tools/make_converter_fixtures.py writes those).

What it writes (weights-converter/src/test/resources/fixtures/caffe/)
--------------------------------------------------------------------
* ``tiny_vgg16.caffemodel`` (``layer``, BlobShape) and ``tiny_vgg16_v1.caffemodel`` (V1 ``layers``, legacy
  num/channels/height/width): every block one channel wide, random weights; both convert, and so do
  ``tiny_vgg16_double.caffemodel`` (the same values in ``double_data``) and
  ``tiny_vgg16_v1_unpacked.caffemodel`` (the V1 model with one 32-bit field per value, written by hand).
* Well-formed protobuf, implausible content: ``dim_2pow40`` (conv1_1's weights declare a first dimension
  of 2^40), ``too_many_elements`` (4096 x 4096 x 3 x 3), ``negative_dim`` (legacy num = -1),
  ``data_count_mismatch`` (26 values for a 1x3x3x3 shape).
* Malformed wire format, each the tiny model followed by a broken ``layer`` field or with one field
  broken: ``truncated_varint``, ``overlong_varint`` (11 continuation bytes), ``length_beyond_file``,
  ``negative_length`` (2^64 - 1, -1 as a signed length), ``blob_beyond_layer`` (a blob's length runs past
  its layer's end but not past the file's), ``deep_groups`` (100,000 start-group tags),
  ``wrong_wire_type_name`` (a layer whose name, field 1, is a varint), ``wrong_wire_type_blob`` (an extra
  conv layer conv6_1 whose blob shape is a varint).
* ``wire_sample.bin``: a ``nsttest.WireSample`` (tools/wire_sample.proto) with one field of every wire
  type except groups, and ``wire_group.bin``: one with its group field set.

It copies every .caffemodel into the Jazzer seed corpus of CaffeFuzzTest
(src/test/resources/nst/convert/CaffeFuzzTestInputs/fuzz/).

Run from the repository root with the distribution's interpreter (python3-protobuf, protobuf-compiler)::

    /usr/bin/python3 tools/make_caffe_fixtures.py

``--fullsize PATH`` writes instead a real-size VGG19 in the layout of VGG_ILSVRC_19_layers.caffemodel (V1
``layers``, legacy 4-D blobs, fc6/fc7/fc8 included: about 548 MB) with random conv weights and zero fully
connected ones, written field by field (numpy's bytes, not protobuf's Python objects), to measure a
conversion: ``java -Xmx32m ... nst.convert.FullSizeProbe PATH out.safetensors``.

Deterministic: fixed seed; protobuf writes fields in field-number order.
"""

import os
import random
import shutil
import struct
import subprocess
import sys
import tempfile

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TEST = os.path.join(REPO, "weights-converter", "src", "test", "resources")
OUT = os.path.join(TEST, "fixtures", "caffe")
SEEDS = os.path.join(TEST, "nst", "convert", "CaffeFuzzTestInputs", "fuzz")
VGG16_BLOCKS = (2, 2, 3, 3, 3)


def compiled(*protos):
    """Python modules for the .proto files in tools/, compiled by protoc into a temporary directory."""
    d = tempfile.mkdtemp(prefix="nst-proto-")
    tools = os.path.join(REPO, "tools")
    subprocess.check_call(["protoc", "--proto_path=" + tools, "--python_out=" + d]
                          + [os.path.join(tools, p) for p in protos])
    sys.path.insert(0, d)
    import caffe_subset_pb2
    import wire_sample_pb2
    return caffe_subset_pb2, wire_sample_pb2


# ----------------------------------------------------------------------------- raw wire format

def varint(n):
    n &= (1 << 64) - 1  # negative numbers as protobuf writes them: 64-bit two's complement
    out = bytearray()
    while True:
        b = n & 0x7F
        n >>= 7
        if n:
            out.append(b | 0x80)
        else:
            out.append(b)
            return bytes(out)


def tag(field, wire_type):
    return varint(field << 3 | wire_type)


LAYER = 100  # NetParameter.layer


# ----------------------------------------------------------------------------- tiny VGG16

def tiny_net(pb, v1, edit=None):
    """A VGG16 whose every conv is one channel wide (conv1_1 takes 3), plus relu/pool layers and a small fc.
    edit(conv_name, weight_blob) may change a blob after it is filled."""
    rng = random.Random(7)
    net = pb.NetParameter()
    net.name = "tiny_vgg16"
    layers = net.layers if v1 else net.layer
    for b, n in enumerate(VGG16_BLOCKS, 1):
        for i in range(1, n + 1):
            name = "conv%d_%d" % (b, i)
            conv = layers.add()
            conv.name = name
            conv.type = pb.V1LayerParameter.CONVOLUTION if v1 else "Convolution"
            shapes = ((1, 3 if name == "conv1_1" else 1, 3, 3), (1,))
            for k, shape in enumerate(shapes):
                blob = conv.blobs.add()
                if v1:
                    blob.num, blob.channels, blob.height, blob.width = (shape if len(shape) == 4 else (1, 1, 1) + shape)
                else:
                    blob.shape.dim.extend(shape)
                count = 1
                for d in shape:
                    count *= d
                blob.data.extend(rng.uniform(-1, 1) for _ in range(count))
                if edit and (k == 0 or edit is as_doubles):
                    edit(name, blob)
            relu = layers.add()
            relu.name = "relu%d_%d" % (b, i)
            relu.type = pb.V1LayerParameter.RELU if v1 else "ReLU"
        pool = layers.add()
        pool.name = "pool%d" % b
        pool.type = pb.V1LayerParameter.POOLING if v1 else "Pooling"
    fc = layers.add()
    fc.name = "fc6"
    fc.type = pb.V1LayerParameter.INNER_PRODUCT if v1 else "InnerProduct"
    blob = fc.blobs.add()
    if v1:
        blob.num, blob.channels, blob.height, blob.width = 1, 1, 4, 49
    else:
        blob.shape.dim.extend((4, 49))
    blob.data.extend(rng.uniform(-1, 1) for _ in range(4 * 49))
    return net.SerializeToString()


def as_doubles(name, blob):
    """The values in double_data instead of data (each float32 value, exactly)."""
    values = list(blob.data)
    del blob.data[:]
    blob.double_data.extend(values)


def unpacked_v1(pb, model):
    """The V1 model written field by field by hand, each data value its own 32-bit field (wire type 5)
    instead of one packed field, as protobuf readers must also accept."""
    net = pb.NetParameter.FromString(model)
    out = text(1, net.name.encode())
    for layer in net.layers:
        inner = b""
        for blob in layer.blobs:
            b = b"".join(tag(f, 0) + varint(getattr(blob, a)) for f, a in ((1, "num"), (2, "channels"), (3, "height"), (4, "width")))
            b += b"".join(tag(5, 5) + struct.pack("<f", v) for v in blob.data)
            inner += tag(6, 2) + varint(len(b)) + b
        inner += text(4, layer.name.encode()) + tag(5, 0) + varint(layer.type)
        out += tag(2, 2) + varint(len(inner)) + inner
    return out


def conv1_1(edit):
    """Applies edit to conv1_1's weight blob only."""
    return lambda name, blob: edit(blob) if name == "conv1_1" else None


def set_dims(*dims):
    def edit(blob):
        del blob.shape.dim[:]
        blob.shape.dim.extend(dims)
    return edit


def drop_last_value(blob):
    del blob.data[-1]


def negative_num(blob):
    blob.num = -1


def layer(*fields):
    """A NetParameter.layer field holding the given raw fields."""
    inner = b"".join(fields)
    return tag(LAYER, 2) + varint(len(inner)) + inner


def text(field, s):
    return tag(field, 2) + varint(len(s)) + s


def wrong_wire_type_blob():
    """A conv layer conv6_1 whose two blobs' shape (BlobProto field 7, a message) is written as the varint 1."""
    blob = tag(7, 0) + varint(1)
    return layer(text(1, b"conv6_1"), text(2, b"Convolution"), (tag(7, 2) + varint(len(blob)) + blob) * 2)


def blob_beyond_layer():
    """A layer of 8 bytes whose blob field (7) declares 200 bytes; 300 more bytes follow in the file."""
    return layer(tag(7, 2) + varint(200) + b"\0" * 5) + b"\0" * 300


def fullsize(path):
    """VGG19 at real widths, V1 layers as the original Caffe file has them, written without holding it."""
    import numpy as np
    rng = np.random.default_rng(19)
    widths, blocks = (64, 128, 256, 512, 512), (2, 2, 4, 4, 4)

    def blob(shape4, values):
        legacy = b"".join(tag(f, 0) + varint(d) for f, d in zip((1, 2, 3, 4), shape4))
        data = values.astype("<f4").tobytes()
        return legacy + tag(5, 2) + varint(len(data)) + data

    def v1_layer(name, kind, blobs):
        inner = b"".join(tag(6, 2) + varint(len(b)) + b for b in blobs) + text(4, name.encode()) + tag(5, 0) + varint(kind)
        return tag(2, 2) + varint(len(inner)) + inner

    convolution, inner_product = 4, 14
    with open(path, "wb") as f:
        f.write(text(1, b"VGG_ILSVRC_19_layers"))
        cin = 3
        for b, n in enumerate(blocks, 1):
            for i in range(1, n + 1):
                o = widths[b - 1]
                w = rng.standard_normal((o, cin, 3, 3), dtype=np.float32) * 0.01
                bias = rng.standard_normal(o, dtype=np.float32) * 0.01
                f.write(v1_layer("conv%d_%d" % (b, i), convolution, [blob((o, cin, 3, 3), w), blob((1, 1, 1, o), bias)]))
                cin = o
        for name, fin, fout in (("fc6", 512 * 49, 4096), ("fc7", 4096, 4096), ("fc8", 4096, 1000)):
            f.write(v1_layer(name, inner_product, [blob((1, 1, fout, fin), np.zeros(fout * fin, np.float32)),
                                                   blob((1, 1, 1, fout), np.zeros(fout, np.float32))]))
    print("wrote", path, os.path.getsize(path), "bytes")


def write(name, data):
    with open(os.path.join(OUT, name), "wb") as f:
        f.write(data)


def main():
    os.makedirs(OUT, exist_ok=True)
    pb, ws = compiled("caffe_subset.proto", "wire_sample.proto")
    tiny = tiny_net(pb, v1=False)
    write("tiny_vgg16.caffemodel", tiny)
    write("tiny_vgg16_v1.caffemodel", tiny_net(pb, v1=True))
    write("tiny_vgg16_double.caffemodel", tiny_net(pb, False, as_doubles))
    write("tiny_vgg16_v1_unpacked.caffemodel", unpacked_v1(pb, tiny_net(pb, v1=True)))
    write("dim_2pow40.caffemodel", tiny_net(pb, False, conv1_1(set_dims(1 << 40, 3, 3, 3))))
    write("too_many_elements.caffemodel", tiny_net(pb, False, conv1_1(set_dims(4096, 4096, 3, 3))))
    write("negative_dim.caffemodel", tiny_net(pb, True, conv1_1(negative_num)))
    write("data_count_mismatch.caffemodel", tiny_net(pb, False, conv1_1(drop_last_value)))
    write("truncated_varint.caffemodel", tiny + tag(LAYER, 2) + b"\x80")
    write("overlong_varint.caffemodel", tiny + tag(LAYER, 2) + b"\xff" * 11 + b"\x01")
    write("length_beyond_file.caffemodel", tiny + tag(LAYER, 2) + varint(1000) + b"\0" * 10)
    write("negative_length.caffemodel", tiny + tag(LAYER, 2) + varint(-1) + b"\0" * 10)
    write("blob_beyond_layer.caffemodel", tiny + blob_beyond_layer())
    write("deep_groups.caffemodel", tiny + tag(1, 3) * 100000)
    write("wrong_wire_type_name.caffemodel", tiny + layer(tag(1, 0) + varint(5)))
    write("wrong_wire_type_blob.caffemodel", tiny + wrong_wire_type_blob())

    sample = ws.WireSample(small=1, negative=-2, max=(1 << 64) - 1, f64=0x0123456789ABCDEF, d=-0.1,
                           text="conv1_1 µ", packed=[1.5, -2.25, 3e-38], unpacked=[0.5, -0.0], f32=0xDEADBEEF)
    sample.child.small = 42
    sample.child.text = "inner"
    write("wire_sample.bin", sample.SerializeToString())
    write("wire_group.bin", ws.WireSample(small=3, legacy=ws.WireSample.Legacy(x=5)).SerializeToString())

    os.makedirs(SEEDS, exist_ok=True)
    for f in sorted(os.listdir(OUT)):
        if f.endswith(".caffemodel"):
            shutil.copyfile(os.path.join(OUT, f), os.path.join(SEEDS, f))
    print("wrote", OUT, "and", SEEDS)


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "--fullsize":
        fullsize(sys.argv[2])
    else:
        main()
