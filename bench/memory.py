#!/usr/bin/env python3
"""Memory check: nst's own memory estimate against the measured peak RSS of direct (untiled) runs.

For each size, the workload of bench/side_by_side.py (VGG19 to relu5_1, random weights, content relu4_2, style
relu1_1..relu5_1, L-BFGS history 100, square content and style images of that size), run twice:
  1. with --memory-budget 1m, which makes nst refuse the run and print its estimate (MemoryEstimate.describe);
  2. for real, under -Xmx HEAP, for --iterations evaluations; peak resident memory from wait4 (ru_maxrss).
The estimate counts the live data (plan buffers, loss targets, weights, optimiser, images); the JVM's own memory
(code, metaspace, thread stacks, GC slack) is the difference. A run that does not fit its heap fails and says so.

Usage: bench/memory.sh [--sizes 512,1024,2048] [--heaps 2g,4g,12g] [--iterations 3] [--threads 2] [--out FILE.md]
(the shell wrapper builds the jar and finds a JDK 25).
"""
import argparse
import os
import re
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from side_by_side import CONTENT, STYLE, machine, run_child, synthetic, write_png  # noqa: E402


def nst_cmd(args, size, work, extra):
    return [args.nst, "stylize", "--content", os.path.join(work, "c.png"), "--style", os.path.join(work, "s.png"),
            "--out", os.path.join(work, f"out{size}.png"), "--size", str(size), "--weights", "random",
            "--model", "vgg19", "--pooling", "max", "--content-layers", ",".join(CONTENT),
            "--style-layers", ",".join(STYLE), "--iterations", str(args.iterations), "--optimizer", "lbfgs",
            "--history", str(args.history), "--threads", str(args.threads), "--backend", "simd", "--init", "content",
            "--seed", "0"] + extra


def estimate(args, size, work):
    code, _, err = run_child(nst_cmd(args, size, work, ["--memory-budget", "1m"]), dict(os.environ, NST_JAVA_OPTS="-Xmx1g"))
    m = re.search(r"needs about (\d+) MiB at \d+x\d+ \(([^)]*)\)", err)
    if code == 0 or not m:
        sys.exit(f"memory: expected nst to refuse a 1 MiB budget at {size} px and print its estimate; exit {code}:\n{err}")
    return int(m.group(1)), m.group(2)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--sizes", default="512,1024,2048")
    ap.add_argument("--heaps", default="2g,4g,12g", help="-Xmx per size (one value: the same for all)")
    ap.add_argument("--iterations", type=int, default=3)
    ap.add_argument("--history", type=int, default=100)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--nst", default=os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "nst"))
    ap.add_argument("--out", help="also write the Markdown table here")
    args = ap.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    heaps = args.heaps.split(",")
    if len(heaps) == 1:
        heaps = heaps * len(sizes)
    if len(heaps) != len(sizes):
        sys.exit("memory: --heaps needs one value or one per size")
    rows = []
    with tempfile.TemporaryDirectory(prefix="nst-mem-") as work:
        # 512 px inputs, resized by nst to each size (content and style both: --style-scale 1)
        write_png(os.path.join(work, "c.png"), 512, synthetic(512, 1))
        write_png(os.path.join(work, "s.png"), 512, synthetic(512, 2))
        for size, heap in zip(sizes, heaps):
            est, parts = estimate(args, size, work)
            print(f"[{size} px] estimate {est} MiB ({parts}); running under -Xmx{heap} ...", file=sys.stderr, flush=True)
            t0 = time.time()
            code, rss, err = run_child(nst_cmd(args, size, work, []), dict(os.environ, NST_JAVA_OPTS=f"-Xmx{heap}"))
            secs = time.time() - t0
            status = "ok" if code == 0 else "failed: " + (err.strip().splitlines() or ["exit %d" % code])[-1][:120]
            rows.append((size, est, parts, heap, rss, secs, status))
            print(f"[{size} px] peak RSS {rss:.0f} MiB, {secs:.0f} s, {status}", file=sys.stderr, flush=True)
    lines = [f"Machine: {machine()}; {args.threads} threads; VGG19 to relu5_1, random weights, L-BFGS history "
             f"{args.history}, {args.iterations} iterations, backend simd.", "",
             "| size | estimate | -Xmx | peak RSS | RSS − estimate | wall | run | estimate's parts |",
             "|---:|---:|---:|---:|---:|---:|---|---|"]
    for size, est, parts, heap, rss, secs, status in rows:
        lines.append(f"| {size}×{size} | {est} MiB | {heap} | {rss:.0f} MiB | {rss - est:+.0f} MiB | {secs:.0f} s | {status} | {parts} |")
    text = "\n".join(lines)
    print(text)
    if args.out:
        tmp = args.out + ".tmp"
        with open(tmp, "w") as f:
            f.write(text + "\n")
        os.replace(tmp, args.out)


if __name__ == "__main__":
    main()
