# Java workload of the runtimes tests (flow, calls, gc on the JVM).
JAVAC17 := /usr/lib/jvm/java-17-openjdk-amd64/bin/javac
TARGET_BINS += $(OUT)/targets/java/RtTarget.class
$(OUT)/targets/java/RtTarget.class: tests/targets/java/RtTarget.java
	@mkdir -p $(@D)
	$(JAVAC17) -d $(@D) $<
