# rtprof memleak targets: built with -O2 and without frame pointers, to prove complete stacks.
# memleak_static: the same program linked statically (its allocator is inside the executable).
TARGET_BINS += $(OUT)/targets/memleak_target $(OUT)/targets/memleak_static \
	       $(OUT)/targets/memleak_bench

$(OUT)/targets/memleak_target: tests/targets/memleak_target.cc
	@mkdir -p $(@D)
	g++ -O2 -g -fomit-frame-pointer -pthread $< -o $@
$(OUT)/targets/memleak_static: tests/targets/memleak_target.cc
	@mkdir -p $(@D)
	g++ -O2 -g -fomit-frame-pointer -pthread -static $< -o $@
$(OUT)/targets/memleak_bench: tests/targets/memleak_bench.c
	@mkdir -p $(@D)
	$(CC) -O2 -g -fomit-frame-pointer $< -o $@
