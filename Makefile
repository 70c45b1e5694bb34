# dxsim: two set-up commands.  `make demo` then `make test`.
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
export DXSIM_RAW_DATA ?= $(abspath ../shared/geodata)

.PHONY: demo test install data bench clean lint browser golden

$(BIN)/.installed: pyproject.toml requirements.lock
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c requirements.lock -e ".[dev]"
	@touch $@

install: $(BIN)/.installed

# byte-compile dxsim up front: a shell with PYTHONDONTWRITEBYTECODE set would otherwise compile ~100 modules
# again in every process (~0.2 s of each `dxsim run`); up-to-date files are skipped
data: install
	@$(BIN)/python -m compileall -q dxsim
	$(BIN)/dxsim data --build

demo: data
	$(BIN)/dxsim run scenarios/baseline.toml

# Browser tests drive Debian's chromium (no browser download) and the GIS tests Debian's ogrinfo
# (gdal-bin); install them when missing.
browser:
	@command -v chromium >/dev/null 2>&1 || (apt-get update -qq && apt-get install -y -qq chromium >/dev/null)
	@command -v ogrinfo >/dev/null 2>&1 || (apt-get update -qq && apt-get install -y -qq gdal-bin >/dev/null)

test: data browser
	$(BIN)/python -m pytest -n 2 tests

# Regenerate the golden baseline snapshot (tests/test_golden.py); review `git diff tests/golden/baseline.json`.
golden: data
	$(BIN)/python tools/update_golden.py

bench: install
	$(BIN)/python bench/run_all.py

lint: install
	$(BIN)/ruff check dxsim tests bench tools
	$(BIN)/ruff format --check dxsim tests bench tools
	$(BIN)/lint-imports
	$(BIN)/python -m pytest -q -p no:xdist tests/test_types.py tests/test_layers.py

# Removes only the output folders dxsim wrote and nobody added to (tools/clean_outputs.py), and the rebuildable cache.
clean:
	@if [ -x $(BIN)/python ]; then $(BIN)/python tools/clean_outputs.py outputs; else echo "no $(VENV): outputs/ left as it is"; fi
	rm -rf geodata/cache
