# The two commands of the README: `make run` (set up and run) and `make test` (the whole suite).
.PHONY: setup run test lint bench

setup:
	./scripts/setup.sh

run: setup
	.venv/bin/hotline up

lint: setup
	.venv/bin/ruff check .
	.venv/bin/ruff format --check .
	.venv/bin/mypy

test: setup
	./scripts/test.sh

bench: setup
	.venv/bin/python bench/tickets_create.py
