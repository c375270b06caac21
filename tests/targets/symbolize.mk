# Targets of the symbolize tests (-O2 -g with forced inlining; stripped copies are made by the
# tests themselves).
TARGET_BINS += $(OUT)/targets/symbolize_target $(OUT)/targets/symbolize_cxx

$(OUT)/targets/symbolize_target: tests/targets/symbolize_target.c tests/targets/symbolize_inline.h
	@mkdir -p $(@D)
	$(CC) -O2 -g -fPIE -pie -Wl,--build-id $< -o $@
$(OUT)/targets/symbolize_cxx: tests/targets/symbolize_cxx.cc
	@mkdir -p $(@D)
	$(CXX) -O2 -g -fPIE -pie -Wl,--build-id $< -o $@
