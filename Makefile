.PHONY: setup run test bench
setup:
	bash scripts/setup.sh
run: setup
	.venv/bin/audiolab demo
test: setup
	node --test tests/js/
	.venv/bin/python -m pytest
