# Target of tests/e2e/profile_ruby.sh: Ruby code whose own view of its stacks and CPU time is
# the truth rtprof's Ruby frames are checked against (Ruby 3.1).
#
#   rb_frames.rb snapshot OUT SECS  two threads spin at known stacks; a third writes their
#                                   Thread#backtrace_locations (label, path, line) and native
#                                   thread ids to OUT (JSON), then they spin SECS more seconds
#   rb_frames.rb shares OUT SECS    work_a, Burner.work_b (a class method) and work_c (inside a
#                                   block given to Array#each, a C method) burn CPU in jittered
#                                   slices of 5, 3 and 2 ms; OUT gets each one's thread CPU time
#   rb_frames.rb leak N M           keep_f and keep_g retain N and M 1 MiB strings, then the
#                                   process ends without freeing them (exit!)
require "json"

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

def sleeper_spin(ready)
  ready << 2
  x = 0
  x += 1 until STOP[0]
  x
end

def snapshot(out, secs)
  ready = Queue.new
  worker = Thread.new { sleeper_spin(ready) }
  dumper = Thread.new do
    2.times { ready.pop }
    sleep 0.2
    res = [Thread.main, worker].map do |t|
      { "tid" => t.native_thread_id,
        "frames" => t.backtrace_locations.map { |l| [l.label, l.path, l.lineno] } }
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
  File.write(out, JSON.generate(acc))
end

KEEP = []

def keep_f(n)
  n.times { KEEP << ("x" * (1 << 20)) }
end

def keep_g(n)
  n.times { KEEP << ("y" * (1 << 20)) }
end

case ARGV[0]
when "snapshot" then snapshot(ARGV[1], ARGV[2].to_f)
when "shares" then shares(ARGV[1], ARGV[2].to_f)
when "leak"
  keep_f(ARGV[1].to_i)
  keep_g(ARGV[2].to_i)
  $stdout.flush
  exit!(0)
end
