# One command to try it, one to test it. Both build .venv on a fresh machine.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test lint bench differential tools image clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[sidecar,cluster,test]'
	touch $@

demo: $(STAMP)
	$(BIN)/wi-transform inject --tenant-id 72f988bf-86f1-41af-91ab-2d7cd011db47 examples/quick-start.yaml

test: lint
	$(BIN)/python -m pytest -q

lint: $(STAMP)
	$(BIN)/ruff check transformer sidecar bench action tests
	$(BIN)/mypy transformer sidecar bench

bench: $(STAMP)
	$(BIN)/python -m bench

# The real tools the tests use, from their Go modules (into $WI_TOOLS_BIN, default .tools/bin).
tools:
	bash .ci/tools

# Upstream's real webhook against `inject` on 5,000 generated pods, a new seed each run.
differential: $(STAMP)
	bash .ci/tools azwi-webhook-oracle
	$(BIN)/python -m tests.differential --pods 5000

# Needs a Docker engine (none runs on the development machines).
image:
	docker build --target proxy -t wi-transform/proxy .
	docker build --target proxy-init -t wi-transform/proxy-init .

clean:
	rm -rf $(VENV) build dist .pytest_cache .hypothesis
