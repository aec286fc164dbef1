"""Grids of runs: specs, their records, and the checks that make every name and value valid up front.

A run spec is (problem, parameters, seed, method, options). :func:`expand_grid` builds
the grid problem × parameter combinations × seeds × methods × option combinations,
checking every name and value before anything runs; :mod:`optbench.compare.executors`
carries the grid out.

Grid syntax (``-p`` and ``-o`` alike, :func:`parse_grid`): ``key=v1,v2`` lists values,
``key=1..5`` is an integer range, a repeated key adds its values. List-valued parameters
write their entries joined by ``x`` (``hidden=32x16``: :func:`optbench.core.params.sequence_item`),
so a comma always separates grid values. Each combination of a method's options is a
method of its own, labelled with the options that vary (``lbfgs[m=3]``, :func:`option_variants`).

Seeds: for a problem that declares a ``seed`` parameter, seed s sets it (``seed_mode
"problem"``); otherwise seed 0 is the problem's own x₀ and seed s > 0 starts from
x₀ᵢ + 0.1·(1 + |x₀ᵢ|)·ξᵢ, ξ ~ N(0, I) drawn by ``numpy.random.default_rng(s)``
(``seed_mode "x0"``).
"""

from __future__ import annotations

import itertools
import os
from dataclasses import dataclass, field
from typing import Optional

import numpy as np

from ..core.budgets import Stopping
from ..core.errors import UsageError, resolve_name, unknown_name
from ..core.status import Status
from ..core.trace import COLUMNS

PERTURBATION_SCALE = 0.1
DEFAULT_MAX_ITER = 1000


@dataclass(frozen=True)
class Budgets:
    """Common stopping test and budgets of every run in a comparison, and its BLAS threads."""

    gtol: float = 1e-6
    norm: str = "inf"
    max_iter: Optional[int] = DEFAULT_MAX_ITER
    max_evals: Optional[int] = None
    max_time: Optional[float] = None  # wall-clock time is measured, never a default stopping rule
    blas_threads: Optional[int] = 1

    def __post_init__(self) -> None:
        self.stopping  # every value checked when the budgets are made

    @property
    def stopping(self) -> Stopping:
        """The :class:`~optbench.core.budgets.Stopping` value each run of the grid gets."""
        return Stopping(gtol=self.gtol, norm=self.norm, max_iter=self.max_iter, max_evals=self.max_evals,
                        max_time=self.max_time)

    def as_dict(self) -> dict:
        return {"gtol": self.gtol, "norm": self.norm, "max_iter": self.max_iter,
                "max_evals": self.max_evals, "max_time": self.max_time, "blas_threads": self.blas_threads}


@dataclass(frozen=True)
class RunSpec:
    """One run of a grid. ``params``/``options`` hold what was given (options as strings)."""

    problem: str
    params: tuple  # ((name, value), ...) in the order given
    seed: int
    seed_mode: str  # "problem", "x0" or "none"
    method: str
    options: tuple  # ((name, value), ...)
    problem_files: tuple = ()
    run_id: int = 0
    base_dir: str = ""  # where relative problem-file paths are resolved (workers may run elsewhere)
    variant: str = ""  # "[m=3]" when the method's options are a grid axis: the options that vary, as given
    backend: str = "autograd"  # automatic differentiation (optbench.core.backends): a grid axis

    @property
    def label(self) -> str:
        """The method as tables, summary rows, profiles and plots name it: ``lbfgs``, ``lbfgs[m=3]``, and
        ``lbfgs@jax`` on a backend other than autograd."""
        return self.method + self.variant + ("" if self.backend == "autograd" else f"@{self.backend}")

    @property
    def params_dict(self) -> dict:
        return dict(self.params)

    @property
    def options_dict(self) -> dict:
        return dict(self.options)

    @property
    def instance(self) -> str:
        """``rosenbrock(n=10)`` or ``rosenbrock(n=10) x0-seed=2``: what the methods are compared on."""
        label = self.problem
        if self.params:
            label += "(" + ",".join(f"{k}={v}" for k, v in self.params) + ")"
        if self.seed_mode == "x0" and self.seed > 0:
            label += f" x0-seed={self.seed}"
        return label


@dataclass
class RunRecord:
    """The outcome of one spec: the summary numbers, the trace columns and the final x."""

    spec: RunSpec
    status: str
    message: str
    n: Optional[int] = None
    nit: int = 0
    f0: Optional[float] = None
    fun: Optional[float] = None
    f_star: Optional[float] = None
    grad_norm: Optional[float] = None
    nfev: int = 0
    ngev: int = 0
    nhvp: int = 0
    nhev: int = 0
    time: float = 0.0
    x: Optional[list] = None
    trace: dict = field(default_factory=lambda: {c: [] for c in COLUMNS})

    @property
    def success(self) -> bool:
        """Solved in a comparison means the common gradient test holds: status ``converged``.

        (scipy's own stopping tests — L-BFGS-B's relative reduction of f, Newton-CG's step
        test — end a run as ``ftol``/``xtol``; they were not asked for, so they do not count.)
        """
        return self.status == Status.CONVERGED.value

    @property
    def f_minus_fstar(self) -> Optional[float]:
        if self.fun is None or self.f_star is None:
            return None
        return self.fun - self.f_star

    @property
    def cost(self) -> Optional[float]:
        from .profiles import grad_equivalents

        return None if self.n is None else grad_equivalents(self.nfev, self.ngev, self.nhvp, self.nhev, self.n)


# ---------------------------------------------------------------------------- names and grids
def method_choices() -> list[str]:
    from ..solvers.registry import method_registry

    names = list(method_registry())
    return sorted(n for n in names if ":" not in n) + [n for n in names if ":" in n]


def parse_methods(text: str | list[str]) -> list[str]:
    """``"gd,lbfgs,scipy:BFGS"`` → checked list of registered names (case-insensitive: ``scipy:l-bfgs-b``
    is ``scipy:L-BFGS-B``); unknown names give the closest match."""
    items = text if isinstance(text, list) else [text]
    names = [m.strip() for item in items for m in item.split(",") if m.strip()]
    if not names:
        raise UsageError("no methods given; use {field} gd,newton,lbfgs (optbench list shows them)", field="methods")
    choices = method_choices()
    given = names
    names = []
    for m in given:
        found = resolve_name(m, choices)
        if found is None:
            raise unknown_name("method", m, choices)
        names.append(found)
    if len(set(names)) != len(names):
        dup = next(m for m in names if names.count(m) > 1)
        raise UsageError(f"method '{dup}' is given twice in {{field}}", field="methods", value=dup)
    return names


def _option_names(method: str) -> list[str]:
    from ..solvers.registry import lookup, method_params

    return [p.name for p in method_params(lookup(method))]


def _values(value) -> list:
    return list(value) if isinstance(value, (list, tuple)) else [value]


def resolve_options(methods: list[str], options: dict) -> dict[str, dict[str, list]]:
    """Split ``{"lbfgs.m": ["3", "10"], "c1": "1e-3"}`` into per-method option grids and check every value.

    ``method.option=v1,v2`` sets one method's option; a plain ``option=v1,v2`` goes to every
    method that has that option, and is an error (naming the options the methods do have) if
    none has it. Values are lists (a grid axis) or single values; the result maps each method
    to ``{option: [values...]}``, duplicates (by parsed value: ``3`` and ``3.0``) dropped, and
    every combination checked with the method's declared types before anything runs.
    """
    import difflib

    from ..core.params import bind
    from ..solvers.registry import check_options, lookup, method_params

    per: dict[str, dict[str, list]] = {m: {} for m in methods}

    def add(m: str, opt: str, values: list) -> None:
        per[m].setdefault(opt, []).extend(values)

    for key, value in options.items():
        values = _values(value)
        shown = f"{key}={','.join(str(v) for v in values)}"
        if "." in key:
            m, _, opt = key.rpartition(".")
            m = resolve_name(m, methods) or m  # as case-insensitive as -m
            if m not in per:
                raise UsageError(f"{{field}} {shown}: method '{m}' is not among the compared methods "
                                 f"({', '.join(methods)})", field="options", value=shown)
            add(m, opt, values)
        else:
            takers = [m for m in methods if key in _option_names(m)]
            if not takers:
                names = sorted({o for m in methods for o in _option_names(m)})
                close = difflib.get_close_matches(key, names, n=1)
                hint = f"did you mean '{close[0]}'? " if close else ""
                have = "; ".join(f"{m}: {', '.join(_option_names(m)) or 'none'}" for m in methods)
                raise UsageError(f"{{field}} {shown}: none of the methods {', '.join(methods)} has an option "
                                 f"'{key}'; {hint}their options: {have} (use METHOD.{key}=... to scope it)",
                                 field="options", value=shown)
            for m in takers:
                add(m, key, values)
    for m, opts in per.items():  # validate now, not in the middle of the grid
        declared = method_params(lookup(m))
        for opt, values in opts.items():
            seen: dict = {}
            for v in values:
                check_options(m, {opt: v})  # the one-line error names the method, option and value
                parsed = bind(declared, {opt: v}, m, "option")[opt]
                seen.setdefault((isinstance(parsed, bool), parsed), v)  # 3 and 3.0 are one value; true is not 1
            opts[opt] = list(seen.values())
        for combo in itertools.product(*opts.values()):
            check_options(m, dict(zip(opts, combo)))
    return per


def option_variants(options: dict) -> list[tuple[tuple, str]]:
    """``{"m": ["3", "10"], "c1": "1e-3"}`` → ``[((("m","3"),("c1","1e-3")), "[m=3]"), ...]``.

    One variant per combination of the options given as lists of more than one value (the
    grid axes); its label suffix names only those options, as given (``[m=3]``,
    ``[m=3,c1=1e-3]``), so ``lbfgs[m=3]`` is a method of its own in every table and profile.
    Single values are fixed options, recorded in each run's options but not in the label.
    """
    names = list(options)
    axes = [_values(options[k]) for k in names]
    varying = {k for k, vs in zip(names, axes) if len(vs) > 1}
    out = []
    for combo in itertools.product(*axes):
        opts = tuple(zip(names, combo))
        label = "[" + ",".join(f"{k}={v}" for k, v in opts if k in varying) + "]" if varying else ""
        out.append((opts, label))
    return out


def parse_grid(items: list[str] | None, field: str = "params") -> dict[str, list[str]]:
    """``["n=10,100", "rosenbrock.a=1", "n=1000"]`` → ``{"n": ["10", "100", "1000"], "rosenbrock.a": ["1"]}``.

    Repeated keys accumulate (the union of their values, in order given, duplicates dropped):
    no value is ever silently dropped. Integer ranges ``id=1..35`` (ends included), also mixed
    ``id=1..3,7``: :func:`~optbench.compare.ranges.expand_ranges`. ``field`` names the flag in errors
    (``params`` → ``-p``, ``options`` → ``-o``).
    """
    from .ranges import expand_ranges

    grid: dict[str, list[str]] = {}
    for item in items or []:
        if "=" not in item or not item.split("=", 1)[0].strip():
            raise UsageError(f"{{field}} expects key=value[,value...], got '{item}'", field=field, value=item)
        key, values = item.split("=", 1)
        vals = [v.strip() for v in values.split(",")]
        if any(v == "" for v in vals):
            raise UsageError(f"{{field}} {item}: empty value in the list; write {{field}} {key}=1,2,3", field=field,
                             value=item)
        acc = grid.setdefault(key.strip(), [])
        acc.extend(v for v in expand_ranges(vals, f"{{field}} {item}", field) if v not in acc)
    return grid


def parse_param_grid(items: list[str] | None) -> dict[str, list[str]]:
    """``-p`` items → parameter grid (:func:`parse_grid`)."""
    return parse_grid(items, "params")


def parse_option_grid(items: list[str] | None) -> dict[str, list[str]]:
    """``-o`` items → option grid (:func:`parse_grid`), for :func:`resolve_options`."""
    return parse_grid(items, "options")


def expand_grid(
    problems: list[str],
    param_grid: Optional[dict[str, list]] = None,
    seeds: Optional[int] = None,
    methods: Optional[list[str]] = None,
    options: Optional[dict[str, dict]] = None,
    problem_files: tuple = (),
) -> list[RunSpec]:
    """problems × parameter combinations × seeds × methods × option combinations, every name and value checked.

    ``options`` maps a method to its options, each a value or a list of values (a grid
    axis: one labelled method per combination, :func:`option_variants`).

    A plain parameter (``n``) applies to every problem and each must declare it; a scoped
    one (``rosenbrock.n``) applies to that problem only. ``seeds=K`` gives seeds 0..K−1
    (see the module doc for what a seed does); ``None`` means one run per instance from the
    problem's own start (and its default ``seed``, if it declares one).
    """
    from ..core.params import bind
    from ..core.problem import get_spec

    param_grid = dict(param_grid or {})
    methods = list(methods or [])
    options = options or {m: {} for m in methods}
    if not problems:
        raise UsageError("no problems given; name at least one (optbench list shows them)")
    if not methods:
        raise UsageError("no methods given; use {field} gd,newton,lbfgs (optbench list shows them)", field="methods")
    if seeds is not None and (not isinstance(seeds, int) or seeds < 1):
        raise UsageError(f"{{field}} must be a positive integer, got {seeds!r}", field="seeds", value=seeds)
    for key in param_grid:
        if "." in key and key.rpartition(".")[0] not in problems:
            raise UsageError(f"{{field}} {key}: problem '{key.rpartition('.')[0]}' is not among the compared "
                             f"problems ({', '.join(problems)})", field="params", value=key)
    variants = {m: option_variants(options.get(m, {})) for m in methods}
    specs: list[RunSpec] = []
    for pname in problems:
        spec = get_spec(pname)
        declared = {p.name for p in spec.params}
        mine: dict[str, list] = {}
        for key, values in param_grid.items():
            scope, _, name = key.rpartition(".")
            if scope and scope != pname:
                continue
            if name not in declared:
                listed = ", ".join(sorted(declared)) or "none"
                raise UsageError(f"problem '{pname}' has no parameter '{name}' (its parameters: {listed}); "
                                 f"scope it to the problems that have it, e.g. OTHER.{name}=...",
                                 field="params", value=name)
            for v in values:
                bind(spec.params, {name: v}, pname, "parameter")  # one-line error on a bad value
            mine[name] = list(values)
        if "seed" in declared and seeds is not None:
            if "seed" in mine:
                raise UsageError(f"problem '{pname}': give either a seed parameter (seed=...) or a number of "
                                 "seeds, not both", field="seeds")
            seed_values, mode = list(range(seeds)), "problem"
        elif "seed" in mine:
            seed_values, mode = [None], "problem"
        elif seeds is None and "seed" in declared:  # the problem's own default seed, recorded as such
            default = next(p.default for p in spec.params if p.name == "seed")
            seed_values, mode = [default if isinstance(default, int) else 0], "none"
        else:
            seed_values, mode = list(range(seeds or 1)), ("x0" if seeds else "none")
        names = list(mine)
        for combo in itertools.product(*(mine[k] for k in names)):
            base = tuple(zip(names, combo))
            for s in seed_values:
                if s is None:
                    params, seed = base, int(float(dict(base)["seed"]))
                elif mode == "problem":
                    params, seed = base + (("seed", s),), s
                else:
                    params, seed = base, s
                for m in methods:
                    for opts, variant in variants[m]:
                        specs.append(RunSpec(pname, params, seed, mode, m, opts, tuple(problem_files), len(specs),
                                             os.getcwd(), variant))
    return specs


def with_backends(specs: list[RunSpec], backends: list[str]) -> list[RunSpec]:
    """Every spec once per backend (a grid axis, innermost), run ids renumbered in order."""
    import dataclasses

    if list(backends) == ["autograd"]:
        return specs
    out = [dataclasses.replace(s, backend=b) for s in specs for b in backends]
    return [dataclasses.replace(s, run_id=i) for i, s in enumerate(out)]


def start_point(x0: np.ndarray, spec: RunSpec) -> np.ndarray:
    """x₀, or for ``seed_mode "x0"`` and seed > 0 the seeded perturbation in the module doc."""
    if spec.seed_mode != "x0" or spec.seed == 0:
        return x0
    xi = np.random.default_rng(spec.seed).standard_normal(x0.size)
    return x0 + PERTURBATION_SCALE * (1.0 + np.abs(x0)) * xi


