# The front door: `make demo` runs the main job on the bundled data; `make test` runs every test,
# `make test-fast` all but the slow ones (live servers, Dask clusters, browsers) in under a minute;
# `make lint` is ruff (lint and format) and mypy --strict over src/.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
UV := $(BIN)/uv

.PHONY: demo test test-fast lint bench env test-env browser clean fuzz

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip uv

env: $(BIN)/python
	$(UV) pip install -q --python $(BIN)/python -e .

test-env: $(BIN)/python
	$(UV) pip install -q --python $(BIN)/python -e '.[test]'

browser:
	@command -v chromium >/dev/null 2>&1 || { \
	  echo "installing Debian chromium for the browser tests and PDF reports"; \
	  (apt-get update -qq && apt-get install -y -qq chromium >/dev/null) || \
	  (sudo apt-get update -qq && sudo apt-get install -y -qq chromium >/dev/null); }
	@# without a CJK font Chromium draws the zh-Hans/zh-Hant dashboard, screenshots and PDFs as boxes
	@fc-list :lang=zh family 2>/dev/null | grep -q . || { \
	  echo "installing Debian fonts-noto-cjk for the Chinese dashboard, screenshots and PDFs"; \
	  (apt-get update -qq && apt-get install -y -qq fonts-noto-cjk >/dev/null) || \
	  (sudo apt-get update -qq && sudo apt-get install -y -qq fonts-noto-cjk >/dev/null); }

demo: env
	$(BIN)/circularity demo

# The suite imports ~2,000 modules; where the shell says PYTHONDONTWRITEBYTECODE, every run would
# compile them all again (~20 s of CPU before the first test). The tests keep their bytecode under
# the venv instead (PYTHONPYCACHEPREFIX: nothing is written beside the sources).
PYTEST := PYTHONDONTWRITEBYTECODE= PYTHONPYCACHEPREFIX=$(abspath $(VENV))/pycache $(BIN)/python -m pytest -q -p no:cacheprovider

test: test-env browser
	$(PYTEST)

# The fast subset on every core, a test file per worker (module fixtures built once): 49 s on
# 2 cores (97 s on one); `make test`, which CI runs, stays on one process.
test-fast: test-env
	CIRCULARITY_THREADS=1 $(PYTEST) -m "not slow" -n auto --dist loadfile

# Every fuzz case (>= 1,000 malformed inputs) through the CLI in-process; prints the table of classes.
fuzz: test-env
	$(BIN)/python tests/fuzz/harness.py

lint: test-env
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench
	$(BIN)/mypy

bench: env
	$(BIN)/python bench/run_all.py

clean:
	rm -rf $(VENV) build dist .pytest_cache
