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
import warnings
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
    with ``autograd.numpy`` — or with ``optbench.np`` to run on both backends (autograd and
    jax; docs/problems.md) — so its derivatives come from automatic differentiation.
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
    params: dict = field(default_factory=dict)  # the parameters that differ from the defaults (the label)
    arguments: dict = field(default_factory=dict)  # every parameter the factory was called with

    def __post_init__(self) -> None:
        prefix = f"problem '{self.name}': " if self.name else ""
        if not callable(self.f):
            raise PluginError(f"{prefix}f must be callable, got {type(self.f).__name__}")
        self.x0 = _as_vector(self.x0, f"{prefix}x0")
        if self.x_star is not None:
            try:
                self.x_star = onp.asarray(self.x_star, dtype=float)
            except (TypeError, ValueError):
                raise PluginError(f"{prefix}x_star must be a vector of numbers, got {self.x_star!r}") from None
            if self.x_star.shape != self.x0.shape:
                raise PluginError(f"{prefix}x_star has shape {self.x_star.shape} but x0 has shape {self.x0.shape}")
        if self.f_star is not None:
            try:
                self.f_star = float(self.f_star)
            except (TypeError, ValueError):
                raise PluginError(f"{prefix}f_star must be a real number, got {self.f_star!r}") from None

    @property
    def n(self) -> int:
        return int(self.x0.size)

    @property
    def label(self) -> str:
        """``rosenbrock(n=100)`` — the name with the parameters that differ from defaults."""
        if not self.params:
            return self.name
        from .params import cli_text

        inner = ",".join(f"{k}={cli_text(v)}" for k, v in self.params.items())
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
    """A registered problem factory: name, parameters, one-line description, origin.

    ``source`` says where it came from (a file path, ``entry point 'name'``, or a
    module). ``validate`` is set for plugins loaded from user files and entry points:
    building them evaluates f(x₀) once (:func:`validate_problem`) so that a broken
    objective is reported as a plugin error naming the file and the problem.
    """

    name: str
    factory: Callable[..., Problem]
    params: list[Param]
    doc: str
    source: str
    validate: bool = False

    @property
    def summary(self) -> str:
        return self.doc.strip().splitlines()[0] if self.doc.strip() else ""

    @property
    def where(self) -> str:
        """``problem 'name' (path/to/file.py)`` — how errors name this problem."""
        return f"problem '{self.name}' ({self.source})"

    def build(self, **given: Any) -> Problem:
        """Build the problem with parameters given as strings or values."""
        kwargs = bind(self.params, given, self.name, "parameter")
        try:
            prob = self.factory(**kwargs)
        except PluginError as e:  # a malformed Problem(...) inside the factory: name the plugin
            raise PluginError(f"{self.where}: {_strip_prefix(str(e))}") from None
        except UsageError as e:  # raised deliberately by the factory: already user-facing
            raise UsageError(f"problem '{self.name}': {_strip_prefix(str(e))}") from None
        except Exception as e:  # a broken factory must not crash the caller
            raise PluginError(f"{self.where}: factory raised {type(e).__name__}: {_one_line(e)}") from None
        if not isinstance(prob, Problem):
            raise PluginError(f"{self.where}: factory must return optbench.Problem, got {type(prob).__name__}")
        prob.name = self.name
        defaults = {p.name: p.default for p in self.params}
        prob.params = {k: v for k, v in kwargs.items() if defaults.get(k) != v}
        prob.arguments = {**defaults, **kwargs}
        if not prob.description:
            prob.description = self.summary
        if self.validate:
            validate_problem(prob, self.where)
        return prob


def _strip_prefix(msg: str) -> str:
    return msg.split(": ", 1)[1] if msg.startswith("problem '") and ": " in msg else msg


def _one_line(e: BaseException) -> str:
    return " ".join(str(e).split()) or type(e).__name__


def validate_problem(prob: Problem, where: Optional[str] = None) -> float:
    """Evaluate f(x₀) once and check it is a finite real scalar; return it.

    Raises :class:`PluginError` ``"<where>: f(x0) …"`` when f raises or returns a
    non-scalar, complex, non-numeric or non-finite value. (The driver makes the same
    check at the start of every run and raises :class:`RunError` "f(x0) is not
    finite"; this one is for plugins, so the message names the file.)
    """
    where = where or f"problem '{prob.name or '?'}'"
    try:
        with warnings.catch_warnings(), onp.errstate(all="ignore"):
            warnings.simplefilter("ignore", RuntimeWarning)  # the verdict below says it in one line
            value = prob.f(prob.x0.copy())
    except Exception as e:  # noqa: BLE001 - anything the user's f raises
        hint = " (is x0 the length f expects?)" if isinstance(e, IndexError) else ""
        raise PluginError(f"{where}: f(x0) raised {type(e).__name__}: {_one_line(e)}{hint}") from None
    if isinstance(value, (str, bytes)):
        raise PluginError(f"{where}: f(x0) must be a real scalar, got a string {value!r}")
    if isinstance(value, complex) or onp.iscomplexobj(value):
        carr = onp.asarray(value)
        shown = str(complex(carr.reshape(()))) if carr.size == 1 else f"an array of shape {carr.shape}"
        raise PluginError(f"{where}: f(x0) must be real, got complex {shown}")
    arr = onp.asarray(value)
    if arr.dtype.kind not in "fiub":
        raise PluginError(f"{where}: f(x0) must be a real scalar, got {type(value).__name__}")
    if arr.size != 1:
        raise PluginError(f"{where}: f(x0) must be a real scalar, got an array of shape {arr.shape}")
    fx = float(arr.reshape(()))
    if not onp.isfinite(fx):
        raise PluginError(f"{where}: f(x0) is not finite (f = {fx})")
    return fx


@dataclass
class _Origin:
    key: Optional[str]  # resolved file path (for the per-file registry), None for entry points
    source: str  # what messages and `optbench list NAME` show
    validate: bool


_REGISTRY: dict[str, ProblemSpec] = {}
_FILE_REGISTRIES: dict[str, dict[str, ProblemSpec]] = {}
_LOAD_ERRORS: dict[str, str] = {}
_origin: list[Optional[_Origin]] = [None]
_loaded_bundled = False
_loaded_entry_points = False
_lock = threading.RLock()


def problem(factory: Optional[Callable] = None, *, name: Optional[str] = None):
    """Register a problem factory. Use as ``@problem`` or ``@problem(name="three-hump-camel")``.

    The factory's keyword parameters (annotated, with defaults) become the problem's
    parameters; its docstring's first line is its description.
    """

    def register(func: Callable) -> Callable:
        pname = name or func.__name__
        origin = _origin[0]
        source = origin.source if origin else getattr(func, "__module__", "?")
        spec = ProblemSpec(pname, func, signature_params(func), func.__doc__ or "", source,
                           validate=bool(origin and origin.validate))
        with _lock:
            _REGISTRY[pname] = spec
            if origin is not None and origin.key is not None:
                _FILE_REGISTRIES.setdefault(origin.key, {})[pname] = spec
        func.spec = spec  # type: ignore[attr-defined]
        return func

    if factory is not None:
        return register(factory)
    return register


def bundled_problem_dir() -> Path:
    """Where the bundled plugin files are: installed inside the package, or the source tree."""
    package = Path(__file__).resolve().parents[1]
    installed = package / "problems"
    if installed.is_dir():
        return installed
    return package.parent / "problems"


def load_file(path: str | Path, *, _bundled: bool = False) -> dict[str, ProblemSpec]:
    """Import a user's problem file (or every ``*.py`` in a directory); return what it registered.

    A single file that cannot be imported (syntax error, import error, an exception
    at import time) raises a one-line :class:`PluginError` naming the file. In a
    directory, each broken file is recorded in :func:`load_errors` and the other
    files are still loaded. Files whose name starts with ``_`` are skipped.
    """
    p = Path(path)
    if p.is_dir():
        found: dict[str, ProblemSpec] = {}
        for child in sorted(p.glob("*.py")):
            if child.name.startswith("_"):
                continue
            try:
                found.update(load_file(child, _bundled=_bundled))
            except PluginError as e:
                _LOAD_ERRORS[str(child)] = str(e)
        return found
    if not p.is_file():
        raise UsageError(f"problem file '{path}' not found (give a .py file or a directory)")
    if p.suffix != ".py":
        raise UsageError(f"problem file '{path}' is not a .py file")
    key = str(p.resolve())
    with _lock:
        if key in _FILE_REGISTRIES:
            return _FILE_REGISTRIES[key]
        modname = "optbench_user_" + "".join(c if c.isalnum() else "_" for c in key)
        spec = importlib.util.spec_from_file_location(modname, p)
        if spec is None or spec.loader is None:
            raise PluginError(f"problem file '{path}' cannot be imported (is it a .py file?)")
        module = importlib.util.module_from_spec(spec)
        source = f"bundled {p.name}" if _bundled else str(path)
        _origin[0] = _Origin(key, source, validate=not _bundled)
        _FILE_REGISTRIES[key] = {}
        try:
            sys.modules[modname] = module
            spec.loader.exec_module(module)
        except BaseException as e:
            for pname in _FILE_REGISTRIES.pop(key, {}):  # a half-imported file registers nothing
                _REGISTRY.pop(pname, None)
            sys.modules.pop(modname, None)
            if isinstance(e, SyntaxError):
                raise PluginError(f"problem file '{path}': syntax error at line {e.lineno}: {e.msg}") from None
            if isinstance(e, Exception):
                raise PluginError(f"problem file '{path}': {type(e).__name__}: {_one_line(e)}") from None
            if isinstance(e, SystemExit):
                raise PluginError(f"problem file '{path}': called exit({e.code})") from None
            raise
        finally:
            _origin[0] = None
        return _FILE_REGISTRIES[key]


def load_entry_points() -> None:
    """Register problems from installed packages (entry point group ``optbench.problems``).

    An entry point may name a module (importing it runs its ``@problem`` decorators)
    or a factory (registered under the entry point's name unless already decorated).
    A broken entry point is recorded in :func:`load_errors`; the others still load.
    """
    global _loaded_entry_points
    from importlib.metadata import entry_points

    with _lock:
        if _loaded_entry_points:
            return
        _loaded_entry_points = True
        for ep in entry_points(group="optbench.problems"):
            label = f"entry point '{ep.name}' ({ep.value})"
            _origin[0] = _Origin(None, label, validate=True)
            try:
                obj = ep.load()
                if callable(obj) and not hasattr(obj, "spec") and not isinstance(obj, type(sys)):
                    problem(obj, name=ep.name)
            except Exception as e:  # noqa: BLE001 - isolation is the point
                where = f"problem {label}"
                msg = f"syntax error at line {e.lineno}: {e.msg}" if isinstance(e, SyntaxError) else \
                    f"{type(e).__name__}: {_one_line(e)}"
                _LOAD_ERRORS[where] = f"{where}: {msg}"
            finally:
                _origin[0] = None


def load_bundled() -> None:
    """Load bundled plugin files and entry points once; broken ones are recorded, not raised."""
    global _loaded_bundled
    with _lock:
        if _loaded_bundled:
            return
        _loaded_bundled = True
        load_file(bundled_problem_dir(), _bundled=True)
        load_entry_points()


def registry() -> dict[str, ProblemSpec]:
    """All registered problems (bundled, entry points, and files loaded so far)."""
    load_bundled()
    return dict(_REGISTRY)


def load_errors() -> dict[str, str]:
    """Plugins that could not be loaded: where → one-line message."""
    load_bundled()
    return dict(_LOAD_ERRORS)


def get_spec(name: str) -> ProblemSpec:
    """Look up ``name`` or ``path/to/file.py:name``."""
    if ":" in name and (name.split(":", 1)[0].endswith(".py") or "/" in name or "\\" in name):
        path, _, pname = name.rpartition(":")
        try:
            specs = load_file(path)
        except PluginError as e:
            msg = str(e).split(": ", 1)[1] if str(e).startswith("problem file '") else str(e)
            raise PluginError(f"problem '{pname}' ({path}): {msg}") from None
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
        err = unknown_name("problem", name, reg)
        if _LOAD_ERRORS:
            n = len(_LOAD_ERRORS)
            raise UsageError(f"{err}; note: {n} plugin{'s' if n > 1 else ''} failed to load (optbench list shows why)")
        raise err
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
