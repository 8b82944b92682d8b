# Two commands a newcomer needs: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: run test test-floor soak demo sim lint bench screenshots self-test clean

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Thenar needs Python 3.11 or newer")'
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	@touch $(STAMP)

run: $(STAMP)
	$(PY) -m desktop --transport sim

demo: $(STAMP)
	$(PY) -m device_sim.demo

sim: $(STAMP)
	$(PY) -m device_sim

test: $(STAMP)
	QT_QPA_PLATFORM=offscreen $(PY) -m pytest -q
	$(VENV)/bin/lint-imports
	$(VENV)/bin/ruff check .
	$(VENV)/bin/mypy

# The lowest versions pyproject.toml allows for the direct dependencies (tools/floor_constraints.py),
# in a venv of their own, against the tests of the layers they serve: data/, appcore/, therapy/
# (sqlite-utils, python-dateutil, icalendar, fhir.resources, platformdirs; bleak, bumble,
# PySide6 and qasync are pinned, so their floor is what `make test` runs).
FLOOR_VENV := .venv-floor
test-floor:
	rm -rf $(FLOOR_VENV)
	$(PYTHON) -m venv $(FLOOR_VENV)
	$(FLOOR_VENV)/bin/python -m pip install --quiet --upgrade pip
	$(FLOOR_VENV)/bin/python tools/floor_constraints.py pyproject.toml > $(FLOOR_VENV)/floor.txt
	$(FLOOR_VENV)/bin/python -m pip install --quiet -c $(FLOOR_VENV)/floor.txt -e '.[dev]'
	$(FLOOR_VENV)/bin/python -m pip list --format=freeze | grep -i -E '^(sqlite-utils|python-dateutil|icalendar|fhir.resources|platformdirs)=='
	QT_QPA_PLATFORM=offscreen $(FLOOR_VENV)/bin/python -m pytest -q -p no:cacheprovider \
		tests/data tests/appcore tests/therapy

# The safety state machine (tests/appcore/test_safety_machine.py) with 2,000 examples
# for each device family, and the fuzzers at their long counts (tests/soak.py).
soak: $(STAMP)
	THENAR_SOAK=1 THENAR_SOAK_EXAMPLES=2000 QT_QPA_PLATFORM=offscreen $(PY) -m pytest -q \
		-p no:cacheprovider tests/appcore/test_safety_machine.py tests/ble/test_protocol.py \
		tests/data/test_data_import_fuzz.py --hypothesis-show-statistics -o timeout=7200

screenshots: $(STAMP)
	QT_QPA_PLATFORM=offscreen THENAR_SCREENSHOTS=build/screenshots $(PY) -m pytest -q tests/desktop
	@echo "Screenshots are in build/screenshots/"

self-test: $(STAMP)
	$(PY) -m desktop --self-test

bench: $(STAMP)
	for f in benchmarks/bench_*.py; do $(PY) $$f; done

clean:
	rm -rf $(VENV) $(FLOOR_VENV) build dist .pytest_cache .mypy_cache .ruff_cache

# -- Packaging (issue 7; see packaging/README.md) ---------------------------------
# make bundle          one-folder bundle in dist/thenar/ (PyInstaller; minutes)
# make bundle-tarball  dist/thenar-VERSION-linux-x86_64.tar.gz, with install.sh
# make bundle-test     builds the bundle and runs its self-test (not part of make test)
BUNDLE_STAMP := $(VENV)/.bundle-installed

.PHONY: bundle bundle-tarball bundle-test

$(BUNDLE_STAMP): $(STAMP) pyproject.toml
	$(PY) -m pip install --quiet -e '.[dev,bundle]'
	@touch $(BUNDLE_STAMP)

bundle: $(BUNDLE_STAMP)
	$(PY) -m PyInstaller --noconfirm --clean --log-level WARN \
		--distpath dist --workpath build/pyinstaller packaging/thenar.spec
	@du -sh dist/thenar

bundle-tarball: bundle
	PYTHON=$(PY) sh packaging/linux/make_tarball.sh

bundle-test: $(BUNDLE_STAMP)
	$(PY) -m pytest -p no:cacheprovider -rA packaging/tests
