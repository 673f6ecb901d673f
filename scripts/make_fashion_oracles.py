#!/usr/bin/python3
"""Writes test/fixtures/fashion_oracles.json: an independent float64 NumPy pass of the three real
Keras-written Fashion-MNIST classifiers of ../shared/fixtures/keras (MANIFEST.md there) over the real
test set (Debian's dataset-fashion-mnist), for the subset the tests run (the first N_SUBSET images) and
for all 10,000:

  fashion_cnn_k3      fashion_cnn_k3.keras (Keras 3.10; its model.weights.h5 read from the zip)
  kotlindl_lenet      kotlindl_lenet_fashion_config.json + _weights.h5 (Keras 2.2.4-tf)
  kotlindl_toyresnet  kotlindl_toyresnet_fashion_config.json + _weights.h5 (functional, two Add blocks)

Per model: the number of correct predictions and the accuracy on the subset and on all images, the
predicted class of each subset image, and each subset image's margin (top logit minus the runner-up):
a float32 computation may only disagree with this float64 one where the margin is tiny.

Layers are computed from the architectures written here (checked against the files' configs):
Conv2D (cross-correlation, TensorFlow's 'same' padding), MaxPooling2D ('same' pads with -inf),
Flatten (row-major over H, W, C), Dense, Add, GlobalAveragePooling2D, relu / softmax / linear.

Run: /usr/bin/python3 scripts/make_fashion_oracles.py (python3-numpy, python3-h5py, dataset-fashion-mnist)
"""
import gzip
import io
import json
import os
import zipfile

import h5py
import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
FIX = os.environ.get('KERAS_TS_FIXTURES', os.path.join(HERE, '..', '..', 'shared', 'fixtures', 'keras'))
FASHION = os.environ.get('KERAS_TS_FASHION_DIR', '/usr/share/datasets/fashion-mnist')
OUT = os.path.join(HERE, '..', 'test', 'fixtures', 'fashion_oracles.json')
N_SUBSET = 1000


def idx(path):
    with gzip.open(path, 'rb') as f:
        b = f.read()
    ndim = b[3]
    shape = [int.from_bytes(b[4 + 4 * i:8 + 4 * i], 'big') for i in range(ndim)]
    return np.frombuffer(b, dtype=np.uint8, offset=4 + 4 * ndim).reshape(shape)


def tf_pad(n, k, s):
    out = -(-n // s)
    total = max((out - 1) * s + k - n, 0)
    return total // 2, total - total // 2


def conv2d(x, w, b, padding):
    """x [n, h, w, c], w [kh, kw, c, o], stride 1."""
    kh, kw = w.shape[:2]
    if padding == 'same':
        (t, bo), (l, r) = tf_pad(x.shape[1], kh, 1), tf_pad(x.shape[2], kw, 1)
        x = np.pad(x, ((0, 0), (t, bo), (l, r), (0, 0)))
    oh, ow = x.shape[1] - kh + 1, x.shape[2] - kw + 1
    y = np.zeros((x.shape[0], oh, ow, w.shape[3]))
    for i in range(kh):
        for j in range(kw):
            y += np.einsum('nhwc,co->nhwo', x[:, i:i + oh, j:j + ow, :], w[i, j], optimize=True)
    return y + b


def maxpool(x, k, s, padding):
    if padding == 'same':
        (t, bo), (l, r) = tf_pad(x.shape[1], k, s), tf_pad(x.shape[2], k, s)
        x = np.pad(x, ((0, 0), (t, bo), (l, r), (0, 0)), constant_values=-np.inf)
    oh, ow = (x.shape[1] - k) // s + 1, (x.shape[2] - k) // s + 1
    y = np.full((x.shape[0], oh, ow, x.shape[3]), -np.inf)
    for i in range(k):
        for j in range(k):
            y = np.maximum(y, x[:, i:i + s * (oh - 1) + 1:s, j:j + s * (ow - 1) + 1:s, :])
    return y


relu = lambda v: np.maximum(v, 0)


def f64(d):
    return np.asarray(d[()], dtype=np.float32).astype(np.float64)


def cnn_k3(x):
    z = zipfile.ZipFile(os.path.join(FIX, 'fashion_cnn_k3.keras'))
    cfg = json.loads(z.read('config.json'))
    assert [l['class_name'] for l in cfg['config']['layers']] == ['InputLayer', 'Conv2D', 'MaxPooling2D', 'Conv2D', 'MaxPooling2D', 'Flatten', 'Dropout', 'Dense', 'Dense']
    f = h5py.File(io.BytesIO(z.read('model.weights.h5')), 'r')
    v = lambda layer, i: f64(f[f'layers/{layer}/vars/{i}'])
    h = maxpool(relu(conv2d(x, v('conv2d', 0), v('conv2d', 1), 'valid')), 2, 2, 'valid')
    h = maxpool(relu(conv2d(h, v('conv2d_1', 0), v('conv2d_1', 1), 'valid')), 2, 2, 'valid')
    h = h.reshape(h.shape[0], -1)
    h = relu(h @ v('dense', 0) + v('dense', 1))
    logits = h @ v('dense_1', 0) + v('dense_1', 1)
    e = np.exp(logits - logits.max(1, keepdims=True))
    return e / e.sum(1, keepdims=True)  # the model's softmax output


def keras2_weights(name):
    f = h5py.File(os.path.join(FIX, name), 'r')
    return lambda layer, w: f64(f[f'{layer}/{layer}/{w}:0'])


def lenet(x):
    cfg = json.load(open(os.path.join(FIX, 'kotlindl_lenet_fashion_config.json')))
    assert [l['config']['name'] for l in cfg['config']['layers']] == ['conv2d', 'max_pooling2d', 'conv2d_1', 'max_pooling2d_1', 'flatten', 'dense', 'dense_1', 'dense_2']
    v = keras2_weights('kotlindl_lenet_fashion_weights.h5')
    h = maxpool(relu(conv2d(x, v('conv2d', 'kernel'), v('conv2d', 'bias'), 'same')), 2, 2, 'same')
    h = maxpool(relu(conv2d(h, v('conv2d_1', 'kernel'), v('conv2d_1', 'bias'), 'same')), 2, 2, 'same')
    h = h.reshape(h.shape[0], -1)
    h = relu(h @ v('dense', 'kernel') + v('dense', 'bias'))
    h = relu(h @ v('dense_1', 'kernel') + v('dense_1', 'bias'))
    return h @ v('dense_2', 'kernel') + v('dense_2', 'bias')


def toyresnet(x):
    cfg = json.load(open(os.path.join(FIX, 'kotlindl_toyresnet_fashion_config.json')))
    names = [l['config']['name'] for l in cfg['config']['layers']]
    assert names == ['img', 'conv2d_34', 'conv2d_35', 'max_pooling2d_5', 'conv2d_36', 'conv2d_37', 'add_8', 'conv2d_38', 'conv2d_39', 'add_9',
                     'conv2d_40', 'global_average_pooling2d_3', 'dense_6', 'dense_7'], names
    v = keras2_weights('kotlindl_toyresnet_fashion_weights.h5')
    conv = lambda h, n, p: relu(conv2d(h, v(n, 'kernel'), v(n, 'bias'), p))
    h = conv(conv(x, 'conv2d_34', 'valid'), 'conv2d_35', 'valid')
    b1 = maxpool(h, 3, 3, 'valid')
    b2 = conv(conv(b1, 'conv2d_36', 'same'), 'conv2d_37', 'same') + b1
    b3 = conv(conv(b2, 'conv2d_38', 'same'), 'conv2d_39', 'same') + b2
    h = conv(b3, 'conv2d_40', 'valid').mean(axis=(1, 2))
    h = relu(h @ v('dense_6', 'kernel') + v('dense_6', 'bias'))
    return h @ v('dense_7', 'kernel') + v('dense_7', 'bias')


def main():
    images = idx(os.path.join(FASHION, 't10k-images-idx3-ubyte.gz'))
    labels = idx(os.path.join(FASHION, 't10k-labels-idx1-ubyte.gz')).astype(np.int64)
    # x / 255 in float32, as the tests (and the models' training scripts) scale them
    x_all = (images.astype(np.float32) / np.float32(255)).astype(np.float64).reshape(-1, 28, 28, 1)
    out = {'generator': 'scripts/make_fashion_oracles.py', 'numpy': np.__version__, 'subset': N_SUBSET, 'models': {}}
    for name, fn in [('fashion_cnn_k3', cnn_k3), ('kotlindl_lenet', lenet), ('kotlindl_toyresnet', toyresnet)]:
        preds, margins = [], []
        for s in range(0, len(labels), 500):
            p = fn(x_all[s:s + 500])
            top2 = np.sort(p, axis=1)[:, -2:]
            preds.append(p.argmax(1))
            margins.append(top2[:, 1] - top2[:, 0])
        pred, margin = np.concatenate(preds), np.concatenate(margins)
        ok = pred == labels
        out['models'][name] = {
            'subsetCorrect': int(ok[:N_SUBSET].sum()), 'subsetAccuracy': float(ok[:N_SUBSET].mean()),
            'fullCorrect': int(ok.sum()), 'fullAccuracy': float(ok.mean()),
            'predictions': [int(v) for v in pred[:N_SUBSET]],
            'margins': [float('%.6g' % v) for v in margin[:N_SUBSET]],
        }
        print(f'{name}: {int(ok[:N_SUBSET].sum())}/{N_SUBSET} on the subset, full accuracy {ok.mean():.4f}, '
              f'smallest subset margin {margin[:N_SUBSET].min():.3g}')
    with open(OUT, 'w') as f:
        json.dump(out, f, separators=(',', ':'))
        f.write('\n')
    print(f'{OUT}: {os.path.getsize(OUT)} bytes')


if __name__ == '__main__':
    main()
