# The two commands a newcomer needs; each sets itself up on a fresh machine.
#   make demo   the main job: train on the embedded digits and print the results table
#   make test   every test: notebooks in sync with feed_nb/, nbdev-test, pytest
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test setup sync-check nb-test pytest clean

setup: $(STAMP)

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e ".[dev,bench]"
	$(BIN)/python .ci/check_torch.py
	touch $(STAMP)

# the teaching regime's defaults (5 paired seeds, 100 epochs); two worker processes, one thread each, on two cores
demo: $(STAMP)
	OMP_NUM_THREADS=1 $(BIN)/feed_nb compare --methods kd,ft,pfeed,dml,afd,ban,sfeed --generations 1 --workers 2 --out runs/demo

sync-check: $(STAMP)
	$(BIN)/nbdev-export
	@if [ -n "$$(git status --porcelain -- feed_nb)" ]; then \
	  echo "feed_nb/ is out of sync with the notebooks: edit nbs/, run nbdev-export, commit both"; \
	  git status --porcelain -- feed_nb; git --no-pager diff --stat -- feed_nb; exit 1; fi
	$(BIN)/python tools/nb2readme.py --check

# one BLAS/OpenMP thread per process: two notebook workers on two cores (2 threads each ran up to 25x slower here)
nb-test: $(STAMP)
	OMP_NUM_THREADS=1 $(BIN)/nbdev-test --n-workers 2 --timing

pytest: $(STAMP)
	OMP_NUM_THREADS=1 $(BIN)/python -m pytest -q tests

test: sync-check nb-test pytest

clean:
	rm -rf $(VENV) build dist *.egg-info

# the docs site: every notebook run top to bottom and rendered to static HTML in _site/ (open _site/index.html).
# Cells flagged slow/cuda are shown but not run, as under nbdev-test; DOCS_FLAGS=slow runs them too (hours on 2 cores).
# tools/build_docs.py installs nbconvert and jupyter-server-mathjax into the venv if missing; not part of `make test`
DOCS_FLAGS ?=
.PHONY: docs outputs
docs: $(STAMP)
	$(BIN)/python tools/build_docs.py --out _site --flags "$(DOCS_FLAGS)"

# the committed outputs: every notebook executed in place (slow/cuda cells keep their recorded outputs), a static PNG
# beside each plotly figure, then nbdev-clean; a reader of the repository sees them without running anything
outputs: $(STAMP)
	$(BIN)/python tools/execute_nbs.py nbs/index.ipynb nbs/tutorials/*.ipynb nbs/[0-9]*.ipynb
