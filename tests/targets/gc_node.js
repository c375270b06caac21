// global.gc() K times (argv[2]) plus enough allocation for some scavenges; counts the
// collections V8 reports to perf_hooks by kind and writes them as JSON to argv[3].
const { PerformanceObserver, constants } = require('perf_hooks');
const fs = require('fs');
const k = parseInt(process.argv[2], 10), out = process.argv[3];
const counts = { major: 0, minor: 0, other: 0 };
const obs = new PerformanceObserver((list) => {
	for (const e of list.getEntries()) {
		const kind = e.detail ? e.detail.kind : e.kind;
		if (kind === constants.NODE_PERFORMANCE_GC_MAJOR) counts.major++;
		else if (kind === constants.NODE_PERFORMANCE_GC_MINOR) counts.minor++;
		else counts.other++;
	}
});
obs.observe({ entryTypes: ['gc'] });
let keep = [];
for (let i = 0; i < k; i++) {
	for (let j = 0; j < 200000; j++) keep.push({ j });
	keep = [];
	global.gc();
}
setTimeout(() => { obs.disconnect(); fs.writeFileSync(out, JSON.stringify(counts)); }, 300);
