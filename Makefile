# apsim - hand-written GNU make. Each module folder becomes its own static library, linked from
# the most dependent to the least, so no library can call into one above it; tests/structure.sh
# (run by make check) checks the include graph itself (docs/DEVELOPING.md):
#   base <- ap_core ; base <- cfg <- {tech, networks, accel} ; sim <- {study, exec <- fmnist} <- cli
#   base <- par <- {study, fmnist, cli}
# Usage: make [VARIANT=debug|release|san|fuzz] [WERROR=1] [V=1] [MPI=0|1] <target>

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

PKGS := gsl yaml-0.1 zlib jansson
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
# fuzz: clang's libFuzzer with ASan+UBSan (make fuzz builds it with CC=clang MPI=0).
OPT_fuzz := -O1 -g -fsanitize=fuzzer-no-link,address,undefined -fno-omit-frame-pointer
LDOPT_fuzz := -fsanitize=address,undefined
ifeq ($(OPT_$(VARIANT)),)
$(error VARIANT must be debug, release, san or fuzz)
endif

# CPPFLAGS, CFLAGS and LDFLAGS given by a packager are kept and come after ours.
CC ?= cc
CFLAGS ?=
ALL_CPPFLAGS := -I. -I$(BUILD)/gen -D_POSIX_C_SOURCE=200809L $(CPPFLAGS)
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

# The AP core as a library for other programs (docs/LIBRARY.md): ap_core and the base it
# uses, one archive, with an example program built against it by make check.
AP_LIB := $(BUILD)/libapsim_ap.a
AP_EXAMPLE_SRC := docs/examples/ap_add.c
AP_EXAMPLE := $(BUILD)/ap_add

ALL_OBJ := $(foreach m,$(MODULES),$(call obj,$(SRC_$(m)))) \
           $(call obj,cli/apsim.c $(TEST_SRC) $(BENCH_SRC) $(AP_EXAMPLE_SRC))

# all: build the apsim command, the test runner, the benchmarks and the AP library.
all: $(APSIM) $(TEST_BIN) $(BENCH_BIN) apsim $(AP_LIB) $(AP_EXAMPLE)

$(BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  CC      $<")
	$(Q)$(CC) $(ALL_CPPFLAGS) $(ALL_CFLAGS) -MMD -MP -c $< -o $@

$(ONNX_GEN_C) $(ONNX_GEN_H) &: $(ONNX_PROTO)
	@mkdir -p $(BUILD)/gen/onnx
	@$(if $(Q),echo "  PROTOC  $<")
	$(Q)cp $< $(BUILD)/gen/onnx/onnx.proto
	$(Q)cd $(BUILD)/gen && protoc-c --c_out=. onnx/onnx.proto

$(BUILD)/gen/onnx/onnx.pb-c.o: $(ONNX_GEN_C) $(ONNX_GEN_H)
	@$(if $(Q),echo "  CC      $<")
	$(Q)$(CC) $(ALL_CPPFLAGS) -std=c11 $(OPT_$(VARIANT)) $(CFLAGS) -w -c $< -o $@

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

$(AP_LIB): $(call obj,$(SRC_ap_core) $(SRC_base))
	@$(if $(Q),echo "  AR      $@")
	$(Q)rm -f $@ && ar rcs $@ $^

$(AP_EXAMPLE): $(call obj,$(AP_EXAMPLE_SRC)) $(AP_LIB)
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(LDFLAGS_ALL) -o $@ $^ -lm

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
# Quiet on success: one summary line per stage (V=1 echoes the commands); a failure prints
# what failed. The AP library's example program (docs/LIBRARY.md) runs between the two.
check: $(TEST_BIN) $(APSIM) $(AP_EXAMPLE)
	$(Q)LC_ALL=C $(TEST_BIN)
	$(Q)$(AP_EXAMPLE)
	$(Q)LC_ALL=C APSIM=$(APSIM) APSIM_MPI_BUILD=$(MPI) sh tests/golden/run.sh
	$(Q)sh tests/structure.sh

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
	    LC_ALL=C build/release/apsim sweep experiments/$$e.yaml -o $(GALLERY_RESULTS)/$$e --quiet || exit 1; done
	for d in experiments/dynamic/*.yaml; do \
	    LC_ALL=C build/release/apsim dynamic $$d --out $(GALLERY_RESULTS)/$$(basename $$d .yaml) --quiet || exit 1; done
	mkdir -p results/fmnist
	LC_ALL=C build/release/apsim fmnist sweep --weights results/fmnist/weights.bin --out $(GALLERY_RESULTS)/fmnist
	sh plots/make_plots.sh $(GALLERY_RESULTS) docs/gallery

# fuzz: every input apsim reads under libFuzzer (clang, Debian's libfuzzer-14-dev), one harness
# per input of tests/fuzz_targets.c, each for FUZZ_SECONDS, its corpus seeded from the shipped
# files (tests/fuzz/run.sh). A crash, hang or sanitizer report fails it and its input is kept
# under tests/fuzz/regress/<target>/, which check_fuzz replays in every make check.
FUZZ_SECONDS ?= 60
FUZZ_TARGETS := network bits tech arch experiment schedule onnx
$(BUILD)/fuzz_%: tests/fuzz/fuzz_main.c $(BUILD)/tests/fuzz_targets.o $(LIBS)
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(ALL_CPPFLAGS) $(ALL_CFLAGS) -DFUZZ_TARGET='"$*"' -fsanitize=fuzzer,address,undefined \
	    -o $@ $< $(BUILD)/tests/fuzz_targets.o $(LIBS) $(PKG_LIBS) -lm
fuzz:
	$(MAKE) VARIANT=fuzz CC=clang MPI=0 $(patsubst %,build/fuzz/fuzz_%,$(FUZZ_TARGETS))
	sh tests/fuzz/run.sh $(FUZZ_SECONDS) $(FUZZ_TARGETS)

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
	clang-format -i $(wildcard */*.c */*.h) $(AP_EXAMPLE_SRC) tests/fuzz/fuzz_main.c
format-check:
	clang-format --dry-run --Werror $(wildcard */*.c */*.h) $(AP_EXAMPLE_SRC) tests/fuzz/fuzz_main.c

# Data the program reads at run time: found next to the installed binary, in
# $(PREFIX)/share/apsim (docs/DEVELOPING.md, "Finding data").
DATA_FILES = $(shell find networks tech sim/arch accel experiments reference plots -type f \
                 \( -name '*.yaml' -o -name '*.gp' -o -name '*.sh' \) | sort)
DATA_DIRS = $(sort $(patsubst %/,%,$(dir $(DATA_FILES))))
VERSION := $(shell sed -n 's/^\#define APSIM_VERSION "\(.*\)"/\1/p' base/base.h)
REL := build/release
DEST := $(DESTDIR)$(PREFIX)
# Folders install may create; uninstall removes those left empty, deepest first.
INSTALL_DIRS := share/apsim share/doc/apsim share/doc include/apsim/ap_core include/apsim/base \
                include/apsim lib/pkgconfig lib include bin share/man/man1 share/man \
                share/bash-completion/completions share/bash-completion share

# install: the release build of apsim, its data, the plot script (bin/apsim-plot), the licence,
# and the AP library (lib/libapsim_ap.a, include/apsim/, lib/pkgconfig/apsim-ap.pc) under
# $(DESTDIR)$(PREFIX). The binary finds its data relative to itself, so the tree can move.
install:
	$(MAKE) VARIANT=release $(REL)/apsim $(REL)/libapsim_ap.a
	install -d $(DEST)/bin $(DEST)/share/apsim $(DEST)/share/doc/apsim $(DEST)/lib/pkgconfig \
	    $(DEST)/include/apsim/ap_core $(DEST)/include/apsim/base
	install -m 755 $(REL)/apsim $(DEST)/bin/apsim
	install -m 755 plots/make_plots.sh $(DEST)/bin/apsim-plot
	for f in $(DATA_FILES); do \
	    mode=644; case $$f in *.sh) mode=755;; esac; \
	    install -D -m $$mode $$f $(DEST)/share/apsim/$$f || exit 1; done
	install -m 644 LICENSE README.md $(DEST)/share/doc/apsim/
	install -m 644 $(REL)/libapsim_ap.a $(DEST)/lib/libapsim_ap.a
	install -m 644 ap_core/ap.h $(DEST)/include/apsim/ap_core/ap.h
	install -m 644 base/base.h $(DEST)/include/apsim/base/base.h
	sed -e 's|@PREFIX@|$(PREFIX)|' -e 's|@VERSION@|$(VERSION)|' ap_core/apsim-ap.pc.in \
	    >$(DEST)/lib/pkgconfig/apsim-ap.pc
	chmod 644 $(DEST)/lib/pkgconfig/apsim-ap.pc

# uninstall: removes what install put there, then the folders it leaves empty.
uninstall:
	rm -f $(DEST)/bin/apsim $(DEST)/bin/apsim-plot $(DEST)/lib/libapsim_ap.a \
	    $(DEST)/lib/pkgconfig/apsim-ap.pc $(DEST)/include/apsim/ap_core/ap.h \
	    $(DEST)/include/apsim/base/base.h $(DEST)/share/doc/apsim/LICENSE \
	    $(DEST)/share/doc/apsim/README.md
	for f in $(DATA_FILES); do rm -f $(DEST)/share/apsim/$$f; done
	for d in $(sort $(DATA_DIRS)); do echo $$d; done | sort -r | \
	    while read -r d; do while [ "$$d" != . ]; do \
	        rmdir $(DEST)/share/apsim/$$d 2>/dev/null || true; d=$$(dirname $$d); done; done
	for d in $(INSTALL_DIRS); do [ ! -d $(DEST)/$$d ] || rmdir $(DEST)/$$d 2>/dev/null || true; done

# install-check: install into a fresh temporary prefix and use it from / (the installed
# apsim, an installed experiment, the plot script, the man page, the AP library through
# pkg-config), then uninstall and check the prefix is left empty (tests/install_check.sh).
install-check:
	sh tests/install_check.sh

# man: the apsim(1) man page, printed by the binary from its option tables (apsim help --man).
$(BUILD)/apsim.1: $(APSIM)
	LC_ALL=C $(APSIM) help --man >$@.tmp && mv $@.tmp $@
man: $(BUILD)/apsim.1

# install-man, install-completion: the man page and the bash completion (cli/apsim.bash), part
# of install; uninstall-man, uninstall-completion remove them (part of uninstall).
MAN_DEST = $(DESTDIR)$(PREFIX)/share/man/man1/apsim.1
COMPLETION_DEST = $(DESTDIR)$(PREFIX)/share/bash-completion/completions/apsim
install-man:
	$(MAKE) VARIANT=release $(REL)/apsim.1
	install -D -m 644 $(REL)/apsim.1 $(MAN_DEST)
install-completion:
	install -D -m 644 cli/apsim.bash $(COMPLETION_DEST)
uninstall-man:
	rm -f $(MAN_DEST)
uninstall-completion:
	rm -f $(COMPLETION_DEST)
install: install-man install-completion
uninstall: uninstall-man uninstall-completion

# clean: remove every build variant and the apsim link (results/ is kept).
clean:
	rm -rf build apsim

.PHONY: all apsim calibrate check structure san valgrind bench bench-mpi run fmnist plots gallery fuzz lint format \
        format-check install uninstall install-check clean conformance model ort-check ort-diff man \
        install-man install-completion uninstall-man uninstall-completion

-include $(ALL_OBJ:.o=.d)
