# Two commands on a fresh machine with python3 and make:
#   make demo   -- set up .venv, print a generated gradient
#   make test   -- set up .venv with the test extras, run the tests
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin

.PHONY: demo test fuzz bench peers clean

$(BIN)/activate:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: $(BIN)/activate pyproject.toml
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $@

demo: $(VENV)/.installed
	$(BIN)/tangent-like examples/ode.py:simulate --wrt k --args 0.5

test: $(VENV)/.installed
	$(BIN)/python -m pytest

fuzz: $(VENV)/.installed
	$(BIN)/python -m tangent_like.testing.fuzz --n 10000

bench: $(VENV)/.installed
	$(BIN)/python benchmarks/run.py
	$(BIN)/python benchmarks/numba_backend.py

# autograd's published test suite run against tangent_like (downloads the autograd sdist
# from PyPI into ~/.cache/tangent_like/peers); see benchmarks/peers/README.md
peers: $(VENV)/.installed
	$(BIN)/python benchmarks/peers/autograd_suite.py --jobs 2 $(PEERS_ARGS)

clean:
	rm -rf $(VENV) build *.egg-info
