# SPDX-License-Identifier: MIT
# atlasperf top-level build (GNU make). `make` builds the library and the
# program into build/; `make check` rebuilds everything with ASan+UBSan in
# build/asan/ and runs every test; `make run` runs the main job.

PKGS        := libcurl json-c yaml-0.1
PKG_CFLAGS  := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS    := $(shell pkg-config --libs $(PKGS) 2>/dev/null)

CC          ?= cc
BUILD       ?= build
CFLAGS      ?= -O2 -g
WARN        := -std=c11 -Wall -Wextra -Werror -Wshadow -pedantic
CPPFLAGS    += -D_POSIX_C_SOURCE=200809L -Icommon/include
LDLIBS      += $(PKG_LIBS) -lm

SAN_FLAGS   := -O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer \
               -fno-sanitize-recover=all

VERSION     := $(shell cat VERSION 2>/dev/null || echo 0.0.0)
CPPFLAGS    += -DAP_VERSION='"$(VERSION)"'

COMMON_SRC  := $(wildcard common/src/*.c)
EXECD_SRC   := $(wildcard plugins/telegraf-execd/*.c)
UNIT_SRC    := $(wildcard tests/unit/test_*.c)
TOOL_SRC    := $(wildcard tests/tools/*.c)
FUZZ_SRC    := $(wildcard tests/fuzz/fuzz_*.c)

COMMON_OBJ  := $(COMMON_SRC:%.c=$(BUILD)/obj/%.o)
EXECD_OBJ   := $(EXECD_SRC:%.c=$(BUILD)/obj/%.o)
UNIT_BIN    := $(UNIT_SRC:tests/unit/%.c=$(BUILD)/tests/%)
TOOL_BIN    := $(TOOL_SRC:tests/tools/%.c=$(BUILD)/tools/%)
FUZZ_BIN    := $(FUZZ_SRC:tests/fuzz/%.c=build/fuzz/%)

.PHONY: all deps check unit-tests run bench fuzz fuzz-build clean

all: $(BUILD)/libatlasperf.a $(BUILD)/atlasperf

deps:
	@scripts/install-deps

$(BUILD)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(WARN) $(CPPFLAGS) $(PKG_CFLAGS) $(CFLAGS) -MMD -MP -c $< -o $@

$(BUILD)/libatlasperf.a: $(COMMON_OBJ)
	@mkdir -p $(dir $@)
	rm -f $@
	$(AR) rcs $@ $^

$(BUILD)/atlasperf: $(EXECD_OBJ) $(BUILD)/libatlasperf.a
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(BUILD)/tests/%: $(BUILD)/obj/tests/unit/%.o $(BUILD)/libatlasperf.a
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(BUILD)/tools/%: $(BUILD)/obj/tests/tools/%.o $(BUILD)/libatlasperf.a
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(LDLIBS)

unit-tests: all $(UNIT_BIN) $(TOOL_BIN)

# THE test command: sanitizer build of everything, then every test suite.
check: deps
	$(MAKE) --no-print-directory BUILD=build/asan CFLAGS="$(SAN_FLAGS)" \
		LDFLAGS="-fsanitize=address,undefined" unit-tests
	$(MAKE) --no-print-directory unit-tests
	$(MAKE) --no-print-directory fuzz-build
	tests/run-tests build/asan build

# The main job: the collector on the example configuration (public
# built-in measurements, no API key), printing line protocol until Ctrl-C.
RUN_INTERVAL ?= 240s
run: deps all
	$(BUILD)/atlasperf execd --config examples/atlasperf.yaml \
		--interval $(RUN_INTERVAL)

bench: deps all $(BUILD)/tools/bench_gen $(BUILD)/tools/bench_jsonc
	tests/bench/run-bench $(BUILD)

# libFuzzer targets (clang). FUZZ_SECONDS per target, default 600.
FUZZ_CFLAGS := -g -O1 -fsanitize=fuzzer,address,undefined \
               -fno-sanitize-recover=all
build/fuzz/fuzz_%: tests/fuzz/fuzz_%.c $(COMMON_SRC)
	@mkdir -p $(dir $@)
	clang $(WARN) $(CPPFLAGS) $(PKG_CFLAGS) $(FUZZ_CFLAGS) -o $@ $^ $(LDLIBS)

fuzz-build: $(FUZZ_BIN)

fuzz: deps fuzz-build
	tests/fuzz/run-fuzz $${FUZZ_SECONDS:-600}

clean:
	rm -rf build

-include $(shell find $(BUILD)/obj -name '*.d' 2>/dev/null)
