# A thin driver over CMake. `make` builds build/goescape; `make demo` and `make test` also
# install what is missing (see .ci/deps.sh) on a fresh Debian or Ubuntu machine.

BUILD      ?= build
ASAN_BUILD ?= build-asan
BENCH_BUILD ?= build-bench
FUZZ_BUILD ?= build-fuzz
PREFIX     ?= /usr/local
FUZZ_SECONDS ?= 60
CMAKE_FLAGS ?=
TESTS      ?= ON
ifeq ($(CI),true)
CMAKE_FLAGS += -DGOESCAPE_WERROR=ON
endif

.PHONY: all build deps demo test unit asan lsp e2e bench fuzz vsix vsix-platform install format format-check clean dist dist-check

all: build

build:
	@cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo -DGOESCAPE_TESTS=$(TESTS) $(CMAKE_FLAGS) >/dev/null
	@cmake --build $(BUILD) -j2

deps:
	@.ci/deps.sh build

demo: deps
	@$(MAKE) --no-print-directory build TESTS=OFF
	@echo "== goescape check examples/ =="
	@cd examples && ../$(BUILD)/goescape check ./...

test:
	@.ci/deps.sh test
	@$(MAKE) --no-print-directory build
	@$(MAKE) --no-print-directory unit asan lsp e2e

unit:
	@echo "== C unit tests =="
	@ctest --test-dir $(BUILD) --output-on-failure --no-tests=error -j2

asan:
	@echo "== C unit tests and LSP tests under AddressSanitizer and UndefinedBehaviorSanitizer =="
	@cmake -S . -B $(ASAN_BUILD) -DCMAKE_BUILD_TYPE=Debug -DGOESCAPE_SANITIZE=ON -DGOESCAPE_BENCH=OFF $(CMAKE_FLAGS) >/dev/null
	@cmake --build $(ASAN_BUILD) -j2
	@ctest --test-dir $(ASAN_BUILD) --output-on-failure --no-tests=error -j2
	@GOESCAPE_BIN=$(CURDIR)/$(ASAN_BUILD)/goescape tests/lsp/run.sh -m "not slow"

lsp:
	@echo "== LSP tests (real binary over stdio, real go toolchain) =="
	@GOESCAPE_BIN=$(CURDIR)/$(BUILD)/goescape tests/lsp/run.sh

e2e:
ifeq ($(GOESCAPE_SKIP_E2E),1)
	@echo "== real-editor tests SKIPPED (GOESCAPE_SKIP_E2E=1): VS Code, Neovim 0.10/0.7 and Emacs 30/28 were not run =="
else
	@$(MAKE) --no-print-directory vsix
	@GOESCAPE_BIN=$(CURDIR)/$(BUILD)/goescape GOESCAPE_VSIX=$$(ls -t $(CURDIR)/$(BUILD)/goescape-*.vsix | head -1) tests/e2e/run.sh
endif

bench:
	@.ci/deps.sh build
	@cmake -S . -B $(BENCH_BUILD) -DCMAKE_BUILD_TYPE=Release -DGOESCAPE_TESTS=OFF >/dev/null
	@cmake --build $(BENCH_BUILD) -j2
	@tests/bench/run.sh $(CURDIR)/$(BENCH_BUILD)

fuzz:
	@.ci/deps.sh fuzz
	@FUZZ_SECONDS=$(FUZZ_SECONDS) FUZZ_BUILD_DIR=$(CURDIR)/$(FUZZ_BUILD) tests/fuzz/run.sh

vsix:
	@editors/vscode/build-vsix.sh $(CURDIR)/$(BUILD)

# One .vsix per platform, each carrying the binary of the newest release archive for it.
VSIX_ARCHIVES ?= build-dist/out
vsix-platform:
	@n=0; for t in linux-x64 linux-arm64 darwin-x64 darwin-arm64; do \
	  a=$$(ls -t $(VSIX_ARCHIVES)/goescape-*-$$t.tar.gz 2>/dev/null | head -1); \
	  [ -n "$$a" ] || continue; \
	  editors/vscode/build-vsix.sh --target $$t --archive "$$a" $(CURDIR)/$(BUILD)/vsix || exit 1; \
	  n=$$((n + 1)); \
	done; \
	[ $$n -gt 0 ] || { echo "no goescape-*-TARGET.tar.gz in $(VSIX_ARCHIVES)/ (make dist makes them)" >&2; exit 2; }

# Release archives for linux-x64, linux-arm64, darwin-x64 and darwin-arm64 in build-dist/out
# (see dist/build.sh), and their checks (dist/check.sh, after make dist).
dist:
	@dist/build.sh

dist-check:
	@dist/check.sh

install: build
	@cmake --install $(BUILD) --prefix $(PREFIX)

format:
	@clang-format -i include/goescape/*.h protocol/*.[ch] analysis/*.[ch] server/*.[ch] server/*/*.[ch] tests/unit/*.[ch] tests/fuzz/*.c tests/bench/*.c tests/fakego/*.c

format-check:
	@clang-format --dry-run -Werror include/goescape/*.h protocol/*.[ch] analysis/*.[ch] server/*.[ch] server/*/*.[ch] tests/unit/*.[ch] tests/fuzz/*.c tests/bench/*.c tests/fakego/*.c

clean:
	@rm -rf $(BUILD) $(ASAN_BUILD) $(BENCH_BUILD) $(FUZZ_BUILD)
