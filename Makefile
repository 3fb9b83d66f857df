# The two commands of the README. Both set up everything on a fresh machine (venv, packages, browser, index).
# `make serve HOST=0.0.0.0 PORT=8080` listens elsewhere (the settings' QA_HOST and QA_PORT).
VENV ?= .venv
# PYTHON: a Python 3.11. TORCH_INDEX: where torch comes from when pip would otherwise take PyPI's wheel, which
# brings CUDA: https://download.pytorch.org/whl/cpu for the CPU build.
PYTHON ?= python3
TORCH_INDEX ?=
HOST ?= $(or $(QA_HOST),127.0.0.1)
PORT ?= $(or $(QA_PORT),8000)
PY := $(VENV)/bin/python
INSTALLED := $(VENV)/.installed
TESTING := $(VENV)/.installed-for-tests

.PHONY: serve test check install

$(PY):
	@echo "Creating the virtual environment in $(VENV)/ ..."
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip

# Installs again only when pyproject.toml changes (the stamp file is newer otherwise).
$(INSTALLED): pyproject.toml | $(PY)
	@echo "Installing the packages into $(VENV)/ (the first time takes a few minutes) ..."
	$(PY) -m pip install -q torch==2.13.0 $(if $(TORCH_INDEX),--index-url $(TORCH_INDEX))
	$(PY) -m pip install -q -e .
	@touch $@

# The tests also need their tools and the cluster extra (Ray), which the server alone does not.
$(TESTING): $(INSTALLED)
	$(PY) -m pip install -q -e ".[test,cluster]"
	@touch $@

install: $(INSTALLED)

# Debian's chromium for the browser tests (never `playwright install`: it downloads a browser build).
/usr/bin/chromium:
	@echo "Installing Debian's chromium for the browser tests ..."
	apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null

serve: install
	GRADIO_ANALYTICS_ENABLED=False QA_HOST=$(HOST) QA_PORT=$(PORT) $(VENV)/bin/qa serve

test: $(TESTING) /usr/bin/chromium
	GRADIO_ANALYTICS_ENABLED=False $(PY) -m pytest

# The fast lane: unit tests only (no server, no model, no browser), in under a minute. Run it while you work;
# `make test` before you push.
check: $(TESTING)
	GRADIO_ANALYTICS_ENABLED=False $(PY) -m pytest -m "not integration and not server and not browser" -q
