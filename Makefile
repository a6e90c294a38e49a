# caselib: two commands on a fresh machine (see README).
#   make serve   set up and start the library on http://127.0.0.1:8000
#   make test    set up and run the test suite (fuzz tests bounded; `make fuzz` runs them in full)
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: setup test fuzz lint serve index check clean browser-deps translations catalogs release embedding-cache

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	# torch first: the CPU wheel, so nothing pulls a multi-GB CUDA build
	$(BIN)/pip install --quiet torch==2.13.0
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

# Compiled message catalogs (.mo) are build products, never committed: compiled from the .po files.
TR := webapp/translations
MO := $(TR)/es/LC_MESSAGES/messages.mo $(TR)/pt/LC_MESSAGES/messages.mo
$(TR)/%/LC_MESSAGES/messages.mo: $(TR)/%/LC_MESSAGES/messages.po $(STAMP)
	$(BIN)/pybabel compile -d $(TR) -l $*

catalogs: $(MO)

setup: $(STAMP) catalogs

# Re-extract every message (templates, web app, engine), merge it into es and pt, compile.
# New msgids arrive untranslated: tests/test_catalogs.py fails until every one has a translation.
translations: $(STAMP)
	$(BIN)/pybabel extract -F babel.cfg -k N_ -k ngettext:1,2 -k translate:2 -k translate_plural:2,3 --no-location --sort-output \
	  --project caselib \
	  -o $(TR)/messages.pot .
	$(BIN)/pybabel update -i $(TR)/messages.pot -d $(TR) --no-fuzzy-matching --ignore-obsolete
	$(BIN)/pybabel compile -d $(TR)

# Debian's Chromium for the browser tests (never a browser download); skipped if present.
browser-deps:
	@if [ ! -x /usr/bin/chromium ]; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	  else echo "Chromium not found at /usr/bin/chromium: browser tests will be skipped"; fi; \
	fi

test: setup browser-deps
	CASELIB_FUZZ=bounded HF_HUB_OFFLINE=1 $(BIN)/python -m pytest -q -p no:cacheprovider

# the randomised and exhaustive attack tests with their full budgets (make test runs a bounded version)
fuzz: setup
	CASELIB_FUZZ=1 HF_HUB_OFFLINE=1 $(BIN)/python -m pytest -q -p no:cacheprovider -m fuzz

lint: setup
	$(BIN)/ruff check caselib indexer webapp tests scripts benchmarks
	$(BIN)/ruff format --check caselib indexer webapp tests scripts benchmarks

check: setup
	$(BIN)/caselib check --strict

# Rewrite embedding-cache/ (the shipped cases' passage vectors, so a fresh machine and CI need not
# re-encode them; indexer/vectorcache.py). Run after editing cases; a stale cache only costs time.
embedding-cache: setup
	HF_HUB_OFFLINE=1 $(BIN)/python -m indexer.vectorcache

index: setup
	HF_HUB_OFFLINE=1 $(BIN)/caselib index

serve: setup
	HF_HUB_OFFLINE=1 $(BIN)/caselib serve

# A dated, citable data release: dist/caselib-data-YYYY-MM-DD.zip (+ the folder), listed on /data.
RELEASE := caselib-data-$(shell date +%Y-%m-%d)
release: setup
	rm -rf dist/$(RELEASE) dist/$(RELEASE).zip
	$(BIN)/caselib export --out dist/$(RELEASE)
	cd dist && $(CURDIR)/$(BIN)/python -m zipfile -c $(RELEASE).zip $(RELEASE)/
	@echo "dist/$(RELEASE).zip"

clean:
	rm -rf $(VENV) instance .pytest_cache
