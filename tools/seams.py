#!/usr/bin/env python3
"""Seam report for a tiled nst output: is the image's jump across the last round's tile borders within the
distribution of the jumps everywhere else? (The measure of engine/src/test/.../TilingTest, for full-size runs; TilingTest.seamNegativeControl shows it
catches an unblended paste.)

jump[x] = mean over rows and channels of |I(x) - I(x-1)| on the 8-bit PNG, likewise for rows. Tile borders are
worked out as nst lays them (engine TileGrid, mirrored here): overlap = max(4, tile/4), stride = tile - overlap, round r
shifted by floor(frac(r * 0.618...) * stride) in x and (that * 7 / 5) % stride in y.

Two measures are printed for the borders of the last round:
- global: the border's jump against the 98th percentile of all other jumps (TilingTest's measure). Informative only
  at full size: a border that happens to fall on a strong edge of the photo (a house front) tops it with no seam.
- local (the verdict): the border's jump divided by the median jump of the 8 lines on each side of it, against the
  same ratio everywhere else. A seam is a step at one line; a photo edge raises its neighbours too. With N borders
  on an axis each must be at or below the (1 - 0.02/N) quantile of the rest, so that a seam-free image fails with
  a chance of about 2 % per axis (testing 10 borders against the 98th percentile fails one in five seam-free images).
--inject K adds a K-level step (the right or lower side raised, clamped at 255) halfway between the two borders
nearest the middle, and the report must then find it: a negative control on the image itself.
Usage: tools/seams.py OUT.png --tile 512 --iterations 10 --tile-iterations 5 [--inject 2]
Standard library only (a small PNG reader for 8-bit RGB/RGBA, non-interlaced).
"""
import argparse
import math
import statistics
import struct
import sys
import zlib


def read_png(path):
    data = open(path, "rb").read()
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        sys.exit(f"seams: {path} is not a PNG")
    pos, idat, w = 8, b"", None
    while pos < len(data):
        n, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + n]
        if kind == b"IHDR":
            w, h, depth, ctype, _, _, interlace = struct.unpack(">IIBBBBB", body)
            if depth != 8 or ctype not in (2, 6) or interlace:
                sys.exit(f"seams: {path}: only 8-bit RGB/RGBA non-interlaced PNGs are read")
            bpp = 3 if ctype == 2 else 4
        elif kind == b"IDAT":
            idat += body
        pos += 12 + n
    raw = zlib.decompress(idat)
    stride = w * bpp
    rows, prev = [], bytearray(stride)
    for y in range(h):
        f = raw[y * (stride + 1)]
        line = bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        for i in range(stride):
            a = line[i - bpp] if i >= bpp else 0
            b = prev[i]
            c = prev[i - bpp] if i >= bpp else 0
            if f == 1: line[i] = (line[i] + a) & 255
            elif f == 2: line[i] = (line[i] + b) & 255
            elif f == 3: line[i] = (line[i] + (a + b) // 2) & 255
            elif f == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[i] = (line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
        rows.append(bytes(line))
        prev = line
    return w, h, bpp, rows


def tile_starts(length, n, stride, shift):
    if n >= length:
        return [0]
    p, s = set(), -shift
    while s < length - n:
        p.add(max(0, s))
        s += stride
    p.add(length - n)
    return sorted(p)


def borders(starts, n, length):
    b = set()
    for p in starts:
        if p > 0: b.add(p)
        if p + n < length: b.add(p + n)
    return b


def percentile(sorted_values, f):
    return sorted_values[min(len(sorted_values) - 1, int(math.floor(f * (len(sorted_values) - 1))))]


def report(what, jumps, bset):
    """Prints both measures; returns whether the local one finds every border within the rest's 98th percentile."""
    rest = sorted(v for i, v in enumerate(jumps) if i > 0 and i not in bset)
    worst = max((jumps[b] for b in bset), default=float("nan"))
    print(f"{what}, global: {len(bset)} tile borders, their jumps {' '.join(f'{b}:{jumps[b]:.2f}' for b in sorted(bset))}; "
          f"elsewhere median {percentile(rest, 0.5):.2f}, 98th percentile {percentile(rest, 0.98):.2f}, max {rest[-1]:.2f}; "
          f"worst border at percentile {100.0 * sum(v < worst for v in rest) / len(rest):.1f}")
    k = 8
    ratio = {i: jumps[i] / max(1e-9, statistics.median(jumps[i - k:i] + jumps[i + 1:i + 1 + k]))
             for i in range(k + 1, len(jumps) - k)}
    lrest = sorted(v for i, v in ratio.items() if i not in bset)
    inner = sorted(b for b in bset if b in ratio)
    level = 1 - 0.02 / max(1, len(inner))
    lq = percentile(lrest, level)
    print(f"{what}, local: border / neighbours {' '.join(f'{b}:{ratio[b]:.2f}' for b in inner)}; "
          f"elsewhere median {percentile(lrest, 0.5):.2f}, 98th percentile {percentile(lrest, 0.98):.2f}, "
          f"{100 * level:.1f}th percentile {lq:.2f}, max {lrest[-1]:.2f}; "
          f"worst border at percentile {100.0 * sum(v < max(ratio[b] for b in inner) for v in lrest) / len(lrest):.1f}")
    return all(ratio[b] <= lq for b in inner)


def inject_at(bset, length):
    """Halfway between the two consecutive borders nearest the middle."""
    b = sorted(bset | {0, length})
    pairs = sorted(zip(b, b[1:]), key=lambda p: abs((p[0] + p[1]) / 2 - length / 2))
    return (pairs[0][0] + pairs[0][1]) // 2


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("png")
    ap.add_argument("--tile", type=int, required=True)
    ap.add_argument("--iterations", type=int, required=True)
    ap.add_argument("--tile-iterations", type=int, default=10)
    ap.add_argument("--inject", type=int, default=0, metavar="K", help="negative control: add a K-level step")
    a = ap.parse_args()
    w, h, bpp, rows = read_png(a.png)
    n = a.tile
    stride = max(1, n - max(4, n // 4))
    last_round = max(0, math.ceil(a.iterations / a.tile_iterations) - 1)
    shift = int(math.floor(((last_round * 0.6180339887498949) % 1.0) * stride))
    tw, th = min(n, w), min(n, h)
    bx = borders(tile_starts(w, tw, stride, shift), tw, w)
    by = borders(tile_starts(h, th, stride, (shift * 7 // 5) % stride), th, h)
    col, row = [0.0] * w, [0.0] * h
    for y in range(h):
        r = rows[y]
        for x in range(1, w):
            i, j = x * bpp, (x - 1) * bpp
            col[x] += abs(r[i] - r[j]) + abs(r[i + 1] - r[j + 1]) + abs(r[i + 2] - r[j + 2])
        if y > 0:
            p = rows[y - 1]
            row[y] = sum(abs(r[x * bpp + c] - p[x * bpp + c]) for x in range(w) for c in range(3)) / (3 * w)
    col = [v / (3 * h) for v in col]
    print(f"{a.png}: {w}x{h}, tile {n}, last round {last_round} (shift {shift})")
    if a.inject:
        ix, iy = inject_at(bx, w), inject_at(by, h)
        up = lambda v: min(255, v + a.inject)
        col[ix] = sum(abs(up(rows[y][ix * bpp + c]) - rows[y][(ix - 1) * bpp + c]) for y in range(h) for c in range(3)) / (3 * h)
        row[iy] = sum(abs(up(rows[iy][x * bpp + c]) - rows[iy - 1][x * bpp + c]) for x in range(w) for c in range(3)) / (3 * w)
        bx, by = bx | {ix}, by | {iy}
        print(f"negative control: a {a.inject}-level step injected at column {ix} and row {iy} (counted as borders)")
    ok = report("columns", col, bx) & report("rows", row, by)
    if a.inject:
        print("the injected step was not found: the measure is too weak at this size" if ok
              else "the injected step was found (as it must be)")
        sys.exit(1 if ok else 0)
    print("no seam: every border's local ratio is within the rest's distribution" if ok
          else "SEAM: a border's local ratio is above the rest's distribution")
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
