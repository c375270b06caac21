// speedscope (npm) importing rtprof's files in Debian's chromium, driven by playwright-core, for
// tests/e2e/export.sh. Each file is loaded the way speedscope's own CLI does it (a script that
// calls speedscope.loadFileFromBase64, named in #localProfilePath), then exported again with
// speedscope's Export button: what speedscope built from the file, in its own JSON.
// Usage: node speedscope.test.js CASES.json RESULTS.json
//   CASES.json:   [{"file": PATH, "name": NAME}, ...]
//   RESULTS.json: [{"name", "title", "console": [lines], "problems": [console lines that are
//                  errors or warnings of the import], "profiles": [{"name", "unit", "total",
//                  "stacks": {"a;b;c": self weight}}]}, ...]
'use strict';
const fs = require('fs');
const os = require('os');
const path = require('path');
const { chromium } = require('playwright-core');

const [casesPath, resultsPath] = process.argv.slice(2);
const cases = JSON.parse(fs.readFileSync(casesPath, 'utf8'));
const index = path.join(__dirname, 'node_modules/speedscope/dist/release/index.html');

// Folded stacks (self weight per root-first path) of an exported evented or sampled profile.
function stacksOf(prof, frames) {
	const out = {};
	const add = (names, w) => {
		if (w > 0 && names.length) {
			const k = names.join(';');
			out[k] = (out[k] || 0) + w;
		}
	};
	if (prof.type === 'sampled') {
		prof.samples.forEach((s, i) => add(s.map((f) => frames[f].name), prof.weights[i]));
		return out;
	}
	const open = []; // {name, at, child}
	for (const e of prof.events) {
		if (e.type === 'O') {
			open.push({ name: frames[e.frame].name, at: e.at, child: 0 });
			continue;
		}
		const top = open.pop();
		const dur = e.at - top.at;
		add([...open.map((o) => o.name), top.name], dur - top.child);
		if (open.length)
			open[open.length - 1].child += dur;
	}
	return out;
}

async function load(context, c, dir) {
	const name = c.name;
	const js = path.join(dir, name + '.js');
	fs.writeFileSync(js, `speedscope.loadFileFromBase64(${JSON.stringify(name)}, ` +
		`${JSON.stringify(fs.readFileSync(c.file).toString('base64'))})\n`);
	const page = await context.newPage();
	const lines = [];
	page.on('console', (m) => lines.push({ type: m.type(), text: m.text() }));
	page.on('pageerror', (e) => lines.push({ type: 'pageerror', text: String(e) }));
	// keep what Export saves: the blob behind the download link
	await page.addInitScript(() => {
		const orig = URL.createObjectURL;
		URL.createObjectURL = function (b) {
			if (b instanceof Blob)
				b.text().then((t) => { window.__exported = t; });
			return orig.call(URL, b);
		};
	});
	await page.goto('file://' + index + '#localProfilePath=' + js);
	const want = name + ' - speedscope';
	let title = '';
	for (let i = 0; i < 200 && title !== want; i++) {
		if (lines.some((l) => /Failed to load/.test(l.text)))
			break;
		await page.waitForTimeout(100);
		title = await page.title();
	}
	const r = { name, title, console: lines.map((l) => l.type + ': ' + l.text), profiles: [] };
	// errors and warnings of the import (not chromium's own WebGL notes)
	r.problems = lines.filter((l) => (l.type === 'error' || l.type === 'warning' || l.type === 'pageerror' ||
		/Failed to load|discard|Tried to|Empty profile/i.test(l.text)) &&
		!/WebGL|GL Driver|swiftshader/i.test(l.text)).map((l) => l.type + ': ' + l.text);
	if (title === want) {
		await page.locator('text=Export').first().click();
		let exported = null;
		for (let i = 0; i < 100 && !exported; i++) {
			exported = await page.evaluate(() => window.__exported || null);
			if (!exported)
				await page.waitForTimeout(50);
		}
		if (exported) {
			const doc = JSON.parse(exported);
			for (const prof of doc.profiles)
				r.profiles.push({
					name: prof.name, unit: prof.unit, total: prof.endValue - prof.startValue,
					stacks: stacksOf(prof, doc.shared.frames),
				});
		} else {
			r.problems.push('export: nothing saved');
		}
	}
	await page.close();
	return r;
}

async function main() {
	const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rtprof-speedscope-'));
	const context = await chromium.launchPersistentContext(dir, {
		executablePath: '/usr/bin/chromium',
		headless: true,
		args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run'],
	});
	const results = [];
	try {
		for (const c of cases)
			results.push(await load(context, c, dir));
	} finally {
		await context.close();
		fs.rmSync(dir, { recursive: true, force: true });
	}
	fs.writeFileSync(resultsPath, JSON.stringify(results, null, 1));
}

main().catch((e) => {
	console.error(e);
	process.exit(1);
});
