# Fixtures of the dynamic-loader resolver test (tests/unit/test_ldso.c, runtimes/ldso.c): one
# soname in two folders (a/, b/), a library in m/ that needs it, programs in bin/ with DT_RPATH
# (--disable-new-dtags) or DT_RUNPATH (--enable-new-dtags) relative to $ORIGIN,
# and a symbolic link to a program in another folder ($ORIGIN is the real folder).
LDSO := $(OUT)/targets/ldso
LDSO_BINS := $(addprefix $(LDSO)/bin/,rpath runpath rpath_mid runpath_mid)
TARGET_BINS += $(LDSO)/a/libldso_t.so.1 $(LDSO)/b/libldso_t.so.1 $(LDSO)/m/libldso_mid.so \
	       $(LDSO_BINS) $(LDSO)/link/rpath

$(LDSO)/a/libldso_t.so.1 $(LDSO)/b/libldso_t.so.1: tests/targets/ldso_lib.c
	@mkdir -p $(@D)
	$(CC) -O2 -fPIC -shared -DVARIANT='"$(notdir $(@D))"' -Wl,-soname,libldso_t.so.1 $< -o $@
$(LDSO)/m/libldso_mid.so: tests/targets/ldso_mid.c $(LDSO)/a/libldso_t.so.1
	@mkdir -p $(@D)
	$(CC) -O2 -fPIC -shared -Wl,-soname,libldso_mid.so $< -L$(LDSO)/a -l:libldso_t.so.1 -o $@

LDSO_LINK := -Wl,--no-as-needed -L$(LDSO)/a -l:libldso_t.so.1
LDSO_LINK_MID := -Wl,--no-as-needed -DMID -L$(LDSO)/m -l:libldso_mid.so -Wl,-rpath-link,$(LDSO)/a
$(LDSO)/bin/rpath: tests/targets/ldso_main.c $(LDSO)/a/libldso_t.so.1
	@mkdir -p $(@D)
	$(CC) -O2 $< $(LDSO_LINK) -Wl,--disable-new-dtags,-rpath,'$$ORIGIN/../a' -o $@
$(LDSO)/bin/runpath: tests/targets/ldso_main.c $(LDSO)/a/libldso_t.so.1
	@mkdir -p $(@D)
	$(CC) -O2 $< $(LDSO_LINK) -Wl,--enable-new-dtags,-rpath,'$$ORIGIN/../a' -o $@
$(LDSO)/bin/rpath_mid: tests/targets/ldso_main.c $(LDSO)/m/libldso_mid.so
	@mkdir -p $(@D)
	$(CC) -O2 $< $(LDSO_LINK_MID) -Wl,--disable-new-dtags,-rpath,'$$ORIGIN/../m:$$ORIGIN/../a' -o $@
$(LDSO)/bin/runpath_mid: tests/targets/ldso_main.c $(LDSO)/m/libldso_mid.so
	@mkdir -p $(@D)
	$(CC) -O2 $< $(LDSO_LINK_MID) -Wl,--enable-new-dtags,-rpath,'$$ORIGIN/../m:$$ORIGIN/../a' -o $@
$(LDSO)/link/rpath: $(LDSO)/bin/rpath
	@mkdir -p $(@D)
	ln -sf ../bin/rpath $@
