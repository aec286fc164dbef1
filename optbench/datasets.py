"""Small deterministic classification data sets for the bundled ``mlp`` and ``logistic`` problems.

Nothing is downloaded: the built-in sets are generated from a seed, and a user's own data
comes from a CSV file (features first, the label in the last column).

Built-in sets (2 features each, standardised to roughly unit scale):

* ``spirals`` — two interleaved spirals (1.5 turns each, Gaussian noise 0.05 relative to radius 1);
* ``blobs``   — three Gaussian blobs (σ = 0.5) at the vertices of a triangle of side √3;
* ``moons``   — two interleaved half circles with Gaussian noise 0.1 (like scikit-learn's
  ``make_moons``);
* ``xor``     — points uniform in the four quadrants of [−1, 1]², label 1 when x₁x₂ > 0.

Labels alternate 0, 1, (2,) 0, … so the classes are balanced.

CSV files: an optional header row (detected when a feature cell of the first row is not a
number), comma-separated, every row with the same number of cells; features must be
numbers, labels may be any text (classes are the sorted distinct labels). Malformed files
raise :class:`~optbench.core.errors.UsageError` naming the file and line.
"""

from __future__ import annotations

import csv
import math
from pathlib import Path

import numpy as np

from .core.errors import UsageError

BUILTIN = ("spirals", "blobs", "moons", "xor")


def make_dataset(name: str, n_samples: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """``(X, y)``: features (n_samples × 2) and integer labels 0..K−1, generated from ``seed``."""
    if n_samples < 4:
        raise UsageError(f"n_samples must be at least 4, got {n_samples}")
    rng = np.random.default_rng(seed)
    if name == "spirals":
        k = np.arange(n_samples)
        y = k % 2
        t = 1.5 * 2 * math.pi * rng.uniform(0.0, 1.0, n_samples) ** 0.5  # denser near the centre
        r = t / (3 * math.pi)
        angle = t + math.pi * y
        X = np.stack([r * np.cos(angle), r * np.sin(angle)], axis=1)
        X += 0.05 * rng.standard_normal(X.shape)
        X *= 2.0
    elif name == "blobs":
        y = np.arange(n_samples) % 3
        centres = np.array([[0.0, 1.0], [-math.sqrt(3) / 2, -0.5], [math.sqrt(3) / 2, -0.5]])
        X = centres[y] + 0.5 * rng.standard_normal((n_samples, 2))
    elif name == "moons":
        y = np.arange(n_samples) % 2
        t = rng.uniform(0.0, math.pi, n_samples)
        X = np.where(
            (y == 0)[:, None],
            np.stack([np.cos(t), np.sin(t)], axis=1),
            np.stack([1.0 - np.cos(t), 0.5 - np.sin(t)], axis=1),
        )
        X += 0.1 * rng.standard_normal(X.shape)
        X = (X - np.array([0.5, 0.25])) * 1.5
    elif name == "xor":
        y = np.arange(n_samples) % 2
        s1 = rng.choice([-1.0, 1.0], n_samples)
        s2 = np.where(y == 1, s1, -s1)  # same signs (x₁x₂ > 0) for class 1
        X = rng.uniform(0.0, 1.0, (n_samples, 2)) * np.stack([s1, s2], axis=1)
    else:
        raise UsageError(f"unknown dataset '{name}'")
    return X, y.astype(int)


def load_csv(path: str | Path) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """``(X, y, classes)`` from a CSV file: features in all but the last column, label last.

    Raises a one-line :class:`UsageError` naming the file and line on malformed input.
    """
    p = Path(path)
    if not p.is_file():
        raise UsageError(f"dataset file '{path}' not found")
    try:
        with open(p, newline="", encoding="utf-8") as fh:
            rows = [(i, row) for i, row in enumerate(csv.reader(fh), start=1) if any(c.strip() for c in row)]
    except (OSError, UnicodeDecodeError, csv.Error) as e:
        raise UsageError(f"dataset file '{path}' cannot be read: {e}") from None
    if rows and not _is_number(rows[0][1][0] if rows[0][1] else ""):
        rows = rows[1:]  # header
    if len(rows) < 2:
        raise UsageError(f"dataset file '{path}' has fewer than 2 data rows")
    width = len(rows[0][1])
    if width < 2:
        raise UsageError(f"dataset file '{path}' line {rows[0][0]}: need at least one feature and a label, "
                         f"got {width} column")
    features, labels = [], []
    for line, row in rows:
        if len(row) != width:
            raise UsageError(f"dataset file '{path}' line {line}: expected {width} comma-separated values, "
                             f"got {len(row)}")
        values = []
        for col, cell in enumerate(row[:-1], start=1):
            try:
                v = float(cell)
            except ValueError:
                raise UsageError(f"dataset file '{path}' line {line}, column {col}: "
                                 f"'{cell.strip()}' is not a number") from None
            if not math.isfinite(v):
                raise UsageError(f"dataset file '{path}' line {line}, column {col}: '{cell.strip()}' is not finite")
            values.append(v)
        features.append(values)
        labels.append(row[-1].strip())
    classes = sorted(set(labels), key=_label_key)
    index = {c: i for i, c in enumerate(classes)}
    return np.array(features, dtype=float), np.array([index[c] for c in labels], dtype=int), classes


def standardize(X: np.ndarray) -> np.ndarray:
    """Columns shifted to mean 0 and scaled to standard deviation 1 (constant columns left at 0)."""
    sd = X.std(axis=0)
    return (X - X.mean(axis=0)) / np.where(sd > 0, sd, 1.0)


def get_dataset(dataset: str, n_samples: int, seed: int) -> tuple[np.ndarray, np.ndarray, str]:
    """A built-in set by name or a CSV file by path: ``(X, y, description)``; CSV features standardised."""
    if dataset in BUILTIN:
        X, y = make_dataset(dataset, n_samples, seed)
        return X, y, f"{dataset} ({n_samples} samples, seed {seed})"
    if dataset.lower().endswith(".csv") or Path(dataset).is_file():
        X, y, classes = load_csv(dataset)
        return standardize(X), y, f"{dataset} ({len(y)} samples, {X.shape[1]} features, {len(classes)} classes)"
    raise UsageError(f"dataset '{dataset}' is neither a built-in set ({', '.join(BUILTIN)}) nor a CSV file")


def _is_number(text: str) -> bool:
    try:
        float(text)
        return True
    except ValueError:
        return False


def _label_key(label: str):
    return (0, float(label), "") if _is_number(label) else (1, 0.0, label)
