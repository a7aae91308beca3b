"""The session: one façade over the models that the CLI, the HTTP API and the report share.

Shells never read files or the database themselves; they ask a :class:`Service`, which holds
either the bundled dataset or a DuckDB store given at start-up (never a path from a request).
Each model call (circulation, stress, projection, simulation) goes through here so the dashboard,
the API and the report see the same numbers, and everything derived is kept in the session's one
cache (:class:`~circularity._cache.SingleFlightCache`), never in model modules.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from circularity._cache import SingleFlightCache
from circularity.errors import CircularityError, ScenarioError, StoreError
from circularity.ledger import Ledger, load

if TYPE_CHECKING:
    from circularity.store import Store

__all__ = [
    "DASHBOARD_NULL",
    "DEFAULT_WINDOW",
    "PROJECT_RECORD",
    "VENDORS",
    "ScenarioView",
    "Service",
    "features",
]

#: Seconds a load waits for an import by another process to finish before answering "in use".
STORE_WAIT_S = 30.0


def _stat(path: Path) -> os.stat_result | None:
    try:
        return path.stat()
    except OSError:
        return None


T = TypeVar("T")

_CACHE_SIZE = 2048
#: Large objects (ledgers, compiled webs, flow graphs, raw model results) get their own, smaller LRU.
_HEAVY_SIZE = 64
_HEAVY = frozenset({"ledger", "full", "stress-web", "stress-base", "project-web", "flow-graph"})

#: Defaults shared with ``circularity loops`` and ``circularity metrics``.
DEFAULT_WINDOW: tuple[int, int] = (2025, 2030)
#: Series a projection request records (what the API answers; headlines need no more).
PROJECT_RECORD: tuple[str, ...] = ("cash", "debt", "shortfall", "revenue", "market_value")
#: Null webs the dashboard and the report ask for (``circularity loops --null 1000``).
DASHBOARD_NULL = 1000
VENDORS: tuple[str, ...] = ("nvidia", "amd", "oracle", "microsoft", "amazon", "coreweave", "broadcom")


class ScenarioView:
    """Scenario ``j`` of a (possibly batched) projection result, read like a one-scenario one:
    ``series`` and ``headlines`` default to that scenario; everything else is the result's."""

    __slots__ = ("_result", "scenario")

    def __init__(self, result: Any, scenario: int) -> None:
        self._result = result
        self.scenario = scenario

    def series(self, column: str, entity: str) -> Any:
        return self._result.series(column, entity, scenario=self.scenario)

    def values(self, column: str, entity: str) -> Any:
        """``series(column, entity)`` as a bare array (no pandas index)."""
        r = self._result
        return r.data[column][:, self.scenario, r.entities.index(entity)]

    def headlines(self) -> dict[str, Any]:
        return self._result.headlines(scenario=self.scenario)  # type: ignore[no-any-return]

    def __getattr__(self, name: str) -> Any:
        return getattr(self._result, name)


def features() -> dict[str, bool]:
    """Which model areas are installed in this build (each dashboard panel checks its own)."""
    import importlib.util

    def has(module: str, name: str) -> bool:
        if importlib.util.find_spec(module) is None:
            return False
        mod = __import__(module, fromlist=[name])
        return hasattr(mod, name)

    return {
        "loops": has("circularity.analytics", "find_circulation"),
        "stress": has("circularity.stress", "stress_test"),
        "projection": has("circularity.projection", "run_projection"),
        "simulate": has("circularity.montecarlo", "simulate"),
        "claims": has("circularity.claims", "check_claims"),
    }


@dataclass
class Service:
    """Ledger access for the API: the bundled dataset, a store opened once at start-up, or a
    ``snapshot`` of every record (the model process's copy of the server's ledger)."""

    db: Path | None = None
    dataset: str = "ai"
    snapshot: Ledger | None = None
    #: Bumped when the ledger changes (an import): answers cached outside the service check it.
    generation: int = field(default=0, repr=False)
    #: ``remote(name, *args)`` runs a slow method (the null model: seconds of CPU) in a model
    #: process, so it never holds the server's GIL; set by the server, None to compute here.
    remote: Callable[..., Any] | None = field(default=None, repr=False)
    _cache: SingleFlightCache = field(default_factory=lambda: SingleFlightCache(_CACHE_SIZE), repr=False)
    _heavy: SingleFlightCache = field(default_factory=lambda: SingleFlightCache(_HEAVY_SIZE), repr=False)
    _stamp: tuple[tuple[int, int] | None, ...] | None = field(default=None, repr=False)
    _store_lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def __post_init__(self) -> None:
        if self.db is not None:
            self.db = Path(self.db)
            if not self.db.exists():
                raise StoreError(
                    f"store {self.db} does not exist; create it with 'circularity ledger import'"
                )

    # -- ledger ----------------------------------------------------------------
    @contextmanager
    def _open_store(self, *, write: bool = False) -> Iterator[Store]:
        """A connection for one load or one import, closed at once: the server never holds the
        store between requests, and reads take DuckDB's shared read-only lock, never the write
        lock, so ``circularity ledger import``/``show``/``validate`` work on it while it serves.
        A reader never sees a half-written import (each import is one transaction)."""
        from circularity.store import open_store

        store = open_store(self.db, read_only=not write, wait_s=STORE_WAIT_S)
        try:
            yield store
        finally:
            store.close()

    def _file_stamp(self) -> tuple[tuple[int, int] | None, ...]:
        assert self.db is not None
        return tuple(
            (st.st_mtime_ns, st.st_size) if (st := _stat(p)) is not None else None
            for p in (self.db, self.db.with_name(self.db.name + ".wal"))
        )

    def refresh(self) -> None:
        """Drop cached answers if another process has imported into the store since its
        records were read here (two ``stat`` calls); the server calls it before each request."""
        if self.db is None or self.snapshot is not None:
            return
        if self._stamp is not None and self._file_stamp() != self._stamp:
            self._stamp = None
            self.reset()

    def ledger(self, as_of: date | None) -> Ledger:
        """The web as known on ``as_of`` (today when None), cached per date."""
        when = as_of or date.today()

        def make() -> Ledger:
            if self.snapshot is not None:
                return self.snapshot.at(when)
            if self.db is None:
                return load(self.dataset, as_of=when)
            with self._store_lock, self._open_store() as store:
                self._stamp = self._stamp or self._file_stamp()
                return store.ledger(when)

        return self.cached(("ledger", when), make)

    def full_ledger(self) -> Ledger:
        """Every record, no as-of filter (for date ranges and record history)."""

        def make() -> Ledger:
            if self.snapshot is not None:
                return self.snapshot
            if self.db is None:
                from circularity.ledger.ledger import _bundled

                return _bundled(self.dataset)
            with self._store_lock, self._open_store() as store:
                self._stamp = self._stamp or self._file_stamp()
                return store.ledger(None)

        return self.cached(("full",), make)

    def knowledge_horizon(self) -> date | None:
        """The full ledger's latest source date: facts after it are unknown to the ledger."""
        return self.cached(("knowledge_horizon",), lambda: self.full_ledger().knowledge_horizon())

    def horizon_note(self, as_of: date | None) -> str | None:
        """The one line an answer of date ``as_of`` carries when it is later than the horizon."""
        from circularity.ledger.ledger import horizon_warning

        horizon = self.knowledge_horizon()
        if horizon is None or as_of is None or as_of <= horizon:
            return None
        return horizon_warning(horizon)

    def cached(self, key: tuple[Any, ...], make: Callable[[], T]) -> T:
        """Memoise a derived result (graph, circulation, stress...) under ``key``; concurrent
        callers of one missing key share one computation."""
        return (self._heavy if key[0] in _HEAVY else self._cache).get_or_set(key, make)

    def peek(self, key: tuple[Any, ...]) -> Any | None:
        """A cached result, or None; never computes."""
        return (self._heavy if key[0] in _HEAVY else self._cache).peek(key)

    def warm(self) -> None:
        """Load today's web and run the cheap models once, so the first page renders fast."""
        self.full_ledger()
        self.graph(None)
        if features()["loops"]:
            self.loops(None)

    def warm_later(self, *, null_model: bool = True) -> None:
        """Slower first-visit results in a background thread: every projection preset's web
        (the preset menu) and, with ``null_model``, the null model of today's web.

        Under ``serve --workers N`` the server leaves the null model to the first request: it is
        computed once and the workers share the answer."""

        def run() -> None:
            if features()["projection"]:
                from circularity.projection import PRESETS

                for preset in PRESETS:
                    self.project(preset, None, {}, record=PROJECT_RECORD)
            if features()["loops"] and null_model:
                self.loops(None, null=DASHBOARD_NULL, seed=7)

        threading.Thread(target=run, daemon=True, name="circularity-warm").start()

    # -- models ----------------------------------------------------------------
    def graph(
        self,
        as_of: date | None,
        *,
        include_inactive: bool = False,
        kinds: frozenset[str] | None = None,
        confidences: frozenset[str] | None = None,
        min_amount: float = 0.0,
    ) -> dict[str, Any]:
        """Cytoscape elements of the web as of a date (see :func:`views.graph_elements`)."""
        from circularity.session.views import graph_elements

        when = as_of or date.today()
        key = ("graph", when, include_inactive, kinds, confidences, min_amount)
        return self.cached(
            key,
            lambda: graph_elements(
                self.ledger(when),
                include_inactive=include_inactive,
                kinds=kinds,
                confidences=confidences,
                min_amount=min_amount,
            ),
        )

    def flow_graph(
        self,
        as_of: date | None,
        *,
        window: tuple[int, int] | None = DEFAULT_WINDOW,
        kinds: frozenset[str] | None = None,
        min_confidence: str | None = None,
    ) -> Any:
        """The money-flow graph (:func:`circularity.analytics.attribution.flow_graph`), cached."""
        from circularity.analytics.attribution import flow_graph

        when = as_of or date.today()
        key = ("flow-graph", when, window, kinds, min_confidence)
        return self.cached(
            key,
            lambda: flow_graph(
                self.ledger(when),
                window=window,
                kinds=sorted(kinds) if kinds else None,
                min_confidence=min_confidence,
            ),
        )

    def loops(
        self,
        as_of: date | None,
        *,
        window: tuple[int, int] | None = DEFAULT_WINDOW,
        kinds: frozenset[str] | None = None,
        min_confidence: str | None = None,
        null: int = 0,
        seed: int = 7,
        null_method: str = "degree-strength",
    ) -> dict[str, Any]:
        """The largest circulation in the money-flow graph, as ``circularity loops`` computes it:
        :func:`find_circulation` on :meth:`flow_graph`; with ``null > 0`` also the null model
        (``circulation_null_model(graph, n=null, seed=seed, method=null_method)``, the CLI's
        default method)."""
        when = as_of or date.today()
        opts = {"window": window, "kinds": kinds, "min_confidence": min_confidence}

        def make() -> dict[str, Any]:
            from circularity.analytics import find_circulation

            g = self.flow_graph(when, **opts)  # type: ignore[arg-type]
            out = find_circulation(g).to_dict()
            attrs = g.graph_attributes
            unpriced = str(attrs.get("unpriced_deals") or "")
            out.update(
                n_cycles=len(out["cycles"]),
                window=attrs.get("window"),
                n_edges=len(g.edges),
                unpriced_deals=[d for d in unpriced.split(";") if d],
                rule=attrs.get("rule"),
            )
            return out

        base = self.cached(("loops", when, window, kinds, min_confidence), make)
        if not null:
            return base

        args = (when, window, kinds, min_confidence, null, seed, null_method)
        nm = self.cached(("null", *args), lambda: self._slow("null_model", *args))
        return {**base, "null_model": nm}

    def null_model(
        self,
        when: date,
        window: tuple[int, int] | None,
        kinds: frozenset[str] | None,
        min_confidence: str | None,
        n: int,
        seed: int,
        method: str,
    ) -> dict[str, Any]:
        """``circulation_null_model`` of :meth:`flow_graph` as a dict (seconds of CPU: see
        :attr:`remote`)."""
        from circularity.analytics.null_model import circulation_null_model

        g = self.flow_graph(when, window=window, kinds=kinds, min_confidence=min_confidence)
        return circulation_null_model(g, n=n, seed=seed, method=method).to_dict()

    def _slow(self, name: str, *args: Any) -> Any:
        """``getattr(self, name)(*args)``, in the server's model process when it has one."""
        if self.remote is not None:
            try:
                return self.remote(name, *args)
            except CircularityError as exc:
                if not getattr(exc, "offload", False):
                    raise
        return getattr(self, name)(*args)

    def metrics(
        self,
        as_of: date | None,
        *,
        window: tuple[int, int] | None = DEFAULT_WINDOW,
        entity: str | None = None,
    ) -> dict[str, Any]:
        """Financial ratios, vendor financing and the Lucent comparison, as
        ``circularity metrics --json`` prints them."""
        when = as_of or date.today()

        def make() -> dict[str, Any]:
            import json

            from circularity.analytics.ratios import financial_ratios
            from circularity.analytics.vendor_financing import (
                VENDOR_FINANCING_DEFINITION,
                lucent_comparison,
                vendor_financing,
            )

            ledger = self.ledger(when)
            ratios = financial_ratios(ledger).to_frame()
            if entity is not None:
                ratios = ratios[ratios["entity"] == entity]
            vendors = [entity] if entity else list(VENDORS)
            vf = [vendor_financing(ledger, v, window).to_dict() for v in vendors]
            lucent = lucent_comparison(ledger).to_frame()
            return {
                "as_of": when.isoformat(),
                "window": "all" if window is None else f"{window[0]}:{window[1]}",
                "ratios": json.loads(ratios.to_json(orient="records", date_format="iso")),
                "vendor_financing": vf,
                "definition": VENDOR_FINANCING_DEFINITION,
                "lucent_comparison": json.loads(lucent.to_json(orient="records")),
            }

        return self.cached(("metrics", when, window, entity), make)

    def stress(
        self,
        shocks: dict[str, float],
        as_of: date | None,
        *,
        model: str = "eisenberg-noe",
        alpha: float = 1.0,
        beta: float = 1.0,
    ) -> Any:
        """The AI-web stress test (:func:`circularity.stress.stress_test`) on a cached web;
        the same request twice returns the same (deterministic) result from the cache."""
        when = as_of or date.today()
        key = ("stress", tuple(sorted(shocks.items())), when, model, alpha, beta)

        def make() -> Any:
            result, index = self.stress_many([shocks], when, model=model, alpha=alpha, beta=beta)
            if index[0] < 0:  # an entity outside the web: stress_test raises the error that says why
                from circularity.stress import stress_test

                ledger, assumptions, web = self.stress_inputs(when)
                stress_test(
                    shocks,
                    ledger=ledger,
                    web=web,
                    model=model,
                    alpha=alpha,
                    beta=beta,
                    assumptions=assumptions,
                )
            return result

        return self.cached(key, make)

    def stress_many(
        self,
        shocks: list[dict[str, float]],
        as_of: date | None,
        *,
        model: str = "eisenberg-noe",
        alpha: float = 1.0,
        beta: float = 1.0,
    ) -> tuple[Any, list[int]]:
        """Several shock sets on one web in one vectorised :func:`stress_test` call.

        Returns the result (one scenario per usable set) and, for each set in order, its
        scenario index, or -1 for a set naming an entity outside the web (:meth:`stress` says why).
        A lone set runs beside an unshocked one: the clearing core takes another path for a
        single scenario, and this way an answer is the same to the last digit whatever else
        was in its batch.
        """
        from circularity.stress import stress_test

        when = as_of or date.today()
        ledger, assumptions, web = self.stress_inputs(when)
        known = set(web.entities) if web is not None else set()
        index: list[int] = []
        usable: list[dict[str, float]] = []
        for shock in shocks:
            ok = bool(shock) and known.issuperset(shock)
            index.append(len(usable) if ok else -1)
            if ok:
                usable.append(shock)
        if not usable:
            return None, index
        if len(usable) == 1:
            usable.append({})
        from circularity.stress import prepare_stress

        # the unshocked clearing of the web, prepared once per date for every shock set
        base = self.cached(("stress-base", when), lambda: prepare_stress(web, assumptions))
        result = stress_test(usable, ledger=ledger, model=model, alpha=alpha, beta=beta, base=base)
        return result, index

    def stress_inputs(self, when: date) -> tuple[Ledger, Any, Any]:
        """The ledger, stress assumptions and compiled web (None past the horizon) of a date."""
        from circularity.stress import StressAssumptions

        ledger = self.ledger(when)
        assumptions = self.cached(("stress-assumptions",), StressAssumptions.load)

        def compile_web() -> Any:
            from circularity.ledger.dates import quarter_label, quarter_of
            from circularity.projection.pipeline import compile_for
            from circularity.projection.scenario import load_scenario

            scenario = load_scenario(str(assumptions.values["scenario"]))
            start = quarter_label(*quarter_of(when))
            if start > scenario.horizon.end:
                return None  # stress_test raises the ScenarioError that says why
            return compile_for(scenario, ledger, start=start)

        return ledger, assumptions, self.cached(("stress-web", when), compile_web)

    def entity_names(self, as_of: date | None) -> dict[str, str]:
        """Entity id to display name in the web as of a date."""
        from circularity.ledger.records import Entity

        when = as_of or date.today()
        return self.cached(
            ("names", when),
            lambda: {
                e.id: e.name for e in self.ledger(when).records.get("entities", ()) if isinstance(e, Entity)
            },
        )

    def scenario(self, preset: str) -> Any:
        """A projection preset, loaded once (names only: never a path from a request)."""
        from circularity.projection import PRESETS, load_scenario

        if preset not in PRESETS:
            raise ScenarioError(f"unknown preset '{preset}'; presets: {', '.join(PRESETS)}")
        return self.cached(("scenario", preset), lambda: load_scenario(preset))

    def project(
        self,
        preset: str,
        as_of: date | None,
        overrides: dict[str, float],
        record: tuple[str, ...] | None = None,
    ) -> Any:
        """One projection of a preset with scalar overrides, on a web compiled once per date."""
        return self.project_batch(preset, as_of, [overrides], record=record)[0]

    def project_batch(
        self,
        preset: str,
        as_of: date | None,
        batch: list[dict[str, float]],
        record: tuple[str, ...] | None = None,
    ) -> list[Any]:
        """Projections of one preset for several override sets with the same keys.

        The ones not cached yet run as one vectorised ``run_projection`` call (one scenario
        each: the engine's scenarios are independent), then each is cached on its own. Returns
        one single-scenario view per override set, in order.
        """
        from circularity.ledger.dates import parse_date
        from circularity.projection import run_projection
        from circularity.projection.pipeline import compile_for

        sc = self.scenario(preset)
        when = as_of or (parse_date(sc.as_of) if sc.as_of else None) or date.today()
        web = self.cached(("project-web", preset, when), lambda: compile_for(sc, self.ledger(when)))

        def key(ov: dict[str, float]) -> tuple[Any, ...]:
            return ("project", preset, when, tuple(sorted(ov.items())), record)

        todo: dict[tuple[Any, ...], dict[str, float]] = {}
        for ov in batch:
            if self.peek(key(ov)) is None:
                todo.setdefault(key(ov), ov)
        groups: dict[tuple[str, ...], list[dict[str, float]]] = {}
        for ov in todo.values():
            groups.setdefault(tuple(sorted(ov)), []).append(ov)
        for names, ovs in groups.items():
            if not names or len(ovs) == 1:
                continue  # one scenario: computed below, under single flight
            arrays = {k: [float(ov[k]) for ov in ovs] for k in names}
            result = run_projection(web, sc, arrays, record=record)
            for j, ov in enumerate(ovs):
                self.cached(key(ov), lambda r=result, j=j: ScenarioView(r, j))  # type: ignore[misc]

        def one(ov: dict[str, float]) -> Any:
            arrays = {k: [float(v)] for k, v in ov.items()}
            return ScenarioView(run_projection(web, sc, arrays or None, record=record), 0)

        return [self.cached(key(ov), lambda ov=ov: one(ov)) for ov in batch]  # type: ignore[misc]

    def claims(self, as_of: date | None) -> Any:
        """Every registered claim checked on the web as of a date."""
        from circularity.claims import check_claims

        when = as_of or date.today()
        return self.cached(("claims", when), lambda: check_claims(self.ledger(when)))

    def import_records(self, rows: dict[str, list[dict[str, Any]]], *, label: str) -> Any:
        """Write rows into the store (validated against it, all or nothing); then forget
        cached results. See :meth:`circularity.store.Store.import_records`."""
        if self.db is None:
            raise StoreError("this server reads the bundled dataset; start it with --db to import")
        with self._store_lock, self._open_store(write=True) as store:
            result = store.import_records(rows, label=label)
        self._stamp = None
        self.reset()
        return result

    def reset(self) -> None:
        """Forget cached ledgers and results (after an import)."""
        # New caches, not cleared ones: a computation still in flight on the old ledger stores
        # its answer in the old cache, which nobody reads any more.
        self._cache = SingleFlightCache(_CACHE_SIZE)
        self._heavy = SingleFlightCache(_HEAVY_SIZE)
        self.generation += 1
