"""torch CPU time of one training step of each whole-model fixture.

For every model of packages/conformance/fixtures/onnx (the same modules,
initial weights, batch and optimizer settings as its generator,
generate_onnx_training.py), times one training step as a torch user runs
it: zero_grad, forward (the loss), backward, torch.optim.AdamW's step, on
one thread (torch.set_num_threads(1)). Writes the median and fastest step
time per model to packages/conformance/fixtures/onnx/torch-step-times.baseline.json,
which bench/fixture-models.ts compares @adamw/onnxruntime against.

Run where torch is installed (the tests never need it):

    /usr/bin/python3 packages/onnxruntime/bench/torch_baseline.py [--samples N]
"""

import datetime
import json
import os
import platform
import statistics
import sys
import time

import torch

HERE = os.path.dirname(os.path.abspath(__file__))
GENERATOR = os.path.join(HERE, "..", "..", "conformance", "generator")
sys.path.insert(0, GENERATOR)
from common import FIXTURES, make_optimizer  # noqa: E402
from generate_onnx_training import CASES, feeds_of, prepare  # noqa: E402

OUT = os.path.join(FIXTURES, "onnx", "torch-step-times.baseline.json")
THREADS = 1
WARMUP = 10


def cpu_model():
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def time_steps(case, samples):
    p = prepare(case)
    model = p["model"]
    feeds = feeds_of(p["inputs"], p["batches"][0])
    opt = make_optimizer(model, p["opts"], p["no_decay"] or [])

    def step():
        opt.zero_grad(set_to_none=True)
        loss = model(**feeds)
        loss.backward()
        opt.step()

    for _ in range(WARMUP):
        step()
    times = []
    for _ in range(samples):
        start = time.perf_counter()
        step()
        times.append((time.perf_counter() - start) * 1e3)
    batch = len(p["batches"][0])
    trained = sum(t.numel() for t in model.parameters() if t.requires_grad)
    return {"medianMs": statistics.median(times), "minMs": min(times), "samples": samples, "batch": batch,
            "parameters": trained}


def main():
    samples = 200
    if "--samples" in sys.argv:
        samples = int(sys.argv[sys.argv.index("--samples") + 1])
    torch.set_num_threads(THREADS)
    models = {}
    for case in CASES:
        models[case["name"]] = time_steps(case, samples)
        m = models[case["name"]]
        print(f"{case['name']}: {m['medianMs']:.3f} ms median, {m['minMs']:.3f} ms fastest (batch {m['batch']})")
    report = {
        "format": "adamw-torch-step-times/1",
        "description": "torch CPU time of one training step (zero_grad, forward, backward, torch.optim.AdamW step) "
                       "of each adamw-onnx-training/1 fixture model, on its first step's batch.",
        "script": "packages/onnxruntime/bench/torch_baseline.py",
        "torch": torch.__version__,
        "threads": THREADS,
        "cpu": cpu_model(),
        "measuredAt": datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0).isoformat(),
        "models": models,
    }
    with open(OUT, "w", encoding="utf-8") as f:
        json.dump(report, f, indent=2)
        f.write("\n")
    print(f"wrote {os.path.relpath(OUT)}")


if __name__ == "__main__":
    main()
