"""The ``--backend`` option of the commands that evaluate a problem, and the refusal of the autograd-only lab."""

from __future__ import annotations

import typer

HELP = 'Automatic differentiation: autograd, or jax (compiled; pip install "optbench[jax]").'


def option(help: str = HELP):
    return typer.Option("autograd", "--backend", metavar="[autograd|jax]", help=help)


def autograd_only(backend: str, command: str, why: str) -> None:
    """A one-line UsageError when a lab command that studies autograd itself is asked for another backend."""
    from ..core.backends import check_backend
    from ..core.errors import UsageError

    if check_backend(backend) != "autograd":
        raise UsageError(f"{{field}} {backend}: optbench {command} is autograd only ({why}); the same problem file "
                         "runs on jax with solve/compare/bench --backend jax", field="backend", value=backend,
                         allowed="autograd")
