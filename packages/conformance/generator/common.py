"""Helpers shared by the fixture generators: encoding of float values,
writing of plain or gzipped JSON files, schedules, batches and torch
optimizers built from a fixture's options."""

import gzip
import json
import math
import os

import numpy as np
import torch

HERE = os.path.dirname(os.path.abspath(__file__))
PACKAGE = os.path.dirname(HERE)
FIXTURES = os.path.join(PACKAGE, "fixtures")

# Files larger than this (uncompressed) are written gzipped.
GZIP_THRESHOLD = 200_000


def torch_version():
    return torch.__version__


def cpu_capability():
    """The SIMD level torch's CPU kernels were dispatched to (e.g. AVX2).
    Vectorized kernels use fused multiply-add, so results can differ in the
    last bit between capabilities; the fixtures record which one made them."""
    for line in torch.__config__.show().splitlines():
        if "CPU capability usage:" in line:
            return line.split(":", 1)[1].strip()
    return "unknown"


def generator_info(script):
    return {"torch": torch_version(), "script": script, "cpuCapability": cpu_capability()}


def enc(x):
    """One float as JSON: the exact double (float32 values are exactly
    representable, so repr round-trips them bit for bit). JSON has no
    non-finite numbers, so those become the strings "Infinity",
    "-Infinity" and "NaN"."""
    x = float(x)
    if math.isnan(x):
        return "NaN"
    if math.isinf(x):
        return "Infinity" if x > 0 else "-Infinity"
    return x


def enc_list(t):
    """A tensor (any shape) flattened, each element as exact double."""
    if isinstance(t, torch.Tensor):
        t = t.detach().reshape(-1).double().tolist()
    return [enc(v) for v in t]


def write_fixture(directory, name, obj, force_gzip=None):
    """Writes obj as <name>.json, or <name>.json.gz when large. Removes a
    stale file of the other kind so that exactly one copy exists."""
    os.makedirs(directory, exist_ok=True)
    text = json.dumps(obj, separators=(",", ":"), allow_nan=False)
    use_gzip = force_gzip if force_gzip is not None else len(text) > GZIP_THRESHOLD
    plain = os.path.join(directory, name + ".json")
    gz = plain + ".gz"
    if use_gzip:
        # mtime=0 keeps the output byte-identical between runs.
        with open(gz, "wb") as f:
            with gzip.GzipFile(filename="", mode="wb", fileobj=f, mtime=0, compresslevel=9) as z:
                z.write(text.encode("utf-8"))
        if os.path.exists(plain):
            os.remove(plain)
        path = gz
    else:
        with open(plain, "w", encoding="utf-8") as f:
            f.write(text)
            f.write("\n")
        if os.path.exists(gz):
            os.remove(gz)
        path = plain
    return path, os.path.getsize(path)


def warmup_cosine(steps, warmup, floor=0.0):
    """Linear warmup to 1 over `warmup` steps, then cosine decay to `floor`."""
    out = []
    for t in range(1, steps + 1):
        if t <= warmup:
            out.append(t / warmup)
        else:
            progress = (t - warmup) / max(1, steps - warmup)
            out.append(floor + (1 - floor) * 0.5 * (1 + math.cos(math.pi * progress)))
    return out


def make_batches(rows, batch, steps, seed):
    """Row indices of `steps` batches of `batch` rows out of `rows`: seeded
    permutations of all rows, one after another, cut into batches."""
    rng = np.random.default_rng(seed + 1000)
    out = []
    order = []
    while len(out) < steps:
        if len(order) < batch:
            order = order + list(rng.permutation(rows))
        out.append([int(i) for i in order[:batch]])
        order = order[batch:]
    return out


def make_optimizer(model, opts, no_decay):
    """torch's optimizer for a fixture's options (in @adamw/core's names):
    AdamW, or Adam for coupled L2 decay, over the parameters that require
    gradients, with a second parameter group of weight decay 0 for the
    names in `no_decay`. decayScale 'schedule' (p *= 1 - eta * lambda)
    is torch's weight_decay lambda / lr."""
    lr = opts["lr"]
    wd = opts["weightDecay"]
    named = [(n, p) for n, p in model.named_parameters() if p.requires_grad]
    decay_params = [p for n, p in named if n not in no_decay]
    plain_params = [p for n, p in named if n in no_decay]
    betas = (opts["beta1"], opts["beta2"])
    if opts["decay"] == "l2":
        torch_wd = wd
        cls = torch.optim.Adam
    else:
        torch_wd = wd if opts["decayScale"] == "lr" else wd / lr
        cls = torch.optim.AdamW
    groups = [{"params": decay_params, "weight_decay": torch_wd}]
    if plain_params:
        groups.append({"params": plain_params, "weight_decay": 0.0})
    return cls(groups, lr=lr, betas=betas, eps=opts["eps"], amsgrad=opts["amsgrad"],
               maximize=opts["maximize"])


def deviation(a, b, floor):
    """The largest |a - b| / max(|b|, floor), the measure of src/compare.ts."""
    a = np.asarray(a, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    return float(np.max(np.abs(a - b) / np.maximum(np.abs(b), floor)))


def generate(cases, argv, out, build, describe):
    """A generator's command line: builds the cases named in argv (every one
    without names; an unknown name is an error) with build(case, check),
    check being whether --check was given, writes each fixture gzipped to
    `out` and prints describe(fixture, report) after its path and size."""
    torch.set_num_threads(1)
    only = {a for a in argv if not a.startswith("--")}
    unknown = only - {c["name"] for c in cases}
    if unknown:
        raise SystemExit(f"unknown fixture names: {', '.join(sorted(unknown))}")
    total = 0
    for case in cases:
        if only and case["name"] not in only:
            continue
        fixture, report = build(case, "--check" in argv)
        path, size = write_fixture(out, fixture["name"], fixture, force_gzip=True)
        total += size
        print(f"{os.path.relpath(path, FIXTURES)}: {size} bytes; {describe(fixture, report)}")
    print(f"total {total} bytes")
