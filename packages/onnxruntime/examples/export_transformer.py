"""Writes examples/transformer-classifier.onnx for examples/finetune-head.ts.

The model is the transformer encoder classifier of the whole-model
conformance fixtures (packages/conformance/generator/onnx_models.py: token
and position embeddings, two nn.TransformerEncoderLayer with GELU, mean
pool, linear head). It is pretrained here in torch on padded token rows
(class: the third of the vocabulary the tokens fall in most often), then
its head is replaced by a freshly initialised one, and the whole thing is
exported in training mode with two outputs, the loss and the logits. The
example trains only that new head in ONNX Runtime.

Opset 14: LayerNorm is exported decomposed (ReduceMean, Sub, Pow, Sqrt,
Div).

    /usr/bin/python3 packages/onnxruntime/examples/export_transformer.py
"""

import io
import os
import sys

import torch
import torch.nn as nn
import torch.nn.functional as F

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "conformance", "generator"))
from fixture_data import padded_tokens  # noqa: E402
from onnx_models import TransformerClassifier  # noqa: E402

VOCAB, LENGTH = 24, 8


class LossAndLogits(TransformerClassifier):
    """The same module (same parameter names) returning its logits too."""

    def forward(self, x, pad, y):
        logits = self.logits(x, pad)
        return F.cross_entropy(logits, y), logits


def main():
    torch.set_num_threads(1)
    torch.manual_seed(7)
    net = LossAndLogits(vocab=VOCAB, length=LENGTH, dim=16, heads=2, ff=32, layers=2, classes=3)
    x, y, _ = padded_tokens(2048, 7, vocab=VOCAB, length=LENGTH, min_length=3)
    x, y = torch.tensor(x), torch.tensor(y)
    pad = x == 0
    opt = torch.optim.AdamW(net.parameters(), lr=3e-3, weight_decay=1e-2)
    for step in range(300):
        idx = torch.randint(0, len(y), (64,))
        loss, _ = net(x[idx], pad[idx], y[idx])
        opt.zero_grad()
        loss.backward()
        opt.step()
    print(f"pretrained: loss {loss.item():.4f} after 300 steps")
    net.head = nn.Linear(16, 3)  # the new head the example trains
    buf = io.BytesIO()
    torch.onnx.export(net, (x[:4], pad[:4], y[:4]), buf, export_params=True,
                      training=torch.onnx.TrainingMode.TRAINING, do_constant_folding=False, opset_version=14,
                      input_names=["x", "pad", "y"], output_names=["loss", "logits"],
                      dynamic_axes={n: {0: "batch"} for n in ["x", "pad", "y", "logits"]})
    path = os.path.join(HERE, "transformer-classifier.onnx")
    with open(path, "wb") as f:
        f.write(buf.getvalue())
    print(f"{os.path.relpath(path, HERE)}: {len(buf.getvalue())} bytes")


if __name__ == "__main__":
    main()
