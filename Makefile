# boxes - a Linux container in ten steps.
#
#   make            build every step into build/bin/
#   make demo       install what is missing, check this machine, build,
#                   show which escapes each step blocks, load and run an image
#   make test       every test (unit, then integration as root); STEP=02 for one step
#   make test-vm    the same suite in a VM: Debian's kernel, pure cgroup v2
#   make matrix     every escape program under every step, as a table;
#                   ESCAPES="chroot-breakout" STEPS="01 05" for a subset
#   make slides     slides/ as HTML and PDF in build/slides (Marp)
#   make diff STEP=05   what step 05 adds over step 04
#   make lab STEP=05 DEST=dir   a student's skeleton: step 05's marked code
#                   replaced by stubs (every step's without STEP)
#   make grade STEP=05 STUDENT=dir   score a student's tree with our tests
#                   (every step without STEP; the reference without STUDENT)
#   make lab-check  every step's skeleton scores 0, each piece fails on its own,
#                   the reference full marks (STEPS="05 08" for some)
#   make asan       the whole suite under AddressSanitizer + UBSan
#   make doctor     what this machine supports, step by step
#   make bench      start-up cost of each step against real runtimes
#   make format     clang-format every C file
#   make fuzz       every libFuzzer target for FUZZ_SECONDS (30) each, in build/fuzz
#   make soak       SOAK_SECONDS (300) of random starts, signals and SIGKILLs of
#                   steps 01-08, 8 at once, checking that nothing leaks (root)
#   make image-nginx  build/images/nginx.tar: Debian with nginx, a docker-save
#                   archive made with mmdebstrap (once; delete it to rebuild)
#
# A new parser gets a fuzz target by adding two things, nothing else:
# tests/fuzz/fuzz_NAME.c (LLVMFuzzerTestOneInput) and a few seed inputs in
# tests/fuzz/corpus/NAME/ - see tests/fuzz/README.md.

BUILD   ?= build
CC      ?= cc
# libcrypto: OpenSSL's SHA-256 for the image digests of step 09.
PKGS    := libseccomp libcap libnl-route-3.0 libarchive jansson yaml-0.1 libcrypto
# '=' not ':=': pkg-config runs after install-deps.sh has had its turn.
PKG_CFLAGS = $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   = $(shell pkg-config --libs $(PKGS) 2>/dev/null)
CFLAGS  ?= -O2 -g
# A student's skeleton (make lab wrote a .lab file): the stubs leave
# parameters, variables and helpers unused until the student writes them.
LAB_CFLAGS := $(if $(wildcard .lab),-Wno-unused-parameter -Wno-unused-function -Wno-unused-variable -Wno-unused-but-set-variable -Wno-unused-label)
CFLAGS  += -std=gnu11 -Wall -Wextra -Werror -D_GNU_SOURCE -iquote common -iquote steps -iquote beyond $(PKG_CFLAGS) $(LAB_CFLAGS) $(EXTRA_CFLAGS)
# --as-needed: a binary records only the shared libraries it calls (Debian's
# gcc does so by default, other distributions' not): each one loaded is paid
# for at every start, in the dynamic loader's mapping and relocations.
LDLIBS  += -Wl,--as-needed $(PKG_LIBS) -lm

STEP_DIRS   := $(sort $(patsubst %/,%,$(wildcard steps/[0-9][0-9]-*/)))
STEP_NAMES  := $(notdir $(STEP_DIRS))
BINS        := $(addprefix $(BUILD)/bin/,$(STEP_NAMES))
COMMON_SRC  := $(wildcard common/*.c)
COMMON_OBJ  := $(patsubst %.c,$(BUILD)/obj/%.o,$(COMMON_SRC))
HEADERS     := $(wildcard common/*.h steps/*/*.h beyond/*/*.h)

# The mechanism files a step teaches: everything in its folder but main.c.
mechanisms   = $(filter-out %/main.c,$(wildcard steps/$(1)/*.c))
# Step NN links the mechanisms of every step up to NN: the ladder.
# (steps are numbered 01, 02, ... without gaps, so NN is also a position)
steps_upto   = $(wordlist 1,$(patsubst 0%,%,$(firstword $(subst -, ,$(1)))),$(STEP_NAMES))
# They come as one static library a step (build/obj/steps/NN/mechanisms.a):
# from a library the linker takes only the objects a binary uses, and so
# only the shared libraries those call. 10-compose uses step 09's store but
# not its load and save, so it does not load libarchive (and libxml2, ICU,
# libstdc++ behind it); boxes-runtime does not load libnl. A group: the
# linker looks through them all until nothing is left unresolved.
mech_lib     = $(BUILD)/obj/steps/$(1)/mechanisms.a
mech_libs    = $(foreach s,$(call steps_upto,$(1)),$(if $(call mechanisms,$(s)),$(call mech_lib,$(s))))
link_mechs   = -Wl,--start-group $(call mech_libs,$(1)) -Wl,--end-group
# Beyond step 10: boxes-runtime, the OCI runtime. Not a step of the ladder
# (steps/NN-*): it links the mechanisms of 01-08 only - no image store, no
# compose - and is named as engines expect a runtime (runc, crun).
RUNTIME_SRC  := $(wildcard beyond/oci-runtime/*.c)
RUNTIME_OBJ  := $(patsubst %.c,$(BUILD)/obj/%.o,$(filter-out %/main.c,$(RUNTIME_SRC)))
ALL_MECH_OBJ = $(patsubst %.c,$(BUILD)/obj/%.o,$(foreach s,$(STEP_NAMES),$(call mechanisms,$(s))))

UNIT_SRC    := $(wildcard tests/unit/test_*.c)
INT_SRC     := $(wildcard tests/integration/test_*.c)
UNIT_BINS   := $(patsubst tests/unit/%.c,$(BUILD)/tests/unit/%,$(UNIT_SRC))
INT_BINS    := $(patsubst tests/integration/%.c,$(BUILD)/tests/integration/%,$(INT_SRC))
HARNESS_OBJ := $(patsubst %.c,$(BUILD)/obj/%.o,$(wildcard tests/integration/harness*.c))
# Every cmocka binary: BOXES_TESTS="name..." runs only those (tests/select.c).
SELECT_OBJ  := $(BUILD)/obj/tests/select.o
SELECT_LINK := $(SELECT_OBJ) -Wl,--wrap=_cmocka_run_group_tests
ESCAPE_SRC  := $(wildcard tests/escapes/*.c)
ESCAPE_BINS := $(patsubst tests/escapes/%.c,$(BUILD)/escapes/%,$(ESCAPE_SRC))
ROOTFS      := $(BUILD)/rootfs
FUZZ_SRC    := $(wildcard tests/fuzz/fuzz_*.c)
FUZZ_BINS   := $(patsubst tests/fuzz/%.c,$(BUILD)/tests/fuzz/%,$(FUZZ_SRC))
FUZZ_SECONDS ?= 30
# libFuzzer's coverage hooks in every object, the fuzzer's main() only in
# the targets; any sanitizer report stops the run (no recovering).
FUZZ_CFLAGS := -fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
SOAK_SECONDS ?= 300

.PHONY: all libs-present deps doctor demo lab grade lab-check test test-vm unit integration matrix diff asan bench format clean rootfs escapes fuzz fuzz-targets soak image-nginx compose-example compose-demo slides
.DELETE_ON_ERROR:
.SECONDARY:

all: libs-present $(BINS) $(BUILD)/bin/boxes-runtime $(BUILD)/bin/doctor $(BUILD)/bin/boxes-sweep

# A plain `make` on a machine without the -dev packages: say what to run.
libs-present:
	@pkg-config --exists $(PKGS) 2>/dev/null || { \
		echo "boxes: missing libraries ($(PKGS)):"; \
		echo "boxes: run sudo scripts/install-deps.sh, or sudo make demo / sudo make test"; \
		exit 1; }

$(BUILD)/obj/%.o: %.c $(HEADERS)
	@mkdir -p $(dir $@)
	@echo "  CC      $<"
	@$(CC) $(CFLAGS) -c -o $@ $<

define MECH_LIB_RULE
$(call mech_lib,$(1)): $(patsubst %.c,$(BUILD)/obj/%.o,$(call mechanisms,$(1)))
	@rm -f $$@
	@$$(AR) rcs $$@ $$^
endef
$(foreach s,$(STEP_NAMES),$(if $(call mechanisms,$(s)),$(eval $(call MECH_LIB_RULE,$(s)))))

define STEP_RULE
$(BUILD)/bin/$(1): $(BUILD)/obj/steps/$(1)/main.o $(call mech_libs,$(1)) $(COMMON_OBJ)
	@mkdir -p $$(dir $$@)
	@echo "  LINK    $$@"
	@$$(CC) $$(CFLAGS) -o $$@ $$< $$(call link_mechs,$(1)) $$(COMMON_OBJ) $$(LDLIBS)
endef
$(foreach s,$(STEP_NAMES),$(eval $(call STEP_RULE,$(s))))

$(BUILD)/bin/boxes-runtime: $(BUILD)/obj/beyond/oci-runtime/main.o $(RUNTIME_OBJ) $(call mech_libs,08-seccomp) $(COMMON_OBJ)
	@mkdir -p $(dir $@)
	@echo "  LINK    $@"
	@$(CC) $(CFLAGS) -o $@ $< $(RUNTIME_OBJ) $(call link_mechs,08-seccomp) $(COMMON_OBJ) $(LDLIBS)

$(BUILD)/bin/doctor: $(BUILD)/obj/scripts/doctor.o $(COMMON_OBJ)
	@mkdir -p $(dir $@)
	@echo "  LINK    $@"
	@$(CC) $(CFLAGS) -o $@ $^ $(LDLIBS)

# The sweep of every step, for scripts/cleanup.sh: it links them all.
$(BUILD)/bin/boxes-sweep: $(BUILD)/obj/scripts/boxes-sweep.o $(ALL_MECH_OBJ) $(COMMON_OBJ)
	@mkdir -p $(dir $@)
	@echo "  LINK    $@"
	@$(CC) $(CFLAGS) -o $@ $^ $(LDLIBS)

# Escape programs run inside the rootfs, which has no libc: static, no sanitizer.
$(BUILD)/escapes/%: tests/escapes/%.c $(wildcard tests/escapes/*.h)
	@mkdir -p $(dir $@)
	@echo "  STATIC  $@"
	@$(CC) -std=gnu11 -Wall -Wextra -Werror -D_GNU_SOURCE -O2 -static -o $@ $<

escapes: $(ESCAPE_BINS)

$(ROOTFS)/.stamp: scripts/mkrootfs.sh $(shell find rootfs -type f) $(ESCAPE_BINS)
	@scripts/mkrootfs.sh $(ROOTFS) $(BUILD)/escapes
	@touch $@

rootfs: $(ROOTFS)/.stamp

# A real image from Debian's packages (scripts/mkimage-debian.sh), for the
# bench and step 10's demo. Made when missing only: it takes a minute or
# two and the network (this machine's apt mirror).
NGINX_IMAGE := $(BUILD)/images/nginx.tar
$(NGINX_IMAGE):
	@scripts/install-deps.sh --image
	@scripts/mkimage-debian.sh $@

image-nginx: $(NGINX_IMAGE)

$(BUILD)/tests/unit/%: tests/unit/%.c $(SELECT_OBJ) $(COMMON_OBJ) $(ALL_MECH_OBJ) $(RUNTIME_OBJ) $(HEADERS) $(wildcard tests/unit/*.h)
	@mkdir -p $(dir $@)
	@echo "  TEST    $@"
	@$(CC) $(CFLAGS) -o $@ $< $(SELECT_LINK) $(COMMON_OBJ) $(ALL_MECH_OBJ) $(RUNTIME_OBJ) $(LDLIBS) -lcmocka

# The harness's own headers (not in HEADERS): its objects and the tests.
$(HARNESS_OBJ): $(wildcard tests/integration/*.h)

$(BUILD)/tests/integration/%: tests/integration/%.c $(SELECT_OBJ) $(HARNESS_OBJ) $(COMMON_OBJ) $(ALL_MECH_OBJ) $(HEADERS) $(wildcard tests/integration/*.h)
	@mkdir -p $(dir $@)
	@echo "  TEST    $@"
	@$(CC) $(CFLAGS) -iquote tests/integration -o $@ $< $(SELECT_LINK) $(HARNESS_OBJ) $(COMMON_OBJ) $(ALL_MECH_OBJ) $(LDLIBS) -lcmocka

# One pattern for every fuzz target: the target's file, linked with all of
# common/, every step's mechanisms and boxes-runtime's (as the unit tests are).
$(BUILD)/tests/fuzz/%: tests/fuzz/%.c $(wildcard tests/fuzz/*.h) $(COMMON_OBJ) $(ALL_MECH_OBJ) $(RUNTIME_OBJ) $(HEADERS)
	@mkdir -p $(dir $@)
	@echo "  FUZZ    $@"
	@$(CC) $(CFLAGS) -fsanitize=fuzzer -o $@ $< $(COMMON_OBJ) $(ALL_MECH_OBJ) $(RUNTIME_OBJ) $(LDLIBS)

fuzz-targets: $(FUZZ_BINS)

# make soak's program: a C program (tests/soak/soak.c says why) with common/.
$(BUILD)/tests/soak/soak: $(wildcard tests/soak/*.c tests/soak/*.h) $(COMMON_OBJ) $(HEADERS)
	@mkdir -p $(dir $@)
	@echo "  SOAK    $@"
	@$(CC) $(CFLAGS) -o $@ $(wildcard tests/soak/*.c) $(COMMON_OBJ) $(LDLIBS)

deps:
	@scripts/install-deps.sh

doctor: deps
	@$(MAKE) --no-print-directory $(BUILD)/bin/doctor
	@$(BUILD)/bin/doctor

demo: deps
	@$(MAKE) --no-print-directory all rootfs
	@$(BUILD)/bin/doctor || echo "(some steps can't run here: their cells will show errors)"
	@echo
	@scripts/matrix.sh --explain
	@echo
	@BUILD=$(BUILD) scripts/demo-image.sh

# Step 10's example: two services that talk by name, one published port
# (examples/compose-hello), from the busybox test image. As root.
$(BUILD)/images/boxes-test.tar: $(ROOTFS)/.stamp scripts/mkimage.sh
	@mkdir -p $(BUILD)/images
	@scripts/mkimage.sh $@ localhost/boxes-test:latest

compose-example: deps
	@$(MAKE) --no-print-directory all rootfs $(BUILD)/images/boxes-test.tar
	@BUILD=$(BUILD) examples/compose-hello/run.sh

# The same with a real nginx from Debian's packages (make image-nginx).
compose-demo: deps
	@$(MAKE) --no-print-directory all rootfs $(BUILD)/images/boxes-test.tar $(NGINX_IMAGE)
	@BUILD=$(BUILD) examples/compose-nginx/run.sh

# STEP=02 runs only the tests whose file name carries _02_ (and the common ones).
test: deps
	@$(MAKE) --no-print-directory all rootfs $(UNIT_BINS) $(INT_BINS)
	@BUILD=$(BUILD) scripts/run-tests.sh $(STEP)
	@scripts/check-lessons.sh

# The whole suite again, inside qemu on Debian's own kernel with a pure
# cgroup v2 hierarchy set up as systemd does (scripts/test-vm.sh): the
# binaries built here, this machine's root shared read-only.
test-vm: deps
	@scripts/install-deps.sh --vm
	@$(MAKE) --no-print-directory all rootfs $(UNIT_BINS) $(INT_BINS)
	@BUILD=$(BUILD) scripts/test-vm.sh

# ESCAPES="chroot-breakout" STEPS="01 05": a subset, for a demo.
matrix: deps
	@$(MAKE) --no-print-directory all rootfs
	@scripts/matrix.sh $(if $(STEPS),--steps "$(STEPS)") $(ESCAPES)

# slides/*.md to build/slides/*.html and *.pdf with the Marp CLI
# (package.json pins it; npm installs it on first use; PDF through Debian's
# chromium). scripts/slides-png.sh renders every slide to PNG, to look at.
slides: deps
	@scripts/install-deps.sh --slides
	@scripts/slides.sh html pdf

diff:
	@scripts/diff-step.sh $(STEP)

lab:
	@test -n "$(DEST)" || { echo "boxes: make lab needs DEST=dir"; exit 2; }
	@scripts/lab.sh $(STEP) $(DEST)

grade: deps
	@scripts/grade.sh $(if $(STEP),--step $(STEP)) $(if $(STUDENT),--student $(STUDENT)) $(if $(EXERCISES),--exercises) --out $(or $(GRADE_OUT),$(BUILD)/grade)

lab-check: deps
	@scripts/lab-check.sh $(STEPS)

# A separate build tree, so the sanitizer objects never mix with the others.
asan:
	@$(MAKE) --no-print-directory test BUILD=build/asan \
		EXTRA_CFLAGS="-fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer" \
		LDFLAGS="-fsanitize=address,undefined"

# Debian's clang has libFuzzer built in; a separate build tree, as asan's.
fuzz: deps
	@command -v clang >/dev/null || { echo "boxes: make fuzz needs clang (libFuzzer): sudo apt-get install clang"; exit 1; }
	@$(MAKE) --no-print-directory fuzz-targets BUILD=build/fuzz CC=clang EXTRA_CFLAGS="$(FUZZ_CFLAGS)"
	@tests/fuzz/run.sh build/fuzz $(FUZZ_SECONDS)

soak: deps
	@$(MAKE) --no-print-directory all rootfs $(BUILD)/tests/soak/soak
	@$(BUILD)/tests/soak/soak --seconds $(SOAK_SECONDS) --bin $(BUILD)/bin --rootfs $(ROOTFS) --logs $(BUILD)/soak

# The bench's own tools: the harness, and the OCI bundle editor, which
# reads step 08's seccomp tables and default capabilities (see its header).
BENCH_TOOLS := $(BUILD)/bench/bench $(BUILD)/bench/oci-config $(BUILD)/bench/proxy-bench

$(BUILD)/bench/bench: scripts/bench/bench.c
	@mkdir -p $(dir $@)
	@echo "  LINK    $@"
	@$(CC) $(CFLAGS) -o $@ $<

$(BUILD)/bench/oci-config: scripts/bench/oci-config.c steps/08-seccomp/seccomp.c $(BUILD)/obj/steps/08-seccomp/capabilities.o $(COMMON_OBJ) $(HEADERS)
	@mkdir -p $(dir $@)
	@echo "  LINK    $@"
	@$(CC) $(CFLAGS) -o $@ $< $(BUILD)/obj/steps/08-seccomp/capabilities.o $(COMMON_OBJ) $(LDLIBS)

# Step 10's port proxy against a direct connection: the proxy alone, with
# libc only, so its process's RSS is the proxy's (scripts/bench/compose.sh).
$(BUILD)/bench/proxy-bench: scripts/bench/proxy-bench.c $(BUILD)/obj/steps/10-compose/proxy.o $(HEADERS)
	@mkdir -p $(dir $@)
	@echo "  LINK    $@"
	@$(CC) $(CFLAGS) -o $@ $< $(BUILD)/obj/steps/10-compose/proxy.o

bench: deps
	@$(MAKE) --no-print-directory all rootfs $(BENCH_TOOLS)
	@BUILD=$(BUILD) scripts/bench.sh

format:
	clang-format -i $$(git ls-files '*.c' '*.h')

clean:
	rm -rf build
