"""Generates the whole-model fixtures (format adamw-onnx-training/1).

Each fixture is a PyTorch module whose forward returns its scalar training
loss (onnx_models.py), exported with torch.onnx.export (training mode, no
constant folding, the parameters as initializers under their
named_parameters names), together with what torch computes on it:

- the gradients of every trained parameter at the initial weights, on one
  batch (`gradients`);
- a short AdamW trajectory (torch.optim.AdamW with a parameter group of
  weight decay 0 for `noDecay`, a LambdaLR for `scheduleMultipliers`): the
  feeds of every step, the loss of each step before its update, and the
  parameters after the last step (`trajectory`). Modules with BatchNorm
  also record the running statistics after the last step
  (`trajectory.expected.buffers`). The elements of the final parameters
  that torch itself does not determine in float32 (see UNDETERMINED) are
  listed in `trajectory.expected.undetermined`.

Run with the system interpreter, which has torch 1.13 and onnx:

    /usr/bin/python3 packages/conformance/generator/generate_onnx_training.py [NAME...] [--check]

Every fixture is also computed in float64; --check prints how far the
float32 gradients, losses and parameters are from that: torch's own float32
spread, against which the conformance tolerances are set.
"""

import base64
import copy
import io
import os
import sys

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from common import (FIXTURES, deviation, enc_list, generator_info, make_batches, make_optimizer,  # noqa: E402
                    generate, warmup_cosine)
from fixture_data import data_regression, iris_text, mnist_images, padded_tokens, text_windows  # noqa: E402
from onnx_models import BagClassifier, BatchNormCNN, LayerNormMLP, TinyGPT, TransformerClassifier  # noqa: E402

OUT = os.path.join(FIXTURES, "onnx")
SCRIPT = "generator/generate_onnx_training.py"
FORMAT = "adamw-onnx-training/1"
# Floors of the relative deviation measure, as in src/compare.ts.
GRAD_FLOOR = 1e-3
LOSS_FLOOR = 1e-3
PARAM_FLOOR = 1e-2
# A final parameter element is listed as undetermined when its float32
# gradient at the initial weights has no correct digit (it is more than half
# its own size from the float64 one), or when torch's float32 and float64
# runs put its final value further apart than this (relative, floor
# PARAM_FLOOR). Such gradients are rounding noise (the key bias of attention
# has a gradient of exactly zero: softmax ignores a shift common to all
# keys), and Adam's normalised update turns noise into steps of up to the
# learning rate. In the committed fixtures both tests pick exactly the key
# biases; every other element agrees to 4e-6.
UNDETERMINED = 1e-5

BASE_OPT = dict(lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8, weightDecay=1e-2, amsgrad=False,
                maximize=False, decay="decoupled", decayScale="lr", convention="torch")


# ---------------------------------------------------------------------------
# Data: named inputs in the order of forward's arguments, rows first.


def transformer_data(rows, seed):
    x, y, desc = padded_tokens(rows, seed, vocab=24, length=8, min_length=3)
    return {"x": x, "pad": x == 0, "y": y}, desc


def gpt_data(rows, seed):
    ids, vocab, desc = iris_text()
    x, y = text_windows(ids, rows, 16, seed)
    return {"x": x, "y": y}, desc + "; windows of 16 characters, targets shifted by one"


def cnn_data(rows, seed):
    x, y, desc = mnist_images(rows, seed)
    return {"x": x, "y": y}, desc


def mlp_data(rows, seed):
    x, y, desc = data_regression(rows, seed, n_features=12, n_targets=3)
    return {"x": x, "y": y}, desc


def bag_data(rows, seed):
    x, y, desc = padded_tokens(rows, seed, vocab=40, length=10, min_length=2)
    return {"x": x, "y": y}, desc


def transformer():
    return TransformerClassifier(vocab=24, length=8, dim=16, heads=2, ff=32, layers=2, classes=3)


def gpt_vocab():
    return len(iris_text()[1])


# ---------------------------------------------------------------------------
# Cases

CASES = [
    dict(name="transformer-encoder-f32", opset=17, seed=31, rows=64, steps=8, batch=8, grad_rows=5,
         make=transformer,
         data=transformer_data, opt=dict(lr=3e-3, weightDecay=1e-2), no_decay=["bias", "norm"],
         schedule=("warmup-cosine", 3, 0.1),
         description="Transformer encoder classifier: token + position embeddings (vocabulary 24, 8 positions, "
                     "width 16), 2 nn.TransformerEncoderLayer (2 heads, feed-forward 32, GELU, dropout 0, boolean "
                     "key padding mask), mean over the tokens that are not padding, linear head, cross entropy; "
                     "opset 17 (LayerNormalization). AdamW lr 3e-3, weight decay 1e-2 except biases and norms, "
                     "warmup (3 steps) + cosine multipliers."),
    dict(name="transformer-head-finetune-f32", opset=17, seed=31, rows=64, steps=6, batch=8, grad_rows=5,
         make=transformer,
         data=transformer_data, opt=dict(lr=1e-2, weightDecay=1e-2), no_decay=["bias"], schedule=None,
         trainable=["head.weight", "head.bias"],
         description="The transformer-encoder-f32 model fine-tuned on its head only (trainable: head.weight, "
                     "head.bias): every other parameter is frozen and must stay bit-identical. AdamW lr 1e-2, "
                     "weight decay 1e-2 on the head's weight."),
    dict(name="gpt-tiny-f32", opset=15, seed=32, rows=48, steps=8, batch=4, grad_rows=3,
         make=lambda: TinyGPT(vocab=gpt_vocab(), length=16, dim=16, heads=2, layers=2),
         data=gpt_data, opt=dict(lr=3e-3, weightDecay=1e-1, beta2=0.95), no_decay=["bias", "ln", "pos."],
         schedule=("warmup-cosine", 2, 0.1),
         description="Tiny causal GPT: token + position embeddings (16 positions, width 16), 2 pre-norm blocks of "
                     "causal self-attention (2 heads, lower-triangular mask, -inf above the diagonal) and a "
                     "tanh-GELU MLP, final LayerNorm, output projection tied to the token embedding, next-token "
                     "cross entropy; opset 15 (LayerNorm decomposed, Split into q, k, v). AdamW lr 3e-3, beta2 "
                     "0.95, weight decay 0.1 except biases, norms and position embeddings, warmup (2 steps) + cosine."),
    dict(name="cnn-batchnorm-mnist-f32", opset=14, seed=33, rows=53, steps=6, batch=8, grad_rows=5,
         make=lambda: BatchNormCNN(c1=4, c2=8, classes=10),
         data=cnn_data, opt=dict(lr=2e-3, weightDecay=1e-2, amsgrad=True), no_decay=["bias", "bn"], schedule=None,
         description="CNN on 1x28x28 MNIST: conv3x3(4)-BatchNorm2d-ReLU-maxpool2-conv3x3(8)-BatchNorm2d-ReLU-"
                     "maxpool2-flatten-linear(10), cross entropy; BatchNormalization in training mode (batch "
                     "statistics; running mean and variance recorded after the last step). AdamW with AMSGrad, "
                     "lr 2e-3, weight decay 1e-2 except biases and BatchNorm; no schedule (no scheduleMultipliers)."),
    dict(name="mlp-layernorm-gelu-mse-f32", opset=14, seed=34, rows=96, steps=10, batch=16, grad_rows=7,
         make=lambda: LayerNormMLP([12, 32, 32, 3]),
         data=mlp_data, opt=dict(lr=5e-3, weightDecay=5e-2), no_decay=["bias", "norms."], schedule=None,
         description="MLP 12-32-32-3, each hidden layer Linear-LayerNorm-GELU (erf), mean squared error; opset 14 "
                     "(LayerNorm decomposed into ReduceMean, Sub, Pow, Sqrt, Div). AdamW lr 5e-3, weight decay 5e-2 "
                     "except biases and norms; no schedule (no scheduleMultipliers)."),
    dict(name="embedding-bag-padded-f32", opset=14, seed=35, rows=128, steps=10, batch=16, grad_rows=9,
         make=lambda: BagClassifier(vocab=40, dim=12, hidden=16, classes=3),
         data=bag_data, opt=dict(lr=1e-2, weightDecay=1e-2), no_decay=None, schedule=("warmup-cosine", 2, 0.0),
         description="Bag-of-embeddings text classifier: nn.EmbeddingBag(40, 12, mode='mean', padding_idx=0) over "
                     "rows of 2-10 tokens padded with 0 (exported as Gather and a mean over the non-padding tokens), "
                     "linear-ReLU-linear, cross entropy. AdamW lr 1e-2, weight decay 1e-2 on every parameter (one "
                     "parameter group, no noDecay), warmup (2 steps) + cosine."),
]


# ---------------------------------------------------------------------------
# Encoding


def dtype_name(t):
    return {torch.float32: "float32", torch.float64: "float64", torch.int64: "int64", torch.bool: "bool"}[t.dtype]


def stored(t):
    """A tensor as {shape, data}: exact doubles for floats."""
    return {"shape": list(t.shape), "data": enc_list(t)}


def stored_feed(t):
    """A feed as {shape, dtype, data}: integers for int64, true/false for bool."""
    if t.dtype == torch.int64:
        data = [int(v) for v in t.reshape(-1).tolist()]
    elif t.dtype == torch.bool:
        data = [bool(v) for v in t.reshape(-1).tolist()]
    else:
        data = enc_list(t)
    return {"shape": list(t.shape), "dtype": dtype_name(t), "data": data}


# ---------------------------------------------------------------------------
# What a case computes


def prepare(case, dtype=torch.float32):
    """The case's model (initial weights seeded), its inputs as tensors, the
    rows of each step and of the gradient batch, the optimizer options, the
    noDecay names, the schedule multipliers (None without a schedule) and
    the trained names. The speed baseline uses it too."""
    steps, batch = case["steps"], case["batch"]
    arrays, desc = case["data"](case["rows"], case["seed"])
    torch.manual_seed(case["seed"])
    model = case["make"]().to(dtype)
    inputs = {}
    for name, a in arrays.items():
        if a.dtype == np.bool_:
            inputs[name] = torch.tensor(a, dtype=torch.bool)
        elif np.issubdtype(a.dtype, np.integer):
            inputs[name] = torch.tensor(a, dtype=torch.int64)
        else:
            inputs[name] = torch.tensor(a, dtype=dtype)
    # The gradient batch comes from rows no step uses first, and has another size.
    rows = case["rows"]
    grad_rows = list(range(rows - case["grad_rows"], rows))
    batches = make_batches(rows - case["grad_rows"], batch, steps, case["seed"])
    names = [n for n, _ in model.named_parameters()]
    trainable = case.get("trainable", names)
    for n, p in model.named_parameters():
        p.requires_grad_(n in trainable)
    no_decay = None if case["no_decay"] is None else [n for n in trainable if any(k in n for k in case["no_decay"])]
    multipliers = None
    if case["schedule"] is not None:
        _, warm, floor = case["schedule"]
        multipliers = warmup_cosine(steps, warm, floor)
    opts = dict(BASE_OPT, **case["opt"])
    return dict(model=model, inputs=inputs, batches=batches, grad_rows=grad_rows, opts=opts, no_decay=no_decay,
                multipliers=multipliers, trainable=trainable, data_description=desc)


def feeds_of(inputs, rows):
    idx = torch.tensor(rows, dtype=torch.int64)
    return {name: t[idx] for name, t in inputs.items()}


def gradients_at(model, feeds, trainable):
    """Loss and gradients of the trained parameters on one batch, on a copy
    (so that BatchNorm's running statistics of the model stay as they are)."""
    m = copy.deepcopy(model)
    loss = m(**feeds)
    loss.backward()
    params = dict(m.named_parameters())
    return loss.item(), {n: params[n].grad.detach().clone() for n in trainable}


def train(model, feeds_per_step, opts, no_decay, multipliers):
    """torch's AdamW trajectory: the loss of each step before its update."""
    opt = make_optimizer(model, opts, no_decay or [])
    steps = len(feeds_per_step)
    sched = None
    if multipliers is not None:
        sched = torch.optim.lr_scheduler.LambdaLR(opt, lambda e: multipliers[min(e, steps - 1)])
    losses = []
    for feeds in feeds_per_step:
        loss = model(**feeds)
        losses.append(loss.item())
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        if sched is not None:
            sched.step()
    return losses


def export_onnx(model, feeds, opset):
    """torch.onnx.export of a copy of the model. Exporting in training mode
    runs the copy forward once, which moves BatchNorm's running statistics;
    their initializers are set back to the model's values, so that the
    export starts where torch's trajectory starts."""
    import onnx
    from onnx import numpy_helper
    initial_buffers = float_buffers(model)
    model = copy.deepcopy(model)
    if hasattr(model, "exporting"):
        model.exporting = True
    names = list(feeds)
    buf = io.BytesIO()
    torch.onnx.export(model, tuple(feeds.values()), buf, export_params=True,
                      training=torch.onnx.TrainingMode.TRAINING, do_constant_folding=False, opset_version=opset,
                      input_names=names, output_names=["loss"], dynamic_axes={n: {0: "batch"} for n in names})
    m = onnx.load_from_string(buf.getvalue())
    for init in m.graph.initializer:
        if init.name in initial_buffers:
            init.CopyFrom(numpy_helper.from_array(initial_buffers[init.name].numpy(), init.name))
    onnx.checker.check_model(m)
    floats = sorted(i.name for i in m.graph.initializer if i.data_type in (onnx.TensorProto.FLOAT, onnx.TensorProto.DOUBLE))
    return m.SerializeToString(), sorted({n.op_type for n in m.graph.node}), floats


def check_export_matches(model, feeds):
    """A module with an export-only spelling (`exporting`) must compute what
    the trained module computes."""
    if not hasattr(model, "exporting"):
        return
    twin = copy.deepcopy(model)
    twin.exporting = True
    a, b = model(**feeds), twin(**feeds)
    if abs(a.item() - b.item()) > 1e-6 * max(1.0, abs(a.item())):
        raise RuntimeError(f"the exported form computes {b.item()}, the trained module {a.item()}")


def float_buffers(model):
    return {n: b.detach().clone() for n, b in model.named_buffers() if b.is_floating_point() and "running" in n}


def build(case, check=False):
    p = prepare(case)
    model, inputs, trainable = p["model"], p["inputs"], p["trainable"]
    grad_feeds = feeds_of(inputs, p["grad_rows"])
    step_feeds = [feeds_of(inputs, rows) for rows in p["batches"]]
    check_export_matches(model, grad_feeds)

    onnx_bytes, operators, float_inits = export_onnx(model, step_feeds[0], case["opset"])
    names = [n for n, _ in model.named_parameters()]
    if not set(names) <= set(float_inits):
        raise RuntimeError(f"parameters {sorted(set(names) - set(float_inits))} are not initializers of the export")
    initial = {n: t.detach().clone() for n, t in model.named_parameters()}

    grad_loss, grads = gradients_at(model, grad_feeds, trainable)
    losses = train(model, step_feeds, p["opts"], p["no_decay"], p["multipliers"])
    final = {n: t.detach().clone() for n, t in model.named_parameters()}
    for n in names:
        if n not in trainable and not torch.equal(final[n], initial[n]):
            raise RuntimeError(f"frozen parameter {n} changed")

    optimizer = dict(p["opts"])
    if p["no_decay"] is not None:
        optimizer["noDecay"] = p["no_decay"]
    if p["multipliers"] is not None:
        optimizer["scheduleMultipliers"] = p["multipliers"]
    expected = {"losses": enc_list(losses), "params": {n: stored(final[n]) for n in trainable}}
    buffers = float_buffers(model)
    if buffers:
        expected["buffers"] = {n: stored(b) for n, b in buffers.items()}
    fixture = {
        "format": FORMAT,
        "name": case["name"],
        "description": case["description"] + " Data: " + p["data_description"] + ".",
        "generator": generator_info(SCRIPT),
        "opset": case["opset"],
        "operators": operators,
        "onnx": base64.b64encode(onnx_bytes).decode("ascii"),
    }
    # The default of the trainer is every float initializer the loss depends
    # on; name the parameters when other float initializers exist (running
    # statistics) or when some are frozen.
    if trainable != names or set(float_inits) != set(names):
        fixture["trainable"] = trainable
    fixture["gradients"] = {
        "feeds": {n: stored_feed(t) for n, t in grad_feeds.items()},
        "expected": {"loss": grad_loss, "grads": {n: stored(g) for n, g in grads.items()}},
    }
    fixture["trajectory"] = {
        "optimizer": optimizer,
        "steps": [{n: stored_feed(t) for n, t in feeds.items()} for feeds in step_feeds],
        "expected": expected,
    }
    twin = float64_twin(case)
    undetermined = {}
    for n in trainable:
        a = final[n].double().reshape(-1).numpy()
        b = twin["params"][n].reshape(-1).numpy()
        ga = grads[n].double().reshape(-1).numpy()
        gb = twin["grads"][n].reshape(-1).numpy()
        noise = (ga != gb) & (np.abs(ga - gb) > 0.5 * np.abs(gb))
        idx = np.nonzero(noise | (np.abs(a - b) / np.maximum(np.abs(b), PARAM_FLOOR) > UNDETERMINED))[0]
        if len(idx) > 0:
            undetermined[n] = [int(i) for i in idx]
    if undetermined:
        expected["undetermined"] = undetermined
    report = None
    if check:
        report = {
            "gradients": max(deviation(grads[n].numpy(), twin["grads"][n].numpy(), GRAD_FLOOR) for n in grads),
            "gradient loss": deviation([grad_loss], [twin["grad_loss"]], LOSS_FLOOR),
            "losses": deviation(losses, twin["losses"], LOSS_FLOOR),
            "params (determined)": max(
                deviation(np.delete(final[n].reshape(-1).numpy(), undetermined.get(n, [])),
                          np.delete(twin["params"][n].reshape(-1).numpy(), undetermined.get(n, [])), PARAM_FLOOR)
                for n in trainable),
            "undetermined": sum(len(v) for v in undetermined.values()),
        }
    return fixture, report


def float64_twin(case):
    """The same computation in float64: gradients, losses, final parameters."""
    p = prepare(case, torch.float64)
    model = p["model"]
    grad_loss, grads = gradients_at(model, feeds_of(p["inputs"], p["grad_rows"]), p["trainable"])
    losses = train(model, [feeds_of(p["inputs"], rows) for rows in p["batches"]], p["opts"], p["no_decay"],
                   p["multipliers"])
    params = {n: t.detach().clone() for n, t in model.named_parameters()}
    return dict(grad_loss=grad_loss, grads=grads, losses=losses, params=params)


def describe(fixture, report):
    losses = fixture["trajectory"]["expected"]["losses"]
    line = f"loss {losses[0]:.4f} -> {losses[-1]:.4f}; ops {', '.join(fixture['operators'])}"
    if report:
        line += "\n    float32 vs float64: " + ", ".join(f"{k} {v:.3e}" for k, v in report.items())
    return line


def main():
    generate(CASES, sys.argv[1:], OUT, build, describe)


if __name__ == "__main__":
    main()
