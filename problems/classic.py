"""Classic test functions with known minima and standard starting points (a bundled plugin).

Sources: Moré, Garbow & Hillstrom, "Testing unconstrained optimization software", ACM TOMS 7
(1981) (MGH: Beale #5, Powell singular #13, Wood #14); Jamil & Yang, "A literature survey of
benchmark functions for global optimisation problems" (2013) (Himmelblau, Booth, Matyas,
three-hump camel, Styblinski–Tang). Where the literature gives no starting point, the one
used here is stated in the docstring.
"""

from optbench import np
import numpy as onp

from optbench import Problem, UsageError, problem


@problem
def beale() -> Problem:
    """Beale (MGH #5): Σ (yᵢ − x₁(1 − x₂ⁱ))², y = (1.5, 2.25, 2.625); f* = 0 at (3, 0.5); start (1, 1)."""

    def f(x):
        return ((1.5 - x[0] + x[0] * x[1]) ** 2 + (2.25 - x[0] + x[0] * x[1] ** 2) ** 2
                + (2.625 - x[0] + x[0] * x[1] ** 3) ** 2)

    return Problem(f, x0=[1.0, 1.0], f_star=0.0, x_star=[3.0, 0.5])


# The four minima of Himmelblau's function (all with f = 0).
HIMMELBLAU_MINIMA = onp.array([
    [3.0, 2.0],
    [-2.805118086952745, 3.131312518250573],
    [-3.779310253377747, -3.283185991286170],
    [3.584428340330492, -1.848126526964404],
])


@problem
def himmelblau() -> Problem:
    """Himmelblau: (x² + y − 11)² + (x + y² − 7)²; four minima with f* = 0, x* = (3, 2) stated; start (1, 1).

    The other minima are (−2.805118, 3.131313), (−3.779310, −3.283186), (3.584428, −1.848127);
    from the start (1, 1) descent methods reach (3, 2).
    """

    def f(x):
        return (x[0] ** 2 + x[1] - 11.0) ** 2 + (x[0] + x[1] ** 2 - 7.0) ** 2

    return Problem(f, x0=[1.0, 1.0], f_star=0.0, x_star=HIMMELBLAU_MINIMA[0])


@problem
def booth() -> Problem:
    """Booth: (x + 2y − 7)² + (2x + y − 5)², a convex quadratic; f* = 0 at (1, 3); start (0, 0)."""

    def f(x):
        return (x[0] + 2.0 * x[1] - 7.0) ** 2 + (2.0 * x[0] + x[1] - 5.0) ** 2

    return Problem(f, x0=[0.0, 0.0], f_star=0.0, x_star=[1.0, 3.0])


@problem
def matyas() -> Problem:
    """Matyas: 0.26(x² + y²) − 0.48xy, a convex quadratic with κ = 25; f* = 0 at (0, 0); start (10, −5).

    No standard start exists in the literature (the function is usually studied on [−10, 10]²);
    (10, −5) is used here.
    """

    def f(x):
        return 0.26 * (x[0] ** 2 + x[1] ** 2) - 0.48 * x[0] * x[1]

    return Problem(f, x0=[10.0, -5.0], f_star=0.0, x_star=[0.0, 0.0])


@problem(name="three-hump-camel")
def three_hump_camel() -> Problem:
    """Three-hump camel: 2x² − 1.05x⁴ + x⁶/6 + xy + y²; global f* = 0 at (0, 0); start (1, 1).

    Two further local minima, f ≈ 0.2986 at ≈ ±(1.7476, −0.8738). No standard start exists in the
    literature; (1, 1) is used here: gd, newton, newton-cg and lbfgs all reach the global minimum
    from it (from (−0.5, 1), Newton's first step lands in the basin of (1.7476, −0.8738)).
    """

    def f(x):
        return 2.0 * x[0] ** 2 - 1.05 * x[0] ** 4 + x[0] ** 6 / 6.0 + x[0] * x[1] + x[1] ** 2

    return Problem(f, x0=[1.0, 1.0], f_star=0.0, x_star=[0.0, 0.0])


@problem(name="powell-singular")
def powell_singular() -> Problem:
    """Powell singular (MGH #13, n = 4): Hessian singular at x* = 0, f* = 0; start (3, −1, 0, 1).

    f = (x₁ + 10x₂)² + 5(x₃ − x₄)² + (x₂ − 2x₃)⁴ + 10(x₁ − x₄)⁴. Newton converges only linearly.
    """

    def f(x):
        return ((x[0] + 10.0 * x[1]) ** 2 + 5.0 * (x[2] - x[3]) ** 2 + (x[1] - 2.0 * x[2]) ** 4
                + 10.0 * (x[0] - x[3]) ** 4)

    return Problem(f, x0=[3.0, -1.0, 0.0, 1.0], f_star=0.0, x_star=onp.zeros(4))


@problem
def wood() -> Problem:
    """Wood (MGH #14, n = 4): f* = 0 at (1, 1, 1, 1); start (−3, −1, −3, −1).

    f = 100(x₁² − x₂)² + (1 − x₁)² + 90(x₃² − x₄)² + (1 − x₃)² + 10.1((x₂ − 1)² + (x₄ − 1)²)
        + 19.8(x₂ − 1)(x₄ − 1).
    """

    def f(x):
        return (100.0 * (x[0] ** 2 - x[1]) ** 2 + (1.0 - x[0]) ** 2 + 90.0 * (x[2] ** 2 - x[3]) ** 2
                + (1.0 - x[2]) ** 2 + 10.1 * ((x[1] - 1.0) ** 2 + (x[3] - 1.0) ** 2)
                + 19.8 * (x[1] - 1.0) * (x[3] - 1.0))

    return Problem(f, x0=[-3.0, -1.0, -3.0, -1.0], f_star=0.0, x_star=onp.ones(4))


def styblinski_tang_root() -> float:
    """The global minimiser per coordinate: the smallest real root of 4t³ − 32t + 5 (≈ −2.903534).

    Closed form (Viète's trigonometric solution of the depressed cubic t³ + pt + q = 0,
    p = −8, q = 5/4, three real roots): t_k = 2√(−p/3) cos(⅓ arccos(3q/(2p) · √(−3/p)) − 2πk/3);
    k = 2 is the smallest.
    """
    p, q = -8.0, 1.25
    return float(2.0 * onp.sqrt(-p / 3.0)
                 * onp.cos(onp.arccos(3.0 * q / (2.0 * p) * onp.sqrt(-3.0 / p)) / 3.0 - 4.0 * onp.pi / 3.0))


@problem(name="styblinski-tang")
def styblinski_tang(n: int = 2) -> Problem:
    """Styblinski–Tang: ½ Σ (xᵢ⁴ − 16xᵢ² + 5xᵢ); global f* ≈ −39.16617·n at xᵢ ≈ −2.903534; start 0.

    Separable with 2ⁿ local minima (each coordinate ≈ −2.9035 or ≈ 2.7468). The start x = 0
    (the literature's search box is [−5, 5]ⁿ, with no standard start) has ∂f/∂xᵢ = 2.5 > 0,
    so descent heads for the global minimiser.
    """
    if n < 1:
        raise UsageError(f"n must be at least 1, got {n}")
    t = styblinski_tang_root()

    def f(x):
        return 0.5 * np.sum(x**4 - 16.0 * x**2 + 5.0 * x)

    return Problem(f, x0=onp.zeros(n), f_star=n * 0.5 * (t**4 - 16.0 * t**2 + 5.0 * t), x_star=onp.full(n, t))
