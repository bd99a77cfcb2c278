# make setup  installs Debian packages when missing, then .venv with the kiosk (runtime only)
# make demo   the kiosk window against the embedded check-in server with demo members
# make screenshots  renders every screen (and every web admin page) to docs/screenshots
# make deb    the Debian package, dist/kiosk_VERSION_ARCH.deb (packaging/build_deb.py)
# make apt-repo  a folder a site serves as an APT repository of that package, dist/apt
# make package-test  builds the package, checks it, installs it here, runs it under cage, purges it
# make test   lint, type check, all tests, the package's tests, every benchmark once in smoke
#             mode (what CI runs); adds the test tools to .venv

SYSTEM_PACKAGES := pcscd vsmartcard-vpcd libpcsclite-dev swig xvfb xdotool libpulse0 zbar-tools \
	libxcb-cursor0 libxkbcommon-x11-0 libegl1 libgl1 libfontconfig1 libdbus-1-3 \
	libxcb-icccm4 libxcb-keysyms1 libxcb-shape0 libxcb-randr0 libxcb-render-util0 libxcb-image0 \
	fonts-dejavu-core
# building the package: Debian's Python for its environment, and pyscard compiled against it
BUILD_PACKAGES := dpkg-dev binutils python3-venv python3-dev gcc swig libpcsclite-dev apt-utils
# checking it: lintian, and the kiosk session for real (cage, Xwayland, a screenshot with grim)
PACKAGE_TEST_PACKAGES := lintian cage xwayland grim
# the web admin's browser tests: Debian's Chromium, driven by Selenium through its driver
TEST_PACKAGES := chromium chromium-driver
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
VENV := .venv
BIN := $(VENV)/bin

.PHONY: setup test-setup test-packages system-packages demo test lint typecheck pytest bench bench-smoke \
	screenshots deb apt-repo package-test packages

setup: system-packages $(VENV)/.installed

test-setup: setup test-packages $(VENV)/.tests-installed

test-packages:
	@$(MAKE) --no-print-directory packages PACKAGES="$(TEST_PACKAGES)"

system-packages:
	@$(MAKE) --no-print-directory packages PACKAGES="$(SYSTEM_PACKAGES)"

packages:
	@missing=""; for p in $(PACKAGES); do \
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
	$(BIN)/pip install -q -e .
	touch $@

$(VENV)/.tests-installed: $(VENV)/.installed
	$(BIN)/pip install -q -e '.[test]'
	touch $@

demo: setup
	$(BIN)/kiosk demo

lint: test-setup
	$(BIN)/ruff check kiosk tests bench scripts packaging
	$(BIN)/ruff format --check kiosk tests bench scripts packaging

typecheck: test-setup
	$(BIN)/mypy
	$(BIN)/lint-imports

pytest: test-setup
	QT_QPA_PLATFORM=offscreen $(BIN)/pytest -n 2 --ignore=tests/e2e --cov --cov-report=
	# the running kiosk typed into by xdotool: alone, so that no other test starves its keys
	QT_QPA_PLATFORM=offscreen $(BIN)/pytest tests/e2e -p no:cacheprovider --cov --cov-append \
		--cov-report=term --cov-fail-under=93

test: lint typecheck pytest package-test bench-smoke

deb:
	@$(MAKE) --no-print-directory packages PACKAGES="$(BUILD_PACKAGES)"
	/usr/bin/python3 packaging/build_deb.py --out dist

apt-repo: deb
	packaging/apt_repo.sh dist/apt "$$(ls -t dist/kiosk_*.deb | head -1)"
	@echo "dist/apt: serve it over HTTP; a kiosk adds 'deb [trusted=yes] http://HOST/apt ./'"

package-test: test-setup deb
	@$(MAKE) --no-print-directory packages PACKAGES="$(PACKAGE_TEST_PACKAGES)"
	KIOSK_DEB="$$(ls -t dist/kiosk_*.deb | head -1)" $(BIN)/pytest packaging/tests -p no:cacheprovider

screenshots: test-setup
	QT_QPA_PLATFORM=offscreen $(BIN)/python scripts/screenshots.py docs/screenshots
	$(BIN)/python scripts/admin_screenshots.py docs/screenshots

bench: test-setup
	$(BIN)/python bench/server_throughput.py
	QT_QPA_PLATFORM=offscreen $(BIN)/python bench/kiosk_latency.py
	$(BIN)/python bench/kiosk_process.py
	$(BIN)/python bench/pcsc_latency.py
	$(BIN)/python bench/qr_latency.py
	QT_QPA_PLATFORM=offscreen $(BIN)/python bench/offline.py
	$(BIN)/python bench/guessing.py
	$(BIN)/python bench/stolen_config.py
	$(BIN)/python bench/admin_pages.py
	$(BIN)/python bench/presence.py
	QT_QPA_PLATFORM=offscreen $(BIN)/python bench/far_backend.py

bench-smoke: test-setup
	@log=$$(mktemp); for script in bench/*.py; do \
		[ "$$script" = bench/harness.py ] && continue; \
		echo "$$script --smoke"; \
		QT_QPA_PLATFORM=offscreen $(BIN)/python $$script --smoke > $$log 2>&1 \
			|| { cat $$log; rm -f $$log; exit 1; }; \
	done; rm -f $$log
