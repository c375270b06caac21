# Targets of the threads and locks tests (built with frame pointers so that user stacks unwind).
TARGET_BINS += $(OUT)/targets/threads_named

$(OUT)/targets/threads_named: tests/targets/threads_named.c
	@mkdir -p $(@D)
	$(CC) -O2 -g -fno-omit-frame-pointer -fPIE -pie $< -o $@ -lpthread
# the same program without frame pointers: creating stacks must unwind anyway (stack keys and CFI)
TARGET_BINS += $(OUT)/targets/threads_named_nofp

$(OUT)/targets/threads_named_nofp: tests/targets/threads_named.c
	@mkdir -p $(@D)
	$(CC) -O2 -g -fomit-frame-pointer -fPIE -pie $< -o $@ -lpthread
# threads created from a library loaded with dlopen after the start (no frame pointers either)
TARGET_BINS += $(OUT)/targets/threads_dlopen $(OUT)/targets/libthreads_plugin.so

$(OUT)/targets/threads_dlopen: tests/targets/threads_dlopen.c
	@mkdir -p $(@D)
	$(CC) -O2 -g -fomit-frame-pointer -fPIE -pie $< -o $@ -ldl
$(OUT)/targets/libthreads_plugin.so: tests/targets/threads_plugin.c
	@mkdir -p $(@D)
	$(CC) -O2 -g -fomit-frame-pointer -fPIC -shared $< -o $@ -lpthread
TARGET_BINS += $(OUT)/targets/locks_fight

$(OUT)/targets/locks_fight: tests/targets/locks_fight.c
	@mkdir -p $(@D)
	$(CC) -O2 -g -fno-omit-frame-pointer -fPIE -pie $< -o $@ -lpthread
TARGET_BINS += $(OUT)/targets/queries_usdt

$(OUT)/targets/queries_usdt: tests/targets/queries_usdt.c
	@mkdir -p $(@D)
	$(CC) -O2 -g $< -o $@
TARGET_BINS += $(OUT)/targets/locks_sdt

$(OUT)/targets/locks_sdt: tests/targets/locks_sdt.c
	@mkdir -p $(@D)
	$(CC) -O2 -g -fno-omit-frame-pointer -fPIE -pie $< -o $@ -lpthread
