"""Generates the training-trajectory fixtures (format adamw-trajectory/1).

Each fixture trains a small multilayer perceptron on a slice of a real (or
synthetic) data set for a few steps with torch's AdamW / Adam, and records
the loss of every batch before its update plus the parameters after the last
step. The forward pass and loss are also exported to ONNX so that adapters
built on an ONNX runtime can use the identical graph.

Run with the system interpreter, which has torch, onnx and scikit-learn:

    /usr/bin/python3 packages/conformance/generator/generate_trajectories.py

Pass --check to also print how far each trajectory moves under a harmless
reordering of the batch rows (and, for float32, how far it is from the same
run in float64); those numbers are what the trajectory tolerances are based
on.
"""

import base64
import copy
import io
import os
import sys

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from fixture_data import data_digits, data_iris, data_regression  # noqa: E402
from common import (FIXTURES, deviation, enc_list, generator_info, make_batches, make_optimizer,  # noqa: E402
                    generate, warmup_cosine)

OUT = os.path.join(FIXTURES, "trajectories")
SCRIPT = "generator/generate_trajectories.py"
OPSET = 14
# Floors of the relative deviation measure, as in src/compare.ts.
LOSS_FLOOR = 1e-3
PARAM_FLOOR = 1e-2

DTYPES = {"float32": torch.float32, "float64": torch.float64}
ACTIVATIONS = {"relu": torch.relu, "tanh": torch.tanh, "sigmoid": torch.sigmoid}


class MLP(nn.Module):
    """Linear layers with an activation between them; forward(x, y) returns
    the scalar training loss so the ONNX graph is forward + loss."""

    def __init__(self, layers, activation, loss):
        super().__init__()
        self.lins = nn.ModuleList([nn.Linear(a, b) for a, b in zip(layers[:-1], layers[1:])])
        self.activation = activation
        self.loss_kind = loss
        # torch 1.13 cannot export aten::mse_loss; the exported graph spells
        # the same mean of squared differences out as Sub, Mul, ReduceMean.
        self.exporting = False

    def logits(self, x):
        act = ACTIVATIONS[self.activation]
        last = len(self.lins) - 1
        for i, lin in enumerate(self.lins):
            x = lin(x)
            if i < last:
                x = act(x)
        return x

    def forward(self, x, y):
        out = self.logits(x)
        if self.loss_kind == "softmax-cross-entropy":
            return F.cross_entropy(out, y)
        if self.exporting:
            d = out - y
            return torch.mean(d * d)
        return F.mse_loss(out, y)


# ---------------------------------------------------------------------------
# Data


DATA = {"digits": data_digits, "iris": data_iris, "regression": data_regression}


# ---------------------------------------------------------------------------
# Cases

BASE_OPT = dict(lr=1e-2, beta1=0.9, beta2=0.999, eps=1e-8, weightDecay=1e-2, amsgrad=False,
                maximize=False, decay="decoupled", decayScale="lr", convention="torch")

CASES = [
    dict(name="digits-relu-ce-f32", dtype="float32", data="digits", rows=300, layers=[64, 32, 10],
         activation="relu", loss="softmax-cross-entropy", steps=25, batch=32, seed=101,
         opt=dict(lr=1e-2, weightDecay=1e-2), no_decay_bias=True, schedule=None,
         description="Digits classifier 64-32-10 with ReLU, AdamW lr 1e-2, weight decay 1e-2 except on biases."),
    dict(name="digits-relu-ce-f64", dtype="float64", data="digits", rows=300, layers=[64, 32, 10],
         activation="relu", loss="softmax-cross-entropy", steps=25, batch=32, seed=101,
         opt=dict(lr=1e-2, weightDecay=1e-2), no_decay_bias=True, schedule=None,
         description="The float64 twin of digits-relu-ce-f32 (same data and initial weights up to rounding)."),
    dict(name="digits-tanh-ce-warmup-cosine-f32", dtype="float32", data="digits", rows=256,
         layers=[64, 24, 10], activation="tanh", loss="softmax-cross-entropy", steps=30, batch=32, seed=102,
         opt=dict(lr=2e-2, weightDecay=5e-2), no_decay_bias=True, schedule=("warmup-cosine", 5, 0.1),
         description="Digits 64-24-10 with tanh; lr multipliers warm up over 5 steps, then cosine to 0.1."),
    dict(name="iris-sigmoid-ce-amsgrad-f32", dtype="float32", data="iris", rows=150, layers=[4, 16, 3],
         activation="sigmoid", loss="softmax-cross-entropy", steps=30, batch=30, seed=103,
         opt=dict(lr=5e-2, weightDecay=1e-2, amsgrad=True), no_decay_bias=False, schedule=None,
         description="Iris 4-16-3 with sigmoid, AMSGrad, weight decay on every parameter."),
    dict(name="iris-tanh-ce-l2-f64", dtype="float64", data="iris", rows=150, layers=[4, 12, 12, 3],
         activation="tanh", loss="softmax-cross-entropy", steps=30, batch=25, seed=104,
         opt=dict(lr=2e-2, weightDecay=1e-2, decay="l2"), no_decay_bias=True, schedule=None,
         description="Iris 4-12-12-3 with tanh; coupled L2 decay (torch.optim.Adam weight_decay 1e-2), none on biases."),
    dict(name="regression-relu-mse-f32", dtype="float32", data="regression", rows=200, layers=[8, 16, 16, 2],
         activation="relu", loss="mse", steps=30, batch=20, seed=105,
         opt=dict(lr=1e-2, weightDecay=1e-2, beta2=0.99), no_decay_bias=True, schedule=None,
         description="Synthetic regression 8-16-16-2 with ReLU and mean squared error; beta2 0.99."),
    dict(name="regression-tanh-mse-schedule-decay-f64", dtype="float64", data="regression", rows=200,
         layers=[8, 16, 2], activation="tanh", loss="mse", steps=30, batch=25, seed=106,
         opt=dict(lr=1e-2, weightDecay=1e-1, decayScale="schedule"), no_decay_bias=True,
         schedule=("warmup-cosine", 3, 0.0),
         description="Regression 8-16-2 with tanh; decayScale 'schedule' (p *= 1 - eta * lambda, lambda 0.1) under warmup + cosine multipliers."),
    dict(name="iris-relu-ce-schedule-decay-f32", dtype="float32", data="iris", rows=150, layers=[4, 16, 3],
         activation="relu", loss="softmax-cross-entropy", steps=25, batch=30, seed=107,
         opt=dict(lr=3e-2, weightDecay=5e-2, decayScale="schedule"), no_decay_bias=True,
         schedule=("warmup-cosine", 4, 0.05),
         description="Iris 4-16-3 with ReLU; decayScale 'schedule' (lambda 0.05) under warmup + cosine multipliers."),
    dict(name="digits-sigmoid-ce-l2-amsgrad-f32", dtype="float32", data="digits", rows=200, layers=[64, 16, 10],
         activation="sigmoid", loss="softmax-cross-entropy", steps=20, batch=40, seed=108,
         opt=dict(lr=3e-2, weightDecay=1e-3, decay="l2", amsgrad=True), no_decay_bias=True, schedule=None,
         description="Digits 64-16-10 with sigmoid; coupled L2 decay with AMSGrad (torch.optim.Adam)."),
    dict(name="regression-sigmoid-mse-amsgrad-f64", dtype="float64", data="regression", rows=160,
         layers=[8, 32, 2], activation="sigmoid", loss="mse", steps=24, batch=16, seed=109,
         opt=dict(lr=1e-2, weightDecay=1e-2, amsgrad=True, beta1=0.85, eps=1e-7), no_decay_bias=False,
         schedule=("warmup-cosine", 4, 0.2),
         description="Regression 8-32-2 with sigmoid, AMSGrad, beta1 0.85, eps 1e-7, decay on every parameter, warmup + cosine."),
]


def train(model, x, y, batches, opts, no_decay, multipliers, permute_within=None):
    """Runs the trajectory; returns (losses, final state dict). With
    permute_within (an rng), the rows of each batch are shuffled, which
    changes only the summation order of the reductions."""
    opt = make_optimizer(model, opts, no_decay)
    losses = []
    for t, rows in enumerate(batches, start=1):
        rows = list(rows)
        if permute_within is not None:
            permute_within.shuffle(rows)
        idx = torch.tensor(rows, dtype=torch.int64)
        loss = model(x[idx], y[idx])
        losses.append(loss.item())
        opt.zero_grad(set_to_none=True)
        loss.backward()
        eta = multipliers[t - 1]
        for g in opt.param_groups:
            g["lr"] = opts["lr"] * eta
        opt.step()
    return losses, {k: v.detach().clone() for k, v in model.state_dict().items()}


def export_onnx(model, x, y):
    buf = io.BytesIO()
    torch.onnx.export(model, (x, y), buf, export_params=True, training=torch.onnx.TrainingMode.TRAINING,
                      do_constant_folding=False, opset_version=OPSET, input_names=["x", "y"],
                      output_names=["loss"], dynamic_axes={"x": {0: "batch"}, "y": {0: "batch"}})
    data = buf.getvalue()
    import onnx
    m = onnx.load_from_string(data)
    onnx.checker.check_model(m)
    names = sorted(i.name for i in m.graph.initializer)
    return data, names


def build(case, check=False):
    dtype = DTYPES[case["dtype"]]
    x_np, y_np, data_desc = DATA[case["data"]](case["rows"], case["seed"])
    torch.manual_seed(case["seed"])
    model = MLP(case["layers"], case["activation"], case["loss"])
    model = model.to(dtype)
    x = torch.tensor(x_np, dtype=dtype)
    if case["loss"] == "softmax-cross-entropy":
        y = torch.tensor(y_np, dtype=torch.int64)
    else:
        y = torch.tensor(y_np, dtype=dtype)
    opts = dict(BASE_OPT)
    opts.update(case["opt"])
    no_decay = [n for n, _ in model.named_parameters() if n.endswith(".bias")] if case["no_decay_bias"] else []
    steps = case["steps"]
    if case["schedule"] is None:
        multipliers = [1.0] * steps
    else:
        _, warm, floor = case["schedule"]
        multipliers = warmup_cosine(steps, warm, floor)
    batches = make_batches(case["rows"], case["batch"], steps, case["seed"])

    initial = {k: v.detach().clone() for k, v in model.state_dict().items()}
    export_model = copy.deepcopy(model)
    export_model.exporting = True
    first = torch.tensor(batches[0], dtype=torch.int64)
    onnx_bytes, init_names = export_onnx(export_model, x[first], y[first])
    param_names = [n for n, _ in model.named_parameters()]
    if sorted(param_names) != init_names:
        raise RuntimeError(f"ONNX initializers {init_names} do not match parameters {param_names}")

    losses, final = train(model, x, y, batches, opts, no_decay, multipliers)

    report = None
    if check:
        m2 = MLP(case["layers"], case["activation"], case["loss"]).to(dtype)
        m2.load_state_dict(initial)
        l2, f2 = train(m2, x, y, batches, opts, no_decay, multipliers, permute_within=np.random.default_rng(7))
        report = {"reorder": (deviation(l2, losses, LOSS_FLOOR),
                              max(deviation(f2[k].numpy(), final[k].numpy(), PARAM_FLOOR) for k in final))}
        if dtype == torch.float32:
            m3 = MLP(case["layers"], case["activation"], case["loss"]).double()
            m3.load_state_dict({k: v.double() for k, v in initial.items()})
            y3 = y if y.dtype == torch.int64 else y.double()
            l3, f3 = train(m3, x.double(), y3, batches, opts, no_decay, multipliers)
            report["vs-float64"] = (deviation(losses, l3, LOSS_FLOOR),
                                    max(deviation(final[k].numpy(), f3[k].numpy(), PARAM_FLOOR) for k in final))

    onnx_note = f" The ONNX graph (opset {OPSET}, training mode) was exported from the {case['dtype']} module."
    fixture = {
        "format": "adamw-trajectory/1",
        "name": case["name"],
        "description": case["description"] + " Data: " + data_desc + "." + onnx_note,
        "generator": generator_info(SCRIPT),
        "dtype": case["dtype"],
        "model": {"kind": "mlp", "layers": case["layers"], "activation": case["activation"], "loss": case["loss"]},
        "params": {k: {"shape": list(v.shape), "data": enc_list(v)} for k, v in initial.items()},
        "onnx": base64.b64encode(onnx_bytes).decode("ascii"),
        "data": {
            "x": {"shape": list(x.shape), "data": enc_list(x)},
            "y": {"shape": list(y.shape),
                  "data": [int(v) for v in y.reshape(-1).tolist()] if y.dtype == torch.int64 else enc_list(y)},
        },
        "batches": batches,
        "optimizer": dict(opts, noDecay=no_decay, scheduleMultipliers=multipliers),
        "expected": {
            "losses": enc_list(losses),
            "params": {k: {"shape": list(v.shape), "data": enc_list(v)} for k, v in final.items()},
        },
    }
    return fixture, report


def describe(fixture, report):
    losses = fixture["expected"]["losses"]
    lines = [f"loss {losses[0]:.4f} -> {losses[-1]:.4f}"]
    for k, (dl, dp) in (report or {}).items():
        lines.append(f"    {k}: max relative loss deviation {dl:.3e}, parameter deviation {dp:.3e}")
    return "\n".join(lines)


def main():
    generate(CASES, sys.argv[1:], OUT, build, describe)


if __name__ == "__main__":
    main()
