#!/usr/bin/python3
"""AdaIN side by side (issue 15): nst --method adain against PyTorch running the same networks on the same cores.

For each size N (longest side): the bundled tubingen.jpg in the style of starry_night.jpg, both resized so their
longest side is N. nst: `nst stylize --method adain --weights random --backend simd --threads T` (seeded random
weights; the time is the one nst prints, image resizing + encoder + AdaIN + decoder, plus the whole process's wall
time). PyTorch: net.py's encoder (to relu4_1) and decoder (tools/make_adain_net_fixture.py), default init,
torch.set_num_threads(T), no_grad, the same image sizes; the time of the second of two runs (the first warms up).
Peak RSS of each process from /usr/bin/time -f %M. Prints a Markdown table.
Usage: bench/adain-side-by-side.sh [--sizes 512,1024] [--threads 2] [--heap 4g]
"""
import argparse
import os
import re
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

TORCH_RUN = r'''
import sys, time, torch, numpy as np
sys.path.insert(0, sys.argv[1] + "/tools")
from PIL import Image
import make_adain_net_fixture as f
n, threads = int(sys.argv[2]), int(sys.argv[3])
torch.set_num_threads(threads)
def load(p):
    im = Image.open(p).convert("RGB"); s = n / max(im.size)
    im = im.resize((max(1, round(im.size[0] * s)), max(1, round(im.size[1] * s))), Image.BICUBIC)
    return torch.from_numpy(np.asarray(im, dtype=np.float32) / 255).permute(2, 0, 1)[None].contiguous()
c, s = load(sys.argv[1] + "/examples/tubingen.jpg"), load(sys.argv[1] + "/examples/starry_night.jpg")
enc = torch.nn.Sequential(*list(f.vgg.children())[:31]).eval(); dec = f.decoder.eval()
times = []
with torch.no_grad():
    for _ in range(2):
        t0 = time.perf_counter()
        out = dec(f.adaptive_instance_normalization(enc(c), enc(s)))[:, :, :c.shape[2], :c.shape[3]].clamp(0, 1)
        times.append(time.perf_counter() - t0)
print("seconds", times[-1], "first", times[0], "size", c.shape[3], c.shape[2])
'''


def timed(cmd, env=None):
    with tempfile.NamedTemporaryFile("r", suffix=".time") as t:
        p = subprocess.run(["/usr/bin/time", "-f", "%e %M", "-o", t.name] + cmd, capture_output=True, text=True, env=env)
        wall, rss = t.read().split()[-2:]
    if p.returncode != 0:
        sys.exit("failed: " + " ".join(cmd) + "\n" + p.stdout + p.stderr)
    return p.stdout + p.stderr, float(wall), int(rss) / 1024


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", default="512,1024")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--heap", default="4g")
    ap.add_argument("--python", default=sys.executable)
    a = ap.parse_args()
    rows = []
    env = dict(os.environ, NST_JAVA_OPTS="-Xmx" + a.heap)
    for n in [int(x) for x in a.sizes.split(",")]:
        with tempfile.TemporaryDirectory() as d:
            out, wall, rss = timed([ROOT + "/nst", "stylize", "--method", "adain", "--weights", "random", "--backend", "simd",
                                    "--threads", str(a.threads), "--size", str(n), "--content", ROOT + "/examples/tubingen.jpg",
                                    "--style", ROOT + "/examples/starry_night.jpg", "--out", d + "/o.png"], env)
        m = re.search(r"wrote \S+ \((\d+)x(\d+)\) in ([0-9.]+) s", out)
        if not m:
            sys.exit("no timing in nst's output:\n" + out)
        nst_s = float(m.group(3))
        tout, twall, trss = timed([a.python, "-c", TORCH_RUN, ROOT, str(n), str(a.threads)])
        tm = re.search(r"seconds ([0-9.]+) first ([0-9.]+)", tout)
        torch_s = float(tm.group(1))
        rows.append((n, m.group(1) + "x" + m.group(2), nst_s, wall, rss, torch_s, twall, trss))
        print(f"{n}: nst {nst_s:.2f} s (process {wall:.1f} s, {rss:.0f} MiB); PyTorch {torch_s:.2f} s (process {twall:.1f} s, {trss:.0f} MiB)",
              file=sys.stderr)
    print(f"| size | image | nst s/image | nst process s | nst peak RSS | PyTorch s/image | PyTorch process s | PyTorch peak RSS | nst / PyTorch |")
    print("|---|---|---|---|---|---|---|---|---|")
    for n, dims, s, w, r, ts, tw, tr in rows:
        print(f"| {n} | {dims} | {s:.2f} | {w:.1f} | {r:.0f} MiB | {ts:.2f} | {tw:.1f} | {tr:.0f} MiB | {s / ts:.2f} |")


if __name__ == "__main__":
    main()
