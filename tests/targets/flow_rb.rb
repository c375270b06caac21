# Deterministic call tree for rtprof's Ruby tests. With "--record" the sequence of
# (event, method, depth) is recorded by a TracePoint (depth over Ruby methods) in the same process instead.
class Tree
  def t_leaf(x)
    x + 1
  end

  def t_mid(x)
    t_leaf(x) + t_leaf(x + 1)
  end

  def t_rec(n)
    return t_leaf(0) if n == 0
    t_rec(n - 1) + 1
  end

  def t_main(rounds)
    total = 0
    rounds.times do |i|
      total += t_mid(i)
      total += t_rec(i % 4)
    end
    total
  end
end

rounds = (ARGV[1] || 20).to_i
if ARGV[0] == "--record"
  out = []
  depth = 0
  # depth counts Ruby methods, as rtprof's does (it does not trace C methods: their probes
  # crash Ruby 3.1); only t_* methods are printed
  tp = TracePoint.new(:call, :return) do |t|
    shown = t.method_id.to_s.start_with?("t_")
    if t.event == :call
      out << "call #{t.method_id} #{depth}" if shown
      depth += 1
    else
      depth -= 1
      out << "return #{t.method_id} #{depth}" if shown
    end
  end
  tp.enable
  Tree.new.t_main(rounds)
  tp.disable
  puts out
else
  Tree.new.t_main(rounds)
end
