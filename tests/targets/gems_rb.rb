# A small Ruby program as real ones are: rubygems on (the default), a library required, and
# the statements whose C-method hook crashed Ruby 3.1 under rtprof (rb_dtrace_setup naming
# RubyVM::FrozenCore through a freed string): `alias` and `undef` after garbage collections.
# "alias-after-gc" does only that, which crashed every run when C-method probes were enabled.
require "set"

class Greeter
  def hello(n) = n + 1
  alias hi hello
  def gone; end
  undef gone
end

if ARGV[0] == "alias-after-gc"
  GC.start
  junk = Array.new(20000) { |i| [i] }
  Class.new { def x; end; alias y x }
  exit 0
end

s = Set.new
g = Greeter.new
1000.times { |i| s << g.hi(i) }
3.times do
  GC.start
  Class.new { def a; end; alias b a; undef a }
end
# nothing on stdout: a launched command shares it with rtprof's results, and a line it writes
# can land inside one of theirs (rtprof's stdout is flushed every 4 KiB, not at line ends)
exit(s.size == 1000 ? 0 : 1)
