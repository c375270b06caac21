# Programs the tests run. Included by the top Makefile; $(OUT) is the build folder.
TGT := $(OUT)/targets
TARGET_BINS += $(TGT)/usdt_target $(TGT)/usdt_target_nopie $(TGT)/libusdt_plugin.so
USDT_TARGET_SRCS := tests/targets/usdt_target.c tests/targets/usdt_guarded.c

$(TGT)/usdt_target: $(USDT_TARGET_SRCS)
	@mkdir -p $(@D)
	$(CC) -O2 -g -fPIE -pie $^ -o $@ -ldl
$(TGT)/usdt_target_nopie: $(USDT_TARGET_SRCS)
	@mkdir -p $(@D)
	$(CC) -O2 -g -fno-PIE -no-pie $^ -o $@ -ldl
$(TGT)/libusdt_plugin.so: tests/targets/usdt_plugin.c
	@mkdir -p $(@D)
	$(CC) -O2 -g -fPIC -shared $< -o $@
