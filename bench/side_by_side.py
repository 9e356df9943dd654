#!/usr/bin/env python3
"""Side-by-side benchmark: one Gatys loss evaluation in nst and in PyTorch, on the same cores, in one run.

The workload (issue 4): VGG19 cut after relu5_1 with random weights, content loss at relu4_2, style losses
at relu1_1, relu2_1, relu3_1, relu4_1, relu5_1, TV loss; forward and backward to the image only (no weight
gradients); L-BFGS (history 100, strong Wolfe). Each engine runs in its own process on square images of
each size; the first --warmup evaluations are discarded and the next --evals are timed. Seconds per
evaluation come from each engine's own per-evaluation timestamps (nst: its --loss-log; PyTorch: the
closure), so process start, weight set-up and the target pass are not counted in either. Peak resident
memory is the child's ru_maxrss from wait4, for both.

Optional third engine, dl4j: Deeplearning4j (SameDiff on ND4J's native CPU backend, nst.bench.dl4j.Dl4jWorker,
built by the bench module's -Pdl4j profile, which the shell wrapper runs when --engines names dl4j). It computes
the same loss and gradient to the image, but steps by plain gradient descent (DL4J has no L-BFGS over a tensor):
its seconds per evaluation leave out L-BFGS's own vector work, which the other two include.

Usage: bench/side-by-side.sh [--sizes 512,256] [--evals 20] [--warmup 3] [--threads 2] [--nst-backend simd]
       [--nst-jvm "JVM options"] [--engines nst,torch[,dl4j]] [--label TEXT] [--out FILE.md]
(the shell wrapper builds the jar and finds a JDK 25; this script needs python3-torch and python3-torchvision).
"""
import argparse
import csv
import os
import platform
import struct
import subprocess
import sys
import tempfile
import time
import zlib

# VGG19 feature indices (torchvision numbering) of the layers in use; relu5_1 = 29 is the deepest.
TORCH_LAYERS = {"relu1_1": 1, "relu2_1": 6, "relu3_1": 11, "relu4_1": 20, "relu4_2": 22, "relu5_1": 29}
CONTENT = ["relu4_2"]
STYLE = ["relu1_1", "relu2_1", "relu3_1", "relu4_1", "relu5_1"]


# ---------------------------------------------------------------- inputs (no PIL on the machine: PNG by hand)

def synthetic(size, seed):
    """A deterministic (size, size, 3) uint8 image with structure at several scales (bytes, row-major RGB)."""
    import math
    import random
    rnd = random.Random(seed)
    waves = [(rnd.uniform(0.5, 12), rnd.uniform(0.5, 12), rnd.uniform(0, 6.3)) for _ in range(6)]
    out = bytearray(size * size * 3)
    i = 0
    for y in range(size):
        for x in range(size):
            u, v = x / size, y / size
            for c in range(3):
                fx, fy, ph = waves[(c * 2) % 6]
                gx, gy, ph2 = waves[(c * 2 + 1) % 6]
                s = 0.5 + 0.25 * math.sin(6.283 * (fx * u + fy * v) + ph) + 0.2 * math.cos(6.283 * (gx * u - gy * v) + ph2)
                out[i] = max(0, min(255, int(255 * s + rnd.uniform(-12, 12))))
                i += 1
    return bytes(out)


def write_png(path, size, rgb):
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
    raw = b"".join(b"\x00" + rgb[y * size * 3:(y + 1) * size * 3] for y in range(size))
    with open(path, "wb") as f:
        f.write(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", size, size, 8, 2, 0, 0, 0))
                + chunk(b"IDAT", zlib.compress(raw, 6)) + chunk(b"IEND", b""))


# ---------------------------------------------------------------- PyTorch worker (runs in its own process)

def torch_worker(args):
    import torch
    import torchvision
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    size = args.size
    # Only the convolutional part is built: vgg19() would also initialise the 120 M-parameter classifier,
    # which this workload never uses but which would count in PyTorch's peak memory.
    from torchvision.models.vgg import cfgs, make_layers
    features = make_layers(cfgs["E"])[:TORCH_LAYERS["relu5_1"] + 1].eval()
    for p in features.parameters():
        p.requires_grad_(False)
    wanted = {i: name for name, i in TORCH_LAYERS.items()}
    mean = torch.tensor([0.485, 0.456, 0.406]).view(1, 3, 1, 1)
    std = torch.tensor([0.229, 0.224, 0.225]).view(1, 3, 1, 1)

    def image(seed):
        t = torch.frombuffer(bytearray(synthetic(size, seed)), dtype=torch.uint8).float() / 255
        return t.view(size, size, 3).permute(2, 0, 1).unsqueeze(0).contiguous()

    def feats(x):
        out, h = {}, (x - mean) / std
        for i, m in enumerate(features):
            h = m(h)
            if i in wanted:
                out[wanted[i]] = h
        return out

    def gram(f):
        _, c, hh, ww = f.shape
        m = f.reshape(c, hh * ww)
        return (m @ m.t()) / (c * hh * ww)

    content, style = image(1), image(2)
    with torch.no_grad():
        ct = {l: f.clone() for l, f in feats(content).items() if l in CONTENT}
        st = {l: gram(f) for l, f in feats(style).items() if l in STYLE}
    x = content.clone().requires_grad_(True)
    need = args.warmup + args.evals + 1
    opt = torch.optim.LBFGS([x], lr=1, max_iter=need, max_eval=need, history_size=100,
                            tolerance_grad=0, tolerance_change=0, line_search_fn="strong_wolfe")
    stamps = []
    t0 = time.perf_counter()

    def closure():
        opt.zero_grad()
        f = feats(x)
        lc = sum(((f[l] - ct[l]) ** 2).mean() for l in CONTENT)
        ls = sum(((gram(f[l]) - st[l]) ** 2).mean() for l in STYLE)
        dy = x[:, :, 1:, :] - x[:, :, :-1, :]
        dx = x[:, :, :, 1:] - x[:, :, :, :-1]
        loss = 1.0 * lc + 1e6 * ls + 1e-4 * ((dy * dy).sum() + (dx * dx).sum())
        loss.backward()
        stamps.append(time.perf_counter() - t0)
        return loss

    opt.step(closure)
    with open(args.stamps, "w") as f:
        f.write("\n".join(repr(s) for s in stamps))


# ---------------------------------------------------------------- driver

def run_child(cmd, env=None):
    """Runs cmd, returns (exit code, peak RSS in MiB, stderr tail). ru_maxrss from wait4 covers its children."""
    with tempfile.TemporaryFile() as err:
        p = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=err, env=env)
        _, status, usage = os.wait4(p.pid, 0)
        p.returncode = os.waitstatus_to_exitcode(status)
        err.seek(0)
        tail = err.read().decode(errors="replace")[-2000:]
    return p.returncode, usage.ru_maxrss / 1024.0, tail


def per_eval(stamps, warmup, evals, who):
    if len(stamps) < warmup + evals + 1:
        sys.exit(f"side-by-side: {who} made only {len(stamps)} evaluations, {warmup + evals + 1} needed")
    return (stamps[warmup + evals] - stamps[warmup]) / evals


def nst_run(args, size, work):
    content, style = os.path.join(work, f"c{size}.png"), os.path.join(work, f"s{size}.png")
    log, out = os.path.join(work, f"nst{size}.csv"), os.path.join(work, f"nst{size}.png")
    cmd = [args.nst, "stylize",
           "--content", content, "--style", style, "--out", out, "--size", str(size), "--weights", "random",
           "--model", "vgg19", "--pooling", "max", "--content-layers", ",".join(CONTENT),
           "--style-layers", ",".join(STYLE), "--iterations", str(args.warmup + args.evals),
           "--optimizer", "lbfgs", "--history", "100", "--threads", str(args.threads),
           "--backend", args.nst_backend, "--loss-log", log, "--init", "content", "--seed", "0"]
    env = dict(os.environ)
    if args.nst_jvm:
        env["NST_JAVA_OPTS"] = args.nst_jvm
    code, rss, err = run_child(cmd, env)
    if code != 0:
        sys.exit(f"side-by-side: nst failed (exit {code}):\n{err}")
    with open(log) as f:
        stamps = [float(r["seconds"]) for r in csv.DictReader(f)]
    return per_eval(stamps, args.warmup, args.evals, "nst"), rss


def torch_run(args, size, work):
    stamps_file = os.path.join(work, f"torch{size}.txt")
    cmd = [sys.executable, os.path.abspath(__file__), "--worker", "torch", "--size", str(size),
           "--threads", str(args.threads), "--warmup", str(args.warmup), "--evals", str(args.evals),
           "--stamps", stamps_file]
    env = dict(os.environ, OMP_NUM_THREADS=str(args.threads), MKL_NUM_THREADS=str(args.threads))
    code, rss, err = run_child(cmd, env)
    if code != 0:
        sys.exit(f"side-by-side: PyTorch failed (exit {code}):\n{err}")
    with open(stamps_file) as f:
        stamps = [float(s) for s in f.read().split()]
    return per_eval(stamps, args.warmup, args.evals, "PyTorch"), rss


def dl4j_run(args, size, work):
    """The DL4J worker on the PNGs nst reads; its classes and libraries come from the bench module's -Pdl4j build."""
    root = os.path.join(os.path.dirname(os.path.abspath(__file__)))
    classes, lib = os.path.join(root, "target", "classes"), os.path.join(root, "target", "dl4j-lib")
    if not os.path.isfile(os.path.join(classes, "nst", "bench", "dl4j", "Dl4jWorker.class")) or not os.path.isdir(lib):
        sys.exit("side-by-side: the DL4J worker is not built: ./mvnw -q -B -Pdl4j -pl bench -am -DskipTests compile")
    stamps_file = os.path.join(work, f"dl4j{size}.txt")
    cmd = [args.java, "--enable-native-access=ALL-UNNAMED", "-Xmx2g",
           "-Dorg.bytedeco.javacpp.maxbytes=16g", "-Dorg.bytedeco.javacpp.maxphysicalbytes=20g",
           "-cp", classes + os.pathsep + os.path.join(lib, "*"), "nst.bench.dl4j.Dl4jWorker",
           str(size), str(args.threads), str(args.warmup + args.evals + 1),
           os.path.join(work, f"c{size}.png"), os.path.join(work, f"s{size}.png"), stamps_file]
    env = dict(os.environ, OMP_NUM_THREADS=str(args.threads), OPENBLAS_NUM_THREADS=str(args.threads),
               MKL_NUM_THREADS=str(args.threads))
    code, rss, err = run_child(cmd, env)
    if code != 0:
        sys.exit(f"side-by-side: DL4J failed (exit {code}):\n{err}")
    with open(stamps_file) as f:
        stamps = [float(s) for s in f.read().split()]
    return per_eval(stamps, args.warmup, args.evals, "DL4J"), rss


def commit():
    try:
        r = subprocess.run(["git", "-C", os.path.dirname(os.path.abspath(__file__)), "log", "-1", "--format=%h %cs"],
                           capture_output=True, text=True, timeout=10)
        return r.stdout.strip() or "unknown commit"
    except (OSError, subprocess.SubprocessError):
        return "unknown commit"


def machine():
    cpu = "unknown CPU"
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
        with open("/proc/cpuinfo") as f:
            flags = next((l for l in f if l.startswith("flags")), "")
        isa = "AVX-512" if " avx512f" in flags else "AVX2+FMA" if " avx2" in flags and " fma" in flags else "no AVX2"
    except OSError:
        isa = "?"
    return f"{cpu}, {os.cpu_count()} logical CPUs, {isa}, {platform.system()} {platform.release()}"


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--sizes", default="512,256")
    ap.add_argument("--evals", type=int, default=20)
    ap.add_argument("--warmup", type=int, default=3)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--nst-backend", default="simd")
    ap.add_argument("--nst-jvm", default="", help="JVM options for nst (NST_JAVA_OPTS of the launcher)")
    ap.add_argument("--nst", default=os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "nst"),
                    help="the nst launcher (it execs the JVM, so wait4 sees the JVM's own peak RSS)")
    ap.add_argument("--java", default=os.environ.get("NST_JAVA", "java"), help="the JDK's java, for the version line")
    ap.add_argument("--engines", default="nst,torch", help="comma-separated: nst, torch, dl4j")
    ap.add_argument("--label", default="", help="a line put above the table (e.g. which nst it measures)")
    ap.add_argument("--out", help="also write the Markdown table here")
    ap.add_argument("--worker", help=argparse.SUPPRESS)
    ap.add_argument("--size", type=int, help=argparse.SUPPRESS)
    ap.add_argument("--stamps", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.worker == "torch":
        return torch_worker(args)
    if args.evals < 1 or args.warmup < 0:
        sys.exit("side-by-side: --evals must be ≥ 1 and --warmup ≥ 0")
    sizes = [int(s) for s in args.sizes.split(",")]
    engines = args.engines.split(",")
    unknown = [e for e in engines if e not in ("nst", "torch", "dl4j")]
    if unknown:
        sys.exit(f"side-by-side: unknown engine {unknown[0]!r}; known: nst, torch, dl4j")
    import torch
    rows = []
    with tempfile.TemporaryDirectory(prefix="nst-sbs-") as work:
        for size in sizes:
            write_png(os.path.join(work, f"c{size}.png"), size, synthetic(size, 1))
            write_png(os.path.join(work, f"s{size}.png"), size, synthetic(size, 2))
            n = t = d = None
            if "nst" in engines:
                print(f"[{size} px] nst ({args.nst_backend}) ...", file=sys.stderr, flush=True)
                n = nst_run(args, size, work)
            if "torch" in engines:
                print(f"[{size} px] PyTorch ...", file=sys.stderr, flush=True)
                t = torch_run(args, size, work)
            if "dl4j" in engines:
                print(f"[{size} px] DL4J ...", file=sys.stderr, flush=True)
                d = dl4j_run(args, size, work)
            rows.append((size, n, t, d))
    fmt = lambda v, f: "–" if v is None else f.format(v)
    dl4j = "dl4j" in engines
    lines = ([args.label, ""] if args.label else []) + [
             f"Machine: {machine()}; {args.threads} threads; VGG19 to relu5_1, random weights, "
             f"{args.evals} L-BFGS evaluations after {args.warmup} warm-up; nst {commit()}, backend {args.nst_backend}, "
             f"Java {subprocess.run([args.java, '-version'], capture_output=True, text=True).stderr.split(chr(10))[0]}; "
             f"PyTorch {torch.__version__} ({'oneDNN' if torch.backends.mkldnn.is_available() else 'no oneDNN'})"
             + ("; DL4J 1.0.0-M2.1 (SameDiff, nd4j-native linux-x86_64-avx2), gradient steps instead of L-BFGS." if dl4j else "."),
             "",
             "| size | nst s/eval | PyTorch s/eval | nst / PyTorch |" + (" DL4J s/eval | nst / DL4J |" if dl4j else "")
             + " nst peak RSS | PyTorch peak RSS |" + (" DL4J peak RSS |" if dl4j else ""),
             "|---:|---:|---:|---:|" + ("---:|---:|" if dl4j else "") + "---:|---:|" + ("---:|" if dl4j else "")]
    for size, n, t, d in rows:
        ratio = None if n is None or t is None else n[0] / t[0]
        line = f"| {size}×{size} | {fmt(n and n[0], '{:.3f}')} | {fmt(t and t[0], '{:.3f}')} | {fmt(ratio, '{:.2f}')} |"
        if dl4j:
            rd = None if n is None or d is None else n[0] / d[0]
            line += f" {fmt(d and d[0], '{:.3f}')} | {fmt(rd, '{:.2f}')} |"
        line += f" {fmt(n and n[1], '{:.0f} MiB')} | {fmt(t and t[1], '{:.0f} MiB')} |"
        if dl4j:
            line += f" {fmt(d and d[1], '{:.0f} MiB')} |"
        lines.append(line)
    text = "\n".join(lines)
    print(text)
    if args.out:
        tmp = args.out + ".tmp"
        with open(tmp, "w") as f:
            f.write(text + "\n")
        os.replace(tmp, args.out)


if __name__ == "__main__":
    main()
