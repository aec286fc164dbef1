"""Solver plugins: one file per method. See :mod:`optbench.solvers.base` for the contract."""

from .base import Solver, StepInfo, make_solver, register_solver, solver_params, solver_registry

__all__ = ["Solver", "StepInfo", "make_solver", "register_solver", "solver_params", "solver_registry"]
