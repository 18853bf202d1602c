# Two commands for a fresh machine: `make run` (set up, run the main job) and `make test` (set up, run the tests).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
CORES ?= all
CONFIG ?= config/config.yaml
TEST_WORKERS ?= 2  # pytest-xdist workers of make test; a test file runs on one

.PHONY: run test test-fast lint bench benchmark clean-venv

# The stamp is remade when the package's dependencies or the MOMT plugin's source change.
$(VENV)/.installed: pyproject.toml nnpdistill/sample/plugin/fix_momt_bias.cpp
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	$(BIN)/python -m nnpdistill build-plugin
	touch $@

run: $(VENV)/.installed
	$(BIN)/python -m nnpdistill check-config $(CONFIG)
	$(BIN)/snakemake --cores $(CORES) --configfile $(CONFIG)

# Does distillation work? Learning curves on unseen data (config: benchmark), then the report with their answer.
benchmark: $(VENV)/.installed
	$(BIN)/python -m nnpdistill check-config $(CONFIG)
	$(BIN)/snakemake --cores $(CORES) --configfile $(CONFIG) benchmark
	$(BIN)/snakemake --cores $(CORES) --configfile $(CONFIG) report

test: $(VENV)/.installed
	$(BIN)/python -m pytest -ra --durations=20 -n $(TEST_WORKERS) --dist loadfile --no-loadscope-reorder

test-fast: $(VENV)/.installed
	$(BIN)/python -m pytest -ra -m 'not slow' -n $(TEST_WORKERS) --dist loadfile --no-loadscope-reorder

lint: $(VENV)/.installed
	$(BIN)/snakemake --lint

bench: $(VENV)/.installed
	$(BIN)/python scripts/bench_npt.py
	$(BIN)/python scripts/bench_momt.py
	$(BIN)/python scripts/bench_train.py
	$(BIN)/python scripts/bench_distill.py

clean-venv:
	rm -rf $(VENV)
