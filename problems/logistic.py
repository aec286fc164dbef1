"""L2-regularised logistic regression (a bundled plugin, written as a user would).

f(w) = (1/N) Σᵢ log(1 + exp(−yᵢ aᵢᵀw)) + (reg/2) ‖w‖²,  yᵢ ∈ {−1, +1},

where aᵢ = (xᵢ, 1) when ``intercept`` is true (the bias is regularised too, which keeps f
strongly convex with modulus ``reg``). Convex, so the minimiser is unique when reg > 0.

f* and x* are computed in the factory by Newton's method on the exact Hessian
(1/N) Aᵀ diag(σ(1 − σ)) A + reg·I: damped far from x*, full steps without a line search in
the region of quadratic convergence, stopped on a gradient tolerance scaled to the data
(see :func:`newton_minimiser`; typically 5–8 solves of a d×d system, up to ~20 for a tiny reg on
nearly separable data). That costs O(N d² + d³) per iteration, so it is done
only when d ≤ 500; above that f* is left unknown. Results for synthetic data are cached per
parameter set, so building the same problem again (a grid of runs) does not solve again.

Data: ``synthetic`` — features N(0, 1) (seeded), labels from a random ground-truth w with 10%
of them flipped (so the classes are not separable), or a CSV file (last column the label, two
classes; features standardised).

Reference: Hastie, Tibshirani & Friedman, *The Elements of Statistical Learning*, §4.4.
"""

from optbench import np
import numpy as onp

from optbench import Problem, UsageError, problem
from optbench.datasets import load_csv, standardize

MAX_D_FOR_FSTAR = 500
_SOLVED = {}  # (parameters) → (x*, f*) for synthetic data, so repeated builds solve once


def synthetic(n_samples, n_features, seed):
    rng = onp.random.default_rng(seed)
    X = rng.standard_normal((n_samples, n_features))
    w_true = rng.standard_normal(n_features) / onp.sqrt(n_features)
    y = onp.where(X @ w_true + 0.1 * rng.standard_normal(n_samples) > 0, 1.0, -1.0)
    flip = rng.uniform(size=n_samples) < 0.1
    y[flip] = -y[flip]
    return X, y


def newton_minimiser(A, y, reg, rtol=1e-12, max_iter=100):
    """x*, f* by Newton's method on the exact Hessian (numpy only); None if it does not converge.

    Each iteration solves H d = −g with H = (1/N) Aᵀ diag(σ(1 − σ)) A + reg·I. The loss
    φ(m) = log(1 + e^(−m)) has |φ'''| ≤ φ'' (Bach 2010, "Self-concordant analysis for logistic
    regression", Prop. 1), so along d the Hessian stays within the factors e^(±r) of H with
    r = maxᵢ |aᵢᵀd|. When r ≤ ½ the full step is taken without a line search: it shrinks the
    Newton decrement λ = (gᵀH⁻¹g)^½ by at least e^(r/2)(e^r − 1) ≤ 0.84, quadratically as r → 0
    (the region of quadratic convergence; no decision compares two values of f that differ by
    rounding). Farther out the step is damped by Armijo backtracking, where the decrease of f is
    far above rounding.

    Stopping, scaled to the problem: ‖∇f‖∞ ≤ rtol·s with s = maxⱼ (1/N) Σᵢ |Aᵢⱼ|, the size of
    the terms summed in ∇f. If inside the region λ stops decreasing, rounding has the last word
    (no further decrease is possible): the iterate with the smallest ‖∇f‖∞ is accepted when
    ‖∇f‖∞ ≤ 1e-8·s. By strong convexity f(x̂*) − f* ≤ ‖∇f(x̂*)‖²/(2·reg).
    """
    n, d = A.shape
    scale = max(float(onp.max(onp.mean(onp.abs(A), axis=0))), onp.finfo(float).tiny)
    gtol, floor_tol = rtol * scale, 1e-8 * scale

    def value(w):
        return float(onp.mean(onp.logaddexp(0.0, -y * (A @ w))) + 0.5 * reg * w @ w)

    def gradient(w):
        s = 0.5 * (1.0 - onp.tanh(0.5 * y * (A @ w)))  # σ(−m), computed stably
        return -(A.T @ (y * s)) / n + reg * w, s

    w = onp.zeros(d)
    g, s = gradient(w)
    gnorm = float(onp.max(onp.abs(g)))
    best, last_decrement = (gnorm, w), onp.inf
    for _ in range(max_iter):
        if gnorm <= gtol:
            return w, value(w)
        H = (A.T * (s * (1.0 - s))) @ A / n + reg * onp.eye(d)
        step = onp.linalg.solve(H, -g)
        decrement = -float(g @ step)  # λ²
        if float(onp.max(onp.abs(A @ step))) <= 0.5:  # quadratic-convergence region: full step
            if not decrement < last_decrement:  # λ no longer falls: the rounding floor
                gbest, wbest = best
                return (wbest, value(wbest)) if gbest <= floor_tol else None
            last_decrement = decrement
            w = w + step
        else:
            fw, t = value(w), 1.0
            while value(w + t * step) > fw - 1e-4 * t * decrement:
                t *= 0.5
                if t < 1e-10:
                    return None
            w, last_decrement = w + t * step, onp.inf
        g, s = gradient(w)
        gnorm = float(onp.max(onp.abs(g)))
        if gnorm < best[0]:
            best = (gnorm, w)
    return None


@problem
def logistic(
    n_samples: int = 500,
    n_features: int = 20,
    reg: float = 1e-2,
    dataset: str = "synthetic",
    intercept: bool = True,
    seed: int = 0,
) -> Problem:
    """L2-regularised logistic regression mean log(1 + e^(−y·aᵀw)) + reg/2‖w‖²; f* by an exact Newton solve.

    dataset: synthetic (n_samples × n_features, seeded, 10% labels flipped) or a CSV file with
    two classes in the last column (n_samples/n_features then come from the file). Start w = 0.
    f*, x* are computed by Newton's method to ‖∇f‖∞ ≤ 1e-12·maxⱼ mean|Aᵢⱼ| when the dimension is
    ≤ 500, else unknown.
    metrics: train_accuracy.
    """
    if reg <= 0:
        raise UsageError(f"reg must be > 0 (it makes the problem strongly convex), got {reg}")
    if dataset == "synthetic":
        if n_samples < 2 or n_features < 1:
            raise UsageError(f"need n_samples ≥ 2 and n_features ≥ 1, got {n_samples} and {n_features}")
        X, y = synthetic(n_samples, n_features, seed)
    else:
        X, labels, classes = load_csv(dataset)
        if len(classes) != 2:
            raise UsageError(f"dataset file '{dataset}' has {len(classes)} classes; logistic needs exactly 2 "
                             "(use the mlp problem for more)")
        X, y = standardize(X), onp.where(labels == 1, 1.0, -1.0)
    A = onp.hstack([X, onp.ones((X.shape[0], 1))]) if intercept else X
    d = A.shape[1]

    def f(w):
        return np.mean(np.logaddexp(0.0, -y * np.dot(A, w))) + 0.5 * reg * np.dot(w, w)

    def metrics(w):
        return {"train_accuracy": float(onp.mean(onp.sign(A @ onp.asarray(w, dtype=float)) == y))}

    key = (n_samples, n_features, reg, intercept, seed) if dataset == "synthetic" else None
    if key is not None and key in _SOLVED:
        solved = _SOLVED[key]
    else:
        solved = newton_minimiser(A, y, reg) if d <= MAX_D_FOR_FSTAR else None
        if key is not None:
            _SOLVED[key] = solved
    x_star, f_star = solved if solved is not None else (None, None)
    return Problem(f, x0=onp.zeros(d), f_star=f_star, x_star=x_star, metrics=metrics)
