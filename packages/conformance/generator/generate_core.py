"""Generates the single-optimizer-step fixtures (format adamw-core/1).

Each fixture gives a parameter vector, one gradient per step and the values
PyTorch produces after each step (parameters and optimizer state). The
gradients are fixed data, so a fixture needs no model: an implementation
replays the same gradients and must land on the same numbers.

Run with the system interpreter, which has torch:

    /usr/bin/python3 packages/conformance/generator/generate_core.py
"""

import os
import sys

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from common import FIXTURES, enc_list, generator_info, warmup_cosine, write_fixture  # noqa: E402

OUT = os.path.join(FIXTURES, "core")
SCRIPT = "generator/generate_core.py"

DTYPES = {"float32": torch.float32, "float64": torch.float64}

ADAMW_DEFAULTS = dict(lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8, weightDecay=1e-2,
                      amsgrad=False, maximize=False, decay="decoupled", decayScale="lr",
                      convention="torch")
SGDW_DEFAULTS = dict(lr=1e-2, momentum=0.0, dampening=0.0, nesterov=False, weightDecay=0.0,
                     decay="decoupled", decayScale="lr", maximize=False)


# ---------------------------------------------------------------------------
# Running torch


def make_param(values, dtype):
    return torch.nn.Parameter(torch.tensor(values, dtype=dtype))


def run_adamw(opts, params, grads, multipliers, dtype, record):
    """Steps torch.optim.AdamW (or Adam for L2 coupling) over the given
    gradients. Returns the initial params, the dtype-rounded grads and the
    expected records for the steps in `record`."""
    p = make_param(params, dtype)
    lr = opts["lr"]
    betas = (opts["beta1"], opts["beta2"])
    wd = opts["weightDecay"]
    if opts["decay"] == "l2":
        if opts["decayScale"] != "lr":
            raise ValueError("l2 coupling has no decay scale")
        opt = torch.optim.Adam([p], lr=lr, betas=betas, eps=opts["eps"], weight_decay=wd,
                               amsgrad=opts["amsgrad"], maximize=opts["maximize"])
    else:
        # decayScale 'schedule' means p *= 1 - eta * lambda, which torch's
        # AdamW (p *= 1 - lr_t * wd) realises with wd = lambda / lr.
        torch_wd = wd if opts["decayScale"] == "lr" else wd / lr
        opt = torch.optim.AdamW([p], lr=lr, betas=betas, eps=opts["eps"], weight_decay=torch_wd,
                                amsgrad=opts["amsgrad"], maximize=opts["maximize"])
    group = opt.param_groups[0]
    expected = []
    for t, g in enumerate(grads, start=1):
        eta = multipliers[t - 1] if multipliers is not None else 1.0
        group["lr"] = lr * eta
        p.grad = g.clone()
        opt.step()
        if t in record:
            st = opt.state[p]
            rec = {"step": t, "params": enc_list(p), "m": enc_list(st["exp_avg"]),
                   "v": enc_list(st["exp_avg_sq"])}
            if opts["amsgrad"]:
                rec["vMax"] = enc_list(st["max_exp_avg_sq"])
            expected.append(rec)
    return expected


def run_sgdw(opts, params, grads, multipliers, dtype, record):
    p = make_param(params, dtype)
    lr = opts["lr"]
    wd = opts["weightDecay"]
    l2 = opts["decay"] == "l2"
    if l2 and opts["decayScale"] != "lr":
        raise ValueError("l2 coupling has no decay scale")
    opt = torch.optim.SGD([p], lr=lr, momentum=opts["momentum"], dampening=opts["dampening"],
                          weight_decay=wd if l2 else 0.0, nesterov=opts["nesterov"],
                          maximize=opts["maximize"])
    group = opt.param_groups[0]
    expected = []
    for t, g in enumerate(grads, start=1):
        eta = multipliers[t - 1] if multipliers is not None else 1.0
        lr_t = lr * eta
        group["lr"] = lr_t
        if not l2 and wd != 0:
            factor = 1 - (lr_t * wd if opts["decayScale"] == "lr" else eta * wd)
            with torch.no_grad():
                p.mul_(factor)
        p.grad = g.clone()
        opt.step()
        if t in record:
            rec = {"step": t, "params": enc_list(p)}
            buf = opt.state[p].get("momentum_buffer")
            if buf is not None:
                rec["m"] = enc_list(buf)
            expected.append(rec)
    return expected


# ---------------------------------------------------------------------------
# Cases


class Case:
    def __init__(self, name, description, optimizer="adamw", options=None, n=8, steps=10,
                 seed=0, params=None, grads=None, multipliers=None, record_every=1,
                 dtypes=("float32", "float64"), grad_scale=0.1):
        self.name = name
        self.description = description
        self.optimizer = optimizer
        self.options = dict(ADAMW_DEFAULTS if optimizer == "adamw" else SGDW_DEFAULTS)
        self.options.update(options or {})
        self.n = n
        self.steps = steps
        self.seed = seed
        self.params = params  # callable(rng, n) -> array, or None for N(0, 1)
        self.grads = grads  # callable(rng, n, steps) -> array [steps, n], or None
        self.multipliers = multipliers
        self.record_every = record_every
        self.dtypes = dtypes
        self.grad_scale = grad_scale


def default_grads(scale):
    def make(rng, n, steps):
        # A persistent direction plus noise, so moments build up consistently.
        bias = rng.normal(0, 1, size=n)
        return scale * (bias[None, :] + rng.normal(0, 1, size=(steps, n)))
    return make


def shrinking_grads(rng, n, steps):
    # Large early gradients, small later ones: the running maximum of v
    # (amsgrad) then differs from v.
    scales = np.geomspace(1.0, 1e-3, steps)
    return scales[:, None] * rng.normal(0, 1, size=(steps, n))


def tiny_grads(dtype):
    def make(rng, n, steps):
        if dtype == "float32":
            # 1e-40 and below are float32 subnormals; their squares underflow to 0.
            mags = np.array([1e-30, -1e-30, 1e-40, -1e-40, 3e-38, 1e-45, 1e-20, 0.0])
        else:
            # 1e-160 squared times (1 - beta2) is subnormal; 1e-310 is itself subnormal.
            mags = np.array([1e-30, -1e-30, 1e-160, -1e-160, 1e-200, 1e-310, 5e-324, 0.0])
        mags = np.resize(mags, n)
        jitter = 1 + 0.5 * rng.uniform(-1, 1, size=(steps, n))
        return mags[None, :] * jitter
    return make


def huge_grads(dtype):
    def make(rng, n, steps):
        if dtype == "float32":
            # (1 - beta2) * g * g stays finite for 1e18 and 1e20 only when
            # evaluated as ((1 - beta2) * g) * g; 1e30 overflows v to +inf.
            mags = np.array([1e20, -1e20, 1e18, -3e19, 1e30, -1e30, 1.0, 1e10])
        else:
            # 1e160 overflows v to +inf in float64.
            mags = np.array([1e20, -1e20, 1e30, -1e30, 1e100, 1e160, -1e160, 1.0])
        mags = np.resize(mags, n)
        jitter = 1 + 0.25 * rng.uniform(-1, 1, size=(steps, n))
        return mags[None, :] * jitter
    return make


def zero_grads(rng, n, steps):
    return np.zeros((steps, n))


def sparse_zero_grads(rng, n, steps):
    # Some elements get exact zeros on some steps.
    g = 0.1 * rng.normal(0, 1, size=(steps, n))
    mask = rng.uniform(size=(steps, n)) < 0.4
    g[mask] = 0.0
    return g


def halfway_lanes(seed, n):
    """A float32 weight decay lam and lanes (theta, g) on which float64 rounds
    g + lam * theta exactly onto a halfway point between two float32 numbers
    that the exact sum is not on: the integer significands satisfy
    A * B = 2^j + d with 0 < |d| < 2^(j - 29), so lam * theta is
    2^s (1 + d / 2^j), and g is a float32 whose half spacing is 2^s. Rounding
    that float64 sum to float32 then differs from a fused multiply-add,
    which rounds the exact sum once (the same construction as
    halfwayLanes in packages/test-utils)."""
    rng = np.random.default_rng(seed)
    while True:
        A = 2**23 + 2 * int(rng.integers(0, 2**22)) + 1
        for j in range(24, 48):
            B = round(2**j / A)
            d = A * B - 2**j
            if B >= 2**24 or d == 0 or abs(d) >= 2 ** (j - 29):
                continue
            s = rng.integers(-30, -20, size=n)
            sign = np.where(rng.uniform(size=n) < 0.5, -1.0, 1.0)
            theta = sign * B * np.exp2(s - j + 23.0)
            g = sign * (2**23 + rng.integers(0, 2**23, size=n)) * np.exp2(s + 1.0)
            return A * 2.0**-23, theta, g


def cases():
    cs = []
    lam, theta, g = halfway_lanes(40, 64)
    cs.append(Case("l2-fma-halfway", "Coupled L2 decay on lanes where float64 rounds g + lambda * p exactly onto a float32 halfway point (torch fuses that multiply-add, rounding once).",
                   options=dict(decay="l2", weightDecay=lam, lr=1e-3), n=64, steps=3, seed=40,
                   params=lambda rng, n: theta, grads=lambda rng, n, steps: np.tile(g, (steps, 1)), dtypes=("float32",)))
    cs.append(Case("defaults", "AdamW with torch defaults except weight decay 1e-2 (lr 1e-3, betas (0.9, 0.999), eps 1e-8).",
                   steps=10, seed=1))
    cs.append(Case("amsgrad", "AMSGrad variant; gradients shrink over the run so the running maximum of v differs from v.",
                   options=dict(amsgrad=True, lr=1e-2), steps=15, seed=3, grads=shrinking_grads))
    cs.append(Case("maximize", "maximize=True (gradient ascent).",
                   options=dict(maximize=True, lr=1e-2), steps=10, seed=4))
    cs.append(Case("amsgrad-maximize", "AMSGrad together with maximize.",
                   options=dict(amsgrad=True, maximize=True, lr=5e-3, weightDecay=0.1), steps=12, seed=5,
                   grads=shrinking_grads))
    cs.append(Case("l2", "Coupled L2 decay: torch.optim.Adam with weight_decay 0.1 (the gradient gets lambda * p added).",
                   options=dict(decay="l2", weightDecay=0.1, lr=1e-2), steps=10, seed=6))
    cs.append(Case("l2-amsgrad-maximize", "Coupled L2 decay with AMSGrad and maximize (torch.optim.Adam).",
                   options=dict(decay="l2", weightDecay=0.05, lr=1e-2, amsgrad=True, maximize=True), steps=10,
                   seed=7, grads=shrinking_grads))
    cs.append(Case("schedule-decay", "decayScale 'schedule': p *= 1 - eta * lambda (torch AdamW with weight_decay = lambda / lr), constant multiplier 0.5.",
                   options=dict(decayScale="schedule", weightDecay=1e-2, lr=1e-3), steps=10, seed=8,
                   multipliers=[0.5] * 10))
    cs.append(Case("schedule-decay-cosine", "decayScale 'schedule' under warmup (4 steps) then cosine multipliers; the decay follows eta, not lr * eta.",
                   options=dict(decayScale="schedule", weightDecay=5e-2, lr=2e-3), steps=20, seed=9,
                   multipliers=warmup_cosine(20, 4)))
    cs.append(Case("warmup-cosine", "Schedule multipliers: linear warmup over 5 steps, then cosine to 0.1; lr 1e-2, decay scaled by lr * eta.",
                   options=dict(lr=1e-2, weightDecay=1e-2), steps=30, seed=10,
                   multipliers=warmup_cosine(30, 5, floor=0.1)))
    cs.append(Case("warmup-cosine-amsgrad", "Warmup + cosine multipliers with AMSGrad.",
                   options=dict(lr=1e-2, weightDecay=1e-2, amsgrad=True), steps=20, seed=11,
                   multipliers=warmup_cosine(20, 3), grads=shrinking_grads))
    cs.append(Case("zero-grads", "All gradients exactly zero: the moments stay zero and only the decay moves the parameters.",
                   options=dict(weightDecay=0.1, lr=1e-2), steps=5, seed=12, grads=zero_grads))
    cs.append(Case("sparse-zero-grads", "Random gradients with about 40% exact zeros.",
                   options=dict(lr=1e-2), steps=10, seed=13, grads=sparse_zero_grads))
    for dt in ("float32", "float64"):
        cs.append(Case("tiny-grads", "Tiny gradients down to the subnormal range (float32: 1e-30, 1e-40, 1e-45; float64: 1e-160, 1e-310, 5e-324); v underflows, eps dominates the denominator.",
                       options=dict(lr=1e-3), steps=6, seed=14, n=8, grads=tiny_grads(dt), dtypes=(dt,)))
        cs.append(Case("huge-grads", "Huge gradients (float32: 1e18 to 1e30; float64: 1e20 to 1e160) including ones whose v overflows to +Infinity, which makes the update 0.",
                       options=dict(lr=1e-3), steps=6, seed=15, n=8, grads=huge_grads(dt), dtypes=(dt,)))
        cs.append(Case("tiny-grads-amsgrad", "Tiny gradients with AMSGrad.",
                       options=dict(lr=1e-3, amsgrad=True), steps=4, seed=16, n=8, grads=tiny_grads(dt), dtypes=(dt,)))
        cs.append(Case("huge-grads-l2", "Huge gradients with coupled L2 decay.",
                       options=dict(lr=1e-3, decay="l2", weightDecay=1e-2), steps=4, seed=17, n=8,
                       grads=huge_grads(dt), dtypes=(dt,)))
    cs.append(Case("length-1", "A single-element parameter vector.", options=dict(lr=1e-2), n=1, steps=10, seed=18))
    cs.append(Case("length-1-amsgrad", "A single-element parameter vector with AMSGrad.",
                   options=dict(lr=1e-2, amsgrad=True), n=1, steps=10, seed=19, grads=shrinking_grads))
    cs.append(Case("long-run", "2,000 steps on 16 elements (lr 1e-2, weight decay 1e-2), recorded every 100th step; bias correction runs down to 1.",
                   options=dict(lr=1e-2, weightDecay=1e-2), n=16, steps=2000, seed=20, record_every=100))
    cs.append(Case("long-run-amsgrad-cosine", "1,000 steps on 16 elements, AMSGrad, warmup 50 then cosine; recorded every 100th step.",
                   options=dict(lr=1e-2, weightDecay=1e-2, amsgrad=True), n=16, steps=1000, seed=21,
                   record_every=100, multipliers=warmup_cosine(1000, 50, floor=0.01)))
    cs.append(Case("no-decay", "weight decay 0.", options=dict(weightDecay=0.0, lr=1e-2), steps=10, seed=22))
    cs.append(Case("large-vector", "1,000 random elements, 20 steps, recorded at steps 1, 5, 10, 15 and 20.", options=dict(lr=1e-3, weightDecay=1e-2),
                   n=1000, steps=20, seed=23, record_every=5))
    cs.append(Case("betas-eps", "Non-default betas (0.8, 0.95), eps 1e-6, lr 3e-3, weight decay 0.1.",
                   options=dict(beta1=0.8, beta2=0.95, eps=1e-6, lr=3e-3, weightDecay=0.1), steps=12, seed=24))
    cs.append(Case("betas-eps-extreme", "beta1 0, beta2 0.5, eps 1e-3, lr 1e-1 (no momentum, short second-moment memory).",
                   options=dict(beta1=0.0, beta2=0.5, eps=1e-3, lr=1e-1, weightDecay=1e-3), steps=8, seed=25))
    cs.append(Case("large-lr-decay", "lr 1 with weight decay 0.5: the decay factor 1 - lr * lambda is 0.5.",
                   options=dict(lr=1.0, weightDecay=0.5), steps=6, seed=26))

    # SGD / SGDW
    cs.append(Case("sgd-plain", "Plain SGD: momentum 0, no decay (no momentum buffer in the state).",
                   optimizer="sgdw", options=dict(lr=0.1), steps=5, seed=30))
    cs.append(Case("sgd-l2-momentum", "SGD with momentum 0.9 and coupled L2 decay 1e-2 (torch.optim.SGD weight_decay).",
                   optimizer="sgdw", options=dict(lr=0.05, momentum=0.9, weightDecay=1e-2, decay="l2"),
                   steps=10, seed=31))
    cs.append(Case("sgd-l2-nesterov", "SGD with Nesterov momentum 0.9 and coupled L2 decay 5e-4.",
                   optimizer="sgdw", options=dict(lr=0.05, momentum=0.9, nesterov=True, weightDecay=5e-4,
                                                  decay="l2"), steps=10, seed=32))
    cs.append(Case("sgd-l2-dampening", "SGD with momentum 0.8, dampening 0.3, coupled L2 decay 1e-2, maximize.",
                   optimizer="sgdw", options=dict(lr=0.05, momentum=0.8, dampening=0.3, weightDecay=1e-2,
                                                  decay="l2", maximize=True), steps=10, seed=33))
    cs.append(Case("sgdw-momentum", "SGDW: p *= 1 - lr * lambda, then torch.optim.SGD (momentum 0.9, no decay).",
                   optimizer="sgdw", options=dict(lr=0.1, momentum=0.9, weightDecay=1e-2), steps=10, seed=34))
    cs.append(Case("sgdw-nesterov", "SGDW with Nesterov momentum 0.9.",
                   optimizer="sgdw", options=dict(lr=0.1, momentum=0.9, nesterov=True, weightDecay=1e-2),
                   steps=10, seed=35))
    cs.append(Case("sgdw-dampening-maximize", "SGDW with momentum 0.5, dampening 0.5 and maximize.",
                   optimizer="sgdw", options=dict(lr=0.1, momentum=0.5, dampening=0.5, weightDecay=5e-2,
                                                  maximize=True), steps=10, seed=36))
    cs.append(Case("sgdw-no-momentum", "SGDW without momentum: decay, then a plain gradient step.",
                   optimizer="sgdw", options=dict(lr=0.1, weightDecay=0.1), steps=6, seed=37))
    cs.append(Case("sgdw-warmup-cosine", "SGDW with momentum 0.9 under warmup + cosine multipliers (decay scaled by lr * eta).",
                   optimizer="sgdw", options=dict(lr=0.1, momentum=0.9, weightDecay=1e-2), steps=20, seed=38,
                   multipliers=warmup_cosine(20, 4)))
    cs.append(Case("sgdw-schedule-decay", "SGDW with decayScale 'schedule': p *= 1 - eta * lambda under warmup + cosine multipliers.",
                   optimizer="sgdw", options=dict(lr=0.1, momentum=0.9, weightDecay=1e-2, decayScale="schedule"),
                   steps=20, seed=39, multipliers=warmup_cosine(20, 4)))
    return cs


def build(case, dtype_name):
    dtype = DTYPES[dtype_name]
    rng = np.random.default_rng(case.seed)
    params = case.params(rng, case.n) if case.params else rng.normal(0, 1, size=case.n)
    grads = (case.grads or default_grads(case.grad_scale))(rng, case.n, case.steps)
    # Round the inputs to the fixture's dtype once; the stored values are the rounded ones.
    p0 = torch.tensor(params, dtype=dtype)
    gs = [torch.tensor(g, dtype=dtype) for g in grads]
    record = set(range(case.record_every, case.steps + 1, case.record_every))
    if case.record_every > 1:
        record.add(1)
    record.add(case.steps)
    runner = run_adamw if case.optimizer == "adamw" else run_sgdw
    expected = runner(case.options, p0.tolist(), gs, case.multipliers, dtype, record)
    suffix = "f32" if dtype_name == "float32" else "f64"
    fixture = {
        "format": "adamw-core/1",
        "name": f"{case.name}-{suffix}",
        "description": case.description,
        "generator": generator_info(SCRIPT),
        "dtype": dtype_name,
        "optimizer": case.optimizer,
        "options": case.options,
    }
    if case.multipliers is not None:
        fixture["scheduleMultipliers"] = list(case.multipliers)
    fixture["params"] = enc_list(p0)
    fixture["grads"] = [enc_list(g) for g in gs]
    fixture["expected"] = expected
    return fixture


def main():
    torch.set_num_threads(1)
    only = set(sys.argv[1:])
    total = 0
    for case in cases():
        for dt in case.dtypes:
            fixture = build(case, dt)
            if only and fixture["name"] not in only and case.name not in only:
                continue
            path, size = write_fixture(OUT, fixture["name"], fixture)
            total += size
            print(f"{os.path.relpath(path, FIXTURES)}: {size} bytes")
    print(f"total {total} bytes")


if __name__ == "__main__":
    main()
