# Targets of the profile tests: the same ground-truth program without and with frame pointers,
# and a multi-threaded spinner.
TARGET_BINS += $(OUT)/targets/profile_target $(OUT)/targets/profile_target_fp $(OUT)/targets/profile_threads

$(OUT)/targets/profile_target: tests/targets/profile_target.c
	@mkdir -p $(@D)
	$(CC) -O2 -g -fomit-frame-pointer $< -o $@
$(OUT)/targets/profile_target_fp: tests/targets/profile_target.c
	@mkdir -p $(@D)
	$(CC) -O2 -g -fno-omit-frame-pointer -mno-omit-leaf-frame-pointer $< -o $@
$(OUT)/targets/profile_threads: tests/targets/profile_threads.c
	@mkdir -p $(@D)
	$(CC) -O2 -g -fomit-frame-pointer -pthread $< -o $@
# fixed work for bench/profile.sh
TARGET_BINS += $(OUT)/targets/profile_work
$(OUT)/targets/profile_work: tests/targets/profile_work.c
	@mkdir -p $(@D)
	$(CC) -O2 -g -fomit-frame-pointer $< -o $@
# fixed work with a knob that slows its 6% function, for bench/compare.sh
TARGET_BINS += $(OUT)/targets/compare_target
$(OUT)/targets/compare_target: tests/targets/compare_target.c
	@mkdir -p $(@D)
	$(CC) -O2 -g -fomit-frame-pointer $< -o $@
# known CPU in known processes, for profile -a (tests/e2e/profile_all.sh)
TARGET_BINS += $(OUT)/targets/profile_duty
$(OUT)/targets/profile_duty: tests/targets/profile_duty.c
	@mkdir -p $(@D)
	$(CC) -O2 -g -fomit-frame-pointer $< -o $@
# two loops under one stack, told apart by line (tests/e2e/profile.sh)
TARGET_BINS += $(OUT)/targets/profile_lines
$(OUT)/targets/profile_lines: tests/targets/profile_lines.c
	@mkdir -p $(@D)
	$(CC) -O2 -g -fomit-frame-pointer $< -o $@
