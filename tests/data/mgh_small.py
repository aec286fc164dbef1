"""Two Moré–Garbow–Hillstrom problems the solver tests need (the full set lives in problems/mgh.py).

Reference: Moré, Garbow & Hillstrom, "Testing unconstrained optimization software",
ACM TOMS 7 (1981) 17–41: problem 10 (Meyer) and problem 12 (Box three-dimensional).
"""

import autograd.numpy as np
import numpy as onp

from optbench import Problem, problem

_MEYER_Y = onp.array([34780.0, 28610.0, 23650.0, 19630.0, 16370.0, 13720.0, 11540.0, 9744.0,
                      8261.0, 7030.0, 6005.0, 5147.0, 4427.0, 3820.0, 3307.0, 2872.0])


@problem
def box3d(m: int = 10) -> Problem:
    """MGH 12, Box 3D: Σ_i [e^{−t_i x₁} − e^{−t_i x₂} − x₃(e^{−t_i} − e^{−10 t_i})]², t_i = 0.1 i, i = 1…m.

    f* = 0 at (1, 10, 1), (10, 1, −1) and on the line x₁ = x₂, x₃ = 0; standard start (0, 10, 20).
    """
    t = 0.1 * onp.arange(1, m + 1)
    c = onp.exp(-t) - onp.exp(-10.0 * t)

    def f(x):
        r = np.exp(-t * x[0]) - np.exp(-t * x[1]) - x[2] * c
        return np.sum(r**2)

    return Problem(f, x0=onp.array([0.0, 10.0, 20.0]), f_star=0.0)


@problem
def meyer() -> Problem:
    """MGH 10, Meyer: Σ_{i=1}^{16} [x₁ exp(x₂ / (t_i + x₃)) − y_i]², t_i = 45 + 5i.

    f* ≈ 87.9458 at x* ≈ (0.0056096, 6181.35, 345.224); standard start (0.02, 4000, 250).
    Badly scaled: the Hessian's condition number at x* is about 10¹⁸ in these variables.
    """
    t = 45.0 + 5.0 * onp.arange(1, 17)

    def f(x):
        r = x[0] * np.exp(x[1] / (t + x[2])) - _MEYER_Y
        return np.sum(r**2)

    return Problem(f, x0=onp.array([0.02, 4000.0, 250.0]), f_star=87.9458,
                   x_star=onp.array([0.0056096, 6181.35, 345.224]))
