// Target of tests/e2e/profile_jvm.sh (--jvm-frame-pointers): main -> outer -> middle -> hot, each
// a separate compiled frame once the JIT has compiled them (run it with
// -XX:CompileCommand=dontinline,RtDeep::* so that none is inlined into its caller), hot burning
// CPU. A stack that reaches the launcher's JavaMain from hot went through the compiled frames of
// middle and outer. Usage: java RtDeep SECS
public class RtDeep {
	static long sink;

	static long hot(long n) {
		long x = 0;
		for (long i = 0; i < n; i++)
			x += i ^ (x >>> 3);
		return x;
	}

	static long middle(long n) {
		return hot(n) + 1;
	}

	static long outer(long stop) {
		long s = 0;
		while (System.nanoTime() < stop)
			s += middle(20000);
		return s;
	}

	public static void main(String[] args) {
		long stop = System.nanoTime() + (long) (Double.parseDouble(args[0]) * 1e9);
		sink = outer(stop);
		System.out.println(sink);
	}
}
