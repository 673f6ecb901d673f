"""Writes test/fixtures/preprocessing_layers.json: Discretization.adapt's bin boundaries from a NumPy
transcription of Keras 3's summarize / merge_summaries / compress_summary
(keras/src/layers/preprocessing/discretization.py), for data streamed in several batches.

Run with /usr/bin/python3 (Debian's python3-numpy).
"""
import json
import os

import numpy as np


def summarize(values, epsilon):
    values = np.sort(np.reshape(values, [-1]))
    elements = np.size(values)
    num_buckets = 1.0 / epsilon
    increment = elements / num_buckets
    step = max(increment, 1)
    start = step - 1
    boundaries = values[int(start)::int(step)]
    weights = np.ones_like(boundaries) * step
    return np.stack([boundaries, weights])


def compress_summary(summary, epsilon):
    if summary.shape[1] * epsilon < 1:
        return summary
    percents = epsilon + np.arange(0.0, 1.0, epsilon)
    cum_weights = summary[1].cumsum()
    cum_weight_percents = cum_weights / cum_weights[-1]
    new_bins = np.interp(percents, cum_weight_percents, summary[0])
    cum_weights = np.interp(percents, cum_weight_percents, cum_weights)
    new_weights = cum_weights - np.concatenate((np.array([0]), cum_weights[:-1]))
    return np.stack((new_bins, new_weights)).astype("float32")


def merge_summaries(prev_summary, next_summary, epsilon):
    merged = np.concatenate((prev_summary, next_summary), axis=1)
    merged = np.take(merged, np.argsort(merged[0], kind="stable"), axis=1)
    return compress_summary(merged, epsilon)


def adapt(batches, num_bins, epsilon):
    summary = np.array([[], []], dtype="float32")
    for b in batches:
        summary = merge_summaries(summarize(np.array(b).astype("float32"), epsilon), summary, epsilon)
    return compress_summary(summary, 1.0 / num_bins)[0, :-1].tolist()


rng = np.random.RandomState(3)
cases = []
for num_bins, epsilon, sizes in [(7, 0.01, [400, 350, 250]), (4, 0.05, [60]), (10, 0.001, [3000, 1000]), (3, 0.01, [50, 5])]:
    batches = [rng.normal(1.0, 2.0, size=n).astype("float32") for n in sizes]
    cases.append({"numBins": num_bins, "epsilon": epsilon, "batches": [b.astype(np.float64).tolist() for b in batches], "binBoundaries": adapt(batches, num_bins, epsilon)})

path = os.path.join(os.path.dirname(__file__), "..", "test", "fixtures", "preprocessing_layers.json")
with open(path, "w") as f:
    json.dump({"note": "made by scripts/make_preprocessing_fixtures.py", "discretization": cases}, f)
print(f"wrote {path}: {len(cases)} Discretization cases")
