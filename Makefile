# Tangguh. `make run` and `make test` set up their own virtual environment on first use.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run check test lint bench clean

$(STAMP): requirements.txt requirements-dev.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $(STAMP)

run: $(STAMP)  ## set up and run the bot (needs TELEGRAM_BOT_TOKEN)
	$(BIN)/python bot.py

check: $(STAMP)  ## validate config, instrument and database
	$(BIN)/python bot.py check

test: $(STAMP)  ## set up and run lint and the whole test suite
	$(BIN)/ruff check .
	$(BIN)/pytest -q

lint: $(STAMP)
	$(BIN)/ruff check .

bench: $(STAMP)  ## print the performance figures
	$(BIN)/python -m benchmarks

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
