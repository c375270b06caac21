# rtprof memleak targets: built with -O2 and without frame pointers, to prove complete stacks.
TARGET_BINS += $(OUT)/targets/memleak_target $(OUT)/targets/memleak_bench

$(OUT)/targets/memleak_target: tests/targets/memleak_target.cc
	@mkdir -p $(@D)
	g++ -O2 -g -fomit-frame-pointer -pthread $< -o $@
$(OUT)/targets/memleak_bench: tests/targets/memleak_bench.c
	@mkdir -p $(@D)
	$(CC) -O2 -g -fomit-frame-pointer $< -o $@
