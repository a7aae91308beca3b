"""The fuzz corpus: hand-made nasties and seeded mutations of valid files, for every input format.

Each :class:`Case` writes its files into a folder and names the CLI call that reads them, and
says whether the input *must* be refused (``must_refuse``) or may be accepted (a valid variant,
e.g. a file cut exactly at a line end). :func:`all_cases` is deterministic for a seed.
"""

from __future__ import annotations

import json
import os
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from circularity.testing.ledgers import DEALS, write_sample

Writer = Callable[[Path], None]


@dataclass(frozen=True)
class Case:
    """One malformed (or valid-variant) input and the command that reads it."""

    kind: str  # ledger | network | edge list | scenario
    name: str
    write: Writer
    argv: tuple[str, ...]  # "{dir}" is replaced by the case folder
    must_refuse: bool
    imports: bool = False  # an import into a store: checked for "store changed"
    tags: tuple[str, ...] = field(default=())
    #: An HTTP request (method, path, body) sent to the app in-process instead of a CLI call;
    #: ``imports``: to a write-mode app over a copy of the seed store, with its bearer token.
    http: tuple[str, str, bytes] | None = None


NETWORK = {
    "nodes": [
        {"id": "a", "external_assets": 10, "external_liabilities": 1, "equity": 5},
        {"id": "b", "external_assets": 5, "equity": 2},
        {"id": "c", "external_assets": 1},
    ],
    "liabilities": [
        {"debtor": "a", "creditor": "b", "amount": 4},
        {"debtor": "b", "creditor": "c", "amount": 3},
        {"debtor": "c", "creditor": "a", "amount": 2},
    ],
}
EDGES = "source,target,amount\na,b,2\nb,c,1.5\nc,a,1\n"
SCENARIO = "name: fuzz\nextends: baseline\n"
# (values that must be refused for every bounded scenario number, valid YAML text of each)
BAD_NUMBERS = (".nan", ".inf", "-.inf", "-1", "true", "'5'", "[1]", "{}", "1e400", "9" * 5000, "2025-02-30")
NASTY_TEXT = ("\x00", "\x07", "\x1b[31m", "\x85", "\u202e", "\u2066")
BENIGN_TEXT = ("[/]", "[bold]x", "=1+1", "@SUM(A1)", "Zoë ✓", "<script>x</script>")


def _bytes(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)


def _special(path: Path, what: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.exists() or path.is_symlink():
        path.unlink()
    if what == "fifo":
        os.mkfifo(path)
    elif what == "dir":
        path.mkdir()
    else:
        path.symlink_to(what)


def _ledger(mutate: Callable[[Path], None]) -> Writer:
    def write(root: Path) -> None:
        write_sample(root / "in")
        mutate(root / "in")

    return write


def _deal(root: Path, body: bytes) -> None:
    _bytes(root / "deals" / "DFZ.yaml", body)


def _ledger_cases(rng: random.Random) -> list[Case]:
    out: list[Case] = []

    def add(name: str, mutate: Callable[[Path], None], must: bool = True, imports: bool = False) -> None:
        argv = (
            ("ledger", "import", "--no-seed", "--db", "{dir}/store.duckdb", "{dir}/in")
            if imports
            else ("ledger", "validate", "{dir}/in")
        )
        out.append(Case("ledger", name, _ledger(mutate), argv, must, imports))

    deal = "id: DFZ\nkind: equity\npayer: nvidia\npayee: openai\namount_usd_bn: 1\nannounced: 2025-09-22\n"
    deal += "status: announced\nconfidence: confirmed\nsources: [s1]\n"
    hand: list[tuple[str, bytes]] = [
        ("duplicate key", (deal + "amount_usd_bn: 2\n").encode()),
        ("deep nesting", (deal + "notes: " + "[" * 5000 + "]" * 5000 + "\n").encode()),
        (
            "billion laughs",
            (
                deal
                + "x: &a [1,1,1,1,1,1,1,1,1,1]\n"
                + "".join(
                    f"x{i}: &a{i} [{','.join(['*a' if i == 0 else f'*a{i - 1}'] * 10)}]\n" for i in range(8)
                )
            ).encode(),
        ),
        ("30 February", deal.replace("2025-09-22", "2025-02-30").encode()),
        ("5000-digit amount", deal.replace("amount_usd_bn: 1", "amount_usd_bn: " + "9" * 5000).encode()),
        ("NaN amount", deal.replace("amount_usd_bn: 1", "amount_usd_bn: .nan").encode()),
        ("negative amount", deal.replace("amount_usd_bn: 1", "amount_usd_bn: -5").encode()),
        ("list amount", deal.replace("amount_usd_bn: 1", "amount_usd_bn: [1]").encode()),
        ("unknown field", (deal + "amunt: 3\n").encode()),
        ("Arabic-Indic date", deal.replace("2025-09-22", "٢٠٢٥-٠٩-٢٢").encode()),
        ("UTF-16", deal.encode("utf-16")),
        ("Latin-1", (deal + "notes: café\n").encode("latin-1")),
        ("gzip bytes", b"\x1f\x8b\x08\x00" + bytes(rng.randrange(256) for _ in range(200))),
        ("random bytes", bytes(rng.randrange(256) for _ in range(300))),
        ("not a mapping", b"- 1\n- 2\n"),
        ("unknown payer", deal.replace("payer: nvidia", "payer: nobody").encode()),
    ]
    for name, body in hand:
        add(f"deal: {name}", lambda r, b=body: _deal(r, b))
        add(f"deal import: {name}", lambda r, b=body: _deal(r, b), imports=True)
    for bad in NASTY_TEXT:
        add(f"deal: control {bad!r} in id", lambda r, b=bad: _deal(r, deal.replace("DFZ", f"D{b}Z").encode()))
        add(
            f"entity: control {bad!r} in name",
            lambda r, b=bad: (
                _deal(r, (deal + f"notes: 'a{b}b'\n").encode())
                if b in ("\x00", "\x07")
                else (r / "entities.yaml").write_text(
                    (r / "entities.yaml").read_text().replace("name: OpenAI", f"name: 'Open{b}AI'"),
                    encoding="utf-8",
                )
            ),
            imports=True,
        )
    for text in BENIGN_TEXT:
        add(
            f"deal notes {text!r} (benign)",
            lambda r, t=text: _deal(r, (deal + f"notes: {json.dumps(t)}\n").encode()),
            must=False,
        )
    for what in ("fifo", "dir", "/dev/zero", "/dev/urandom"):
        add(f"financials.csv is {what}", lambda r, w=what: _special(r / "financials.csv", w))
        add(f"deal file is {what}", lambda r, w=what: _special(r / "deals" / "DFZ.yaml", w))
    add(
        "dataset.yaml billion laughs",
        lambda r: _bytes(r / "dataset.yaml", hand[2][1].replace(b"id: DFZ", b"name: x")),
    )
    add(
        "dataset.yaml date key",
        lambda r: _bytes(r / "dataset.yaml", b"name: x\n2025-01-01: y\n"),
        imports=True,
    )
    add("dataset.yaml list", lambda r: _bytes(r / "dataset.yaml", b"- 1\n"))
    for bad in NASTY_TEXT:
        add(
            f"dataset.yaml: control {bad!r} in title",
            lambda r, b=bad: _bytes(
                r / "dataset.yaml", f"name: x\ntitle: {json.dumps('a' + b + 'b')}\n".encode()
            ),
            imports=True,
        )
    add(
        "dataset.yaml: NaN version",
        lambda r: _bytes(r / "dataset.yaml", b"name: x\nversion: .nan\n"),
        imports=True,
    )
    add("dataset.yaml: infinite in a list", lambda r: _bytes(r / "dataset.yaml", b"name: x\nv: [1, -.inf]\n"))
    add("supersession chain of 2000", _chain, must=False)
    # seeded mutations of financials.csv: cut, short rows, repeated header, inserted bytes
    for i in range(120):
        add(f"financials cut #{i}", lambda r, i=i: _cut(r / "financials.csv", random.Random(i)))
    for i in range(80):
        add(f"financials short row #{i}", lambda r, i=i: _short_row(r / "financials.csv", random.Random(i)))
    for i in range(40):
        add(
            f"financials repeated header #{i}",
            lambda r, i=i: _repeat_header(r / "financials.csv", random.Random(i)),
        )
    for i in range(100):
        add(
            f"financials byte #{i}",
            lambda r, i=i: _insert_byte(r / "financials.csv", random.Random(i)),
            imports=i % 3 == 0,
        )
    return out


def _cut(path: Path, rng: random.Random) -> None:
    data = path.read_bytes()
    header_end = data.index(b"\n") + 1
    at = rng.randrange(header_end + 1, len(data) - 1)
    while data[at - 1 : at] == b"\n":  # a cut at a line end is a valid shorter file: cut mid-row
        at -= 1
    path.write_bytes(data[:at])


def _short_row(path: Path, rng: random.Random) -> None:
    lines = path.read_text().splitlines(keepends=True)
    k = rng.randrange(1, len(lines))
    cells = lines[k].rstrip("\n").split(",")
    lines[k] = ",".join(cells[: rng.randrange(1, len(cells))]) + "\n"
    path.write_text("".join(lines))


def _repeat_header(path: Path, rng: random.Random) -> None:
    lines = path.read_text().splitlines(keepends=True)
    header = lines[0].rstrip("\n").split(",")
    rng.shuffle(header)
    lines.insert(rng.randrange(1, len(lines) + 1), ",".join(header) + "\n")
    path.write_text("".join(lines))


def _insert_byte(path: Path, rng: random.Random) -> None:
    data = bytearray(path.read_bytes())
    bad = rng.choice([0x00, 0x07, 0x1B, 0x7F, 0x85, 0xFF, 0xC3])
    data.insert(rng.randrange(len(data)), bad)
    path.write_bytes(bytes(data))


def _chain(root: Path) -> None:
    """2,000 deals each superseded by the next: must resolve in linear time."""
    deals = root / "deals"
    n = 2000
    items = []
    for i in range(n):
        d = {
            "id": f"C{i}",
            "kind": "equity",
            "payer": "nvidia",
            "payee": "openai",
            "amount_usd_bn": 1.0,
            "announced": "2025-09-22",
            "status": "superseded" if i < n - 1 else "announced",
            "confidence": "confirmed",
            "sources": ["s1"],
        }
        if i < n - 1:
            d["superseded_by"] = f"C{i + 1}"
        items.append(d)
    (deals / "chain.yaml").write_text(yaml.safe_dump(items[0]))
    (root / "deals.yaml").write_text(yaml.safe_dump(items[1:]))


def _network_cases(rng: random.Random) -> list[Case]:
    out: list[Case] = []

    def add(name: str, body: bytes | str, must: bool = True, *, folder: dict[str, str] | None = None) -> None:
        def write(root: Path) -> None:
            if folder is not None:
                for fname, text in folder.items():
                    _bytes(root / "net" / fname, text.encode("utf-8-sig" if "bom" in name else "utf-8"))
            elif body in ("fifo", "dir", "/dev/zero", "/dev/urandom"):
                _special(root / "net.json", str(body))
            else:
                _bytes(root / "net.json", body if isinstance(body, bytes) else body.encode())

        target = "{dir}/net" if folder is not None else "{dir}/net.json"
        out.append(Case("network", name, write, ("contagion", "--network", target, "--json"), must))

    good = json.dumps(NETWORK)
    add("valid (benign)", good, must=False)
    add("valid with BOM (benign)", "\ufeff" + good, must=False)
    for typo in ("equtiy", "external_asset", "ammount", "Equity"):
        net = json.loads(good)
        (net["liabilities"] if typo == "ammount" else net["nodes"])[0][typo] = 1
        add(f"misspelt field {typo}", json.dumps(net))
    add("duplicate key", good.replace('{"id": "a"', '{"id": "a", "id": "b"', 1))
    add("deep nesting", '{"nodes": ' + "[" * 100_000 + "]" * 100_000 + ', "liabilities": []}')
    add("NaN", good.replace('"amount": 4', '"amount": NaN'))
    add("1e400", good.replace('"amount": 4', '"amount": 1e400'))
    add("5000 digits", good.replace('"amount": 4', '"amount": ' + "9" * 5000))
    add("UTF-16", good.encode("utf-16"))
    add("Latin-1", good.replace('"c"', '"ç"').encode("latin-1"))
    add("gzip", b"\x1f\x8b\x08\x00" + bytes(rng.randrange(256) for _ in range(100)))
    for what in ("fifo", "dir", "/dev/zero", "/dev/urandom"):
        add(f"network is {what}", what)
    for bad in NASTY_TEXT:
        add(f"control {bad!r} in id", good.replace('"id": "c"', f'"id": {json.dumps("c" + bad)}'))
    for text in BENIGN_TEXT:
        net = json.loads(good)
        old = net["nodes"][2]["id"]
        net["nodes"][2]["id"] = text
        for e in net["liabilities"]:
            for k in ("debtor", "creditor"):
                e[k] = text if e[k] == old else e[k]
        add(f"id {text!r} (benign)", json.dumps(net), must=False)
    nodes = "id,external_assets,equity\na,10,5\nb,5,2\nc,1,0\n"
    edges = "debtor,creditor,amount\na,b,4\nb,c,3\nc,a,2\n"
    add("csv folder (benign)", "", must=False, folder={"nodes.csv": nodes, "liabilities.csv": edges})
    add("csv folder with bom (benign)", "", must=False, folder={"nodes.csv": nodes, "liabilities.csv": edges})
    add("csv short row", "", folder={"nodes.csv": nodes, "liabilities.csv": edges + "a,b\n"})
    add("csv long row", "", folder={"nodes.csv": nodes, "liabilities.csv": edges + "a,b,1,2\n"})
    add(
        "csv misspelt column",
        "",
        folder={"nodes.csv": nodes.replace("equity", "equtiy"), "liabilities.csv": edges},
    )
    # extremes: must give finite output or a clear error, never NaN/Infinity (checked by the harness)
    for amount in ("1e308", "1.7e308", "1e-300", "0"):
        net = json.loads(good)
        for e in net["liabilities"]:
            e["amount"] = float(amount)
        for nd in net["nodes"]:
            nd["external_assets"] = float(amount)
        add(f"all amounts {amount} (benign)", json.dumps(net), must=False)
    add("one node (benign)", json.dumps({"nodes": [{"id": "a"}], "liabilities": []}), must=False)
    # every model: sums past the largest float are refused (they printed inf and null before);
    # 1e300 amounts with 1e-300 equity give finite answers, or a clear error for DebtRank
    models = {
        "eisenberg-noe": (),
        "rogers-veraart": ("--alpha", "0.5"),
        "cascade": ("--shock", "a=1"),
        "debtrank": ("--shock", "a=0.5"),
    }
    extremes = (
        ("1.7e308", "1", tuple(models), True),
        ("1e300", "1e-300", ("eisenberg-noe", "rogers-veraart", "cascade"), False),
        ("1e300", "1e-300", ("debtrank",), True),
    )
    for amount, equity, which, must in extremes:
        net = json.loads(good)
        for e in net["liabilities"]:
            e["amount"] = float(amount)
        for nd in net["nodes"]:
            nd.update(external_assets=float(amount), equity=float(equity))
        body = json.dumps(net)
        for model in which:
            out.append(
                Case(
                    "network",
                    f"{model}: amounts {amount}, equity {equity}",
                    lambda r, b=body: _bytes(r / "net.json", b.encode()),
                    ("contagion", "--network", "{dir}/net.json", "--model", model, *models[model], "--json"),
                    must,
                )
            )
    add("self-loop", good.replace('"debtor": "a", "creditor": "b"', '"debtor": "a", "creditor": "a"'))
    # random JSON values in random places
    pool = [None, True, "x", -1, 1e308, [], {}, [1, 2], {"a": 1}, "1e400", -0.0]
    for i in range(300):
        r = random.Random(1000 + i)
        net = json.loads(good)
        where = r.choice(["nodes", "liabilities"])
        rec = r.choice(net[where])
        key = r.choice(list(rec))
        value = r.choice(pool)
        rec[key] = value
        benign = (
            key in ("external_assets", "external_liabilities", "equity", "amount") and value in (1e308, -0.0)
        ) or (key != "id" and key not in ("debtor", "creditor") and value is None)
        add(f"random value #{i} ({where}.{key}={value!r})", json.dumps(net), must=not benign)
    return out


def _edge_cases(rng: random.Random) -> list[Case]:
    out: list[Case] = []

    def add(name: str, body: bytes | str, must: bool = True) -> None:
        def write(root: Path) -> None:
            if body in ("fifo", "dir", "/dev/zero", "/dev/urandom"):
                _special(root / "edges.csv", str(body))
            else:
                _bytes(root / "edges.csv", body if isinstance(body, bytes) else body.encode())

        out.append(Case("edge list", name, write, ("loops", "--network", "{dir}/edges.csv", "--json"), must))

    add("valid (benign)", EDGES, must=False)
    add("BOM (benign)", "\ufeff" + EDGES, must=False)
    add("UTF-16", EDGES.encode("utf-16"))
    add("Latin-1", EDGES.replace("a,b", "ç,b").encode("latin-1"))
    add("gzip", b"\x1f\x8b\x08\x00" + bytes(rng.randrange(256) for _ in range(100)))
    add("binary", bytes(rng.randrange(256) for _ in range(500)))
    add("200 KB field", "source,target,amount\n" + "a" * 200_000 + ",b,1\n")
    add("short row", EDGES + "a,b\n")
    add("NaN", EDGES + "a,c,nan\n")
    add("inf", EDGES + "a,c,inf\n")
    add("negative", EDGES + "a,c,-1\n")
    # each amount a float holds, their sum not: refused (it printed null totals and a warning before)
    add("1e308 amounts", EDGES.replace(",2\n", ",1e308\n").replace(",1.5\n", ",1e308\n"))
    for what in ("fifo", "dir", "/dev/zero", "/dev/urandom"):
        add(f"edge list is {what}", what)
    for bad in NASTY_TEXT:
        add(f"control {bad!r} in name", EDGES.replace("c,a", f"c{bad},a").replace("b,c,", f"b,c{bad},"))
    for text in BENIGN_TEXT:
        t = text.replace(",", ";")
        add(f"name {text!r} (benign)", EDGES.replace("c,a", f"{t},a").replace("b,c,", f"b,{t},"), must=False)
    for i in range(150):
        r = random.Random(2000 + i)
        data = bytearray(EDGES.encode())
        data.insert(r.randrange(len(data)), r.choice([0x00, 0x07, 0x1B, 0x85, 0xFF]))
        add(f"inserted byte #{i}", bytes(data))
    return out


def _scenario_cases(rng: random.Random) -> list[Case]:
    out: list[Case] = []

    def add(name: str, body: bytes | str, must: bool = True) -> None:
        def write(root: Path) -> None:
            if body in ("fifo", "dir", "/dev/zero", "/dev/urandom"):
                _special(root / "s.yaml", str(body))
            else:
                _bytes(root / "s.yaml", body if isinstance(body, bytes) else body.encode())

        out.append(
            Case("scenario", name, write, ("project", "-s", "{dir}/s.yaml", "--json", "--no-progress"), must)
        )

    keys = {
        "globals.gpu_life_years": "0",
        "defaults.tax_rate": "1.5",
        "defaults.rate": "-0.01",
        "defaults.opex_ratio": "-1",
        "defaults.debt_maturity_years": "0",
        "defaults.min_cash": "-1",
        "globals.backlog_multiple": "-2",
    }
    for dotted, out_of_range in keys.items():
        head, leaf = dotted.split(".")
        for bad in (*BAD_NUMBERS, out_of_range):
            add(
                f"{dotted}={bad[:12]}",
                SCENARIO + f"{head}:\n  {leaf}: {{value: {bad}, source: 'assumption: fuzz'}}\n",
            )
    over = "contracts:\n  deal_overrides:\n    D12: {{{body}, source: 'assumption: fuzz'}}\n"
    for body in (
        "amount: .nan",
        "amount: -1",
        "amount: [1]",
        "amount: 'ten'",
        "start: '2026-02-30'",
        "start: 2026-02-30",
        "colour: red",
        "term_years: 0",
        "profile: zigzag",
    ):
        add(f"deal override {body}", SCENARIO + over.format(body=body))
    add("unknown deal id", SCENARIO + over.format(body="amount: 1").replace("D12", "D99999"))
    add("unknown entity", SCENARIO + "entities:\n  opneai: {cash: {value: 1, source: 'assumption: fuzz'}}\n")
    add("headline nobody", SCENARIO + "headline_entity: nobody\n")
    ev = "events:\n  - {{quarter: {q}, entity: openai, kind: {k}, value: {v}, source: 'assumption: fuzz'}}\n"
    for q, k, v in (
        ("2026Q1", "pay_ratio", "5"),
        ("2026Q5", "pay_ratio", "0.5"),
        ("2026Q1", "boom", "1"),
        ("2026Q1", "revenue_shock", "-1"),
        ("2026Q1", "revenue_shock", ".nan"),
    ):
        add(f"event {k} {q} {v}", SCENARIO + ev.format(q=q, k=k, v=v))
    for ext in ("[baseline]", "3", "{a: 1}", "nowhere", "s.yaml"):
        add(f"extends {ext}", f"name: fuzz\nextends: {ext}\n")
    add("duplicate key", SCENARIO + "extends: funding-freeze\n")
    add("unknown top key", SCENARIO + "colour: red\n")
    add("deep nesting", SCENARIO + "description: " + "[" * 5000 + "]" * 5000 + "\n")
    add(
        "billion laughs",
        SCENARIO
        + "a: &a [1,1,1,1,1,1,1,1,1,1]\n"
        + "".join(f"a{i}: &a{i} [{','.join(['*a' if i == 0 else f'*a{i - 1}'] * 10)}]\n" for i in range(8)),
    )
    add("UTF-16", SCENARIO.encode("utf-16"))
    add("control byte", SCENARIO + "description: 'a\x07b'\n")
    add("bidi override", SCENARIO + "description: 'a\u202eb'\n")
    for what in ("fifo", "dir", "/dev/zero", "/dev/urandom"):
        add(f"scenario is {what}", what)
    # --set on the command line: every value checked against the field's type and range, also
    # for a lever the preset leaves out (entities.openai.revenue_scale)
    for key in ("entities.openai.revenue_scale", "globals.gpu_life_years", "defaults.tax_rate"):
        for bad in ("-1", ".nan", "nan", "-.inf", "true", "1e400", "[1]", "1000"):
            out.append(
                Case(
                    "scenario",
                    f"--set {key}={bad}",
                    _nothing,
                    ("project", "--set", f"{key}={bad}", "--json", "--no-progress"),
                    True,
                )
            )
    out.append(
        Case(
            "scenario",
            "--set entities.openai.revenue_scale=1.2 (benign)",
            _nothing,
            ("project", "--set", "entities.openai.revenue_scale=1.2", "--json", "--no-progress"),
            False,
        )
    )
    add(
        "valid (benign)",
        SCENARIO + "globals:\n  gpu_life_years: {value: 4, source: 'assumption: fuzz'}\n",
        must=False,
    )
    return out


_EXPORTS: dict[str, dict[str, bytes]] = {}


def _exported(fmt: str) -> dict[str, bytes]:
    """The sample ledger as the store exports it in ``fmt`` (csv, parquet, xlsx): name -> bytes, once."""
    if fmt not in _EXPORTS:
        import tempfile

        from circularity.ledger import read_ledger
        from circularity.store.export import export

        with tempfile.TemporaryDirectory(prefix="circularity-fuzz-export-") as tmp:
            ledger = read_ledger(write_sample(Path(tmp) / "in"))
            _EXPORTS[fmt] = {p.name: p.read_bytes() for p in export(ledger, fmt, Path(tmp) / "out")}
    return _EXPORTS[fmt]


def _table_folder(fmt: str, mutate: Callable[[Path], None]) -> Writer:
    """An exported ledger folder (``{dir}/in``) in ``fmt``, then ``mutate`` applied to it."""

    def write(root: Path) -> None:
        folder = root / "in"
        folder.mkdir(parents=True, exist_ok=True)
        for name, data in _exported(fmt).items():
            (folder / name).write_bytes(data)
        mutate(folder)

    return write


def _parquet_rows(path: Path, change: Callable[[list[dict[str, object]]], object]) -> None:
    """Rewrite a Parquet table after ``change`` edits its rows (column types inferred again)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    rows = pq.read_table(path).to_pylist()
    change(rows)
    columns = list(dict.fromkeys(k for row in rows for k in row))  # a new key becomes a column
    pq.write_table(pa.Table.from_pylist([{k: row.get(k) for k in columns} for row in rows]), path)


def _set(rows: list[dict[str, object]], row: int, key: str, value: object) -> None:
    """Set one cell; a value of another type turns the column to text (one Parquet column, one type)."""
    others = {type(r.get(key)) for r in rows if r.get(key) is not None}
    if others and type(value) not in others:
        for r in rows:
            r[key] = None if r.get(key) is None else str(r[key])
    rows[row][key] = value


def _xlsx_edit(path: Path, edit: Callable[[object], None]) -> None:
    from openpyxl import load_workbook

    wb = load_workbook(path)
    edit(wb)
    wb.save(path)


def _xlsx_cell(sheet: str, row: int, column: str, value: object) -> Callable[[object], None]:
    def edit(wb: object) -> None:
        ws = wb[sheet]  # type: ignore[index]
        header = [c.value for c in ws[1]]
        col = header.index(column) + 1 if column in header else len(header) + 1
        ws.cell(row=row, column=col, value=value)

    return edit


def _xlsx_bomb(path: Path) -> None:
    """A workbook whose one extra member unzips to 210 MiB (a few hundred KB zipped)."""
    import zipfile

    with zipfile.ZipFile(path, "a", compression=zipfile.ZIP_DEFLATED) as zf:
        with zf.open("xl/bomb.xml", "w", force_zip64=True) as fh:
            chunk = b" " * (1024 * 1024)
            for _ in range(210):
                fh.write(chunk)


def _flip(path: Path, rng: random.Random, n: int) -> None:
    data = bytearray(path.read_bytes())
    for _ in range(n):
        data[rng.randrange(len(data))] = rng.randrange(256)
    path.write_bytes(bytes(data))


def _table_cases(rng: random.Random) -> list[Case]:
    """Ledger folders in the export formats: Parquet, Excel and CSV tables, each mutated."""
    out: list[Case] = []

    def add(
        fmt: str, name: str, mutate: Callable[[Path], None], must: bool = True, imports: bool = False
    ) -> None:
        argv = (
            ("ledger", "import", "--no-seed", "--db", "{dir}/store.duckdb", "{dir}/in")
            if imports
            else ("ledger", "validate", "{dir}/in")
        )
        out.append(Case("ledger", f"{fmt}: {name}", _table_folder(fmt, mutate), argv, must, imports))

    # Parquet: one deals.parquet cell changed (types inferred again, as another tool would write it)
    def pq_deal(key: str, value: object) -> Callable[[Path], None]:
        return lambda r: _parquet_rows(r / "deals.parquet", lambda rows: _set(rows, 1, key, value))

    add("parquet", "as exported (benign)", lambda r: None, must=False)
    add("parquet", "as exported, imported (benign)", lambda r: None, must=False, imports=True)
    for key, value in (
        ("amount_usd_bn", -5.0),
        ("amount_usd_bn", float("inf")),
        ("amount_usd_bn", "ten"),
        ("announced", "2025-02-30"),
        ("announced", "٢٠٢٥-٠٩-٢٢"),
        ("payer", "nobody"),
        ("kind", "bogus"),
        ("status", ""),
        ("sources", "nope"),
        ("schedule", "[" * 5000 + "]" * 5000),
        ("schedule", '{"profile": "linear", "profile": "tranches"}'),
        ("schedule", '{"profile": "linear", "x": NaN}'),
        ("stake", 5.0),
        ("colour", "red"),
    ):
        add("parquet", f"deal {key}={str(value)[:20]!r}", pq_deal(key, value))
        add("parquet", f"deal import {key}={str(value)[:20]!r}", pq_deal(key, value), imports=True)
    for bad in NASTY_TEXT:
        add("parquet", f"control {bad!r} in deal id", pq_deal("id", f"D{bad}Z"), imports=True)
        add("parquet", f"control {bad!r} in notes", pq_deal("notes", f"a{bad}b"))
    for text in BENIGN_TEXT:
        add("parquet", f"notes {text!r} (benign)", pq_deal("notes", text), must=False)
    add(
        "parquet",
        "required column dropped",
        lambda r: _parquet_rows(r / "deals.parquet", lambda rows: [row.pop("payer") for row in rows]),
    )
    add(
        "parquet",
        "duplicate deal id",
        lambda r: _parquet_rows(r / "deals.parquet", lambda rows: _set(rows, 1, "id", rows[0]["id"])),
        imports=True,
    )
    add("parquet", "empty file", lambda r: (r / "deals.parquet").write_bytes(b""))
    add(
        "parquet",
        "truncated",
        lambda r: (r / "deals.parquet").write_bytes(_exported("parquet")["deals.parquet"][:3000]),
    )
    add("parquet", "deals.parquet is a fifo", lambda r: _special(r / "deals.parquet", "fifo"))
    add("parquet", "deals.parquet links to /dev/zero", lambda r: _special(r / "deals.parquet", "/dev/zero"))
    # a flip in bytes the reader never uses (statistics, padding; Parquet pages carry no checksum
    # as written here) can leave a valid file: these must not crash or hang, and may be accepted
    for i in range(25):
        add(
            "parquet",
            f"byte flips #{i} (may stay valid)",
            lambda r, i=i: _flip(r / "deals.parquet", random.Random(3000 + i), 1 + i % 5),
            must=False,
            imports=i % 5 == 0,
        )
    # Excel: one workbook, a sheet per table
    wb_path = lambda r: r / "ledger.xlsx"  # noqa: E731
    xl = lambda sheet, row, col, value: lambda r: _xlsx_edit(wb_path(r), _xlsx_cell(sheet, row, col, value))  # noqa: E731
    add("xlsx", "as exported (benign)", lambda r: None, must=False)
    add("xlsx", "as exported, imported (benign)", lambda r: None, must=False, imports=True)
    for col, value in (
        ("amount_usd_bn", -5),
        ("amount_usd_bn", "ten"),
        ("amount_usd_bn", "=1+1"),
        ("amount_usd_bn", True),
        ("announced", "2025-02-30"),
        ("announced", "٢٠٢٥-٠٩-٢٢"),
        ("payer", "nobody"),
        ("kind", "bogus"),
        ("schedule", "[" * 5000 + "]" * 5000),
        ("schedule", '{"profile": "linear", "profile": "tranches"}'),
        ("schedule", '{"profile": "linear", "x": NaN}'),
        ("colour", "red"),
        ("id", "D\u202eZ"),
    ):
        add("xlsx", f"deal {col}={str(value)[:20]!r}", xl("deals", 3, col, value))
        add("xlsx", f"deal import {col}={str(value)[:20]!r}", xl("deals", 3, col, value), imports=True)
    for bad in ("\x7f", "\x85", "\u202e", "\u2066"):
        ch = bad.encode().decode("unicode_escape")
        add("xlsx", f"control {bad} in deal id", xl("deals", 3, "id", f"D{ch}Z"), imports=True)
        add("xlsx", f"control {bad} in entity name", xl("entities", 2, "name", f"a{ch}b"))
    for text in BENIGN_TEXT:
        add("xlsx", f"notes {text!r} (benign)", xl("deals", 3, "notes", text), must=False)

    def repeat_header(wb: object) -> None:
        ws = wb["deals"]  # type: ignore[index]
        ws.append([c.value for c in ws[1]])

    def unknown_sheet(wb: object) -> None:
        wb.create_sheet("deels").append(["id"])  # type: ignore[attr-defined]

    def cell_past_header(wb: object) -> None:
        ws = wb["deals"]  # type: ignore[index]
        ws.cell(row=3, column=ws.max_column + 2, value=7)

    def heading_twice(wb: object) -> None:
        ws = wb["deals"]  # type: ignore[index]
        ws.cell(row=1, column=ws.max_column + 1, value="notes")  # no cross-check catches a new note
        ws.cell(row=2, column=ws.max_column, value="changed")

    add("xlsx", "header row repeated", lambda r: _xlsx_edit(wb_path(r), repeat_header))
    add("xlsx", "a heading given twice", lambda r: _xlsx_edit(wb_path(r), heading_twice))
    add("xlsx", "unknown sheet", lambda r: _xlsx_edit(wb_path(r), unknown_sheet))
    add("xlsx", "a value past the last heading", lambda r: _xlsx_edit(wb_path(r), cell_past_header))
    add("xlsx", "decompression bomb", lambda r: _xlsx_bomb(wb_path(r)))
    add("xlsx", "empty file", lambda r: wb_path(r).write_bytes(b""))
    add("xlsx", "truncated", lambda r: wb_path(r).write_bytes(_exported("xlsx")["ledger.xlsx"][:5000]))
    add("xlsx", "not a zip", lambda r: wb_path(r).write_bytes(b"id,kind\n"))
    add("xlsx", "workbook is a folder", lambda r: _special(wb_path(r), "dir"))
    add("xlsx", "workbook is a fifo", lambda r: _special(wb_path(r), "fifo"))
    for i in range(25):  # a flip in a zip's timestamps or comment leaves a valid workbook
        add(
            "xlsx",
            f"byte flips #{i} (may stay valid)",
            lambda r, i=i: _flip(wb_path(r), random.Random(4000 + i), 1 + i % 5),
            must=False,
            imports=i % 5 == 0,
        )
    # CSV tables as exported: nested JSON cells and list cells
    deals_csv = lambda r: r / "deals.csv"  # noqa: E731

    def csv_cell(column: str, value: str) -> Callable[[Path], None]:
        def mutate(r: Path) -> None:
            import csv
            import io

            rows = list(csv.DictReader(io.StringIO(deals_csv(r).read_text(encoding="utf-8"), newline="")))
            rows[1][column] = value
            buf = io.StringIO(newline="")
            writer = csv.DictWriter(buf, fieldnames=list(rows[0]), lineterminator="\n")
            writer.writeheader()
            writer.writerows(rows)
            deals_csv(r).write_text(buf.getvalue(), encoding="utf-8")

        return mutate

    add("csv", "as exported (benign)", lambda r: None, must=False)
    for column, value in (
        ("schedule", "[" * 5000 + "]" * 5000),
        ("schedule", '{"profile": "linear", "profile": "tranches"}'),
        ("schedule", '{"profile": "linear", "x": NaN}'),
        ("schedule", '{"profile": "linear", "x": 1e400}'),
        ("schedule", '"\\u0000"'),
        ("revisions", "[{}]"),
        ("sources", "s1||"),
        ("amount_usd_bn", "1e400"),
        ("amount_usd_bn", "nan"),
        ("amount_usd_bn", "9" * 5000),
        ("announced", "2025-9-22"),
        ("stake", "150%"),
    ):
        add("csv", f"deal {column}={value[:20]!r}", csv_cell(column, value), must=value != "s1||")
    add("csv", "a 200 KB cell", csv_cell("notes", "x" * 200_000))

    def column_twice(r: Path) -> None:
        lines = deals_csv(r).read_text(encoding="utf-8").splitlines(keepends=True)
        lines = [line.rstrip("\n") + (",notes\n" if k == 0 else ",changed\n") for k, line in enumerate(lines)]
        deals_csv(r).write_text("".join(lines), encoding="utf-8")

    add("csv", "a column given twice", column_twice)
    for word in ("tru", "Y", "2"):
        add(
            "csv",
            f"entity listed={word!r}",
            lambda r, w=word: (r / "entities.csv").write_text(
                (r / "entities.csv")
                .read_text(encoding="utf-8")
                .replace(",True,", f",{w},")
                .replace(",true,", f",{w},"),
                encoding="utf-8",
            ),
        )
    add("csv", "a 21 MiB table", lambda r: os.truncate(deals_csv(r), 21 * 1024 * 1024))
    return out


def _escape_cases() -> list[Case]:
    """Control characters spelt as escapes (YAML ``"\\x07"``, JSON ``"\\u0007"``), which pass a raw-byte check."""
    out: list[Case] = []
    # (the escape as YAML spells it, the character it becomes)
    escapes = (
        ("\\x00", "\x00"),
        ("\\x07", "\x07"),
        ("\\e[31m", "\x1b[31m"),
        ("\\x85", "\x85"),
        ("\\u202e", "\u202e"),
        ("\\u2066", "\u2066"),
        ("\\x7f", "\x7f"),
    )
    deal = "id: DFZ\nkind: equity\npayer: nvidia\npayee: openai\namount_usd_bn: 1\nannounced: 2025-09-22\n"
    deal += "status: announced\nconfidence: confirmed\nsources: [s1]\n"
    for esc, ch in escapes:
        body = (deal + f'notes: "a{esc}b"\n').encode()
        out.append(
            Case(
                "ledger",
                f"deal notes YAML escape {esc}",
                _ledger(lambda r, b=body: _deal(r, b)),
                ("ledger", "validate", "{dir}/in"),
                True,
            )
        )
        for field_, text in (("description", f'"a{esc}b"'), ("name", f'"f{esc}z"')):
            scen = (
                f"name: fuzz\nextends: baseline\n{field_}: {text}\n"
                if field_ != "name"
                else (f"name: {text}\nextends: baseline\n")
            )
            out.append(
                Case(
                    "scenario",
                    f"{field_} YAML escape {esc}",
                    lambda r, b=scen: _bytes(r / "s.yaml", b.encode()),
                    ("project", "-s", "{dir}/s.yaml", "--json", "--no-progress"),
                    True,
                )
            )
        key = f'"k{esc}": 1\n'
        out.append(
            Case(
                "scenario",
                f"key YAML escape {esc}",
                lambda r, b=SCENARIO + key: _bytes(r / "s.yaml", b.encode()),
                ("project", "-s", "{dir}/s.yaml", "--json", "--no-progress"),
                True,
            )
        )
        # network JSON: the control character in a node id used consistently by the liabilities
        net = json.loads(json.dumps(NETWORK))
        for nd in net["nodes"]:
            nd["id"] = nd["id"].replace("c", f"c{ch}")
        for e in net["liabilities"]:
            for k in ("debtor", "creditor"):
                e[k] = e[k].replace("c", f"c{ch}")
        text = json.dumps(net)  # json.dumps spells the character as a \\u escape
        out.append(
            Case(
                "network",
                f"id JSON escape {esc} (used consistently)",
                lambda r, b=text: _bytes(r / "net.json", b.encode()),
                ("contagion", "--network", "{dir}/net.json", "--json"),
                True,
            )
        )
    return out


def _oversize_cases() -> list[Case]:
    """Files past the 20 MiB input bound (sparse, so cheap to write): refused before they are read."""
    big = 21 * 1024 * 1024

    def sparse(name: str) -> Writer:
        def write(root: Path) -> None:
            root.mkdir(parents=True, exist_ok=True)
            with (root / name).open("wb") as fh:
                fh.truncate(big)

        return write

    return [
        Case(
            "edge list",
            "21 MiB edge list",
            sparse("edges.csv"),
            ("loops", "--network", "{dir}/edges.csv", "--json"),
            True,
        ),
        Case(
            "network",
            "21 MiB network",
            sparse("net.json"),
            ("contagion", "--network", "{dir}/net.json", "--json"),
            True,
        ),
        Case(
            "scenario",
            "21 MiB scenario",
            sparse("s.yaml"),
            ("project", "-s", "{dir}/s.yaml", "--json", "--no-progress"),
            True,
        ),
        Case(
            "ledger",
            "21 MiB deal file",
            _ledger(lambda r: os.truncate(_deal_path(r), big)),
            ("ledger", "validate", "{dir}/in"),
            True,
        ),
    ]


def _deal_path(root: Path) -> Path:
    path = root / "deals" / "DFZ.yaml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"")
    return path


def _nothing(root: Path) -> None:
    pass


#: One valid body per POST route (stress is fast enough to run; the others only get bad ones).
HTTP_BODIES: dict[str, dict[str, object]] = {
    "/api/stress": {"shocks": [{"entity": "openai", "pays": 0.5}]},
    "/api/project": {"scenario": "baseline", "levers": {"gpu_life_years": 5}},
    "/api/simulate": {"scenario": "baseline", "n": 100, "seed": 1},
    "/api/sensitivity": {"scenario": "baseline"},
    "/api/import": {"records": {"deals": [{k: v for k, v in DEALS[1].items()}]}},
}
BAD_JSON_VALUES: tuple[object, ...] = (None, True, -1, 1e308, "x", [], {}, [1], "\x00", "a" * 5000, 10**40)


def _http_cases(rng: random.Random) -> list[Case]:
    """Request bodies for the POST routes: broken JSON, wrong shapes, bad values, huge nesting."""
    out: list[Case] = []

    def add(name: str, path: str, body: bytes, must: bool = True) -> None:
        out.append(
            Case(
                "http body",
                f"{path} {name}",
                _nothing,
                (),
                must,
                imports=path == "/api/import",
                http=("POST", path, body),
            )
        )

    for path, valid in HTTP_BODIES.items():
        text = json.dumps(valid)
        add("not JSON", path, b"{not json")
        add("empty", path, b"")
        add("truncated", path, text[: len(text) // 2].encode())
        add("a list", path, b"[]")
        add("a number", path, b"1")
        add("null", path, b"null")
        add("NaN literal", path, text.replace("}", ', "x": NaN}', 1).encode())
        add("Infinity literal", path, text.replace("}", ', "x": Infinity}', 1).encode())
        add("duplicate key", path, ("{" + text[1:].split(",")[0] + ", " + text[1:]).encode())
        add("unknown key", path, json.dumps({**valid, "bogus": 1}).encode())
        add("misspelt key", path, json.dumps({(k[:-1] + "x"): v for k, v in valid.items()}).encode())
        add("deep nesting", path, b'{"a": ' + b"[" * 20000 + b"]" * 20000 + b"}")
        add("latin-1 bytes", path, text.encode().replace(b"}", b', "n\\u00e9": "\xe9"}', 1) + b"\xff")
        add("utf-16 (RFC 8259 allows it)", path, text.encode("utf-16"), must=False)
        add("control byte key", path, json.dumps({**valid, "a\u0000": 1}).encode())
        for key in valid:
            for bad in BAD_JSON_VALUES:
                if bad == valid[key]:
                    continue
                empty_ok = bad == {} and isinstance(valid[key], dict)  # no levers, no records: valid
                add(f"{key}={str(bad)[:20]!r}", path, json.dumps({**valid, key: bad}).encode(), not empty_ok)
        for _ in range(12):  # seeded byte flips of the valid body
            raw = bytearray(text.encode())
            for _ in range(rng.randint(1, 4)):
                raw[rng.randrange(len(raw))] = rng.choice(b'{}[]",:0123456789e-.\x00\xff ')
            try:
                json.loads(bytes(raw))
                must = False  # still valid JSON: may be a valid request
            except ValueError:
                must = True
            add(f"byte flip {bytes(raw)[:40]!r}", path, bytes(raw), must)
    stress = HTTP_BODIES["/api/stress"]
    for pays in (-0.1, 1.1, "0.5", True, 1e308, -1e308):
        add(
            f"pays={pays!r}",
            "/api/stress",
            json.dumps({"shocks": [{"entity": "openai", "pays": pays}]}).encode(),
        )
    for entity in ("nobody", "", "[/]", "a\u202eb", "../etc", "x" * 300):
        add(
            f"entity={entity[:20]!r}",
            "/api/stress",
            json.dumps({"shocks": [{"entity": entity, "pays": 0.5}]}).encode(),
        )
    add("51 shocks", "/api/stress", json.dumps({"shocks": [{"entity": "openai", "pays": 0.5}] * 51}).encode())
    add("valid (benign)", "/api/stress", json.dumps(stress).encode(), must=False)
    deal = dict(HTTP_BODIES["/api/import"]["records"]["deals"][0])  # type: ignore[index]
    for key, bad in (
        ("amount_usd_bn", -5),
        ("amount_usd_bn", "NaN"),
        ("announced", "2025-02-30"),
        ("announced", "٢٠٢٥-٠١-٠١"),
        ("payer", "nobody"),
        ("id", "a\u0000b"),
        ("notes", "\x1b[31m"),
        ("sources", []),
        ("kind", "bogus"),
        ("supersedes", "D99"),
    ):
        add(
            f"import deal {key}={bad!r}",
            "/api/import",
            json.dumps({"records": {"deals": [{**deal, key: bad}]}}).encode(),
        )
    add("import unknown table", "/api/import", json.dumps({"records": {"nope": [{}]}}).encode())
    add("import label 300 chars", "/api/import", json.dumps({"label": "x" * 300, "records": {}}).encode())
    return out


def all_cases(seed: int = 16) -> list[Case]:
    """Every case, in a fixed order for a seed."""
    rng = random.Random(seed)
    return [
        *_ledger_cases(rng),
        *_table_cases(rng),
        *_escape_cases(),
        *_oversize_cases(),
        *_network_cases(rng),
        *_edge_cases(rng),
        *_scenario_cases(rng),
        *_http_cases(rng),
    ]
