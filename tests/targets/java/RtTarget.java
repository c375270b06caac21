// Workloads for rtprof's JVM tests.
//   calls N        f() and g() called exactly N times each (g from f), on the main thread
//   overloads N M  f(int) N times (each calling g), the overload f(String) M times
//   threads T N    T threads, each calls f() N times (f calls g): depth per thread
//   gc K GO DONE   once file GO exists: System.gc() K times, then write DONE and sleep
//   alloc N        N objects of class RtTarget, all kept alive
//   bench N GO OUT once file GO exists: calls(N), write the elapsed ns to OUT, exit 1.5 s later
import java.io.File;
import java.io.FileWriter;

public class RtTarget {
	static long sink;

	static int g(int x) {
		return x * 3 + 1;
	}

	static int f(int x) {
		return g(x) + 1;
	}

	static int f(String s) {
		return s.length() + 2;
	}

	static void calls(int n) {
		for (int i = 0; i < n; i++)
			sink += f(i);
	}

	static void waitFor(String path) throws Exception {
		while (!new File(path).exists())
			Thread.sleep(20);
	}

	static void write(String path, String s) throws Exception {
		try (FileWriter w = new FileWriter(path)) {
			w.write(s);
		}
	}

	public static void main(String[] args) throws Exception {
		switch (args[0]) {
		case "calls":
			calls(Integer.parseInt(args[1]));
			break;
		case "overloads": {
			int n = Integer.parseInt(args[1]), m = Integer.parseInt(args[2]);
			calls(n);
			for (int i = 0; i < m; i++)
				sink += f("x");
			break;
		}
		case "threads": {
			int t = Integer.parseInt(args[1]), n = Integer.parseInt(args[2]);
			Thread[] th = new Thread[t];
			for (int i = 0; i < t; i++) {
				th[i] = new Thread(() -> calls(n), "worker-" + i);
				th[i].start();
			}
			for (Thread x : th)
				x.join();
			break;
		}
		case "alloc": {
			Object[] keep = new Object[Integer.parseInt(args[1])];
			for (int i = 0; i < keep.length; i++)
				keep[i] = new RtTarget();
			sink += keep.length;
			break;
		}
		case "bench": {
			write(args[3] + ".ready", ProcessHandle.current().pid() + "\n");
			waitFor(args[2]);
			long t0 = System.nanoTime();
			calls(Integer.parseInt(args[1]));
			write(args[3], (System.nanoTime() - t0) + "\n");
			Thread.sleep(1500); /* the tracer's figures are read meanwhile */
			break;
		}
		case "gc": {
			int k = Integer.parseInt(args[1]);
			write(args[3] + ".ready", ProcessHandle.current().pid() + "\n");
			waitFor(args[2]);
			for (int i = 0; i < k; i++) {
				byte[][] junk = new byte[64][];
				for (int j = 0; j < junk.length; j++)
					junk[j] = new byte[4096];
				sink += junk.length;
				System.gc();
			}
			write(args[3], k + "\n");
			Thread.sleep(600000);
			break;
		}
		}
		System.out.println(sink);
	}
}
