# make setup  installs Debian packages when missing, then .venv with the package and its tests
# make demo   the kiosk window against the embedded check-in server with demo members
# make screenshots  renders every screen to docs/screenshots
# make test   lint, type check, all tests, every benchmark once in smoke mode (what CI runs)

SYSTEM_PACKAGES := pcscd vsmartcard-vpcd libpcsclite-dev swig xvfb xdotool libpulse0 zbar-tools \
	libxcb-cursor0 libxkbcommon-x11-0 libegl1 libgl1 libfontconfig1 libdbus-1-3 \
	libxcb-icccm4 libxcb-keysyms1 libxcb-shape0 libxcb-randr0 libxcb-render-util0 libxcb-image0 \
	fonts-dejavu-core
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
VENV := .venv
BIN := $(VENV)/bin

.PHONY: setup system-packages demo test lint typecheck pytest bench bench-smoke screenshots

setup: system-packages $(VENV)/.installed

system-packages:
	@missing=""; for p in $(SYSTEM_PACKAGES); do \
		dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "ok installed" || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
		echo "Installing Debian packages:$$missing"; \
		$(SUDO) apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq --no-install-recommends $$missing; \
	fi

$(VENV)/.installed: pyproject.toml
	python3 -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[test]'
	touch $@

demo: setup
	$(BIN)/kiosk demo

lint: setup
	$(BIN)/ruff check kiosk tests bench scripts
	$(BIN)/ruff format --check kiosk tests bench scripts

typecheck: setup
	$(BIN)/mypy
	$(BIN)/lint-imports

pytest: setup
	QT_QPA_PLATFORM=offscreen $(BIN)/pytest --cov --cov-report=term --cov-fail-under=93

test: lint typecheck pytest bench-smoke

screenshots: setup
	QT_QPA_PLATFORM=offscreen $(BIN)/python scripts/screenshots.py docs/screenshots

bench: setup
	$(BIN)/python bench/server_throughput.py
	QT_QPA_PLATFORM=offscreen $(BIN)/python bench/kiosk_latency.py
	$(BIN)/python bench/kiosk_process.py
	$(BIN)/python bench/pcsc_latency.py
	$(BIN)/python bench/qr_latency.py
	QT_QPA_PLATFORM=offscreen $(BIN)/python bench/offline.py
	$(BIN)/python bench/guessing.py
	$(BIN)/python bench/stolen_config.py

bench-smoke: setup
	@log=$$(mktemp); for script in bench/*.py; do \
		[ "$$script" = bench/harness.py ] && continue; \
		echo "$$script --smoke"; \
		QT_QPA_PLATFORM=offscreen $(BIN)/python $$script --smoke > $$log 2>&1 \
			|| { cat $$log; rm -f $$log; exit 1; }; \
	done; rm -f $$log
