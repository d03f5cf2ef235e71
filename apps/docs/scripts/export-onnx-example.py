"""Exports the untrained model that the onnxruntime guide's examples train.

A classifier of 2-D points into 3 classes (2-16-16-3, tanh) whose forward(x, y)
returns (loss, logits), exported by torch.onnx.export in training mode with a
dynamic batch size, the way a PyTorch user hands a model to @adamw/onnxruntime.

Run with Debian's interpreter, which has torch 1.13 and onnx:

    /usr/bin/python3 apps/docs/scripts/export-onnx-example.py
"""

import os

import onnx
import torch
import torch.nn.functional as F

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "examples", "onnxruntime", "classifier.onnx")


class Classifier(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.hidden1 = torch.nn.Linear(2, 16)
        self.hidden2 = torch.nn.Linear(16, 16)
        self.out = torch.nn.Linear(16, 3)

    def forward(self, x, y):
        logits = self.out(torch.tanh(self.hidden2(torch.tanh(self.hidden1(x)))))
        return F.cross_entropy(logits, y), logits


def main():
    torch.manual_seed(0)
    model = Classifier()
    x = torch.zeros(4, 2)
    y = torch.zeros(4, dtype=torch.int64)
    torch.onnx.export(model, (x, y), OUT, export_params=True,
                      training=torch.onnx.TrainingMode.TRAINING, do_constant_folding=False, opset_version=14,
                      input_names=["x", "y"], output_names=["loss", "logits"],
                      dynamic_axes={"x": {0: "batch"}, "y": {0: "batch"}, "logits": {0: "batch"}})
    onnx.checker.check_model(onnx.load(OUT))
    print(f"wrote {os.path.relpath(OUT)}: ops {sorted({n.op_type for n in onnx.load(OUT).graph.node})}")


if __name__ == "__main__":
    main()
