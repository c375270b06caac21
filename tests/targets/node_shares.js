// Target of tests/e2e/profile_node.sh: funcA, funcB and funcC burn CPU in jittered slices of 5,
// 3 and 2 ms; at the end OUT gets each one's CPU time as the process measured it
// (process.cpuUsage around each call; the process runs one JavaScript thread).
// Usage: node node_shares.js OUT SECS
const fs = require("fs");
function funcA(ms) { const e = performance.now() + ms; let x = 0; while (performance.now() < e) x++; return x; }
function funcB(ms) { const e = performance.now() + ms; let x = 0; while (performance.now() < e) x++; return x; }
function funcC(ms) { const e = performance.now() + ms; let x = 0; while (performance.now() < e) x++; return x; }
const acc = { funcA: 0, funcB: 0, funcC: 0 };
let seed = 7;
function rnd() { seed = (seed * 1103515245 + 12345) % 2147483648; return seed / 2147483648; }
function cpu() { const u = process.cpuUsage(); return u.user + u.system; }
const end = performance.now() + 1000 * parseFloat(process.argv[3]);
while (performance.now() < end) {
	const j = 0.5 + rnd();
	let t = cpu(); funcA(5 * j); let t2 = cpu(); funcB(3 * j); let t3 = cpu(); funcC(2 * j);
	let t4 = cpu();
	acc.funcA += t2 - t; acc.funcB += t3 - t2; acc.funcC += t4 - t3;
}
fs.writeFileSync(process.argv[2], JSON.stringify(acc));
