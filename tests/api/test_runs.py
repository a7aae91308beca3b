"""The server's run registry keeps the newest runs, newest first, and forgets the oldest."""

from __future__ import annotations

import threading

from circularity.api.runs import RunRegistry


def test_the_registry_keeps_the_newest_runs_newest_first() -> None:
    runs = RunRegistry(keep=3)
    ids = [runs.add("stress", {"shock": i}, {"n": i}, {"rows": [i]}) for i in range(5)]
    assert ids[0].startswith("stress-0001-") and ids[4].startswith("stress-0005-")
    assert [r["id"] for r in runs.list()] == ids[:1:-1]
    assert all("result" not in r for r in runs.list())
    assert runs.get(ids[0]) is None and runs.get(ids[1]) is None
    kept = runs.get(ids[2])
    assert kept is not None and kept["result"] == {"rows": [2]} and kept["request"] == {"shock": 2}
    runs.get(ids[2])  # fetching a run does not keep it longer: the oldest goes first
    runs.add("stress", {"shock": 5}, {}, {})
    assert runs.get(ids[2]) is None


def test_the_same_request_gets_the_same_hash_and_a_new_number() -> None:
    runs = RunRegistry()
    a, b = runs.add("project", {"x": 1}, {}, {}), runs.add("project", {"x": 1}, {}, {})
    assert a != b and a.split("-")[2] == b.split("-")[2]
    assert runs.add("project", {"x": 2}, {}, {}).split("-")[2] != a.split("-")[2]


def test_concurrent_adds_get_distinct_ids_and_respect_the_bound() -> None:
    runs = RunRegistry(keep=50)
    out: list[str] = []

    def add() -> None:
        for i in range(40):
            out.append(runs.add("sim", {"i": i}, {}, {}))

    threads = [threading.Thread(target=add) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(set(out)) == 160
    assert len(runs.list()) == 50
