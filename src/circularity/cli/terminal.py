"""Rich's ``Console``, ``Table``, ``Rule`` and markup ``escape``, imported on first use.

Importing ``rich.console`` and ``rich.markup`` costs ~0.3 s of CPU, more than the rest of the CLI's
start-up; ``circularity --help`` and usage errors need none of it (issue 16: ``--help`` within
0.5 s of CPU). Command modules import these names from here; each call imports Rich then.
Type checkers see Rich's own classes.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__all__ = ["Console", "Rule", "Table", "escape"]

if TYPE_CHECKING:
    from rich.console import Console
    from rich.markup import escape
    from rich.rule import Rule
    from rich.table import Table
else:

    def Console(*args: Any, **kwargs: Any) -> Any:  # noqa: N802 - stands in for the class
        from rich.console import Console as cls

        return cls(*args, **kwargs)

    def Table(*args: Any, **kwargs: Any) -> Any:  # noqa: N802
        from rich.table import Table as cls

        return cls(*args, **kwargs)

    def Rule(*args: Any, **kwargs: Any) -> Any:  # noqa: N802
        from rich.rule import Rule as cls

        return cls(*args, **kwargs)

    def escape(markup: str, *args: Any, **kwargs: Any) -> str:
        from rich.markup import escape as rich_escape

        return rich_escape(markup, *args, **kwargs)
