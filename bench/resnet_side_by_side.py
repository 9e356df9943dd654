#!/usr/bin/env python3
"""ResNet-50 side by side: one Gatys loss evaluation with SWAG's softmax transform, in nst and in PyTorch, and
nst's VGG19 evaluation next to it, on the same cores, in one run.

The workload (issue 16): ResNet-50 (torchvision v1.5) cut after layer4.2, random weights; content loss at
layer3.5, style losses at relu, layer1.2, layer2.3, layer3.5, layer4.2, each on sigma(F) = N * softmax(F / 10) over
the layer's C*H*W entries (nst.engine.loss.SoftmaxTransform); TV loss; forward and backward to the image only;
L-BFGS (history 100, strong Wolfe). PyTorch runs torchvision.models.resnet50() in eval mode (batch norm as its own
op; nst has it folded into the convs, as its weights files do). nst's VGG19 row is bench/side_by_side.py's
workload (VGG19 to relu5_1). Timing and memory as in bench/side_by_side.py: seconds per evaluation from each
engine's own timestamps after --warmup evaluations; peak RSS of the child from wait4.

Usage: bench/resnet-side-by-side.sh [--sizes 512] [--evals 5] [--warmup 2] [--threads 2] [--out FILE.md]
"""
import argparse
import csv
import os
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import side_by_side as sbs  # noqa: E402  (inputs, child runner, machine line, VGG19 command)

CONTENT = ["layer3.5"]
STYLE = ["relu", "layer1.2", "layer2.3", "layer3.5", "layer4.2"]
T = 10.0


def torch_worker(args):
    import torch
    import torchvision
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    m = torchvision.models.resnet50().eval()
    m.fc = torch.nn.Identity()
    for p in m.parameters():
        p.requires_grad_(False)
    mean = torch.tensor([0.485, 0.456, 0.406]).view(1, 3, 1, 1)
    std = torch.tensor([0.229, 0.224, 0.225]).view(1, 3, 1, 1)
    size = args.size

    def image(seed):
        t = torch.frombuffer(bytearray(sbs.synthetic(size, seed)), dtype=torch.uint8).float() / 255
        return t.view(size, size, 3).permute(2, 0, 1).unsqueeze(0).contiguous()

    def feats(x):
        out, h = {}, (x - mean) / std
        h = m.relu(m.bn1(m.conv1(h)))
        out["relu"] = h
        h = m.maxpool(h)
        for s, layer in enumerate((m.layer1, m.layer2, m.layer3, m.layer4)):
            for b, block in enumerate(layer):
                h = block(h)
                out["layer%d.%d" % (s + 1, b)] = h
            if s == 3:
                break
        return out

    def sigma(f):
        return f.numel() * torch.softmax(f.reshape(-1) / T, 0).reshape(f.shape)

    def gram(f):
        _, c, hh, ww = f.shape
        mm = f.reshape(c, hh * ww)
        return (mm @ mm.t()) / (c * hh * ww)

    content, style = image(1), image(2)
    with torch.no_grad():
        fc, fs = feats(content), feats(style)
        ct = {l: sigma(fc[l]) for l in CONTENT}
        st = {l: gram(sigma(fs[l])) for l in STYLE}
    x = content.clone().requires_grad_(True)
    need = args.warmup + args.evals + 1
    opt = torch.optim.LBFGS([x], lr=1, max_iter=need, max_eval=need, history_size=100,
                            tolerance_grad=0, tolerance_change=0, line_search_fn="strong_wolfe")
    stamps, t0 = [], time.perf_counter()

    def closure():
        opt.zero_grad()
        f = feats(x)
        lc = sum(((sigma(f[l]) - ct[l]) ** 2).mean() for l in CONTENT)
        ls = sum(((gram(sigma(f[l])) - st[l]) ** 2).mean() for l in STYLE)
        dy = x[:, :, 1:, :] - x[:, :, :-1, :]
        dx = x[:, :, :, 1:] - x[:, :, :, :-1]
        loss = lc + 1e6 * ls + 1e-5 * ((dy * dy).sum() + (dx * dx).sum())
        loss.backward()
        stamps.append(time.perf_counter() - t0)
        return loss

    opt.step(closure)
    with open(args.stamps, "w") as f:
        f.write("\n".join(repr(s) for s in stamps))


def nst_run(args, size, work, model):
    content, style = os.path.join(work, f"c{size}.png"), os.path.join(work, f"s{size}.png")
    log, out = os.path.join(work, f"{model}{size}.csv"), os.path.join(work, f"{model}{size}.png")
    layers = (["--content-layers", ",".join(CONTENT), "--style-layers", ",".join(STYLE), "--feature-transform", "softmax"]
              if model == "resnet50" else
              ["--content-layers", ",".join(sbs.CONTENT), "--style-layers", ",".join(sbs.STYLE), "--pooling", "max"])
    cmd = [args.nst, "stylize", "--content", content, "--style", style, "--out", out, "--size", str(size),
           "--weights", "random", "--model", model, *layers, "--iterations", str(args.warmup + args.evals),
           "--optimizer", "lbfgs", "--history", "100", "--threads", str(args.threads), "--backend", args.nst_backend,
           "--loss-log", log, "--init", "content", "--seed", "0"]
    code, rss, err = sbs.run_child(cmd, dict(os.environ))
    if code != 0:
        sys.exit(f"resnet-side-by-side: nst {model} failed (exit {code}):\n{err}")
    with open(log) as f:
        stamps = [float(r["seconds"]) for r in csv.DictReader(f)]
    return sbs.per_eval(stamps, args.warmup, args.evals, "nst " + model), rss


def torch_run(args, size, work):
    stamps_file = os.path.join(work, f"torch{size}.txt")
    cmd = [sys.executable, os.path.abspath(__file__), "--worker", "torch", "--size", str(size), "--threads",
           str(args.threads), "--warmup", str(args.warmup), "--evals", str(args.evals), "--stamps", stamps_file]
    env = dict(os.environ, OMP_NUM_THREADS=str(args.threads), MKL_NUM_THREADS=str(args.threads))
    code, rss, err = sbs.run_child(cmd, env)
    if code != 0:
        sys.exit(f"resnet-side-by-side: PyTorch failed (exit {code}):\n{err}")
    with open(stamps_file) as f:
        stamps = [float(s) for s in f.read().split()]
    return sbs.per_eval(stamps, args.warmup, args.evals, "PyTorch"), rss


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--sizes", default="512")
    ap.add_argument("--evals", type=int, default=5)
    ap.add_argument("--warmup", type=int, default=2)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--nst-backend", default="simd")
    ap.add_argument("--nst", default=os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "nst"))
    ap.add_argument("--java", default=os.environ.get("NST_JAVA", "java"))
    ap.add_argument("--out")
    ap.add_argument("--worker", help=argparse.SUPPRESS)
    ap.add_argument("--size", type=int, help=argparse.SUPPRESS)
    ap.add_argument("--stamps", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.worker == "torch":
        return torch_worker(args)
    import torch
    lines = [f"Machine: {sbs.machine()}; {args.threads} threads; random weights, {args.evals} L-BFGS evaluations after "
             f"{args.warmup} warm-up; nst backend {args.nst_backend}, "
             f"Java {subprocess.run([args.java, '-version'], capture_output=True, text=True).stderr.split(chr(10))[0]}; "
             f"PyTorch {torch.__version__}.", "",
             "| size | workload | nst s/eval | PyTorch s/eval | nst / PyTorch | nst peak RSS | PyTorch peak RSS |",
             "|---:|---|---:|---:|---:|---:|---:|"]
    with tempfile.TemporaryDirectory(prefix="nst-rsbs-") as work:
        for size in [int(s) for s in args.sizes.split(",")]:
            sbs.write_png(os.path.join(work, f"c{size}.png"), size, sbs.synthetic(size, 1))
            sbs.write_png(os.path.join(work, f"s{size}.png"), size, sbs.synthetic(size, 2))
            print(f"[{size} px] nst resnet50 ...", file=sys.stderr, flush=True)
            n = nst_run(args, size, work, "resnet50")
            print(f"[{size} px] PyTorch resnet50 ...", file=sys.stderr, flush=True)
            t = torch_run(args, size, work)
            print(f"[{size} px] nst vgg19 ...", file=sys.stderr, flush=True)
            v = nst_run(args, size, work, "vgg19")
            lines.append(f"| {size}×{size} | ResNet-50 + softmax | {n[0]:.3f} | {t[0]:.3f} | {n[0] / t[0]:.2f} | {n[1]:.0f} MiB | {t[1]:.0f} MiB |")
            lines.append(f"| {size}×{size} | VGG19 (nst only) | {v[0]:.3f} | – | – | {v[1]:.0f} MiB | – |")
    text = "\n".join(lines)
    print(text)
    if args.out:
        with open(args.out + ".tmp", "w") as f:
            f.write(text + "\n")
        os.replace(args.out + ".tmp", args.out)


if __name__ == "__main__":
    main()
