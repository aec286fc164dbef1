"""The registry of methods: our solvers, scipy's reference methods, and entry-point plugins.

Every entry is a :class:`~optbench.core.methods.Method` class registered under its ``name``
(``register_method``); its dataclass fields are its options. ``make_method(name, options)``
is the one way the API, ``solve``, ``compare``, ``bench`` and ``list`` turn a name and
options (values, or strings from the CLI parsed by the declared types) into a method.
Plugins register from the entry-point group ``optbench.solvers`` (a Method class, or a
module that registers its methods on import); a broken plugin never takes others down.
"""

from __future__ import annotations

import dataclasses
import importlib
import types
from typing import Any, Optional

from ..core.errors import UsageError, resolve_name, unknown_name
from ..core.methods import Method
from ..core.params import Param, bind, signature_params

_METHODS: dict[str, type] = {}
_LOAD_ERRORS: dict[str, str] = {}
_loaded_entry_points: "int | bool" = False  # False until loaded, then the number of entry points


def register_method(cls: type) -> type:
    """Class decorator: register a method class under ``cls.name``."""
    if not getattr(cls, "name", ""):
        raise TypeError(f"method class {cls.__name__} needs a `name`")
    _METHODS[cls.name] = cls
    return cls


register_solver = register_method  # the name solver plugins have used


#: bundled method name → the module that registers it, so that looking up one method imports one
#: solver module, not all of them (start-up time; tests/test_startup.py checks this table)
BUNDLED = {"gd": "gd", "lbfgs": "lbfgs", "newton": "newton", "newton-cg": "newton_cg", "trust-exact": "trust_exact",
           "trust-krylov": "trust_krylov", "trust-ncg": "trust_ncg"}


def method_registry() -> dict[str, type]:
    """Every registered method: name → class (bundled, scipy references, entry points)."""
    from . import gd, lbfgs, newton, newton_cg, scipy, trust_exact, trust_krylov, trust_ncg  # noqa: F401  (registering)

    _load_entry_points()
    return dict(_METHODS)


def _load_entry_points() -> int:
    """Register the methods of the ``optbench.solvers`` entry points (once per process); return how many there are."""
    global _loaded_entry_points
    if _loaded_entry_points is False:
        from importlib.metadata import entry_points

        eps = list(entry_points(group="optbench.solvers"))
        _loaded_entry_points = len(eps)
        for ep in eps:
            try:
                cls = ep.load()
            except Exception as e:  # noqa: BLE001 - a broken plugin must not take others down
                _LOAD_ERRORS[f"solver entry point '{ep.name}' ({ep.value})"] = f"{type(e).__name__}: {e}"
                continue
            if isinstance(cls, type) and issubclass(cls, Method) and getattr(cls, "name", ""):
                register_method(cls)
            elif not isinstance(cls, types.ModuleType):  # a module registers its methods on import
                _LOAD_ERRORS[f"solver entry point '{ep.name}' ({ep.value})"] = (
                    "not a Method/Solver subclass with a `name` (nor a module that registers one)"
                )
    return _loaded_entry_points


def load_errors() -> dict[str, str]:
    """Broken solver entry points: where, and why (shown by ``optbench list``)."""
    method_registry()
    return dict(_LOAD_ERRORS)


def method_params(cls: type) -> list[Param]:
    """A method's options: its dataclass fields, with types and defaults — its own first, then inherited ones."""
    params = [p for p in signature_params(cls) if not p.name.startswith("_")]
    rank = {}
    for depth, klass in enumerate(cls.__mro__):
        for name in getattr(klass, "__annotations__", {}):
            rank.setdefault(name, (depth, list(klass.__annotations__).index(name)))
    return sorted(params, key=lambda p: rank.get(p.name, (len(cls.__mro__), 0)))


def lookup(name: str) -> type:
    """The class registered as ``name`` (exact, then case-insensitive), or a one-line error.

    When no ``optbench.solvers`` entry point is installed, an exact bundled name (``newton``,
    ``scipy:BFGS``) imports only its own module; otherwise (a plugin may register the same name,
    and then wins) and for any other name the whole registry is loaded.
    """
    if isinstance(name, str):
        module = BUNDLED.get(name) or ("scipy" if name.startswith("scipy:") else None)
        if module is not None and not _load_entry_points():
            importlib.import_module(f".{module}", __package__)
            if name in _METHODS:
                return _METHODS[name]
    reg = method_registry()
    found = resolve_name(name, reg) if isinstance(name, str) else None
    if found is not None:
        return reg[found]
    raise unknown_name("method", str(name), reg)


def make_method(method: Any, options: Optional[dict] = None) -> Method:
    """A method instance from a name (``"lbfgs"``, ``"scipy:L-BFGS-B"``), a class, or an instance, with options.

    Options may be strings (from the CLI, parsed by the declared field types) or values.
    """
    options = dict(options or {})
    if isinstance(method, Method):
        if options:
            return dataclasses.replace(method, **bind(method_params(type(method)), options, method.name, "option"))
        return method
    cls = method if isinstance(method, type) and issubclass(method, Method) else lookup(method)
    kwargs = bind(method_params(cls), options, cls.name, "option")
    return cls(**kwargs)


def check_options(name: str, options: dict) -> None:
    """Raise the one-line error a bad option of ``name`` would give, without running anything."""
    make_method(name, options)


__all__ = ["register_method", "register_solver", "method_registry", "load_errors", "method_params", "make_method",
           "lookup", "check_options", "UsageError"]
