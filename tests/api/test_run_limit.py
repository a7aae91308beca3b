"""The model-run limit of a request (``circularity serve --run-limit``): a number of seconds in [1, 3600]."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from circularity.api import limits
from circularity.cli import app
from circularity.errors import OptionError


@pytest.mark.parametrize("raw", ["0", "-5", "nan", "inf", "3601", "thirty", ""])
def test_a_bad_run_limit_is_refused_with_its_variable(monkeypatch: pytest.MonkeyPatch, raw: str) -> None:
    monkeypatch.setenv(limits.RUN_LIMIT_ENV, raw)
    with pytest.raises(OptionError, match=rf"{limits.RUN_LIMIT_ENV}=.*\[1, 3600\]"):
        limits._run_limit()


def test_the_run_limit_defaults_to_30_s(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(limits.RUN_LIMIT_ENV, raising=False)
    assert limits._run_limit() == 30.0
    monkeypatch.setenv(limits.RUN_LIMIT_ENV, "240")
    assert limits._run_limit() == 240.0


@pytest.mark.parametrize("value", ["0", "3601", "abc"])
def test_serve_refuses_a_run_limit_out_of_range(value: str) -> None:
    result = CliRunner().invoke(app, ["serve", "--run-limit", value])
    assert result.exit_code == 2
    assert "--run-limit" in result.output
