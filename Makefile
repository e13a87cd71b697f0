# make lab    — install the course into .venv and open it in JupyterLab
# make test   — install, then run every test: lint, unit tests, and every notebook through nbval
# make test PYTHON=python3.13 — the same with another Python (its own .venv-python3.13)
# make grade SUBMISSIONS=folder — grade homework notebooks (one folder per learner, each in a sandbox) into
#              build/grades/ (GRADE_OPTIONS="--cell-timeout 10 --jobs 4" to pass options);
#              without SUBMISSIONS, the example submissions of the tests

PYTHON ?= python3
ifeq ($(PYTHON),python3)
VENV ?= .venv
else
VENV ?= .venv-$(notdir $(PYTHON))
endif
BIN := $(VENV)/bin
# JupyterLab refuses to run as root unless told; containers often run as root.
ALLOW_ROOT := $(if $(filter 0,$(shell id -u)),--allow-root)

.PHONY: lab test test-room test-browser lint install install-dev clean grade labextension

# The learner's install (what make lab, Binder and a hub image use): no test, lint or grading tools.
install: $(VENV)/.installed

$(VENV)/.installed: requirements.txt pyproject.toml labextension/built/package.json
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.txt
	$(BIN)/python -m mock_servers.jupyter_setup  # errors that teach; no news pop-up; tab titles
	touch $@

# The teacher's and developer's install: the learner's plus grading, tests and lint.
install-dev: $(VENV)/.installed-dev

$(VENV)/.installed-dev: $(VENV)/.installed requirements-dev.txt
	$(BIN)/python -m pip install --quiet -r requirements-dev.txt
	touch $@

lab: install
	$(BIN)/jupyter lab $(ALLOW_ROOT) --ServerApp.root_dir=. notebooks/index.ipynb

# Rebuild the course's JupyterLab extension after changing labextension/index.js (needs Node.js and
# npm; the build is committed, so learners need neither). `jupyter labextension build` is not used:
# in JupyterLab 4.6 it asks the npm registry and GitHub for JupyterLab's core versions, while the
# installed JupyterLab's staging/package.json already holds them.
labextension: install
	cd labextension && npm ci --no-audit --no-fund
	cd labextension && node node_modules/@jupyterlab/builder/lib/build-labextension.js \
		--core-path "$$(../$(BIN)/python -c 'import jupyterlab, pathlib; print(pathlib.Path(jupyterlab.__file__).parent / "staging")')" .
	$(BIN)/python -m mock_servers.jupyter_setup

lint: install-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

test: lint | $(VENV)/.sandbox-installed
	$(BIN)/python -m pytest --nbval-current-env --nbval-sanitize-with tests/nbval_sanitize.cfg \
		--nbval --nbval-cell-timeout 60 --ignore=tests/browser tests notebooks solutions

# 30 simulated learners run lessons 01-04 at once against one shared room (about 3 minutes, 3 GiB).
test-room: install-dev
	$(BIN)/python -m pytest -p no:nbval -m room -s tests/test_room.py

# Every lesson in JupyterLab in headless Chromium (Debian's package, installed here if missing).
test-browser: $(VENV)/.browser-installed
	$(BIN)/python -m pytest -p no:nbval tests/browser

$(VENV)/.browser-installed: $(VENV)/.installed-dev requirements-browser.txt
	command -v chromium >/dev/null || { apt-get update -qq && apt-get install -y -qq chromium; }
	$(BIN)/python -m pip install --quiet -r requirements-browser.txt
	touch $@

# Grading's sandbox: bubblewrap from Debian (bwrap), installed here if missing, as test-browser
# installs Chromium; the grading tests need it too.
$(VENV)/.sandbox-installed: $(VENV)/.installed-dev
	command -v bwrap >/dev/null || { apt-get update -qq && apt-get install -y -qq bubblewrap; }
	touch $@

SUBMISSIONS ?= tests/fixtures/submissions
grade: install-dev $(VENV)/.sandbox-installed
	$(BIN)/python tools/grade.py $(SUBMISSIONS) --out build/grades $(GRADE_OPTIONS)

clean:
	rm -rf .venv .venv-*
