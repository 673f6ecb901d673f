"""PyTorch and ONNX half of bench/inference.ts: the three seed models with keras-ts's own weights.

Usage: /usr/bin/python3 bench/models_onnx.py DIR STEPS MODEL...   (MODEL: mlp, cnn, lstm)

DIR holds what bench/inference.ts wrote for each MODEL: `MODEL.json` (the batch's shape and dtype,
and the weights in `model.getWeights()` order, each with its shape and the raw little-endian file
that holds it) and `MODEL.x.bin` (the input batch). For each model this script
- builds the same architecture in PyTorch and loads keras-ts's weights into it (Keras's kernels are
  [in, out], PyTorch's Linear weights [out, in]; Conv2D kernels (kh, kw, in, out) become
  (out, in, kh, kw); the CNN's first Dense takes Keras's flattened NHWC order, so its rows are
  permuted to PyTorch's NCHW flatten; LSTM gates are i, f, c, o in both, Keras's one bias goes to
  `bias_ih` and `bias_hh` is zero);
- exports it with `torch.onnx.export`, opset 13, to `DIR/MODEL.onnx` (output = softmax or sigmoid
  probabilities, as Keras's `predict`; the CNN takes NCHW input, PyTorch's and ONNX's layout);
- writes PyTorch's output on the batch to `DIR/MODEL.torch.bin` (float32) so the caller can check
  that the three frameworks compute the same function;
- times PyTorch's inference on the batch (1 thread, `torch.no_grad`, eval mode, median of STEPS
  runs after warm-up) and prints one JSON line {"model", "infer": samples/s from the median run,
  "ms": median ms, "inferCpu": samples/s from the process's CPU time per run}.
"""
import json
import os
import statistics
import sys
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F


class MLP(nn.Module):
    def __init__(self):
        super().__init__()
        self.d1, self.d2, self.d3 = nn.Linear(784, 512), nn.Linear(512, 512), nn.Linear(512, 10)

    def forward(self, x):
        return F.softmax(self.d3(F.relu(self.d2(F.relu(self.d1(x))))), dim=1)


class CNN(nn.Module):
    def __init__(self):
        super().__init__()
        self.c1, self.c2 = nn.Conv2d(1, 32, 3), nn.Conv2d(32, 64, 3)
        self.d1, self.d2 = nn.Linear(64 * 12 * 12, 128), nn.Linear(128, 10)

    def forward(self, x):  # x: NCHW
        x = F.max_pool2d(F.relu(self.c2(F.relu(self.c1(x)))), 2)
        return F.softmax(self.d2(F.relu(self.d1(torch.flatten(x, 1)))), dim=1)


class LSTMNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.emb = nn.Embedding(20000, 128)
        self.lstm = nn.LSTM(128, 128, batch_first=True)
        self.d = nn.Linear(128, 1)

    def forward(self, x):
        _, (h, _) = self.lstm(self.emb(x))
        return torch.sigmoid(self.d(h[-1]))


def t(a):
    return torch.from_numpy(np.ascontiguousarray(a, dtype=np.float32))


def load(name, spec, d):
    ws = [np.fromfile(os.path.join(d, w["file"]), dtype="<f4").reshape(w["shape"]) for w in spec["weights"]]
    with torch.no_grad():
        if name == "mlp":
            m = MLP()
            for lin, (k, b) in zip([m.d1, m.d2, m.d3], [ws[0:2], ws[2:4], ws[4:6]]):
                lin.weight.copy_(t(k.T))
                lin.bias.copy_(t(b))
        elif name == "cnn":
            m = CNN()
            for conv, (k, b) in zip([m.c1, m.c2], [ws[0:2], ws[2:4]]):
                conv.weight.copy_(t(k.transpose(3, 2, 0, 1)))
                conv.bias.copy_(t(b))
            # Keras flattens (h, w, c); PyTorch (c, h, w): reorder the kernel's rows to match
            k = ws[4].reshape(12, 12, 64, 128).transpose(2, 0, 1, 3).reshape(64 * 12 * 12, 128)
            m.d1.weight.copy_(t(k.T))
            m.d1.bias.copy_(t(ws[5]))
            m.d2.weight.copy_(t(ws[6].T))
            m.d2.bias.copy_(t(ws[7]))
        else:
            m = LSTMNet()
            m.emb.weight.copy_(t(ws[0]))
            m.lstm.weight_ih_l0.copy_(t(ws[1].T))
            m.lstm.weight_hh_l0.copy_(t(ws[2].T))
            m.lstm.bias_ih_l0.copy_(t(ws[3]))
            m.lstm.bias_hh_l0.zero_()
            m.d.weight.copy_(t(ws[4].T))
            m.d.bias.copy_(t(ws[5]))
    return m.eval()


def main():
    d, steps = sys.argv[1], int(sys.argv[2])
    torch.set_num_threads(1)
    for name in sys.argv[3:]:
        with open(os.path.join(d, name + ".json")) as f:
            spec = json.load(f)
        shape = spec["inputShape"]
        if spec["inputDtype"] == "int32":
            x = torch.from_numpy(np.fromfile(os.path.join(d, name + ".x.bin"), dtype="<i4").reshape(shape).astype(np.int64))
        else:
            x = t(np.fromfile(os.path.join(d, name + ".x.bin"), dtype="<f4").reshape(shape))
        if name == "cnn":
            x = x.permute(0, 3, 1, 2).contiguous()  # NHWC -> NCHW, once, outside the timed runs
        model = load(name, spec, d)
        torch.onnx.export(model, (x,), os.path.join(d, name + ".onnx"), opset_version=13,
                          input_names=["x"], output_names=["y"])
        with torch.no_grad():
            y = model(x)
            y.numpy().astype("<f4").tofile(os.path.join(d, name + ".torch.bin"))
            for _ in range(3):
                model(x)
            times = []
            c0 = time.process_time()
            for _ in range(steps):
                t0 = time.perf_counter()
                model(x)
                times.append((time.perf_counter() - t0) * 1000)
            cpu_ms = (time.process_time() - c0) * 1000 / steps
        ms = statistics.median(times)
        print(json.dumps({"model": name, "infer": shape[0] * 1000 / ms, "ms": ms, "inferCpu": shape[0] * 1000 / cpu_ms}), flush=True)


if __name__ == "__main__":
    main()
