"""Backtests: run the engine on a historical web as known at a cutoff and score it on what followed.

>>> from circularity.backtest import run_backtest
>>> res = run_backtest("telecom", cutoff="2000-12-31", n=200)  # doctest: +SKIP

Layers: :mod:`.model_input` (the point-in-time view and the scenario), :mod:`.starting_state`
(fill rules, data share), :mod:`.predictions` (Monte Carlo over the engine), :mod:`.outcomes` and
:mod:`.outcome_file` (what happened), :mod:`.scores` and :mod:`.baselines` (pure scoring),
:mod:`.evaluate` (the result), :mod:`.period` (market facts at the cutoff).
"""

from circularity.backtest.evaluate import evaluate
from circularity.backtest.predictions import Predictions, predict
from circularity.backtest.run import calibrate_backtest, run_backtest
from circularity.backtest.scores import auc, brier, calibration_table, rank_correlation

__all__ = [
    "Predictions",
    "auc",
    "brier",
    "calibrate_backtest",
    "calibration_table",
    "evaluate",
    "predict",
    "rank_correlation",
    "run_backtest",
]
