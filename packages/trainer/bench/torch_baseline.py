#!/usr/bin/python3
"""Training steps per second of torch on the CPU, the anchor of the trainer bench.

The same two models as bench/trainer.bench.ts: MLPs 784-128-10 (batch 64) and
784-512-512-10 (batch 256), ReLU, softmax cross-entropy, torch.optim.AdamW
(lr 1e-3, weight decay 1e-2), float32. A step is what a torch user writes:
zero_grad, forward, loss, backward, optimizer step. Each thread count runs
in a process of its own with torch.set_num_threads(n) and OMP_NUM_THREADS,
OPENBLAS_NUM_THREADS and MKL_NUM_THREADS set to n: a BLAS such as OpenBLAS
starts its own threads, which torch.set_num_threads does not limit.

Writes JSON (default docs/data/bench/trainer-torch.json); the trainer bench
runs this script itself when torch is installed, so that both are measured
back to back, and otherwise reads the committed file.

    /usr/bin/python3 packages/trainer/bench/torch_baseline.py [--out FILE] [--quick]
"""

import argparse
import datetime
import json
import os
import platform
import re
import subprocess
import sys
import time

import torch

MODELS = [
    {"name": "mlp-784-128-10", "layers": [784, 128, 10], "batch": 64},
    {"name": "mlp-784-512-512-10", "layers": [784, 512, 512, 10], "batch": 256},
]
THREADS = [1, 2]


class Mlp(torch.nn.Module):
    def __init__(self, layers):
        super().__init__()
        self.lins = torch.nn.ModuleList(torch.nn.Linear(a, b) for a, b in zip(layers, layers[1:]))

    def forward(self, x):
        for i, lin in enumerate(self.lins):
            x = lin(x)
            if i + 1 < len(self.lins):
                x = torch.relu(x)
        return x


def steps_per_second(layers, batch, threads, seconds, rounds):
    """The best of `rounds` windows of about `seconds` each (the machine may be shared)."""
    torch.set_num_threads(threads)
    torch.manual_seed(1)
    model = Mlp(layers)
    opt = torch.optim.AdamW(model.parameters(), lr=1e-3, weight_decay=1e-2)
    gen = torch.Generator().manual_seed(2)
    x = torch.rand(batch, layers[0], generator=gen)
    y = torch.randint(0, layers[-1], (batch,), generator=gen)

    def step():
        opt.zero_grad(set_to_none=True)
        loss = torch.nn.functional.cross_entropy(model(x), y)
        loss.backward()
        opt.step()
        return loss

    for _ in range(20):
        step()
    # Steps per window from a short calibration, so that every window is one timed loop.
    t0 = time.perf_counter()
    for _ in range(10):
        step()
    per_step = (time.perf_counter() - t0) / 10
    n = max(5, int(seconds / per_step))
    best = 0.0
    best_cpu = 0.0
    samples = []
    for _ in range(rounds):
        t0 = time.perf_counter()
        c0 = time.process_time()
        for _ in range(n):
            step()
        rate = n / (time.perf_counter() - t0)
        best_cpu = max(best_cpu, n / max(time.process_time() - c0, 1e-9))
        samples.append(rate)
        best = max(best, rate)
    return {
        "stepsPerSecond": round(best, 2),
        "medianStepsPerSecond": round(sorted(samples)[len(samples) // 2], 2),
        # Steps per second of this process's CPU time (all its threads): on a shared machine, the
        # one-thread figure that waiting for a core does not lower.
        "stepsPerCpuSecond": round(best_cpu, 2),
        "stepsPerWindow": n,
        "windows": rounds,
    }


def measure(threads, seconds, rounds):
    """The rows of one thread count, in this process (whose BLAS threads the caller's environment set)."""
    rows = []
    for m in MODELS:
        r = steps_per_second(m["layers"], m["batch"], threads, seconds, rounds)
        rows.append({"model": m["name"], "layers": m["layers"], "batch": m["batch"], "threads": threads, **r})
        print(f"torch {m['name']} batch {m['batch']}, {threads} thread(s): {r['stepsPerSecond']} steps/s", file=sys.stderr, flush=True)
    return rows


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    default_out = os.path.normpath(os.path.join(here, "..", "..", "..", "docs", "data", "bench", "trainer-torch.json"))
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--out", default=default_out)
    parser.add_argument("--quick", action="store_true", help="shorter windows")
    parser.add_argument("--threads", type=int, help="measure this thread count only and print its rows as JSON (used by the script itself)")
    args = parser.parse_args()
    seconds, rounds = (0.5, 3) if args.quick else (1.5, 5)
    if args.threads is not None:
        print(json.dumps(measure(args.threads, seconds, rounds)))
        return
    results = []
    for threads in THREADS:
        env = dict(os.environ, OMP_NUM_THREADS=str(threads), OPENBLAS_NUM_THREADS=str(threads), MKL_NUM_THREADS=str(threads))
        command = [sys.executable, os.path.abspath(__file__), "--threads", str(threads)] + (["--quick"] if args.quick else [])
        run = subprocess.run(command, env=env, stdout=subprocess.PIPE, check=True, text=True)
        results.extend(json.loads(run.stdout))
    report = {
        "generated": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds").replace("+00:00", "Z"),
        "benchmark": "torch CPU training steps per second: zero_grad, forward, cross-entropy, backward, AdamW step; float32",
        "environment": {
            "torch": torch.__version__,
            "python": platform.python_version(),
            "platform": f"{platform.system().lower()} {platform.machine()}",
            "cpu": cpu_model(),
            "cores": os.cpu_count(),
            "loadAverage": [round(x, 2) for x in os.getloadavg()],
            "mklEnabled": torch.backends.mkl.is_available(),
            "blas": blas_info(),
            "optimizer": "torch.optim.AdamW(lr=1e-3, weight_decay=1e-2)",
            "note": "Best of several timed windows per row; the median beside it. Each thread count ran in its own process with OMP_NUM_THREADS, OPENBLAS_NUM_THREADS and MKL_NUM_THREADS set to it.",
        },
        "results": results,
    }
    os.makedirs(os.path.dirname(args.out), exist_ok=True)
    with open(args.out, "w") as f:
        json.dump(report, f, indent=2)
        f.write("\n")
    print(f"wrote {args.out}")


def blas_info():
    """The BLAS torch was built with, as torch.__config__.show() names it."""
    found = re.search(r"BLAS_INFO=([^,\s]+)", torch.__config__.show())
    return found.group(1) if found else "unknown"


def cpu_model():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


if __name__ == "__main__":
    main()
