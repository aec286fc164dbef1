"""Solver plugins (one file per method) and the registry of every method, ours and scipy's."""

from .base import LineSearchSolver, Solver, StepInfo
from .registry import load_errors, make_method, method_params, method_registry, register_method, register_solver

__all__ = ["Solver", "LineSearchSolver", "StepInfo", "register_method", "register_solver", "method_registry",
           "make_method", "method_params", "load_errors"]
