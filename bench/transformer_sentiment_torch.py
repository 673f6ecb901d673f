"""The accuracy peer of examples/text_classification_with_transformer.ts: keras.io's "Text
classification with Transformer" written in PyTorch, with the same data, split, vectorization, model,
initialization and recipe, so that the held-out accuracies can be compared.

Usage: /usr/bin/python3 bench/transformer_sentiment_torch.py [--data DIR] [--epochs N] SEED [SEED ...]
Prints one line per seed ("seed S: held-out accuracy A") and the mean.

- Data: the three files of the UCI Sentiment Labelled Sentences, in the order amazon, imdb, yelp;
  sentence i is held out when i % 5 == 4 (600 test, 2,400 training sentences).
- Vectorization as Keras's TextVectorization: ASCII lowercase, ASCII punctuation stripped
  (Keras's DEFAULT_STRIP_REGEX), split on whitespace; the vocabulary of the training sentences by
  descending count, ties by descending token, after '' (0, padding) and '[UNK]' (1); sequences cut
  or zero-padded at the end to 40 ids.
- Model (embed 32, 2 heads of key_dim 32, ff 32, dropout 0.1): token + position embeddings
  (uniform(-0.05, 0.05), Keras's Embedding default); MultiHeadAttention as Keras 3.10 computes it:
  EinsumDense projections with kernels [32, 2, 32] / [2, 32, 32] drawn glorot-uniform with Keras's
  fans for rank-3 kernels (fan_in = shape[-2] * prod(shape[:-2]), fan_out = shape[-1] * prod(shape[:-2])),
  zero biases, scores softmax(q k / sqrt(32)); residual + LayerNormalization(eps 1e-6) twice, a
  relu/linear feed-forward network, global average pooling, dropout, Dense(20, relu), dropout,
  Dense(2, softmax); Dense kernels glorot-uniform, biases zero.
- Recipe: Adam (lr 1e-3, betas 0.9/0.999, eps 1e-7: Keras's defaults), sparse categorical
  crossentropy, batch 32, the training set reshuffled every epoch, the held-out accuracy after the
  last epoch.
"""
import argparse
import math
import os
import re

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

STRIP = re.compile(r"[!\"#$%&()*+,\-./:;<=>?@\[\\\]^_`{|}~']")
WS = re.compile(r"[ \t\n\v\f\r]+")
MAXLEN, EMBED, HEADS, FF, RATE = 40, 32, 2, 32, 0.1


def load(data_dir):
    lines = []
    for f in ("amazon_cells_labelled.txt", "imdb_labelled.txt", "yelp_labelled.txt"):
        with open(os.path.join(data_dir, f), encoding="utf8") as fh:
            lines += [l for l in fh.read().split("\n") if l.strip()]
    texts = [l[: l.rindex("\t")] for l in lines]
    labels = [int(l[l.rindex("\t") + 1:]) for l in lines]
    return texts, labels


def tokens(s):
    s = re.sub(r"[A-Z]+", lambda m: m.group(0).lower(), s)
    return [t for t in WS.split(STRIP.sub("", s)) if t]


def vectorize(texts, train_idx):
    counts = {}
    for i in train_idx:
        for t in tokens(texts[i]):
            counts[t] = counts.get(t, 0) + 1
    vocab = sorted(counts, key=lambda t: (counts[t], t), reverse=True)
    index = {t: i + 2 for i, t in enumerate(vocab)}
    ids = np.zeros((len(texts), MAXLEN), dtype=np.int64)
    for r, s in enumerate(texts):
        seq = [index.get(t, 1) for t in tokens(s)][:MAXLEN]
        ids[r, : len(seq)] = seq
    return ids, len(vocab) + 2


def glorot_(w, fan_in, fan_out):
    limit = math.sqrt(6.0 / (fan_in + fan_out))
    with torch.no_grad():
        w.uniform_(-limit, limit)
    return w


def keras_fans(shape):
    if len(shape) == 2:
        return shape[0], shape[1]
    rf = int(np.prod(shape[:-2]))
    return shape[-2] * rf, shape[-1] * rf


def einsum_kernel(*shape):
    return glorot_(nn.Parameter(torch.empty(*shape)), *keras_fans(shape))


def dense(n_in, n_out):
    layer = nn.Linear(n_in, n_out)
    glorot_(layer.weight, n_in, n_out)
    nn.init.zeros_(layer.bias)
    return layer


class MultiHeadAttention(nn.Module):
    """Keras's MultiHeadAttention(num_heads, key_dim) for self-attention, in its weights' layout."""

    def __init__(self, dim, heads, key_dim):
        super().__init__()
        self.wq, self.wk, self.wv = (einsum_kernel(dim, heads, key_dim) for _ in range(3))
        self.bq, self.bk, self.bv = (nn.Parameter(torch.zeros(heads, key_dim)) for _ in range(3))
        self.wo = einsum_kernel(heads, key_dim, dim)
        self.bo = nn.Parameter(torch.zeros(dim))
        self.scale = 1.0 / math.sqrt(key_dim)

    def forward(self, x):
        q = torch.einsum("btd,dhk->bthk", x, self.wq) + self.bq
        k = torch.einsum("btd,dhk->bthk", x, self.wk) + self.bk
        v = torch.einsum("btd,dhk->bthk", x, self.wv) + self.bv
        p = torch.softmax(torch.einsum("bshk,bthk->bhts", k, q * self.scale), dim=-1)
        o = torch.einsum("bhts,bshk->bthk", p, v)
        return torch.einsum("bthk,hkd->btd", o, self.wo) + self.bo


class Classifier(nn.Module):
    def __init__(self, vocab_size):
        super().__init__()
        self.token_emb = nn.Embedding(vocab_size, EMBED)
        self.pos_emb = nn.Embedding(MAXLEN, EMBED)
        for e in (self.token_emb, self.pos_emb):
            nn.init.uniform_(e.weight, -0.05, 0.05)
        self.att = MultiHeadAttention(EMBED, HEADS, EMBED)
        self.ffn1, self.ffn2 = dense(EMBED, FF), dense(FF, EMBED)
        self.ln1, self.ln2 = nn.LayerNorm(EMBED, eps=1e-6), nn.LayerNorm(EMBED, eps=1e-6)
        self.d1, self.d2 = dense(EMBED, 20), dense(20, 2)

    def forward(self, ids):
        x = self.token_emb(ids) + self.pos_emb(torch.arange(ids.shape[-1]))
        a = F.dropout(self.att(x), RATE, self.training)
        out1 = self.ln1(x + a)
        f = F.dropout(self.ffn2(F.relu(self.ffn1(out1))), RATE, self.training)
        x = self.ln2(out1 + f).mean(dim=1)
        x = F.dropout(x, RATE, self.training)
        x = F.dropout(F.relu(self.d1(x)), RATE, self.training)
        return self.d2(x)  # logits: the softmax is in the loss


def run(seed, x, y, train_idx, test_idx, vocab_size, epochs):
    torch.manual_seed(seed)
    np.random.seed(seed)
    model = Classifier(vocab_size)
    opt = torch.optim.Adam(model.parameters(), lr=1e-3, betas=(0.9, 0.999), eps=1e-7)
    xt, yt = torch.tensor(x[train_idx]), torch.tensor(y[train_idx])
    for _ in range(epochs):
        model.train()
        order = torch.randperm(len(train_idx))
        for b in range(0, len(order), 32):
            idx = order[b: b + 32]
            opt.zero_grad()
            F.cross_entropy(model(xt[idx]), yt[idx]).backward()
            opt.step()
    model.eval()
    with torch.no_grad():
        pred = model(torch.tensor(x[test_idx])).argmax(-1).numpy()
    return float((pred == y[test_idx]).mean())


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--data", default=os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "shared", "data", "uci_sentiment_labelled_sentences"))
    p.add_argument("--epochs", type=int, default=5)
    p.add_argument("seeds", nargs="*", type=int, default=[1, 2, 3])
    a = p.parse_args()
    torch.set_num_threads(1)
    texts, labels = load(a.data)
    train_idx = [i for i in range(len(texts)) if i % 5 != 4]
    test_idx = [i for i in range(len(texts)) if i % 5 == 4]
    x, vocab_size = vectorize(texts, train_idx)
    y = np.array(labels, dtype=np.int64)
    accs = []
    for s in a.seeds:
        acc = run(s, x, y, train_idx, test_idx, vocab_size, a.epochs)
        accs.append(acc)
        print(f"seed {s}: held-out accuracy {acc:.4f}", flush=True)
    print(f"PyTorch {torch.__version__}, {a.epochs} epochs, vocabulary {vocab_size}: mean held-out accuracy {np.mean(accs):.4f} over seeds {a.seeds}")


if __name__ == "__main__":
    main()
