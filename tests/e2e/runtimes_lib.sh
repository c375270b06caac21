# Helpers shared by the runtimes_*/flow_*/calls_*/gc_* tests. Source after lib.sh.
PY=/usr/bin/python3.11
RUBY=/usr/bin/ruby3.1
# Ruby 3.1.2 itself crashes now and then (RSTRING_PTR NULL in rb_dtrace_setup, while rubygems
# loads monitor.rb) when its method probes are enabled, with bpftrace as with rtprof: the tests
# run ruby without rubygems.
RUBYT="$RUBY --disable-gems"
JAVA_HOME17=/usr/lib/jvm/java-17-openjdk-amd64
JAVA=$JAVA_HOME17/bin/java
NODE=/usr/bin/node

# sema_addr PID PROVIDER NAME: runtime address of the probe's semaphore (from rtprof probes)
sema_addr() {
	"$RTPROF" probes -p "$1" --json 2>/dev/null |
		$PY -c 'import json,sys
for l in sys.stdin:
    o=json.loads(l)
    if o["provider"]==sys.argv[1] and o["name"]==sys.argv[2]: print(o["runtime_semaphore"]); break' "$2" "$3"
}

# sema_value PID ADDR: the u16 semaphore read from /proc/PID/mem
sema_value() {
	$PY -c 'import sys
f=open("/proc/%s/mem"%sys.argv[1],"rb"); f.seek(int(sys.argv[2])); print(int.from_bytes(f.read(2),"little"))' "$1" "$2"
}

# wait_value CMD... EXPECTED: poll until CMD prints EXPECTED (max ~10 s)
wait_sema() {
	local pid=$1 addr=$2 want=$3 i
	for ((i = 0; i < 200; i++)); do
		[ "$(sema_value "$pid" "$addr")" = "$want" ] && return 0
		sleep 0.05
	done
	return 1
}
