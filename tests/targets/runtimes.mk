# Java workload of the runtimes tests (flow, calls, gc on the JVM).
JAVAC17 := /usr/lib/jvm/java-17-openjdk-amd64/bin/javac
TARGET_BINS += $(OUT)/targets/java/RtTarget.class
$(OUT)/targets/java/RtTarget.class: tests/targets/java/RtTarget.java
	@mkdir -p $(@D)
	$(JAVAC17) -d $(@D) $<

# Java workload of tests/e2e/profile_jvm.sh (method names without manual steps).
TARGET_BINS += $(OUT)/targets/java/RtShares.class
$(OUT)/targets/java/RtShares.class: tests/targets/java/RtShares.java
	@mkdir -p $(@D)
	$(JAVAC17) -d $(@D) $<

# Java workload of tests/e2e/profile_jvm.sh (--jvm-frame-pointers: stacks through compiled code).
TARGET_BINS += $(OUT)/targets/java/RtDeep.class
$(OUT)/targets/java/RtDeep.class: tests/targets/java/RtDeep.java
	@mkdir -p $(@D)
	$(JAVAC17) -d $(@D) $<
