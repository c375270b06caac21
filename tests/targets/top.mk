# Target of the top test: one function with 80 % of the CPU time, one with 20 %.
TARGET_BINS += $(OUT)/targets/top_target
$(OUT)/targets/top_target: tests/targets/top_target.c
	@mkdir -p $(@D)
	$(CC) -O2 -g -fomit-frame-pointer $< -o $@
