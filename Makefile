# poolnode: the two commands a new user needs are `make run` and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
DATA   ?= ./data
HOST   ?= 127.0.0.1
PORT   ?= 8080
URL    ?= http://127.0.0.1:$(PORT)
POOL   ?= commons
ADMIN  ?= admin
TEST_WORKERS ?= 3

.PHONY: run signin-link test lint bench bench-peers peers-deps demo screenshots clean venv test-venv messages translations vectors golden pdf-deps

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# Reinstall only when the project metadata changed.
$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $@ $(VENV)/.installed

venv: $(VENV)/.installed
test-venv: $(VENV)/.installed-test

## run: set up the virtualenv, initialise ./data on the first run (printing a one-time sign-in
## link for the admin), and serve it. PORT=18080 on the first run records that port in
## ./data/poolnode.toml; later runs listen there unless PORT is given again on the command line.
## signin-link prints a new one-time sign-in link for the admin.
# Only a PORT/HOST given on the command line overrides the port and address the node recorded.
SERVE_FLAGS = $(if $(filter command line,$(origin HOST)),--host "$(HOST)") \
              $(if $(filter command line,$(origin PORT)),--port "$(PORT)")
run: $(VENV)/.installed
	@./scripts/pdf-deps.sh
	@if [ ! -f "$(DATA)/poolnode.toml" ]; then \
		$(BIN)/poolnode init --data "$(DATA)" --url "$(URL)" --pool "$(POOL)" --admin "$(ADMIN)" --host "$(HOST)" --port "$(PORT)"; \
	else \
		echo "Reusing the node in $(DATA) (delete it to start afresh)."; \
		echo "A new sign-in link for $(ADMIN): $(BIN)/poolnode member signin-link --data $(DATA) $(ADMIN)"; \
	fi
	$(BIN)/poolnode serve --data "$(DATA)" $(SERVE_FLAGS)

signin-link: $(VENV)/.installed
	$(BIN)/poolnode member signin-link --data "$(DATA)" "$(ADMIN)"

## test: set up the virtualenv with the test extras and run the whole suite (the tests marked
## both_backends also on a throwaway PostgreSQL server that the tests start and stop)
## in TEST_WORKERS processes (pytest-xdist, one test file per process at a time: most tests wait
## on node processes and sockets, so 3 suit a 2-core machine; TEST_WORKERS=0 runs them in one)
test: $(VENV)/.installed-test
	@./scripts/pdf-deps.sh
	@./scripts/browser-deps.sh
	@./scripts/axe-deps.sh
	@./scripts/postgres.sh
	@$(BIN)/python -m pytest -q -p no:cacheprovider -n $(TEST_WORKERS) --dist loadfile $(PYTEST_ARGS); rc=$$?; \
	if [ $$rc -eq 5 ]; then echo "pytest collected no tests"; exit 1; fi; exit $$rc

## lint: ruff everywhere, mypy (strict on governance/ and federation/), the import contract
lint: $(VENV)/.installed-test
	$(BIN)/ruff check .
	$(BIN)/mypy governance federation node
	$(BIN)/lint-imports

## messages: collect the strings to translate into node/locale/messages.pot and merge them into
## every language's catalog (new strings empty, changed ones fuzzy: docs/TRANSLATING.md)
## translations: compile the catalogs (node/locale/*/LC_MESSAGES/messages.mo) the node loads
EXTRACT_FLAGS = -F babel.cfg -k N_ -c Translators: --sort-by-file --add-location=file \
                --project=poolnode --copyright-holder="the poolnode authors" --msgid-bugs-address=""
messages: $(VENV)/.installed-test
	$(BIN)/pybabel extract $(EXTRACT_FLAGS) -o node/locale/messages.pot .
	$(BIN)/pybabel update -i node/locale/messages.pot -d node/locale -D messages --previous

translations: $(VENV)/.installed
	$(BIN)/pybabel compile -d node/locale -D messages --statistics

## pdf-deps: install what the bylaws' PDF needs (Debian's pango and a font; make test and make run
## do it when it is missing)
pdf-deps:
	./scripts/pdf-deps.sh

## golden: write the golden legal texts (tests/web/golden/<form>.<language>.md) from the code and
## the catalogs; tests/web/test_bylaws_golden.py compares them byte for byte
golden: $(VENV)/.installed-test
	$(BIN)/python -m tests.web.bylaws_golden

## vectors: write docs/vectors/*.json and the vector blocks of docs/SPEC.md from the code
## (tests/spec/test_vectors.py fails when they are stale)
vectors: $(VENV)/.installed-test
	$(BIN)/python scripts/spec_vectors.py

## bench: run the benchmarks in bench/ and print one table
bench: $(VENV)/.installed-test
	$(BIN)/python -m bench

## peers-deps: install Fedify (npm) and bovine-herd (PyPI, its own virtualenv) into bench/peers/
## bench-peers: the signed-inbox load against a bare aiohttp app, poolnode, Fedify and
## bovine-herd in alternating rounds (not part of make bench; a peer not installed is skipped)
peers-deps:
	./scripts/peers-deps.sh

bench-peers: $(VENV)/.installed-test
	$(BIN)/python -m bench.peers

## demo: three nodes on loopback; people create pools, join, pay, propose, vote, share out a budget
## round and form a flood through the web pages; Ctrl-C stops
demo: $(VENV)/.installed
	$(BIN)/python scripts/demo.py

## screenshots: the demo's state, one PNG per page, into docs/screenshots (README lists them)
screenshots: $(VENV)/.installed-test
	@./scripts/browser-deps.sh
	$(BIN)/python scripts/screenshots.py

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache build *.egg-info
