"""Problems that misbehave on purpose, for tests/test_faults.py and tests/test_soak.py.

``faulty(seed)`` draws one fault from the seed (``random.Random(seed)``), so a grid over
seeds is a seeded random mix of faults; :data:`KINDS` and :func:`fault_of` say which.
"""

import os
import random
import signal
import sys
import time

import autograd.numpy as np
from optbench import Problem, problem

WEIGHTS = np.array([1.0, 2.0, 3.0])

#: fault kind → (weight in the random mix, the statuses a run with that fault may end with)
KINDS = {
    "ok": (50, {"converged"}),
    "slow": (10, {"converged"}),  # 2 ms per call of f
    "raise": (10, {"error"}),
    "nan": (10, {"nonfinite", "line_search_failed"}),
    "sys_exit": (6, {"error"}),
    "os_exit": (5, {"crashed"}),
    "kill": (5, {"crashed"}),  # SIGKILL to its own process
    "hang": (3, {"max_time"}),  # sleeps: the run's own timer stops it
    "hang_masked": (1, {"max_time"}),  # sleeps with SIGALRM blocked: the pool kills the worker
}


def fault_of(seed: int) -> str:
    names = list(KINDS)
    return random.Random(seed).choices(names, weights=[KINDS[k][0] for k in names])[0]


def _bowl(x):
    return np.sum(WEIGHTS * (x - 1.0) ** 2)


def _faulty_f(kind: str, at: int):
    calls = [0]

    def f(x):
        calls[0] += 1
        if kind == "slow":
            time.sleep(0.002)
        elif kind == "nan" and calls[0] >= at:  # from then on: no finite value anywhere
            return _bowl(x) * np.nan
        elif calls[0] == at:
            if kind == "raise":
                raise RuntimeError("injected fault")
            if kind == "sys_exit":
                sys.exit(4)
            if kind == "os_exit":
                os._exit(3)
            if kind == "kill":
                os.kill(os.getpid(), signal.SIGKILL)
            if kind == "hang":
                time.sleep(60)
            if kind == "hang_masked":  # as if stuck in a C call that signals cannot interrupt
                signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGALRM})
                time.sleep(60)
        return _bowl(x)

    return f


@problem
def faulty(seed: int = 0) -> Problem:
    """A weighted bowl, f* = 0 at 1, whose f misbehaves as ``fault_of(seed)`` says at its 3rd call."""
    return Problem(_faulty_f(fault_of(seed), 3), x0=np.zeros(3), f_star=0.0)


@problem
def dies(code: int = 3) -> Problem:
    """f ends its process at the 3rd call: ``os._exit(code)``, or signal −code when code < 0."""
    calls = [0]

    def f(x):
        calls[0] += 1
        if calls[0] == 3:
            if code < 0:
                os.kill(os.getpid(), -code)
            os._exit(code)
        return _bowl(x)

    return Problem(f, x0=np.zeros(3), f_star=0.0)


@problem
def exits() -> Problem:
    """f calls sys.exit(3) at its 3rd call."""
    calls = [0]

    def f(x):
        calls[0] += 1
        if calls[0] == 3:
            sys.exit(3)
        return _bowl(x)

    return Problem(f, x0=np.zeros(3), f_star=0.0)


@problem
def sleepy(delay: float = 0.3, masked: bool = False) -> Problem:
    """Every call of f (after the first two) sleeps ``delay`` seconds (with SIGALRM blocked when ``masked``)."""
    calls = [0]

    def f(x):
        calls[0] += 1
        if calls[0] > 2:
            if masked:
                signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGALRM})
            time.sleep(delay)
        return _bowl(x)

    return Problem(f, x0=np.zeros(3), f_star=0.0)


@problem
def linear(n: int = 3) -> Problem:
    """f = Σx: unbounded below along −1."""
    return Problem(lambda x: np.sum(x), x0=np.zeros(n))


@problem
def diagonal_saddle(n: int = 100, lowest: float = -1.0) -> Problem:
    """½ Σ λᵢ xᵢ² with λ = (lowest, 11 … 1000): a saddle at 0 when lowest < 0 (issue 13)."""
    lam = np.concatenate([[lowest], np.linspace(11.0, 1000.0, n - 1)])
    return Problem(lambda x: 0.5 * np.sum(lam * x ** 2), x0=np.zeros(n))
