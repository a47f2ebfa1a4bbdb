# runvar's entry points. The README's two commands are `make run` and `make test`.
SHELL := bash
LIBTORCH ?= $(CURDIR)/libtorch
export LIBTORCH
CARGO ?= cargo
STAMP := $(LIBTORCH)/.runvar-libtorch-2.11.0

.PHONY: setup build gpu-binary run test lint bench bench-analysis parity lm-parity fuzz wheel

## setup: fetch libtorch 2.11.0 from PyPI into ./libtorch (once)
setup: $(STAMP)
$(STAMP):
	scripts/setup-libtorch.sh "$(LIBTORCH)"

## build: release binary at target/release/runvar (libtorch found through its rpath)
build: setup
	$(CARGO) build --release --bin runvar

## gpu-binary: the release binary without its debug info (about 5 MB instead of about 90), at
## target/gpu/runvar: small enough to carry to a GPU machine, where scripts/gpu-check.sh runs it
gpu-binary: build
	mkdir -p target/gpu
	objcopy --strip-debug target/release/runvar target/gpu/runvar

## run: the main job: the whole protocol on the default task (no data download, no flags)
run: build
	target/release/runvar study

## test: the whole test suite (release mode: the tests train real networks), then the Python
## package's (pytest, in .venv-py: numpy, pytest and maturin from PyPI)
test: setup
	$(CARGO) test --release --workspace
	scripts/python-test.sh

## wheel: the Python package (import runvar) as target/wheels/runvar-*.whl: abi3 for CPython
## 3.9 and later, manylinux2014, no libtorch inside (maturin, in .venv-py)
wheel:
	scripts/python-wheel.sh

## lint: formatting, clippy with warnings as errors, no declared dependency left unused, and no
## module cycle in any crate
lint: setup
	$(CARGO) fmt --all -- --check
	$(CARGO) clippy --release --workspace --all-targets -- -D warnings
	python3 scripts/check-deps.py
	python3 scripts/check-cycles.py

## bench: runvar against the same work in PyTorch (installs torch in .venv-torch once)
bench: build
	scripts/torch-venv.sh >/dev/null
	.venv-torch/bin/python scripts/bench.py

## bench-analysis: pairwise metrics of N = 1000 runs of 10,000 x 10 logits; CKA of 100 runs
bench-analysis: setup
	$(CARGO) test --release -p runvar-core --lib -- --ignored --nocapture --test-threads=1 bench_

## parity: mean accuracy of mnist-mlp over 5 seeds, runvar vs PyTorch
parity: build
	scripts/torch-venv.sh >/dev/null
	.venv-torch/bin/python scripts/parity.py

## lm-parity: mean test perplexity of shakespeare-char-lstm over 5 seeds, runvar vs PyTorch
lm-parity: build
	scripts/torch-venv.sh >/dev/null
	.venv-torch/bin/python scripts/lm_parity.py

## fuzz: mutation fuzzing of the readers (IDX, CIFAR-10, digits CSV, text, .npy, .npz, spec TOML),
## FUZZ_SECS seconds per target, with overflow checks on; crates/core/tests/fuzz.rs says more
FUZZ_SECS ?= 60
fuzz:
	RUNVAR_FUZZ_SECS=$(FUZZ_SECS) CARGO_PROFILE_RELEASE_OVERFLOW_CHECKS=true \
		$(CARGO) test --release -p runvar-core --test fuzz -- --ignored --nocapture --test-threads=1 fuzz::
