"""Run Monte Carlo draws in chunks: in-process, on a local Dask cluster, or on an existing one.

One code path serves all three: chunks go to a :class:`concurrent.futures.Executor` (an
inline one in-process; Dask's ``Client.get_executor()`` otherwise), at most a few at a time,
and are merged as they finish. The model and parameter space are sent to Dask workers once
(``scatter``) rather than with every chunk.
"""

from __future__ import annotations

import concurrent.futures as cf
import os
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from threadpoolctl import threadpool_limits

from circularity._threads import available_threads, one_thread
from circularity.errors import OptionError
from circularity.montecarlo.distributions import ParameterSpace
from circularity.montecarlo.manifest import (
    RunManifest,
    code_version,
    package_versions,
    utc_now,
)
from circularity.montecarlo.protocol import SimulationModel
from circularity.montecarlo.results import SimulationResult
from circularity.montecarlo.sampling import BLOCK_SIZE, Chunk, draw_parameters, plan_chunks
from circularity.montecarlo.summaries import FAN_DRAWS, FAN_ONLY, Accumulator, ChunkStats, reduce_chunk

__all__ = ["Backend", "InlineExecutor", "open_backend", "run_chunk", "run_simulation"]

DEFAULT_CHUNK = 8 * BLOCK_SIZE


class InlineExecutor(cf.Executor):
    """An executor that runs each task at once in the calling thread."""

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> cf.Future[Any]:
        fut: cf.Future[Any] = cf.Future()
        try:
            fut.set_result(fn(*args, **kwargs))
        except BaseException as exc:  # noqa: BLE001 - handed to the caller via the future
            fut.set_exception(exc)
        return fut


@dataclass(frozen=True, slots=True, kw_only=True)
class Backend:
    """Where chunks run: an executor, how to share big inputs, and how many run at once."""

    name: str
    executor: cf.Executor
    share: Callable[[Any], Any]
    width: int


@contextmanager
def open_backend(workers: int | None = None, scheduler: str | None = None) -> Iterator[Backend]:
    """In-process (default), ``LocalCluster`` of ``workers`` processes, or a scheduler address.

    ``scheduler`` falls back to the ``DASK_SCHEDULER_ADDRESS`` environment variable when
    ``workers`` is not given.
    """
    if workers is not None and scheduler:
        raise OptionError("give either workers (local cluster) or scheduler (existing), not both")
    address = scheduler or (None if workers else os.environ.get("DASK_SCHEDULER_ADDRESS"))
    if not address and not workers:
        width = available_threads()
        if width == 1:
            yield Backend(name="in-process", executor=InlineExecutor(), share=lambda x: x, width=1)
            return
        # chunks on threads (numpy releases the GIL in its loops), each chunk's model on one
        # thread: drawing, running and reducing a chunk all run beside the next one; one BLAS
        # thread for the whole pool (the engine's products are small; a process-wide setting,
        # held here rather than set and restored by each chunk's call)
        with (
            threadpool_limits(limits=1, user_api="blas"),
            cf.ThreadPoolExecutor(
                max_workers=width, thread_name_prefix="circularity-chunk", initializer=one_thread
            ) as pool,
        ):
            yield Backend(name=f"in-process, {width} threads", executor=pool, share=lambda x: x, width=width)
        return
    from distributed import Client, LocalCluster

    cluster = None
    if address:
        client = Client(address)
        name = f"dask {address}"
    else:
        assert workers is not None
        if workers < 1:
            raise OptionError(f"workers must be at least 1, got {workers}")
        import dask

        # The nanny's default MALLOC_TRIM_THRESHOLD_ turns off glibc's adaptive mmap threshold:
        # every multi-MB temporary of the engine is then mmapped, faulted in and unmapped,
        # which doubled the CPU time per draw on a worker (measured: 6.7 s → 12.8 s for 8,192
        # draws). Workers keep the rest of the pre-spawn environment (one BLAS thread each).
        environ = {
            k: v
            for k, v in (dask.config.get("distributed.nanny.pre-spawn-environ", None) or {}).items()
            if k != "MALLOC_TRIM_THRESHOLD_"
        }
        # one thread per worker process: the projection's blocks would otherwise take every
        # core in every worker (workers × cores threads on the same cores)
        environ["CIRCULARITY_THREADS"] = "1"
        # the nanny sets the pre-spawn variables in this process's own environment and leaves them
        # there: restored after the spawn, so that this process's later in-process runs keep their
        # cores (CIRCULARITY_THREADS) once the cluster is gone
        saved = {k: os.environ.get(k) for k in environ}
        try:
            with dask.config.set({"distributed.nanny.pre-spawn-environ": environ}):
                cluster = LocalCluster(
                    n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=None
                )
        finally:
            for k, v in saved.items():
                if v is None:
                    os.environ.pop(k, None)
                else:
                    os.environ[k] = v
        client = Client(cluster)
        name = f"dask local {workers} worker(s)"
    try:
        width = max(1, sum(client.nthreads().values()))

        def share(obj: Any) -> Any:
            return client.scatter(obj, broadcast=True, hash=False)

        yield Backend(name=name, executor=client.get_executor(pure=False), share=share, width=width)
    finally:
        client.close()
        if cluster is not None:
            cluster.close()


def run_chunk(
    model: SimulationModel,
    space: ParameterSpace,
    seed: int,
    chunk: Chunk,
    block_size: int,
    keep: tuple[str, ...],
    fan_draws: int | None = FAN_DRAWS,
) -> ChunkStats:
    """Draw a chunk's parameters, run the model on them and reduce its outputs.

    A chunk past the fan draws asks a model that offers ``without(names)`` (a copy that leaves
    those per-quarter outputs out) to skip the fan-only outputs nobody keeps: for the projection,
    two of its five recorded columns, 109 MB each per 8,192 draws.
    """
    params = draw_parameters(space, seed, chunk.start, chunk.stop, block_size=block_size)
    without = getattr(model, "without", None)
    if fan_draws is not None and chunk.start >= fan_draws and without is not None and "all" not in keep:
        unused = tuple(c for c in FAN_ONLY if c not in keep)
        if unused:
            model = without(unused)
    outputs = model(params)
    return reduce_chunk(
        params, outputs, start=chunk.start, quarters=tuple(model.quarters), keep=keep, fan_draws=fan_draws
    )


def run_simulation(
    model: SimulationModel,
    space: ParameterSpace,
    *,
    n: int,
    seed: int,
    chunk_size: int | None = None,
    workers: int | None = None,
    scheduler: str | None = None,
    keep: tuple[str, ...] = (),
    block_size: int = BLOCK_SIZE,
    on_chunk: Callable[[ChunkStats], None] | None = None,
    progress: Callable[[int, int], None] | None = None,
    scenario: str = "",
    provenance: dict[str, Any] | None = None,
    run_id: str | None = None,
    fan_draws: int | None = FAN_DRAWS,
) -> SimulationResult:
    """Run ``n`` draws of ``space`` through ``model``; the result does not depend on chunking.

    Parameters
    ----------
    model : SimulationModel
        Vectorised model (see :mod:`circularity.montecarlo.protocol`).
    space : ParameterSpace
        The distributions to draw from.
    n, seed : int
        Number of draws and the run's seed.
    chunk_size : int, optional
        Draws per task (rounded up to whole blocks); defaults to a size that keeps every
        worker busy.
    workers, scheduler : optional
        Local Dask cluster of ``workers`` processes, or the address of a running scheduler
        (``DASK_SCHEDULER_ADDRESS`` is honoured); in-process when neither is given.
    keep : tuple of str
        Per entity-and-quarter outputs to hand to ``on_chunk`` in full (``("all",)``: all).
    on_chunk : callable, optional
        Called in this process with each finished :class:`ChunkStats`, in draw order whichever
        finished first (for streaming to disk).
    progress : callable, optional
        Called with ``(draws_done, n)`` after each chunk.
    fan_draws : int or None
        The fan-chart quantile bands use the first ``fan_draws`` draws (None: all); every
        other summary uses all draws.

    Returns
    -------
    SimulationResult
    """
    started, t0 = utc_now(), time.perf_counter()
    prov = dict(getattr(model, "provenance", {}) or {})
    prov.update(provenance or {})
    with open_backend(workers, scheduler) as backend:
        if chunk_size is None:
            chunk_size = min(DEFAULT_CHUNK, max(block_size, -(-n // (4 * backend.width))))
        chunks = plan_chunks(n, chunk_size, block_size=block_size)
        shared_model, shared_space = backend.share(model), backend.share(space)
        acc = Accumulator(n, fan_draws)
        todo = iter(enumerate(chunks))
        pending: dict[cf.Future[ChunkStats], int] = {}
        ready: dict[int, ChunkStats] = {}
        handed = 0

        def submit_next() -> bool:
            k, chunk = next(todo, (-1, None))
            if chunk is not None:
                fut = backend.executor.submit(
                    run_chunk, shared_model, shared_space, seed, chunk, block_size, keep, fan_draws
                )
                pending[fut] = k
            return chunk is not None

        while len(pending) < 2 * backend.width and submit_next():
            pass
        while pending:
            done, _ = cf.wait(pending, return_when=cf.FIRST_COMPLETED)
            for fut in done:
                ready[pending.pop(fut)] = fut.result()
            # chunks are handed on in draw order (on_chunk, progress), whichever finished first:
            # one that finishes early waits, with at most 2 × width chunks running or waiting
            while handed in ready:
                stats = ready.pop(handed)
                handed += 1
                if on_chunk is not None:
                    on_chunk(stats)
                stats.full = {}
                acc.add(stats)
                if progress is not None:
                    progress(acc.done, n)
            while len(pending) + len(ready) < 2 * backend.width and submit_next():
                pass
        backend_name = backend.name
    finished = utc_now()
    manifest = RunManifest(
        run_id=run_id or RunManifest.new_id(started, scenario, seed, n),
        kind="simulate",
        scenario=scenario or str(prov.get("scenario", "")),
        scenario_hash=str(prov.get("scenario_hash", "")),
        dataset_version=str(prov.get("dataset_version", "")),
        dataset_hash=str(prov.get("dataset_hash", "")),
        seed=seed,
        draws=n,
        block_size=block_size,
        chunk_size=chunks[0].size,
        backend=backend_name,
        parameters=space.names,
        code_version=code_version(),
        packages=package_versions(),
        started_at=started,
        finished_at=finished,
        elapsed_s=round(time.perf_counter() - t0, 3),
        extra={
            "fan_draws": acc.fan_n,
            **{
                k: v
                for k, v in prov.items()
                if k not in {"scenario", "scenario_hash", "dataset_version", "dataset_hash"}
            },
        },
    )
    return SimulationResult.from_accumulator(acc, model=model, manifest=manifest)
