# locks_fight built without frame pointers: waiting stacks must unwind anyway (stack keys and CFI).
TARGET_BINS += $(OUT)/targets/locks_fight_nofp

$(OUT)/targets/locks_fight_nofp: tests/targets/locks_fight.c
	@mkdir -p $(@D)
	$(CC) -O2 -g -fomit-frame-pointer -fPIE -pie $< -o $@ -lpthread
