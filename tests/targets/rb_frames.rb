# Target of tests/e2e/profile_ruby.sh: Ruby code whose own view of its stacks and CPU time is
# the truth rtprof's Ruby frames are checked against (Ruby 3.1).
#
#   rb_frames.rb snapshot OUT SECS  two threads spin at known stacks; a third writes their
#                                   Thread#backtrace_locations (label, path, line), each label
#                                   qualified with its method's class (below), and native
#                                   thread ids to OUT (JSON), then they spin SECS more seconds
#   rb_frames.rb shares OUT SECS    Object#work_a, Burner.work_b (a class method) and
#                                   Object#work_c (inside a block given to Array#each, a C
#                                   method) burn CPU in jittered slices of 5, 3 and 2 ms; OUT gets
#                                   each one's thread CPU time, by qualified name
#   rb_frames.rb leak N M [OUT]     keep_f and keep_g retain N and M 1 MiB strings, then the
#                                   process ends 0.3 s later without freeing them (exit!); OUT
#                                   gets their qualified names
#
# Qualified labels are Ruby 3.4's (Thread::Backtrace::Location#label): "Owner#name", or
# "Owner.name" for a singleton method of a named class or module, the plain name for any other
# owner; a block's or rescue's label qualifies its method ("block in Owner#name"). Ruby 3.1
# labels are plain, so the owners come from Ruby itself: Method#owner, or for the snapshot a
# TracePoint that notes the defined class of every Ruby method called until the threads are
# parked, and Method#owner of the C methods the program calls on its receivers (a :c_call
# TracePoint would turn the spin loops' `+` and `[]` into method calls for good).
require "json"

def qualified(owner, recv, name)
  if owner.singleton_class?
    recv.is_a?(Module) && recv.name ? "#{recv.name}.#{name}" : name.to_s
  else
    owner.name ? "#{owner.name}##{name}" : name.to_s
  end
end

def method_name(m)
  qualified(m.owner, m.receiver, m.name)
end

STOP = [false]

def leaf_spin(ready)
  ready << 1
  x = 0
  x += 1 until STOP[0]
  x
end

def middle(ready)
  leaf_spin(ready) + 1
end

def top(ready)
  [1].each { middle(ready) }
end

# the second thread's stack: a class method of a nested class, a method that set $~ (Ruby keeps
# its method entry in an svar then), a method of a module the class includes, blocks given to C
# methods two levels deep, a method of an anonymous class and a singleton method of a plain
# object (both named plainly)
module Mixin
  def mixed(ready)
    [1].map { 1.times { ANON[0].new.anon_spin(ready) } }
  end
end

module Outer
  class Inner
    include Mixin

    def self.start(ready)
      new.go(ready)
    end

    def go(ready)
      "spin" =~ /p/ or raise "no match"
      mixed(ready) + [$~]
    end
  end
end

SOLO = Object.new
def SOLO.solo_spin(ready)
  ready << 2
  x = 0
  x += 1 until STOP[0]
  x
end

ANON = [Class.new do
  def anon_spin(ready)
    SOLO.solo_spin(ready)
  end
end]

def snapshot(out, secs, owners, tp)
  ready = Queue.new
  worker = Thread.new { Outer::Inner.start(ready) }
  dumper = Thread.new do
    2.times { ready.pop }
    tp.disable
    sleep 0.2
    res = [Thread.main, worker].map do |t|
      frames = t.backtrace_locations.map do |l|
        m = /\A((?:block (?:\(\d+ levels\) )?|rescue |ensure )in )?(.+)\z/.match(l.label)
        q = owners[m[2].to_sym]
        raise "#{m[2]}: methods of that name in #{q.inspect}" if q.is_a?(Array)
        [q ? "#{m[1]}#{q}" : l.label, l.path, l.lineno]
      end
      { "tid" => t.native_thread_id, "frames" => frames }
    end
    File.write(out, JSON.generate(res))
    sleep secs
    STOP[0] = true
  end
  top(ready)
  worker.join
  dumper.join
end

def cpu_now
  Process.clock_gettime(Process::CLOCK_THREAD_CPUTIME_ID)
end

def burn(ms)
  t = Process.clock_gettime(Process::CLOCK_MONOTONIC) + ms / 1000.0
  x = 0
  x += 1 while Process.clock_gettime(Process::CLOCK_MONOTONIC) < t
  x
end

def work_a(ms)
  t = Process.clock_gettime(Process::CLOCK_MONOTONIC) + ms / 1000.0
  x = 0
  x += 1 while Process.clock_gettime(Process::CLOCK_MONOTONIC) < t
  x
end

class Burner
  def self.work_b(ms)
    t = Process.clock_gettime(Process::CLOCK_MONOTONIC) + ms / 1000.0
    x = 0
    x += 1 while Process.clock_gettime(Process::CLOCK_MONOTONIC) < t
    x
  end
end

def work_c(ms)
  t = Process.clock_gettime(Process::CLOCK_MONOTONIC) + ms / 1000.0
  x = 0
  x += 1 while Process.clock_gettime(Process::CLOCK_MONOTONIC) < t
  x
end

def shares(out, secs)
  acc = { "work_a" => 0.0, "work_b" => 0.0, "work_c" => 0.0 }
  names = { "work_a" => method_name(method(:work_a)),
            "work_b" => method_name(Burner.method(:work_b)),
            "work_c" => method_name(method(:work_c)) }
  rnd = Random.new(7)
  stop = Process.clock_gettime(Process::CLOCK_MONOTONIC) + secs
  while Process.clock_gettime(Process::CLOCK_MONOTONIC) < stop
    j = 0.5 + rnd.rand # jitter: no aliasing with the sampling period
    t = cpu_now
    work_a(5 * j)
    t2 = cpu_now
    Burner.work_b(3 * j)
    t3 = cpu_now
    [1].each { work_c(2 * j) }
    t4 = cpu_now
    acc["work_a"] += t2 - t
    acc["work_b"] += t3 - t2
    acc["work_c"] += t4 - t3
  end
  File.write(out, JSON.generate(acc.transform_keys(names)))
end

KEEP = []

def keep_f(n)
  n.times { KEEP << ("x" * (1 << 20)) }
end

def keep_g(n)
  n.times { KEEP << ("y" * (1 << 20)) }
end

case ARGV[0]
when "snapshot"
  # the defined class of every method called (its name in Ruby 3.4's labels); a name defined
  # in two classes is kept with both, and refused if it shows in a backtrace
  owners = {}
  [[1].method(:each), [1].method(:map), 1.method(:times)].each do |m|
    owners[m.name] = method_name(m)
  end
  tp = TracePoint.new(:call) do |t|
    q = qualified(t.defined_class, t.self, t.method_id)
    old = owners[t.method_id]
    owners[t.method_id] = old.nil? || old == q ? q : [old, q].flatten.uniq
  end
  tp.enable
  snapshot(ARGV[1], ARGV[2].to_f, owners, tp)
when "shares" then shares(ARGV[1], ARGV[2].to_f)
when "leak"
  if ARGV[3]
    File.write(ARGV[3], JSON.generate({ "keep_f" => method_name(method(:keep_f)),
                                        "keep_g" => method_name(method(:keep_g)) }))
  end
  keep_f(ARGV[1].to_i)
  keep_g(ARGV[2].to_i)
  $stdout.flush
  # a moment before the end: rtprof reads the method's class and iseq from the living process
  # as each new stack arrives, and keep_g's last allocations come just before the exit (a CI
  # run once named keep_g without its class: the process had gone)
  sleep 0.3
  exit!(0)
end
