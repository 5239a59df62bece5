# One entry point. `make run` installs everything and starts the demo (a local central
# server, this kiosk enrolled with it, camera 0 or a video of sample codes);
# `make test` installs everything and runs every check and test.
# Both are quick to re-run: each step is skipped when nothing it depends on changed.

SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
# System packages: zbar for pyzbar, a CJK font, Xvfb for window tests, GL for Kivy; chromium for the
# console's browser tests; x11-utils (xdpyinfo: screen size for full screen and doctor; xwininfo in
# the tests), systemd (systemd-analyze verifies the units `kiosk service install` writes).
SYS_PKGS := libzbar0 fonts-wqy-microhei xvfb xauth libgl1 libgl1-mesa-dri libegl1 libmtdev1 \
	libgomp1 ca-certificates chromium x11-utils systemd
ARTIFACTS ?= $(CURDIR)/test-artifacts

.PHONY: run test setup system-deps venv lint typecheck pytest demo clean

run: setup
	$(VENV)/bin/kiosk demo

test: setup lint typecheck pytest

setup: system-deps venv

system-deps:
	@missing=$$(for p in $(SYS_PKGS); do dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | grep -q '^install ok installed' || echo $$p; done); \
	if ! $(PYTHON) -c 'import ensurepip, venv' 2>/dev/null; then missing="$$missing python3-venv"; fi; \
	if [ -n "$$missing" ]; then \
		echo "installing system packages:$$missing"; \
		$(SUDO) apt-get update -q && \
		DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -q --no-install-recommends $$missing; \
	fi

venv: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	[ -x $(PY) ] || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[test]'
	touch $@

lint:
	$(VENV)/bin/ruff check kiosk sync tests

typecheck:
	$(VENV)/bin/mypy

pytest:
	@pg_isready -q -h 127.0.0.1 -p 5432 || { \
		echo "starting PostgreSQL"; $(SUDO) pg_ctlcluster --skip-systemctl-redirect $$(ls /etc/postgresql) main start || true; }
	@mkdir -p $(ARTIFACTS)/screenshots
	@echo "screenshots of the screens the UI tests visit: $(ARTIFACTS)/screenshots"
	KIOSK_TEST_ARTIFACTS=$(ARTIFACTS) xvfb-run -a -s "-screen 0 1280x800x24" $(VENV)/bin/pytest -q

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache $(ARTIFACTS)
