# Target of tests/e2e/dump.sh: Ruby threads parked in known places.
#   ruby3.1 dump_rb.rb TRUTH.json
# "sleeper" in Kernel#sleep under outer_sleep and inner_sleep; "locker" blocked on a Mutex the
# main thread holds, under take_lock; "reader" in IO#read of a pipe nobody writes, under
# read_pipe. Once they are parked, TRUTH.json gets each thread's native id and
# Thread#backtrace_locations: [[label, path, lineno], ...innermost first], each method's label
# qualified by its owner as Ruby 3.4 shows it ("Object#inner_sleep", "Thread::Mutex#lock"):
# Ruby 3.1's labels are plain, so the owners come from Ruby itself (Method#owner).
require "json"

def inner_sleep
  sleep
end

def outer_sleep
  inner_sleep
end

def take_lock(m)
  m.lock
end

def read_pipe(r)
  r.read
end

m = Mutex.new
m.lock
r, w = IO.pipe
threads = {
  "sleeper" => Thread.new { outer_sleep },
  "locker" => Thread.new { take_lock(m) },
  "reader" => Thread.new { read_pipe(r) },
}
threads.each { |name, t| t.name = name }
sleep 0.1 until threads.values.all? { |t| t.status == "sleep" }
sleep 0.3
owners = {
  "inner_sleep" => method(:inner_sleep).owner, "outer_sleep" => method(:outer_sleep).owner,
  "take_lock" => method(:take_lock).owner, "read_pipe" => method(:read_pipe).owner,
  "sleep" => method(:sleep).owner, "lock" => m.method(:lock).owner, "read" => r.method(:read).owner,
}
qualify = lambda do |label|
  owner = owners[label]
  owner ? "#{owner.name}##{label}" : label
end
truth = threads.to_h do |name, t|
  [name, {"tid" => t.native_thread_id,
          "frames" => t.backtrace_locations.map { |l| [qualify.(l.label), l.path, l.lineno] }}]
end
File.write(ARGV[0] + ".tmp", JSON.generate({"threads" => truth}))
File.rename(ARGV[0] + ".tmp", ARGV[0])
threads["sleeper"].join
