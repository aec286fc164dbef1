"""Training loss of a small multilayer perceptron (a bundled plugin, written as a user would).

f(w) = (1/N) Σᵢ CE(softmax(net_w(xᵢ)), yᵢ) + λ Σ_ℓ ‖W_ℓ‖²_F

with net_w(x) = W_L σ(… σ(W₁x + b₁) …) + b_L, σ = tanh or relu, cross-entropy of the softmax
output, and weight decay λ on the weight matrices (not the biases). All weights and biases
are packed into one flat vector (each W then b, row-major); the initial point is seeded
(LeCun normal: W_ℓ ~ N(0, 1/fan_in), b = 0). The minimum is not known (non-convex);
``metrics(w)`` reports the training accuracy.

Deep variants: ``depth=L`` stacks L hidden layers of the single size in ``hidden``; with
``checkpoint=K`` every K consecutive hidden layers form one segment under
:func:`optbench.checkpoint`, so the reverse pass stores only each segment's input and
recomputes the segment when the backward pass reaches it — the same f and gradient,
peak memory O(L/K + K) layers' activations instead of O(L), one extra forward pass
(Chen et al. 2016, arXiv:1604.06174; ``optbench memory mlp`` measures it).

Reference: Goodfellow, Bengio & Courville, *Deep Learning* (2016), §6.2 and §7.1.
"""

from optbench import np
import numpy as onp
from typing import Literal

from optbench import Problem, UsageError, checkpoint as checkpointed, problem
from optbench.datasets import get_dataset


def parse_hidden(hidden):
    """Layer sizes: ``(32, 16)`` (what ``-p hidden=32x16`` gives) or text ``"32x16"``/``"32,16"`` → [32, 16];
    ``"32"`` → [32]; ``""`` or ``()`` → [] (multinomial logistic regression)."""
    if isinstance(hidden, (list, tuple)):
        parts = [str(h) for h in hidden]
    else:
        parts = [p for p in str(hidden).replace(" ", "").lower().replace("x", ",").split(",") if p]
    sizes = []
    for part in parts:
        if not part.isdigit() or int(part) < 1:
            raise UsageError(f"hidden must be positive layer sizes like 32 or 32x16, got '{hidden_text(hidden)}'")
        sizes.append(int(part))
    return sizes


def flatten(params):
    """(w, unflatten): the (W, b) pairs packed into one flat vector, and the inverse map.

    ``unflatten`` slices and reshapes with ``optbench.np``, so it is differentiable on either backend.
    """
    shapes = [(W.shape, b.shape) for W, b in params]
    w = onp.concatenate([a.ravel() for Wb in params for a in Wb])

    def unflatten(v):
        out, i = [], 0
        for (m, k), (kb,) in shapes:
            W = np.reshape(v[i:i + m * k], (m, k))
            i += m * k
            out.append((W, v[i:i + kb]))
            i += kb
        return out

    return w, unflatten


def hidden_text(hidden):
    return "x".join(str(h) for h in hidden) if isinstance(hidden, (list, tuple)) else str(hidden)


@problem
def mlp(
    hidden: tuple[int, ...] = (16,),
    activation: Literal["tanh", "relu"] = "tanh",
    weight_decay: float = 1e-3,
    dataset: str = "moons",
    n_samples: int = 200,
    seed: int = 0,
    depth: int = 0,
    checkpoint: int = 0,
) -> Problem:
    """MLP training loss: softmax cross-entropy + weight_decay·Σ‖W‖²; metric train_accuracy; f* unknown.

    hidden: layer sizes, e.g. 16 or 32x16 (two layers; in compare, hidden=32x16,64 is two nets).
    dataset: spirals | blobs | moons | xor (generated from seed, n_samples points) or a CSV file (last column the label; features standardised).
    The start is a seeded LeCun-normal initialisation. tanh (the default) is smooth, which
    suits second-order methods; relu makes f only piecewise smooth.
    depth: 0 uses the layers in hidden; L ≥ 1 stacks L layers of hidden's one size (deep nets).
    checkpoint: K ≥ 1 recomputes each block of K hidden layers in the backward pass instead of
    storing it (less memory, one more forward pass; same f and gradient); 0 = off.
    """
    sizes = parse_hidden(hidden)
    if depth < 0:
        raise UsageError(f"depth must be ≥ 0 (0: the layers listed in hidden), got {depth}")
    if depth > 0:
        if len(sizes) != 1:
            raise UsageError(f"depth={depth} repeats one layer size; give a single size like hidden=64, got hidden='{hidden_text(hidden)}'")
        sizes = sizes * depth
    if checkpoint < 0:
        raise UsageError(f"checkpoint must be ≥ 0 (layers per recomputed segment; 0 = off), got {checkpoint}")
    if weight_decay < 0:
        raise UsageError(f"weight_decay must be ≥ 0, got {weight_decay}")
    X, y, _ = get_dataset(dataset, n_samples, seed)
    n_classes = int(y.max()) + 1
    if n_classes < 2:
        raise UsageError(f"dataset '{dataset}' has a single class; need at least 2")
    Y = onp.eye(n_classes)[y]
    layers = [X.shape[1]] + sizes + [n_classes]
    rng = onp.random.default_rng(onp.random.SeedSequence([seed, 1]))
    params = [(rng.standard_normal((m, k)) / onp.sqrt(m), onp.zeros(k)) for m, k in zip(layers[:-1], layers[1:])]
    w0, unflatten = flatten(params)
    act = (lambda z: np.tanh(z)) if activation == "tanh" else (lambda z: np.maximum(z, 0.0))

    def layers_block(h, *Wb):
        """Hidden layers h ← σ(h W + b) for the (W, b) pairs in Wb."""
        for i in range(0, len(Wb), 2):
            h = act(np.dot(h, Wb[i]) + Wb[i + 1])
        return h

    block = checkpointed(layers_block) if checkpoint > 0 else layers_block
    step = checkpoint if checkpoint > 0 else max(len(sizes), 1)

    def logits(w):
        h = X
        ps = unflatten(w)
        hidden_ps = ps[:-1]
        for i in range(0, len(hidden_ps), step):
            h = block(h, *[a for Wb in hidden_ps[i:i + step] for a in Wb])
        W, b = ps[-1]
        return np.dot(h, W) + b, ps

    def f(w):
        z, ps = logits(w)
        z = z - np.max(z, axis=1, keepdims=True)  # log-sum-exp shift (f is unchanged)
        ce = np.mean(np.log(np.sum(np.exp(z), axis=1)) - np.sum(Y * z, axis=1))
        return ce + weight_decay * sum(np.sum(W * W) for W, _ in ps)

    def metrics(w):
        z, _ = logits(onp.asarray(w, dtype=float))
        return {"train_accuracy": float(onp.mean(onp.argmax(z, axis=1) == y))}

    return Problem(f, x0=w0, metrics=metrics)
