"""Every usage error of every command is one line on stderr and exit code 2 (issue 16).

The sweep walks the whole command tree, so a command added later is swept too: an unknown
option, each required argument or option left out, each option that takes a value given none,
and each bounded number given one past its bound.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from typing import Any

import pytest
import typer

from circularity.cli import app, main

HEAVY = ("pandas", "duckdb", "scipy", "fastapi", "plotly", "numpy", "pyarrow", "rich.console", "rich.table")


def _commands(cmd: Any, path: tuple[str, ...] = ()) -> Iterator[tuple[tuple[str, ...], Any]]:
    subs = getattr(cmd, "commands", None)
    if subs:
        for name, sub in subs.items():
            yield from _commands(sub, (*path, name))
    else:
        yield path, cmd


def _bad_calls() -> list[tuple[str, list[str]]]:
    root = typer.main.get_command(app)
    calls: list[tuple[str, list[str]]] = []
    for path, cmd in _commands(root):
        name = " ".join(path)
        calls.append((f"{name}: unknown option", [*path, "--no-such-option-x"]))
        required = [p for p in cmd.params if p.required]
        filled: list[str] = []
        for p in required:
            if p.param_type_name == "argument":
                filled.append("x")
            else:
                filled += [p.opts[0], "x"]
        for p in required:
            calls.append((f"{name}: missing {p.name}", list(path)))
        for p in cmd.params:
            if p.param_type_name != "option" or p.is_flag or p.opts[0] == "--help":
                continue
            calls.append((f"{name}: {p.opts[0]} without value", [*path, *filled, p.opts[0]]))
            upper = getattr(p, "max", None)
            lower = getattr(p, "min", None)
            if upper is not None:
                calls.append((f"{name}: {p.opts[0]} above max", [*path, *filled, p.opts[0], str(upper + 1)]))
            if lower is not None:
                calls.append((f"{name}: {p.opts[0]} below min", [*path, *filled, p.opts[0], str(lower - 1)]))
    return calls


CALLS = _bad_calls()


def test_the_sweep_covers_the_tree() -> None:
    names = {label.split(":")[0] for label, _ in CALLS}
    assert {"ledger show", "loops", "contagion", "project", "serve", "runs list"} <= names
    assert any("above max" in label for label, _ in CALLS)


@pytest.mark.parametrize(("label", "argv"), CALLS, ids=[c[0] for c in CALLS])
def test_usage_error_is_one_line_exit_2(
    label: str, argv: list[str], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(sys, "argv", ["circularity", *argv])
    monkeypatch.setenv("CIRCULARITY_DB", "/nonexistent/never-opened.duckdb")
    with pytest.raises(SystemExit) as exc:
        main()
    err = capsys.readouterr().err
    assert exc.value.code == 2, (label, err)
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: circularity"), (label, err)


def test_the_reported_cases(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    for argv, words in (
        (["ledger", "show", "deals", "--bogus"], "No such option: --bogus"),
        (["loops", "--null", "100001"], "--null"),
    ):
        monkeypatch.setattr(sys, "argv", ["circularity", *argv])
        with pytest.raises(SystemExit) as exc:
            main()
        err = capsys.readouterr().err
        assert exc.value.code == 2 and words in err and "Traceback" not in err


def test_help_loads_no_heavy_library() -> None:
    """``--help`` parses arguments before pandas, DuckDB, SciPy, FastAPI, Plotly or Rich's console load."""
    code = (
        "import sys; sys.argv = ['circularity', '--help']\n"
        "from circularity.cli import main\n"
        "try:\n    main()\nexcept SystemExit:\n    pass\n"
        f"print(sorted(m for m in {HEAVY!r} if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.stdout.strip().splitlines()[-1] == "[]", out.stdout + out.stderr
