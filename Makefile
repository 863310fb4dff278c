# gpumeter: `make demo` and `make check` do all set-up on a fresh Debian 12.
#
#   make              build build/gpumeter (optimised)
#   make setup        install missing Debian packages and the Kafka jars, build
#   make check        setup, then unit and integration tests (ASan + UBSan) on
#                     the real services, started and stopped by the test run
#   make unit         unit tests only: no set-up, builds only what they run
#                     (names the Debian packages to install if one is missing)
#   make integration  integration tests only
#   make faults       the fault scenarios (a subset of integration), one line each
#   make demo         setup, services, one simulated month end to end
#   make services-up / services-down
#   make bench        benchmarks on the local services, writes bench/REPORT.md
#   make tsan         the API tests against a ThreadSanitizer build of serve
#   make fuzz         libFuzzer targets (clang), each run FUZZ_SECONDS (60)
#   make format       clang-format every C file

VERSION  := 0.1.0
CC       ?= cc
CFLAGS   ?= -O2 -g
WARN     := -std=c11 -Wall -Wextra -Werror -Wshadow -Wvla -D_GNU_SOURCE
# Pango's flags are asked of pkg-config when first used, not when make
# starts: on a fresh machine `make check` installs it (setup) first. With
# it, HarfBuzz's subsetter and fontconfig (render/font_subset.c).
PDF_PKGS     := pangocairo pangoft2 harfbuzz-subset fontconfig
PANGO_CFLAGS = $(eval PANGO_CFLAGS := $(shell pkg-config --cflags $(PDF_PKGS)))$(PANGO_CFLAGS)
PANGO_LIBS   = $(eval PANGO_LIBS := $(shell pkg-config --libs $(PDF_PKGS)))$(PANGO_LIBS)
# libxml2 reads camt.053 bank statements (billing/camt.c), asked the same way
XML_CFLAGS = $(eval XML_CFLAGS := $(shell pkg-config --cflags libxml-2.0))$(XML_CFLAGS)
XML_LIBS   = $(eval XML_LIBS := $(shell pkg-config --libs libxml-2.0))$(XML_LIBS)
CPPFLAGS = -I. -Ibuild/gen -I/usr/include/postgresql $(PANGO_CFLAGS) $(XML_CFLAGS) -DGPUMETER_VERSION='"$(VERSION)"'
LIBS     = -lrdkafka -lpq -lcjson -lcrypto -lcurl -lmicrohttpd $(PANGO_LIBS) $(XML_LIBS) -lxlsxwriter -lm
SANITIZE := -O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all

CORE_SRC := $(wildcard core/*.c)
CMD_SRC  := $(wildcard ingest/*.c rating/*.c pricing/*.c terms/*.c billing/*.c render/*.c api/*.c schema/*.c console/*.c)
APP_SRC  := gpumeter.c $(CORE_SRC) $(CMD_SRC) build/gen/migrations.c build/gen/console_assets.c
MIGRATIONS := $(sort $(wildcard schema/[0-9]*_*.sql))
UNIT_SRC := $(wildcard tests/unit/test_*.c)

OBJ      := $(APP_SRC:%.c=build/obj/%.o)
ASAN_OBJ := $(APP_SRC:%.c=build/asan/%.o)
# Unit tests link the sanitized objects of everything but main().
LIB_ASAN := $(filter-out build/asan/gpumeter.o,$(ASAN_OBJ))
UNIT_BIN := $(UNIT_SRC:tests/unit/%.c=build/asan/tests/%)
# Fuzz targets: libFuzzer binaries for `make fuzz`, corpus replayers for tests.
FUZZ_TARGETS := event prom nvsmi jobs docs statement
FUZZ_SECONDS ?= 60
REPLAY_BIN := $(FUZZ_TARGETS:%=build/asan/fuzz/replay_%)
FUZZ_FLAGS := -g -O1 -fsanitize=address,undefined -fno-sanitize-recover=all
FUZZ_OBJ := $(filter-out build/fuzz/obj/gpumeter.o,$(APP_SRC:%.c=build/fuzz/obj/%.o))

.PHONY: all setup build check unit integration faults demo services-up services-down format clean fuzz bench tsan
all: build/gpumeter

build/gen/migrations.c: schema/embed.sh $(MIGRATIONS) schema/roles.sql
	@mkdir -p $(@D)
	@sh schema/embed.sh $(MIGRATIONS) schema/roles.sql > $@.tmp && mv $@.tmp $@

# The console's files, and ECharts from the pinned lock file (npm ci puts
# it and the tests' Chromium driver in console/node_modules, never committed).
CONSOLE_STATIC := $(sort $(wildcard console/static/*))
ECHARTS := console/node_modules/echarts/dist/echarts.min.js
$(ECHARTS): console/package.json console/package-lock.json
	@echo "  NPM     console (package-lock.json)"
	@cd console && npm ci --no-audit --no-fund --loglevel=error >/dev/null
	@touch $@

build/gen/console_assets.c: console/embed.sh $(CONSOLE_STATIC) $(ECHARTS)
	@mkdir -p $(@D)
	@sh console/embed.sh $(foreach f,$(CONSOLE_STATIC),$(notdir $(f))=$(f)) echarts.min.js=$(ECHARTS) > $@.tmp && mv $@.tmp $@

build/obj/%.o: %.c
	@mkdir -p $(@D)
	@echo "  CC      $<"
	@$(CC) $(WARN) $(CPPFLAGS) $(CFLAGS) -MMD -MP -c $< -o $@

build/asan/%.o: %.c
	@mkdir -p $(@D)
	@echo "  CC asan $<"
	@$(CC) $(WARN) $(CPPFLAGS) $(SANITIZE) -MMD -MP -c $< -o $@

build/gpumeter: $(OBJ)
	@echo "  LD      $@"
	@$(CC) $(CFLAGS) -o $@ $^ $(LIBS)

build/asan/gpumeter: $(ASAN_OBJ)
	@echo "  LD asan $@"
	@$(CC) $(SANITIZE) -o $@ $^ $(LIBS)

# The pricing engine links alone: no libpq, no cJSON, no I/O (pricing/README.md).
PURE_UNIT := build/asan/tests/test_pricing build/asan/tests/test_billing build/asan/tests/test_sla_credit \
             build/asan/tests/test_debt build/asan/tests/test_returns build/asan/tests/test_index_swap
PURE_ASAN := $(patsubst %.c,build/asan/%.o,$(wildcard pricing/*.c) core/money.c core/catalogue.c \
                 core/timeutil.c core/alloc.c core/meter.c core/units.c \
                 core/suggest.c)
$(PURE_UNIT): build/asan/tests/%: tests/unit/%.c $(PURE_ASAN)
	@mkdir -p $(@D)
	@echo "  LD asan $@ (pure)"
	@$(CC) $(WARN) $(CPPFLAGS) $(SANITIZE) -o $@ $^ -lcmocka

build/asan/tests/%: tests/unit/%.c $(LIB_ASAN)
	@mkdir -p $(@D)
	@echo "  LD asan $@"
	@$(CC) $(WARN) $(CPPFLAGS) $(SANITIZE) -o $@ $^ $(LIBS) -lcmocka

build/asan/fuzz/replay_%: tests/fuzz/fuzz_%.c tests/fuzz/replay.c $(LIB_ASAN)
	@mkdir -p $(@D)
	@echo "  LD asan $@"
	@$(CC) $(WARN) $(CPPFLAGS) $(SANITIZE) -o $@ $^ $(LIBS)

build/fuzz/obj/%.o: %.c
	@mkdir -p $(@D)
	@echo "  CC fuzz $<"
	@clang $(WARN) $(CPPFLAGS) $(FUZZ_FLAGS) -fsanitize=fuzzer-no-link -c $< -o $@

build/fuzz/fuzz_%: tests/fuzz/fuzz_%.c $(FUZZ_OBJ)
	@echo "  LD fuzz $@"
	@clang $(WARN) $(CPPFLAGS) $(FUZZ_FLAGS) -fsanitize=fuzzer -o $@ $^ $(LIBS)

# Test tools: clients the integration tests drive the server with.
build/tools/%: tests/tools/%.c
	@mkdir -p $(@D)
	@echo "  CC      $@"
	@$(CC) $(WARN) $(CFLAGS) -o $@ $<

# A ThreadSanitizer build of the whole binary: the API tests run
# `gpumeter serve` under it with concurrent clients (make tsan; make check).
TSAN     := -O1 -g -fsanitize=thread -fno-omit-frame-pointer
TSAN_OBJ := $(APP_SRC:%.c=build/tsan/%.o)
build/tsan/%.o: %.c
	@mkdir -p $(@D)
	@echo "  CC tsan $<"
	@$(CC) $(WARN) $(CPPFLAGS) $(TSAN) -MMD -MP -c $< -o $@

build/tsan/gpumeter: $(TSAN_OBJ)
	@echo "  LD tsan $@"
	@$(CC) $(TSAN) -o $@ $^ $(LIBS)

# The test targets build in parallel, a job per core (docs/testing.md).
BUILD_JOBS ?= $(shell nproc 2>/dev/null || echo 2)
PARALLEL := --no-print-directory -j$(BUILD_JOBS)

tsan: setup
	@$(MAKE) $(PARALLEL) build/tsan/gpumeter build/asan/gpumeter build/gpumeter build/tools/slow_clients
	@bash tests/run.sh tsan

build: build/gpumeter build/asan/gpumeter build/tsan/gpumeter build/tools/slow_clients $(UNIT_BIN) $(REPLAY_BIN)

setup:
	@bash scripts/setup.sh
	@$(MAKE) $(PARALLEL) all

services-up: setup
	@bash scripts/services.sh up

services-down:
	@bash scripts/services.sh down

# No set-up (no apt-get, no services): the unit tests and the fuzz corpus
# replays, built in parallel, under a minute from a fresh clone.
unit:
	@bash scripts/setup.sh build-check
	@$(MAKE) $(PARALLEL) $(UNIT_BIN) $(REPLAY_BIN)
	@bash tests/run.sh unit

integration: setup
	@$(MAKE) $(PARALLEL) build
	@bash tests/run.sh integration

check: setup
	@$(MAKE) $(PARALLEL) build
	@bash tests/run.sh all

faults: setup
	@$(MAKE) $(PARALLEL) build/gpumeter build/asan/gpumeter
	@bash tests/run.sh faults

demo: services-up
	@bash scripts/demo.sh

LIB_OBJ := $(filter-out build/obj/gpumeter.o,$(OBJ))
build/bench/%: bench/%.c $(LIB_OBJ)
	@mkdir -p $(@D)
	@echo "  LD      $@"
	@$(CC) $(WARN) $(CPPFLAGS) $(CFLAGS) -o $@ $^ $(LIBS)

# Everything bench/run.sh runs, so that it passes from a fresh clone.
bench: services-up
	@$(MAKE) $(PARALLEL) build/gpumeter build/bench/bench_ingest build/bench/bench_rate build/bench/bench_fresh build/tools/slow_clients
	@bash bench/run.sh

# Each target runs FUZZ_SECONDS on the seed corpus in tests/fuzz/corpus; new
# inputs go to build/fuzz/corpus-*, crashes to build/fuzz/artifacts.
fuzz:
	@bash scripts/setup.sh fuzz
	@$(MAKE) --no-print-directory $(FUZZ_TARGETS:%=build/fuzz/fuzz_%)
	@mkdir -p build/fuzz/artifacts
	@set -e; for t in $(FUZZ_TARGETS); do \
	    mkdir -p build/fuzz/corpus-$$t; \
	    echo "fuzz: $$t for $(FUZZ_SECONDS) s"; \
	    build/fuzz/fuzz_$$t -max_total_time=$(FUZZ_SECONDS) -print_final_stats=1 \
	        -artifact_prefix=build/fuzz/artifacts/$$t- build/fuzz/corpus-$$t \
	        tests/fuzz/corpus/$$t 2>build/fuzz/$$t.log || { tail -40 build/fuzz/$$t.log; exit 1; }; \
	    grep -E 'stat::number_of_executed_units|stat::peak_rss_mb' build/fuzz/$$t.log | sed "s/^/fuzz: $$t /"; \
	done

format:
	clang-format -i $$(git ls-files '*.c' '*.h')

clean:
	rm -rf build

-include $(OBJ:.o=.d) $(ASAN_OBJ:.o=.d) $(TSAN_OBJ:.o=.d) $(FUZZ_OBJ:.o=.d)
