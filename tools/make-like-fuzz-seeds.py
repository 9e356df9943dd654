#!/usr/bin/env python3
"""Writes the seed corpus of app/src/test/java/nst/app/LikeFuzzTest (the --like metadata parser, issue 13).

recordedOptions/: nst:options lines as text (a real one, and the hostile cases of issue 13).
likePng/: small PNGs whose tEXt/zTXt/iTXt chunks carry such lines, a truncated one and a file that is no PNG.
Standard library only: python3 tools/make-like-fuzz-seeds.py (from the repository root).
"""
import os
import struct
import zlib

BASE = "app/src/test/resources/nst/app/LikeFuzzTestInputs"

REAL = ("--content /work/examples/tubingen.jpg --style /work/examples/starry_night.jpg --size 32 --weights random --model vgg19"
        " --pooling max --iterations 2 --optimizer lbfgs --learning-rate 1.0 --history 100 --content-weight 1.0"
        " --style-weight 1000000.0 --tv-weight 1.0E-5 --content-layers relu2_1 --style-layers relu1_1,relu2_1 --init noise"
        " --seed 7 --preserve-colors histogram --style-scale 0.75 --tile 0 --tile-iterations 10 --normalize-gradients"
        " --threads 1 --backend scalar")
LINES = {
    "real": REAL,
    "device": "--content /dev/zero --style /dev/stdin --size 32",
    "outputs": "--loss-log /tmp/precious --save-every 1 --out /tmp/x.png --like /tmp/y.png --quiet",
    "machine": "--threads 1 --backend opencl:7 --memory-budget 1k",
    "quote": "--size '32",
    "quoted": "--content '/tmp/a b'\\''c.png' --style-blend 1,3.5 --scales 48,96",
    "no-value": "--weights --size",
    "at-file": "--seed @/etc/passwd --content-layers @x",
    "negated": "--no-normalize-gradients --original-colors",
    "unknown": "--rm-rf /",
    "numbers": "--size 99999999999 --iterations -1 --learning-rate NaN --tv-weight Infinity --memory-budget 8e30g",
}


def chunk(kind, data):
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)


def png(text_chunks):
    w = h = 4
    raw = b"".join(b"\x00" + b"\x80" * w for _ in range(h))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 0, 0, 0, 0))
            + b"".join(text_chunks) + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))


def text(key, value):
    return chunk(b"tEXt", key.encode("latin-1") + b"\x00" + value.encode("latin-1"))


def write(folder, name, data):
    os.makedirs(os.path.join(BASE, folder), exist_ok=True)
    with open(os.path.join(BASE, folder, name), "wb") as f:
        f.write(data)


for name, line in LINES.items():
    write("recordedOptions", name, line.encode("utf-8"))
    write("likePng", name + ".png", png([text("Software", "nst"), text("nst:options", line)]))
write("likePng", "ztxt.png", png([chunk(b"zTXt", b"nst:options\x00\x00" + zlib.compress(REAL.encode()))]))
write("likePng", "itxt.png", png([chunk(b"iTXt", b"nst:options\x00\x00\x00\x00\x00" + "--size 32 --content é".encode("utf-8"))]))
write("likePng", "no-options.png", png([text("Software", "nst")]))
write("likePng", "truncated.png", png([text("nst:options", REAL)])[:60])
write("likePng", "not-a-png.png", b"this is text, not a PNG")
