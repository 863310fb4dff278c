# gpumeter: `make demo` and `make check` do all set-up on a fresh Debian 12.
#
#   make              build build/gpumeter (optimised)
#   make setup        install missing Debian packages and the Kafka jars, build
#   make check        setup, then unit and integration tests (ASan + UBSan) on
#                     the real services, started and stopped by the test run
#   make unit         unit tests only
#   make integration  integration tests only
#   make demo         setup, services, one simulated month end to end
#   make services-up / services-down
#   make format       clang-format every C file

VERSION  := 0.1.0
CC       ?= cc
CFLAGS   ?= -O2 -g
WARN     := -std=c11 -Wall -Wextra -Werror -Wshadow -Wvla -D_GNU_SOURCE
CPPFLAGS := -I. -Ibuild/gen -I/usr/include/postgresql -DGPUMETER_VERSION='"$(VERSION)"'
LIBS     := -lrdkafka -lpq -lcjson -lcrypto -lcurl -lmicrohttpd -lm
SANITIZE := -O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all

CORE_SRC := $(wildcard core/*.c)
CMD_SRC  := $(wildcard ingest/*.c rating/*.c invoice/*.c schema/*.c)
APP_SRC  := gpumeter.c $(CORE_SRC) $(CMD_SRC) build/gen/migrations.c
MIGRATIONS := $(sort $(wildcard schema/[0-9]*_*.sql))
UNIT_SRC := $(wildcard tests/unit/test_*.c)

OBJ      := $(APP_SRC:%.c=build/obj/%.o)
ASAN_OBJ := $(APP_SRC:%.c=build/asan/%.o)
# Unit tests link the sanitized objects of everything but main().
LIB_ASAN := $(filter-out build/asan/gpumeter.o,$(ASAN_OBJ))
UNIT_BIN := $(UNIT_SRC:tests/unit/%.c=build/asan/tests/%)

.PHONY: all setup build check unit integration demo services-up services-down format clean
all: build/gpumeter

build/gen/migrations.c: schema/embed.sh $(MIGRATIONS)
	@mkdir -p $(@D)
	@sh schema/embed.sh $(MIGRATIONS) > $@.tmp && mv $@.tmp $@

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

build/asan/tests/%: tests/unit/%.c $(LIB_ASAN)
	@mkdir -p $(@D)
	@echo "  LD asan $@"
	@$(CC) $(WARN) $(CPPFLAGS) $(SANITIZE) -o $@ $^ $(LIBS) -lcmocka

build: build/gpumeter build/asan/gpumeter $(UNIT_BIN)

setup:
	@bash scripts/setup.sh
	@$(MAKE) --no-print-directory all

services-up: setup
	@bash scripts/services.sh up

services-down:
	@bash scripts/services.sh down

unit: setup
	@$(MAKE) --no-print-directory build
	@bash tests/run.sh unit

integration: setup
	@$(MAKE) --no-print-directory build
	@bash tests/run.sh integration

check: setup
	@$(MAKE) --no-print-directory build
	@bash tests/run.sh all

demo: services-up
	@bash scripts/demo.sh

format:
	clang-format -i $$(git ls-files '*.c' '*.h')

clean:
	rm -rf build

-include $(OBJ:.o=.d) $(ASAN_OBJ:.o=.d)
