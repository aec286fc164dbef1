"""Text from files and plugins shown safely: no terminal escape codes, no rich markup.

Problem names, method names, messages and manifest strings come from user files, plugins
and run directories anyone may have edited. :func:`plain` shows control characters as
escapes (``ESC`` → ``\\x1b``) so nothing can move the cursor, retitle the terminal or
recolour the output; :func:`safe` also escapes rich markup (``[bold]`` is shown, not applied).
"""

from __future__ import annotations

import re

from rich.markup import escape

_CONTROL = re.compile(r"[\x00-\x09\x0b-\x1f\x7f-\x9f]")


def plain(text: object) -> str:
    """``text`` with every control character but the newline shown as an escape."""
    return _CONTROL.sub(lambda m: repr(m.group())[1:-1], str(text))


def safe(text: object) -> str:
    """:func:`plain`, then rich markup escaped: for strings inside markup."""
    return escape(plain(text))
