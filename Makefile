# Tangguh. `make run` and `make test` set up their own virtual environment on first use.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run check test quick lint bench clean

$(STAMP): requirements.txt requirements-dev.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $(STAMP)

# Without TELEGRAM_BOT_TOKEN, `make run` starts the sandbox (no Telegram, a web page on this computer);
# e.g. `make run SANDBOX_ARGS="--port 8090 --reset"`.
SANDBOX_ARGS ?=

run: $(STAMP)  ## set up and run the bot with TELEGRAM_BOT_TOKEN, else the sandbox (http://127.0.0.1:8080)
	@if [ -n "$$TELEGRAM_BOT_TOKEN" ]; then exec $(BIN)/python bot.py; \
	else exec $(BIN)/python bot.py sandbox $(SANDBOX_ARGS); fi

check: $(STAMP)  ## validate config, instrument and database
	$(BIN)/python bot.py check

# The tests not marked slow run two at a time; the slow ones (a crash loop, faults, the browser) measure
# recovery and pacing, so they run one after another, alone.
test: $(STAMP)  ## set up and run lint, the layers contract and the whole test suite
	$(BIN)/ruff check .
	$(BIN)/lint-imports
	$(BIN)/pytest -q -m "not slow" -n 2
	$(BIN)/pytest -q -m slow

quick: $(STAMP)  ## lint, the layers contract, the tests without HTTP and the survey end to end (< 90 s)
	$(BIN)/ruff check .
	$(BIN)/lint-imports
	$(BIN)/pytest -q -m "not slow and (not e2e or wiring)"

lint: $(STAMP)  ## ruff, and the layers contract of pyproject.toml (import-linter)
	$(BIN)/ruff check .
	$(BIN)/lint-imports

bench: $(STAMP)  ## print the performance figures
	$(BIN)/python -m benchmarks

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
