# apsim - hand-written GNU make. Each module folder becomes its own static library, linked from
# the most dependent to the least, so no library can call into one above it; tests/structure.sh
# (run by make check) checks the include graph itself (docs/DEVELOPING.md):
#   base <- ap_core ; base <- cfg <- {tech, networks, accel} ; sim <- {study, exec <- fmnist} <- cli
#   base <- par <- {study, fmnist, cli}
# Usage: make [VARIANT=debug|release|san] [WERROR=1] [V=1] [MPI=0|1] <target>

VARIANT ?= debug
WERROR ?= 0
PREFIX ?= /usr/local
DESTDIR ?=
BUILD := build/$(VARIANT)

ifeq ($(V),1)
Q :=
else
Q := @
endif

PKGS := gsl yaml-0.1 zlib
PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) libprotobuf-c check)
PKG_LIBS := $(shell pkg-config --libs $(PKGS) libprotobuf-c)
CHECK_LIBS := $(shell pkg-config --libs check)

# MPI (docs/PARALLEL.md): on when pkg-config finds Open MPI's C binding (Debian's
# libopenmpi-dev ships ompi-c.pc), off with MPI=0. Only par/ includes mpi.h; its headers are
# system headers here so that the warnings above stay about apsim's own code.
MPI_PC := ompi-c
MPI ?= $(shell pkg-config --exists $(MPI_PC) && echo 1 || echo 0)
ifeq ($(MPI),1)
MPI_CFLAGS := -DAPSIM_MPI=1 $(patsubst -I%,-isystem %,$(shell pkg-config --cflags $(MPI_PC)))
PKG_LIBS += $(shell pkg-config --libs $(MPI_PC))
endif

WARN := -Wall -Wextra -Wpedantic -Wshadow -Wconversion -Wdouble-promotion \
        -Wstrict-prototypes -Wmissing-prototypes -Wvla -Wformat=2
ifeq ($(WERROR),1)
WARN += -Werror
endif

OPT_debug := -O1 -g
OPT_release := -O2 -g -DNDEBUG
OPT_san := -O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all
LDOPT_san := -fsanitize=address,undefined
ifeq ($(OPT_$(VARIANT)),)
$(error VARIANT must be debug, release or san)
endif

CC ?= cc
CFLAGS ?=
CPPFLAGS := -I. -I$(BUILD)/gen -D_POSIX_C_SOURCE=200809L -DAPSIM_PREFIX='"$(PREFIX)"'
ALL_CFLAGS := -std=c11 $(WARN) $(OPT_$(VARIANT)) $(PKG_CFLAGS) $(CFLAGS)
LDFLAGS_ALL := $(LDOPT_$(VARIANT)) $(LDFLAGS)

# Module libraries, listed from most dependent to least (the link order).
MODULES := cli study fmnist exec sim accel networks tech cfg ap_core par base
SRC_base := $(wildcard base/*.c)
SRC_cli := $(filter-out cli/apsim.c,$(wildcard cli/*.c))
SRC_study := $(wildcard study/*.c)
SRC_fmnist := $(wildcard fmnist/*.c)
SRC_exec := $(wildcard exec/*.c)
SRC_sim := $(wildcard sim/*.c)
SRC_accel := $(wildcard accel/*.c)
SRC_networks := $(wildcard networks/*.c)
SRC_cfg := $(wildcard cfg/*.c)
SRC_tech := $(wildcard tech/*.c)
SRC_ap_core := $(wildcard ap_core/*.c)
SRC_par := $(wildcard par/*.c)

obj = $(patsubst %.c,$(BUILD)/%.o,$(1))
# ONNX protobuf bindings: generated at build time from Debian's libonnx-dev onnx.proto with
# protoc-c into $(BUILD)/gen (never committed), compiled into their own small library that
# follows networks in the link order.
ONNX_PROTO ?= /usr/include/onnx/onnx.proto
ONNX_GEN_C := $(BUILD)/gen/onnx/onnx.pb-c.c
ONNX_GEN_H := $(BUILD)/gen/onnx/onnx.pb-c.h
ONNX_LIB := $(BUILD)/libonnxpb.a
LIBS := $(foreach m,$(MODULES),$(if $(SRC_$(m)),$(BUILD)/lib$(m).a)) $(ONNX_LIB)

APSIM := $(BUILD)/apsim
TEST_SRC := $(filter-out tests/bench_%.c,$(wildcard tests/*.c))
TEST_BIN := $(BUILD)/check_apsim
BENCH_SRC := $(wildcard tests/bench_*.c)
BENCH_BIN := $(patsubst tests/%.c,$(BUILD)/%,$(BENCH_SRC))

ALL_OBJ := $(foreach m,$(MODULES),$(call obj,$(SRC_$(m)))) $(call obj,cli/apsim.c $(TEST_SRC) $(BENCH_SRC))

# all: build the apsim command, the test runner and the benchmarks.
all: $(APSIM) $(TEST_BIN) $(BENCH_BIN) apsim

$(BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  CC      $<")
	$(Q)$(CC) $(CPPFLAGS) $(ALL_CFLAGS) -MMD -MP -c $< -o $@

$(ONNX_GEN_C) $(ONNX_GEN_H) &: $(ONNX_PROTO)
	@mkdir -p $(BUILD)/gen/onnx
	@$(if $(Q),echo "  PROTOC  $<")
	$(Q)cp $< $(BUILD)/gen/onnx/onnx.proto
	$(Q)cd $(BUILD)/gen && protoc-c --c_out=. onnx/onnx.proto

$(BUILD)/gen/onnx/onnx.pb-c.o: $(ONNX_GEN_C) $(ONNX_GEN_H)
	@$(if $(Q),echo "  CC      $<")
	$(Q)$(CC) $(CPPFLAGS) -std=c11 $(OPT_$(VARIANT)) $(CFLAGS) -w -c $< -o $@

$(ONNX_LIB): $(BUILD)/gen/onnx/onnx.pb-c.o
	@$(if $(Q),echo "  AR      $@")
	$(Q)rm -f $@ && ar rcs $@ $^

# par/ alone sees MPI; it is rebuilt when MPI is switched (the stamp names the setting).
$(call obj,$(SRC_par)): ALL_CFLAGS += $(MPI_CFLAGS)
$(call obj,$(SRC_par)): $(BUILD)/mpi-$(MPI).stamp
$(BUILD)/mpi-$(MPI).stamp:
	@mkdir -p $(BUILD)
	$(Q)rm -f $(BUILD)/mpi-*.stamp && touch $@

# Sources that include the generated header wait for it.
$(call obj,$(SRC_networks)) $(call obj,$(TEST_SRC)): | $(ONNX_GEN_H)

define module_lib
$(BUILD)/lib$(1).a: $(call obj,$(SRC_$(1)))
	@$$(if $$(Q),echo "  AR      $$@")
	$$(Q)rm -f $$@ && ar rcs $$@ $$^
endef
$(foreach m,$(MODULES),$(if $(SRC_$(m)),$(eval $(call module_lib,$(m)))))

$(APSIM): $(call obj,cli/apsim.c) $(LIBS)
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(LDFLAGS_ALL) -o $@ $^ $(PKG_LIBS) -lm

# ./apsim is a link to the last built variant, so README commands stay short.
apsim: $(APSIM)
	$(Q)ln -sf $(APSIM) apsim

$(TEST_BIN): $(call obj,$(TEST_SRC)) $(LIBS)
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(LDFLAGS_ALL) -o $@ $^ $(PKG_LIBS) $(CHECK_LIBS) -lm

$(BUILD)/bench_%: $(BUILD)/tests/bench_%.o $(LIBS)
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(LDFLAGS_ALL) -o $@ $^ $(PKG_LIBS) -lm

# check: unit tests (Check), golden end-to-end tests and the layout rules, under the C locale.
check: $(TEST_BIN) $(APSIM)
	LC_ALL=C $(TEST_BIN)
	LC_ALL=C APSIM=$(APSIM) APSIM_MPI_BUILD=$(MPI) sh tests/golden/run.sh
	sh tests/structure.sh

# structure: the layout rules of docs/DEVELOPING.md (include direction, file and function sizes, no local paths or unshipped notes cited).
structure:
	sh tests/structure.sh

# san: the whole test suite under ASan+UBSan.
san:
	$(MAKE) VARIANT=san check

# valgrind: unit tests under memcheck, without Check's fork so leaks are seen.
valgrind: $(TEST_BIN)
	LC_ALL=C CK_FORK=no APSIM_SLOW_TESTS=0 valgrind --error-exitcode=1 --leak-check=full \
	    --errors-for-leak-kinds=definite,indirect $(TEST_BIN)

# bench: speed figures (release build); see docs and tests/bench_*.c; in an MPI build also
# bench-mpi.
bench:
	$(MAKE) VARIANT=release $(patsubst $(BUILD)/%,build/release/%,$(BENCH_BIN)) build/release/apsim
	@for b in $(patsubst $(BUILD)/%,build/release/%,$(BENCH_BIN)); do echo "== $$b"; $$b || exit 1; done
ifeq ($(MPI),1)
	$(MAKE) bench-mpi
endif

# bench-mpi: `apsim fmnist eval --bits int8 --ap all` on 1 rank and under mpirun -n 2: wall
# times, speed-up and parallel efficiency (tests/bench_mpi.sh, docs/PARALLEL.md).
bench-mpi:
	$(MAKE) VARIANT=release build/release/apsim
	@echo "== tests/bench_mpi.sh"
	sh tests/bench_mpi.sh build/release/apsim

# calibrate: refit the rival models' free parameters to their papers' headline ratios and
# rewrite accel/calibrated/*.yaml with `apsim calibrate` (GSL nonlinear least squares; see
# docs/ACCEL.md; `apsim calibrate --check` compares without writing).
calibrate: $(APSIM)
	LC_ALL=C $(APSIM) calibrate

# run: the main job (default experiment, ending in the EDP-versus-accuracy plot).
run: $(APSIM) apsim
	LC_ALL=C $(APSIM) sweep experiments/resnet18_hawq.yaml
	$(MAKE) plots

# fmnist: train the Fashion-MNIST CNN (unless results/fmnist/weights.bin exists), sweep bit configs, plot.
fmnist:
	$(MAKE) VARIANT=release build/release/apsim
	LC_ALL=C build/release/apsim fmnist sweep --out results/fmnist
	sh plots/make_plots.sh

# plots: redraw every plot from existing CSV results, no simulation.
plots:
	sh plots/make_plots.sh

# gallery: every plot a paper could use, as one PNG each (1200x800, layer_energy taller) in
# docs/gallery/, listed in docs/gallery/README.md: the release build runs the shipped sweeps,
# the dynamic schedules and the Fashion-MNIST sweep into $(GALLERY_RESULTS) (the CNN's weights
# cached in results/fmnist/weights.bin, as for `make fmnist`), then plots/make_plots.sh draws
# them. Measured on 2 cores shared with other jobs, weights cached: the sweeps and schedules
# 11 s, the Fashion-MNIST sweep 23 min (11.5 min of CPU; about 13 min on an idle machine,
# docs/FMNIST.md), the plots 10 s; training the weights first adds about 2.5 min.
GALLERY_RESULTS := build/gallery/results
GALLERY_SWEEPS := resnet18_hawq efficiency batch node voltage
gallery:
	$(MAKE) VARIANT=release build/release/apsim
	rm -rf $(GALLERY_RESULTS) docs/gallery/*.png
	for e in $(GALLERY_SWEEPS); do \
	    LC_ALL=C build/release/apsim sweep experiments/$$e.yaml --results $(GALLERY_RESULTS) --quiet || exit 1; done
	for d in experiments/dynamic/*.yaml; do \
	    LC_ALL=C build/release/apsim dynamic $$d --out $(GALLERY_RESULTS)/$$(basename $$d .yaml) --quiet || exit 1; done
	mkdir -p results/fmnist
	LC_ALL=C build/release/apsim fmnist sweep --weights results/fmnist/weights.bin --out $(GALLERY_RESULTS)/fmnist
	sh plots/make_plots.sh $(GALLERY_RESULTS) docs/gallery

# conformance: ONNX's own integer-operator node tests (Debian libonnx-testdata) executed
# functionally on the AP model; prints per-case results and "N passed, N failed".
ONNX_TESTDATA ?= /usr/share/libonnx-testdata/data/node
conformance: $(APSIM)
	LC_ALL=C $(APSIM) conformance $(ONNX_TESTDATA)

# model: regenerate the shipped models/fmnist_cnn_int8.onnx with `apsim export` (deterministic:
# the same weights give the same bytes; trains the weights first when none are cached).
model:
	$(MAKE) VARIANT=release build/release/apsim
	test -f results/fmnist/weights.bin || LC_ALL=C build/release/apsim fmnist train
	LC_ALL=C build/release/apsim export --bits int8 -o models/fmnist_cnn_int8.onnx

# ort-check: the exported Fashion-MNIST CNN run in onnxruntime (npm onnxruntime-node, pinned to
# the version it was measured with, installed into the ignored $(ORT_DIR)) on the 10,000 test
# images against apsim's integer reference and its AP run of ORT_AP images (docs/ONNX.md).
# Fails below 99.9% top-1 agreement; exits 77 with one SKIPPED line when npm is unreachable.
ORT_VERSION := 1.30.0
ORT_DIR := build/ort
ORT_AP ?= all
ort-check:
	$(MAKE) VARIANT=release build/release/apsim
	LC_ALL=C sh tests/ort/ort_check.sh build/release/apsim $(ORT_VERSION) $(ORT_DIR) $(ORT_AP)

# ort-diff: why onnxruntime and apsim differ on the exported model: every conv output of the
# 10,000 test images requantized both ways, differences sorted by cause (tests/ort/requant_diff.c).
$(BUILD)/requant_diff: $(BUILD)/tests/ort/requant_diff.o $(LIBS)
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(LDFLAGS_ALL) -o $@ $^ $(PKG_LIBS) -lm
ort-diff:
	$(MAKE) VARIANT=release build/release/requant_diff
	LC_ALL=C build/release/requant_diff

# lint: static analysis with cppcheck.
lint:
	cppcheck --quiet --error-exitcode=1 --enable=warning,performance,portability \
	    --std=c11 --inline-suppr -I. -I$(BUILD)/gen base par cfg ap_core tech networks accel sim exec study fmnist cli tests

# format: rewrite sources with clang-format; format-check: fail on any difference.
format:
	clang-format -i $(wildcard */*.c */*.h)
format-check:
	clang-format --dry-run --Werror $(wildcard */*.c */*.h)

# Data the program reads at run time (found under $(PREFIX)/share/apsim once installed).
DATA_FILES = $(shell find networks tech sim/arch accel experiments reference plots -type f \
                 \( -name '*.yaml' -o -name '*.gp' -o -name '*.sh' \) | sort)

# install: the apsim binary and its data under $(DESTDIR)$(PREFIX).
install: $(APSIM)
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/share/apsim
	install -m 755 $(APSIM) $(DESTDIR)$(PREFIX)/bin/apsim
	for f in $(DATA_FILES); do install -D -m 644 $$f $(DESTDIR)$(PREFIX)/share/apsim/$$f; done

# clean: remove every build variant and the apsim link (results/ is kept).
clean:
	rm -rf build apsim

.PHONY: all apsim calibrate check structure san valgrind bench bench-mpi run fmnist plots gallery lint format format-check \
        install clean conformance model ort-check ort-diff

-include $(ALL_OBJ:.o=.d)
