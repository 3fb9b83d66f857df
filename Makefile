# The two commands of the README. Both set up everything on a fresh machine (venv, packages, browser, index).
VENV ?= .venv
PY := $(VENV)/bin/python

.PHONY: serve test install

$(PY):
	python3 -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip

install: $(PY)
	$(PY) -m pip install -q torch==2.13.0
	$(PY) -m pip install -q -e ".[test]"

# Debian's chromium for the browser tests (never `playwright install`: it downloads a browser build).
/usr/bin/chromium:
	apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null

serve: install
	GRADIO_ANALYTICS_ENABLED=False $(VENV)/bin/qa serve

test: install /usr/bin/chromium
	GRADIO_ANALYTICS_ENABLED=False $(PY) -m pytest
