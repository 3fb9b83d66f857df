# The two commands of the README. Both set up everything on a fresh machine (Python venv, packages, index).
VENV ?= .venv
PY := $(VENV)/bin/python

.PHONY: serve test install

$(PY):
	python3 -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip

install: $(PY)
	$(PY) -m pip install -q torch==2.13.0
	$(PY) -m pip install -q -e ".[test]"

serve: install
	GRADIO_ANALYTICS_ENABLED=False $(VENV)/bin/qa serve

test: install
	GRADIO_ANALYTICS_ENABLED=False $(PY) -m pytest
