// Target of tests/e2e/profile_jvm.sh: alpha, beta and gamma burn CPU in jittered slices of 5, 3
// and 2 ms, long enough for the JIT to compile them; OUT gets each one's CPU time as the thread
// measured it (ThreadMXBean.getCurrentThreadCpuTime around each call).
// Usage: java RtShares OUT SECS
import java.io.FileWriter;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.Random;

public class RtShares {
	static long sink;

	static long alpha(double ms) {
		long end = System.nanoTime() + (long) (ms * 1e6), x = 0;
		while (System.nanoTime() < end)
			x++;
		return x;
	}

	static long beta(double ms) {
		long end = System.nanoTime() + (long) (ms * 1e6), x = 0;
		while (System.nanoTime() < end)
			x++;
		return x;
	}

	static long gamma(double ms) {
		long end = System.nanoTime() + (long) (ms * 1e6), x = 0;
		while (System.nanoTime() < end)
			x++;
		return x;
	}

	public static void main(String[] args) throws Exception {
		ThreadMXBean mx = ManagementFactory.getThreadMXBean();
		Random rnd = new Random(7);
		long a = 0, b = 0, c = 0;
		long stop = System.nanoTime() + (long) (Double.parseDouble(args[1]) * 1e9);
		while (System.nanoTime() < stop) {
			double j = 0.5 + rnd.nextDouble();
			long t = mx.getCurrentThreadCpuTime();
			sink += alpha(5 * j);
			long t2 = mx.getCurrentThreadCpuTime();
			sink += beta(3 * j);
			long t3 = mx.getCurrentThreadCpuTime();
			sink += gamma(2 * j);
			long t4 = mx.getCurrentThreadCpuTime();
			a += t2 - t;
			b += t3 - t2;
			c += t4 - t3;
		}
		try (FileWriter w = new FileWriter(args[0])) {
			w.write("{\"alpha\":" + a + ",\"beta\":" + b + ",\"gamma\":" + c + "}");
		}
	}
}
