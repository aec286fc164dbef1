"""Problems: the :class:`Problem` type, the ``@problem`` registry, and plugin loading.

A problem is a *factory* registered with :func:`problem`. Its keyword parameters,
with their annotations and defaults, are the problem's parameters (``-p n=1000``).
It returns a :class:`Problem`: an objective ``f`` on a flat float vector, a start
``x0`` and whatever is known (``f_star``, ``x_star``, hand-written derivatives,
Hessian sparsity, extra metrics).

Where problems come from, in order:

1. the bundled plugin files (``problems/*.py`` in the source tree, installed as
   ``optbench/problems``), each loaded in isolation so a broken file never takes
   the others down;
2. entry points in the group ``optbench.problems`` (a module to import or a factory);
3. user files: ``path/to/file.py:name`` wherever a problem name is accepted, or
   :func:`load_file` / ``--problems path`` to register all problems in a file or directory.
"""

from __future__ import annotations

import importlib.util
import sys
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Optional

import numpy as onp

from .errors import PluginError, UsageError, unknown_name
from .params import Param, bind, signature_params


@dataclass
class Problem:
    """An unconstrained smooth problem min f(x), x ∈ Rⁿ.

    ``f`` takes a flat float vector and returns a real scalar; it should be written
    with ``autograd.numpy`` so its derivatives come from automatic differentiation.
    ``grad``/``hvp``/``hess`` are optional hand-written derivatives (used instead of
    autograd when given, and verified by ``optbench check``). ``hess_sparsity`` is an
    optional scipy.sparse pattern of the Hessian. ``metrics(x)`` returns extra
    named numbers to report beside f (e.g. training accuracy).
    """

    f: Callable[[Any], Any]
    x0: Any
    f_star: Optional[float] = None
    x_star: Optional[Any] = None
    grad: Optional[Callable[[Any], Any]] = None
    hvp: Optional[Callable[[Any, Any], Any]] = None
    hess: Optional[Callable[[Any], Any]] = None
    hess_sparsity: Any = None
    metrics: Optional[Callable[[Any], dict]] = None
    description: str = ""
    # Filled in by the registry when built from a factory.
    name: str = ""
    params: dict = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not callable(self.f):
            raise PluginError(f"problem '{self.name or '?'}': f must be callable, got {type(self.f).__name__}")
        self.x0 = _as_vector(self.x0, f"problem '{self.name or '?'}' x0")
        if self.x_star is not None:
            self.x_star = onp.asarray(self.x_star, dtype=float)
        if self.f_star is not None:
            self.f_star = float(self.f_star)

    @property
    def n(self) -> int:
        return int(self.x0.size)

    @property
    def label(self) -> str:
        """``rosenbrock(n=100)`` — the name with the parameters that differ from defaults."""
        if not self.params:
            return self.name
        inner = ",".join(f"{k}={v}" for k, v in self.params.items())
        return f"{self.name}({inner})"


def _as_vector(x0: Any, where: str) -> onp.ndarray:
    try:
        arr = onp.asarray(x0, dtype=float)
    except (TypeError, ValueError):
        raise PluginError(f"{where} must be a vector of numbers, got {x0!r}") from None
    if arr.ndim != 1:
        raise PluginError(f"{where} must be a flat (1-D) vector, got shape {arr.shape}")
    if arr.size == 0:
        raise PluginError(f"{where} is empty")
    return arr.copy()


@dataclass
class ProblemSpec:
    """A registered problem factory: name, parameters, one-line description, origin."""

    name: str
    factory: Callable[..., Problem]
    params: list[Param]
    doc: str
    source: str

    @property
    def summary(self) -> str:
        return self.doc.strip().splitlines()[0] if self.doc.strip() else ""

    def build(self, **given: Any) -> Problem:
        """Build the problem with parameters given as strings or values."""
        kwargs = bind(self.params, given, self.name, "parameter")
        try:
            prob = self.factory(**kwargs)
        except (UsageError, PluginError) as e:
            # errors raised deliberately by the factory are already user-facing
            raise type(e)(f"problem '{self.name}': {e}") if not str(e).startswith("problem") else e from None
        except Exception as e:  # a broken factory must not crash the caller
            raise PluginError(f"problem '{self.name}' ({self.source}): factory raised {type(e).__name__}: {e}") from None
        if not isinstance(prob, Problem):
            raise PluginError(
                f"problem '{self.name}' ({self.source}): factory must return optbench.Problem, got {type(prob).__name__}"
            )
        prob.name = self.name
        defaults = {p.name: p.default for p in self.params}
        prob.params = {k: v for k, v in kwargs.items() if defaults.get(k) != v}
        if not prob.description:
            prob.description = self.summary
        return prob


_REGISTRY: dict[str, ProblemSpec] = {}
_FILE_REGISTRIES: dict[str, dict[str, ProblemSpec]] = {}
_LOAD_ERRORS: dict[str, str] = {}
_current_file: list[Optional[str]] = [None]
_loaded_bundled = False
_lock = threading.RLock()


def problem(factory: Optional[Callable] = None, *, name: Optional[str] = None):
    """Register a problem factory. Use as ``@problem`` or ``@problem(name="three-hump-camel")``.

    The factory's keyword parameters (annotated, with defaults) become the problem's
    parameters; its docstring's first line is its description.
    """

    def register(func: Callable) -> Callable:
        pname = name or func.__name__
        source = _current_file[0] or getattr(func, "__module__", "?")
        spec = ProblemSpec(pname, func, signature_params(func), func.__doc__ or "", source)
        with _lock:
            _REGISTRY[pname] = spec
            if _current_file[0] is not None:
                _FILE_REGISTRIES.setdefault(_current_file[0], {})[pname] = spec
        func.spec = spec  # type: ignore[attr-defined]
        return func

    if factory is not None:
        return register(factory)
    return register


def bundled_problem_dir() -> Path:
    """Where the bundled plugin files are: installed inside the package, or the source tree."""
    here = Path(__file__).resolve().parent
    installed = here / "problems"
    if installed.is_dir():
        return installed
    return here.parent / "problems"


def load_file(path: str | Path) -> dict[str, ProblemSpec]:
    """Import a user's problem file (or every ``*.py`` in a directory); return what it registered.

    Errors (syntax, import, exceptions at import time) become a one-line
    :class:`PluginError` naming the file.
    """
    p = Path(path)
    if p.is_dir():
        found: dict[str, ProblemSpec] = {}
        for child in sorted(p.glob("*.py")):
            if not child.name.startswith("_"):
                found.update(load_file(child))
        return found
    if not p.is_file():
        raise UsageError(f"problem file '{path}' not found")
    key = str(p.resolve())
    with _lock:
        if key in _FILE_REGISTRIES:
            return _FILE_REGISTRIES[key]
        modname = "optbench_user_" + "".join(c if c.isalnum() else "_" for c in key)
        spec = importlib.util.spec_from_file_location(modname, p)
        if spec is None or spec.loader is None:
            raise PluginError(f"problem file '{path}' cannot be imported (is it a .py file?)")
        module = importlib.util.module_from_spec(spec)
        _current_file[0] = key
        _FILE_REGISTRIES[key] = {}
        try:
            sys.modules[modname] = module
            spec.loader.exec_module(module)
        except SyntaxError as e:
            _FILE_REGISTRIES.pop(key, None)
            sys.modules.pop(modname, None)
            raise PluginError(f"problem file '{path}': syntax error at line {e.lineno}: {e.msg}") from None
        except Exception as e:
            _FILE_REGISTRIES.pop(key, None)
            sys.modules.pop(modname, None)
            raise PluginError(f"problem file '{path}': {type(e).__name__}: {e}") from None
        finally:
            _current_file[0] = None
        return _FILE_REGISTRIES[key]


def _load_entry_points() -> None:
    from importlib.metadata import entry_points

    for ep in entry_points(group="optbench.problems"):
        try:
            obj = ep.load()
        except Exception as e:
            _LOAD_ERRORS[f"entry point {ep.name}"] = f"{type(e).__name__}: {e}"
            continue
        if callable(obj) and not hasattr(obj, "spec") and not isinstance(obj, type(sys)):
            problem(obj, name=ep.name)


def load_bundled() -> None:
    """Load bundled plugin files and entry points once; broken ones are recorded, not raised."""
    global _loaded_bundled
    with _lock:
        if _loaded_bundled:
            return
        _loaded_bundled = True
        for path in sorted(bundled_problem_dir().glob("*.py")):
            if path.name.startswith("_"):
                continue
            try:
                load_file(path)
            except Exception as e:  # noqa: BLE001 - isolation is the point
                _LOAD_ERRORS[str(path)] = str(e)
        _load_entry_points()


def registry() -> dict[str, ProblemSpec]:
    """All registered problems (bundled, entry points, and files loaded so far)."""
    load_bundled()
    return dict(_REGISTRY)


def load_errors() -> dict[str, str]:
    load_bundled()
    return dict(_LOAD_ERRORS)


def get_spec(name: str) -> ProblemSpec:
    """Look up ``name`` or ``path/to/file.py:name``."""
    if ":" in name and (name.split(":", 1)[0].endswith(".py") or "/" in name or "\\" in name):
        path, _, pname = name.rpartition(":")
        specs = load_file(path)
        if pname not in specs:
            raise UsageError(_missing_in_file(pname, path, specs))
        return specs[pname]
    if name.endswith(".py"):
        specs = load_file(name)
        if len(specs) == 1:
            return next(iter(specs.values()))
        raise UsageError(f"problem file '{name}' defines {len(specs)} problems; name one as '{name}:NAME' "
                         f"(choices: {', '.join(sorted(specs)) or 'none'})")
    reg = registry()
    if name not in reg:
        raise unknown_name("problem", name, reg)
    return reg[name]


def _missing_in_file(pname: str, path: str, specs: dict) -> str:
    return str(unknown_name("problem", pname, specs, hint=f"defined in {path}")).replace(
        f"problem '{pname}' not found", f"problem '{pname}' not found in '{path}'"
    )


def make_problem(name_or_problem: Any, params: Optional[dict] = None) -> Problem:
    """A :class:`Problem` from a name (``rosenbrock``, ``file.py:name``), a factory, or a Problem."""
    params = params or {}
    if isinstance(name_or_problem, Problem):
        if params:
            raise UsageError("parameters cannot be applied to an already-built Problem; pass its name or factory")
        return name_or_problem
    if callable(name_or_problem) and hasattr(name_or_problem, "spec"):
        return name_or_problem.spec.build(**params)
    if isinstance(name_or_problem, str):
        return get_spec(name_or_problem).build(**params)
    raise UsageError(f"expected a problem name, factory or Problem, got {type(name_or_problem).__name__}")
