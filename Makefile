# Two commands do all the set-up on a fresh machine: `make run` and `make test`.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test bench data clean

$(STAMP): pyproject.toml
	test -d $(VENV) || $(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[test,build]'
	touch $(STAMP)

## run: open the explorer (with no display: write a sample export to out/)
run: $(STAMP)
	$(BIN)/python main.py

## test: the whole test suite (Qt offscreen; the Xvfb and browser tests need xvfb and chromium)
test: $(STAMP)
	$(BIN)/python -m pytest -q

## bench: speed figures (not part of the tests)
bench: $(STAMP)
	$(BIN)/python main.py bench

## data: rebuild geodata/bundle/data/chengyu.gpkg from the public sources
data: $(STAMP)
	$(BIN)/python -m geodata.bundle.build

clean:
	rm -rf $(VENV) out .pytest_cache
