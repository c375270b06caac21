// Target of tests/e2e/dump.sh: Java threads parked in known places. "sleeper" in Thread.sleep,
// "locker" blocked on a monitor main holds, "waiter" in Object.wait; then READY_FILE is written.
//   java -cp build/targets/java DumpTarget READY_FILE
import java.nio.file.Files;
import java.nio.file.Paths;

public class DumpTarget {
	static final Object held = new Object();
	static final Object cond = new Object();

	public static void main(String[] args) throws Exception {
		Thread sleeper = new Thread(() -> {
			try {
				Thread.sleep(3_600_000);
			} catch (InterruptedException e) {
			}
		}, "sleeper");
		Thread locker = new Thread(() -> {
			synchronized (held) {
			}
		}, "locker");
		Thread waiter = new Thread(() -> {
			synchronized (cond) {
				try {
					cond.wait();
				} catch (InterruptedException e) {
				}
			}
		}, "waiter");
		synchronized (held) {
			for (Thread t : new Thread[] {sleeper, locker, waiter}) {
				t.setDaemon(true);
				t.start();
			}
			Thread.sleep(500);
			Files.write(Paths.get(args[0] + ".tmp"), "ready\n".getBytes());
			Files.move(Paths.get(args[0] + ".tmp"), Paths.get(args[0]));
			Thread.sleep(3_600_000);
		}
	}
}
