# Target of the dump test: threads parked in known places, without frame pointers (CFI only).
TARGET_BINS += $(OUT)/targets/dump_threads

$(OUT)/targets/dump_threads: tests/targets/dump_threads.c
	@mkdir -p $(@D)
	$(CC) -O2 -g -fomit-frame-pointer -pthread $< -o $@

# Java threads parked in known places (names compared with jstack's)
TARGET_BINS += $(OUT)/targets/java/DumpTarget.class
$(OUT)/targets/java/DumpTarget.class: tests/targets/java/DumpTarget.java
	@mkdir -p $(@D)
	$(JAVAC17) -d $(@D) $<
