# rtprof build.
#
#   make            build build/rtprof (BPF objects, skeletons and user code)
#   make deps       install the Debian packages the build and the tests need (idempotent)
#   make test       build, then run unit, BPF and end-to-end tests (BPF/e2e need root)
#   make fuzz       build and run the libFuzzer harnesses (FUZZ_SECONDS each); any finding fails
#   make format     reformat C sources with clang-format; make lint checks without writing
#
# Every object is compiled with -MMD -MP, clang-for-BPF included, so editing a header that
# both halves share (bpf/NAME.h) rebuilds the BPF object, its skeleton and the user code.

OUT      := build
CC       ?= cc
CLANG    ?= clang
BPFTOOL  ?= bpftool
ARCH     := $(shell uname -m | sed 's/x86_64/x86/;s/aarch64/arm64/')
MULTIARCH := $(shell $(CC) -dumpmachine)
VERSION  := $(shell git describe --always --dirty 2>/dev/null || echo unknown)

CFLAGS   ?= -O2 -g
CFLAGS   += -std=gnu11 -Wall -Wextra -Wno-unused-parameter -Wno-missing-field-initializers \
	    -MMD -MP -D_GNU_SOURCE -I. -I$(OUT) -DRTPROF_VERSION='"$(VERSION)"'
BPF_CFLAGS := -g -O2 -target bpf -D__TARGET_ARCH_$(ARCH) -I$(OUT) -I. \
	      -I/usr/include/$(MULTIARCH) -MMD -MP -Wall -Wno-unused-function
# Every library but the C library (libc, libm) is linked statically, from the .a files of the
# Debian -dev packages (scripts/install-deps.sh): libbpf, libdw and libelf with what they need
# (zlib, liblzma, libbz2), and libstdc++'s demangler (__cxa_demangle, one object of libstdc++.a).
# Linked as shared libraries they cost every rtprof process its start: 12 objects to map and
# 2,158 symbol relocations, rtprof --version 8.4-8.9 ms of CPU against 4.5-4.8 now and 2.6-2.9
# for /bin/true (README, the cost of rtprof export). LINK=dynamic: all shared again.
LINK     ?= static
LIBS     := -lbpf -ldw -lelf -lunwind-ptrace -lunwind-generic -lunwind -lz -llzma -lbz2 -lstdc++
ifeq ($(LINK),static)
LDLIBS   := -Wl,-Bstatic $(LIBS) -Wl,-Bdynamic -lpthread -lm
else
LDLIBS   := $(LIBS) -lpthread -lm
endif

LIB_SRCS := $(sort $(wildcard lib/*.c runtimes/*.c symbolize/*.c flamegraph/*.c stacks/*.c) \
	      $(filter-out profiler/main.c,$(wildcard profiler/*.c)))
LIB_OBJS := $(LIB_SRCS:%.c=$(OUT)/obj/%.o)
MAIN_OBJ := $(OUT)/obj/profiler/main.o
BPF_SRCS := $(sort $(wildcard bpf/*.bpf.c))
BPF_OBJS := $(BPF_SRCS:bpf/%.bpf.c=$(OUT)/bpf/%.bpf.o)
SKELS    := $(BPF_SRCS:bpf/%.bpf.c=$(OUT)/%.skel.h)
LSKELS   := $(OUT)/dump.lskel.h $(OUT)/dump_sample.lskel.h
UNIT_SRCS := $(sort $(wildcard tests/unit/test_*.c))
UNIT_BINS := $(UNIT_SRCS:tests/unit/%.c=$(OUT)/tests/%)
TOOL_SRCS := $(sort $(wildcard tests/tools/*.c))
TOOL_BINS := $(TOOL_SRCS:tests/tools/%.c=$(OUT)/tools/%)

.PHONY: all deps test unit fuzz format lint layers clean targets example
all: $(OUT)/rtprof

$(OUT)/vmlinux.h:
	@mkdir -p $(@D)
	$(BPFTOOL) btf dump file /sys/kernel/btf/vmlinux format c > $@.tmp && mv $@.tmp $@

$(OUT)/bpf/%.bpf.o: bpf/%.bpf.c $(OUT)/vmlinux.h
	@mkdir -p $(@D)
	$(CLANG) $(BPF_CFLAGS) -c $< -o $@

$(OUT)/%.skel.h: $(OUT)/bpf/%.bpf.o
	$(BPFTOOL) gen skeleton $< name $(subst -,_,$*)_bpf > $@.tmp && mv $@.tmp $@

# Light skeletons (a loader program relocates and loads the object in the kernel: no vmlinux BTF
# read by libbpf in user space) for the objects listed in LSKELS.
$(OUT)/%.lskel.h: $(OUT)/bpf/%.bpf.o
	$(BPFTOOL) gen skeleton -L $< name $(subst -,_,$*)_lbpf > $@.tmp && mv $@.tmp $@

# Skeletons and BPF objects are built through pattern rules: keep them (not intermediate files),
# or every make would delete them and rebuild all user objects.
.SECONDARY: $(SKELS) $(LSKELS) $(BPF_OBJS)

# System call names by number (rtprof dump), from the C library's kernel headers.
$(OUT)/syscall_names.h: /usr/include/$(MULTIARCH)/asm/unistd_64.h
	@mkdir -p $(@D)
	sed -n 's/^#define __NR_\([a-z0-9_]*\) \([0-9]*\)$$/[\2] = "\1",/p' $< > $@.tmp && mv $@.tmp $@

# User objects may include any skeleton; generate them all first (order-only).
$(OUT)/obj/%.o: %.c | $(SKELS) $(LSKELS) $(OUT)/syscall_names.h
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -c $< -o $@

# linked again when the Makefile changes (how it links may have)
$(OUT)/rtprof: $(MAIN_OBJ) $(LIB_OBJS) Makefile
	$(CC) $(CFLAGS) $(filter %.o,$^) -o $@ $(LDFLAGS) $(LDLIBS)

# Unit tests: one cmocka binary per tests/unit/test_*.c, linked with everything but main().
$(OUT)/tests/%: tests/unit/%.c $(LIB_OBJS)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $< $(LIB_OBJS) -o $@ $(LDFLAGS) $(LDLIBS) -lcmocka

# Helpers of the shell tests (tests/tools/*.c), linked with everything but main().
$(OUT)/tools/%: tests/tools/%.c $(LIB_OBJS)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $< $(LIB_OBJS) -o $@ $(LDFLAGS) $(LDLIBS)

# Small programs the tests run (USDT probes, known hot paths, leaks): each tests/targets/*.mk
# adds its programs to TARGET_BINS.
include $(sort $(wildcard tests/targets/*.mk))
targets: $(TARGET_BINS)

deps:
	scripts/install-deps.sh

unit: $(UNIT_BINS) $(TOOL_BINS)

# The README's example: rtprof's main job on a bundled workload.
example: all targets
	scripts/example.sh

test: all unit targets
	tests/run

# libFuzzer harnesses: the parsers of untrusted input compiled again with sanitizers, each
# harness with the sources it needs (FUZZ_LIB_NAME). A sanitizer finding is fatal twice over: it
# aborts the run (-fno-sanitize-recover=all) and tests/fuzz/run.sh fails on any sanitizer line
# in a log. Seeds: FUZZ_DIR/seeds/NAME; fuzz_usdt also starts from the notes of two small ELF
# targets. Corpora, logs and crash inputs go to $(OUT)/fuzz.
FUZZ_DIR    ?= tests/fuzz
FUZZ_CFLAGS := -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all \
	       -D_GNU_SOURCE -I. -I$(OUT)
FUZZ_SRCS   := $(sort $(wildcard $(FUZZ_DIR)/fuzz_*.c))
FUZZ_BINS   := $(FUZZ_SRCS:$(FUZZ_DIR)/%.c=$(OUT)/fuzz/%)
FUZZ_LIB_fuzz_usdt    := runtimes/usdt.c lib/log.c
FUZZ_LIB_fuzz_folded  := flamegraph/folded.c flamegraph/svg.c flamegraph/script.c
FUZZ_LIB_fuzz_perfmap := symbolize/perfmap.c symbolize/arena.c lib/log.c
FUZZ_LIB_fuzz_maps    := symbolize/maps.c
FUZZ_LIB_fuzz_pycode  := runtimes/python_frames.c runtimes/objfile.c symbolize/maps.c lib/log.c
FUZZ_LIB_fuzz_rbiseq  := runtimes/ruby_frames.c runtimes/objfile.c symbolize/maps.c lib/log.c
FUZZ_LIB_fuzz_pprof   := flamegraph/pprof_read.c flamegraph/pprof_write.c flamegraph/folded.c \
			 flamegraph/formats.c flamegraph/speedscope.c lib/json.c
FUZZ_LDLIBS_fuzz_pprof := -lz
# lines that cross the stream parser's chunks and outgrow them, at fuzzing sizes
FUZZ_CFLAGS_fuzz_folded := -DREAD_CHUNK=16
FUZZ_ELF_SEEDS := $(addprefix $(OUT)/fuzz/corpus-fuzz_usdt/elf-,usdt_target libusdt_plugin.so)
# one clang call compiles several sources, so no -MMD: any header of these rooms rebuilds them
FUZZ_HDRS := $(wildcard lib/*.h symbolize/*.h flamegraph/*.h runtimes/*.h)

.SECONDEXPANSION:
$(OUT)/fuzz/%: $(FUZZ_DIR)/%.c $$(FUZZ_LIB_$$*) $(FUZZ_HDRS)
	@mkdir -p $(@D)
	$(CLANG) $(FUZZ_CFLAGS) $(FUZZ_CFLAGS_$*) $< $(FUZZ_LIB_$*) -o $@ -lelf -lbpf $(FUZZ_LDLIBS_$*)

# the first byte 1 sends the rest to the ELF note reader
$(OUT)/fuzz/corpus-fuzz_usdt/elf-%: $(TGT)/%
	@mkdir -p $(@D)
	{ printf '\001'; cat $<; } > $@

FUZZ_SECONDS ?= 60
fuzz: $(FUZZ_BINS) $(FUZZ_ELF_SEEDS)
	FUZZ_SECONDS=$(FUZZ_SECONDS) FUZZ_DIR=$(FUZZ_DIR) OUT=$(OUT) tests/fuzz/run.sh $(FUZZ_BINS)

FORMAT_SRCS = $(shell git ls-files '*.c' '*.h' 2>/dev/null)
format:
	clang-format -i $(FORMAT_SRCS)
lint: layers
	@clang-format --dry-run --Werror $(FORMAT_SRCS) && echo "lint: clang-format clean"

layers:
	scripts/check-layers.sh

clean:
	rm -rf $(OUT)

-include $(shell find $(OUT) -name '*.d' 2>/dev/null)
