// Drives Debian's chromium (playwright-core) over SVGs made by rtprof flamegraph.
// Usage: node flamegraph.test.js CASES.json   (written by tests/e2e/flamegraph_browser.sh)
// CASES.json: { "graph": SVG, "fullw": px, "searches": [[regex, "Matched: X%"], ...],
//               "zoom": {"title": prefix, "child": prefix, "child_width": px,
//                        "ancestors": [prefix...], "hidden": prefix},
//               "hostile": SVG,
//               "deep": {NAME: {"svg": SVG, "wide": frames at least 10% wide (root included),
//                               "wide_depth": depth of the deepest of them,
//                               "depth": depth of the deepest frame}},
//               "viewport": {"width": px, "height": px} }
// Prints one line per check: "ok NAME" or "FAIL NAME: why"; exits 1 if any failed.
'use strict';
const fs = require('fs');
const os = require('os');
const path = require('path');
const { chromium } = require('playwright-core');

const cases = JSON.parse(fs.readFileSync(process.argv[2], 'utf8'));
let failed = 0;
function ok(name) {
	console.log('ok ' + name);
}
function fail(name, why) {
	failed++;
	console.log('FAIL ' + name + ': ' + String(why).split('\n')[0]);
}
function expect(name, got, want) {
	if (got === want)
		ok(name);
	else
		fail(name, 'got ' + JSON.stringify(got) + ', expected ' + JSON.stringify(want));
}

// State of the frame whose title starts with prefix, as the script left it.
function frameState(page, prefix) {
	return page.evaluate((prefix) => {
		for (const g of document.querySelectorAll('#frames > g')) {
			const t = g.querySelector('title').textContent;
			if (t.startsWith(prefix)) {
				const r = g.querySelector('rect');
				return {
					width: r.getAttribute('width'), x: r.getAttribute('x'),
					fill: r.getAttribute('fill'), hidden: g.classList.contains('hide'),
					parent: g.classList.contains('parent'),
					display: getComputedStyle(g).display,
					opacity: getComputedStyle(g).opacity,
				};
			}
		}
		return null;
	}, prefix);
}

function frameLocator(page, prefix) {
	return page.locator('#frames > g').filter({ has: page.locator('title', { hasText: prefix }) })
		.first();
}

// What a window shows of a deep graph: recorded at the first animation frame in which the root
// frame exists (the first paint that can show any frame), then once the document is loaded.
async function firstScreen(context, cases) {
	const page = await context.newPage();
	let nextPrompt = null;
	const errors = [];
	page.on('pageerror', (e) => errors.push(e.message));
	page.on('dialog', async (d) => {
		if (d.type() === 'prompt' && nextPrompt !== null)
			await d.accept(nextPrompt);
		else
			await d.dismiss();
	});
	await page.setViewportSize(cases.viewport);
	await page.addInitScript(() => {
		const probe = () => {
			const g = document.querySelector('#frames > g');
			if (!g) {
				requestAnimationFrame(probe);
				return;
			}
			const r = g.querySelector('rect').getBoundingClientRect();
			window.firstPaint = { top: r.top, bottom: r.bottom, scrollY: window.scrollY,
				frames: document.querySelectorAll('#frames > g').length };
		};
		requestAnimationFrame(probe);
	});
	const load = async (file, query) => {
		await page.goto('file://' + path.resolve(file) + (query || ''));
		await page.waitForFunction(() => typeof fr !== 'undefined' && fr.length > 0 &&
			window.firstPaint);
	};
	// the frames on screen, between the header and the footer (floating or not)
	const screen = () => page.evaluate(() => {
		const H = window.innerHeight;
		const band = (id) => document.querySelector('#' + id + ' > .band');
		const hb = band('header'), fb = band('footer');
		const top = hb ? Math.max(0, hb.getBoundingClientRect().bottom) : 0;
		const bottom = fb ? Math.min(H, fb.getBoundingClientRect().top) : H;
		const seen = (e) => {
			const r = e.getBoundingClientRect();
			return r.top >= top - 0.5 && r.bottom <= bottom + 0.5;
		};
		const inWindow = (id) => {
			const r = document.getElementById(id).getBoundingClientRect();
			return r.top >= 0 && r.bottom <= H;
		};
		const wide = fr.filter((f) => f.w >= 0.1 * fr[0].w);
		return {
			scrollY: window.scrollY, height: document.documentElement.getAttribute('height'),
			root: seen(fr[0].rect), wide: wide.length,
			offscreen: wide.filter((f) => !seen(f.rect)).map((f) => f.name + '@' + f.depth),
			depth: Math.max(...fr.map((f) => f.depth)),
			title: inWindow('title'), search: inWindow('search'), details: inWindow('details'),
			first: window.firstPaint,
		};
	});
	const vh = cases.viewport.height;
	const label = cases.viewport.width + 'x' + vh;

	// a graph that fits stays as it is
	await load(cases.graph);
	let s = await screen();
	expect('browser small graph: not scrolled, header in place', [s.scrollY,
		await page.evaluate(() => document.querySelector('#header') &&
			document.querySelector('#header').getAttribute('transform'))].join(' '),
	       '0 translate(0,0)');

	for (const [name, c] of Object.entries(cases.deep)) {
		const what = 'browser ' + name + ' (' + c.depth + ' deep, ' + label + ')';
		await load(c.svg);
		s = await screen();
		const f = s.first;
		if (f.top >= 0 && f.bottom <= vh)
			ok(what + ': root on screen at the first paint (y ' + f.top + ', scrollY ' +
			   f.scrollY + ', ' + f.frames + ' frames parsed)');
		else
			fail(what + ': root on screen at the first paint', 'root at y ' + f.top +
			     ', window ' + vh + ' px, SVG ' + s.height + ' px');
		expect(what + ': every frame drawn', s.depth, c.depth);
		expect(what + ': frames at least 10% wide', s.wide, c.wide);
		if (s.root && !s.offscreen.length)
			ok(what + ': root and the ' + s.wide + ' widest frames (to depth ' +
			   c.wide_depth + ') on the first screen');
		else
			fail(what + ': root and widest frames on the first screen', 'root ' +
			     (s.root ? 'on' : 'off') + ' screen; off screen: ' +
			     s.offscreen.slice(0, 5).join(', ') + ' (scrollY ' + s.scrollY + ')');
		expect(what + ': title and Search on the first screen', s.title && s.search, true);
	}

	// the controls work from the first screen, and the bars follow the reader up
	const deep = cases.deep.deep;
	await load(deep.svg);
	nextPrompt = '^parse ';
	await page.locator('#search').click();
	const m = await page.evaluate(() => document.getElementById('matched').textContent);
	expect('browser deep: Search from the first screen', /^Matched: [0-9.]+%$/.test(m), true);
	await page.evaluate(() => window.scrollTo(0, 0));
	await page.waitForFunction(() => window.scrollY === 0);
	await page.waitForTimeout(100); /* the scroll event */
	s = await screen();
	expect('browser deep scrolled to the top: title and Search in place',
	       [s.title, s.search, s.scrollY].join(), 'true,true,0');
	const top = await page.evaluate(() => {
		let d = 0;
		for (const f of fr)
			d = f.depth > fr[d].depth ? f.index : d;
		return fr[d].name;
	});
	await frameLocator(page, top + ' (').hover();
	const det = await page.evaluate(() => document.getElementById('details').textContent);
	s = await screen();
	expect('browser deep: hover at the top shows details on screen', s.details &&
	       det.startsWith(cases.nametype + ' ' + top), true);
	// a zoom restored from the URL opens where the zoomed frame is
	const q = await page.evaluate(() => {
		const f = fr.find((f) => f.depth === 20);
		return '?x=' + f.x0 + '&y=' + f.y0;
	});
	await load(deep.svg, q);
	const z = await page.evaluate(() => {
		const r = fr[zoomed].rect.getBoundingClientRect();
		return zoomed >= 0 && r.top >= 0 && r.bottom <= window.innerHeight;
	});
	expect('browser deep: zoom restored from the URL is on screen', z, true);
	if (errors.length)
		fail('browser deep: no script errors', errors.join('; '));
	else
		ok('browser deep: no script errors');
	await page.close();
}

async function main() {
	const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'rtprof-chromium-'));
	const context = await chromium.launchPersistentContext(profile, {
		executablePath: '/usr/bin/chromium',
		headless: true,
		args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
		       '--disable-background-networking', '--disable-component-update',
		       '--disable-sync'],
	});
	const errors = [];
	let dialogs = 0;
	let nextPrompt = null;
	const page = context.pages()[0] || await context.newPage();
	page.on('pageerror', (e) => errors.push(e.message));
	page.on('dialog', async (d) => {
		dialogs++;
		if (d.type() === 'prompt' && nextPrompt !== null)
			await d.accept(nextPrompt);
		else
			await d.dismiss();
	});
	try {
		const url = 'file://' + path.resolve(cases.graph);
		await page.goto(url);
		await page.waitForFunction(() => typeof fr !== 'undefined' && fr.length > 0);

		// click to zoom
		const z = cases.zoom;
		await frameLocator(page, z.title).locator('rect').click();
		let s = await frameState(page, z.title);
		expect('browser click zooms: frame takes the full width', s && s.width,
		       cases.fullw.toFixed(1));
		for (const a of z.ancestors) {
			s = await frameState(page, a);
			expect('browser zoom keeps ancestor "' + a + '" full width', s && s.width,
			       cases.fullw.toFixed(1));
			expect('browser zoom dims ancestor "' + a + '"', s && s.parent && s.opacity, '0.5');
		}
		s = await frameState(page, z.child);
		expect('browser zoom scales the child', s && s.width, z.child_width);
		s = await frameState(page, z.hidden);
		expect('browser zoom hides frames outside', s && s.display, 'none');
		const q = await page.evaluate(() => window.location.search);
		if (/[?&]x=/.test(q) && /[?&]y=/.test(q))
			ok('browser zoom kept in the URL');
		else
			fail('browser zoom kept in the URL', 'search is ' + q);

		// the URL restores the zoom
		await page.goto(url + q);
		await page.waitForFunction(() => typeof fr !== 'undefined' && fr.length > 0);
		s = await frameState(page, z.title);
		expect('browser zoom restored from the URL', s && s.width, cases.fullw.toFixed(1));

		// Escape resets
		await page.keyboard.press('Escape');
		s = await frameState(page, z.hidden);
		expect('browser Escape resets the zoom', s && s.display !== 'none', true);
		s = await frameState(page, z.title);
		expect('browser Escape restores widths', s && s.width, z.title_width);

		// keyboard: Tab reaches a frame, Enter zooms it, Escape resets
		let focused = null;
		for (let i = 0; i < 12 && !focused; i++) {
			await page.keyboard.press('Tab');
			focused = await page.evaluate(() => {
				const a = document.activeElement;
				return a && a.parentNode && a.parentNode.id === 'frames' ?
					a.querySelector('title').textContent : null;
			});
		}
		if (focused) {
			ok('browser Tab reaches a frame');
			const details = await page.evaluate(
				() => document.getElementById('details').textContent);
			expect('browser focus shows details', details.startsWith(cases.nametype + ' ' +
				focused.split(' (')[0]), true);
			// Tab further, to a frame that is not the root
			await page.keyboard.press('Tab');
			focused = await page.evaluate(() => document.activeElement
				.querySelector('title').textContent);
			await page.keyboard.press('Enter');
			s = await frameState(page, focused);
			expect('browser Enter zooms the focused frame', s && s.width,
			       cases.fullw.toFixed(1));
			const hidden = await page.evaluate(
				() => document.querySelectorAll('#frames > g.hide').length);
			expect('browser Enter zoom hides other frames', hidden > 0, true);
			await page.keyboard.press('Escape');
			const hidden2 = await page.evaluate(
				() => document.querySelectorAll('#frames > g.hide').length);
			expect('browser Escape after keyboard zoom', hidden2, 0);
			// arrows: down to the root, up to its first child, right to the next sibling
			const active = () => page.evaluate(() => document.activeElement
				.querySelector('title').textContent.split(' (')[0]);
			const path = [];
			for (const k of cases.arrows.keys) {
				await page.keyboard.press(k);
				path.push(await active());
			}
			expect('browser arrow keys move between frames', path.join(','),
			       cases.arrows.names.join(','));
		} else {
			fail('browser Tab reaches a frame', 'focus never reached #frames');
		}

		// search: the button with a prompt, Ctrl-F, and the URL
		for (const [re, want] of cases.searches) {
			await page.goto(url);
			await page.waitForFunction(() => typeof fr !== 'undefined' && fr.length > 0);
			nextPrompt = re;
			await page.locator('#search').click();
			let m = await page.evaluate(() => document.getElementById('matched').textContent);
			expect('browser search button /' + re + '/', m, want);
			const purple = await page.evaluate(() => [...document.querySelectorAll(
				'#frames rect')].filter((r) => r.getAttribute('fill') === 'rgb(230,0,230)')
				.length);
			expect('browser search /' + re + '/ highlights', purple > 0, true);
			const q2 = await page.evaluate(() => window.location.search);
			await page.goto(url + q2);
			await page.waitForFunction(() => typeof fr !== 'undefined' && fr.length > 0);
			m = await page.evaluate(() => document.getElementById('matched').textContent);
			expect('browser search /' + re + '/ restored from the URL', m, want);
		}
		await page.goto(url);
		await page.waitForFunction(() => typeof fr !== 'undefined' && fr.length > 0);
		nextPrompt = cases.searches[0][0];
		await page.keyboard.press('Control+f');
		let m = await page.evaluate(() => document.getElementById('matched').textContent);
		expect('browser Ctrl-F searches', m, cases.searches[0][1]);
		// ignore case
		nextPrompt = cases.ic_search[0];
		await page.keyboard.press('Control+f');
		m = await page.evaluate(() => document.getElementById('matched').textContent);
		expect('browser search is case sensitive', m, cases.ic_search[1]);
		await page.locator('#ignorecase').click();
		m = await page.evaluate(() => document.getElementById('matched').textContent);
		expect('browser ic toggles case', m, cases.ic_search[2]);
		if (errors.length)
			fail('browser no script errors', errors.join('; '));
		else
			ok('browser no script errors');

		// hostile names: nothing from the data runs
		dialogs = 0;
		nextPrompt = null;
		await page.goto('file://' + path.resolve(cases.hostile));
		await page.waitForFunction(() => typeof fr !== 'undefined' && fr.length > 0);
		const n = await page.locator('#frames > g').count();
		for (let i = 0; i < n; i++)
			await page.locator('#frames > g').nth(i).hover();
		await page.locator('#frames > g').nth(n - 1).click();
		await page.keyboard.press('Escape');
		nextPrompt = 'script';
		await page.locator('#search').click();
		nextPrompt = null;
		await page.waitForTimeout(200);
		const pwned = await page.evaluate(() => window.pwned);
		expect('browser hostile names run no script', pwned, undefined);
		expect('browser hostile names open no dialog', dialogs, 1 /* our own prompt */);
		const scripts = await page.evaluate(() => document.querySelectorAll('script').length);
		expect('browser hostile names add no script element', scripts, 1);
		const names = await page.evaluate(() => fr.map((f) => f.name));
		const want = cases.hostile_names.filter((h) => !names.includes(h));
		if (want.length)
			fail('browser hostile names shown as text', 'missing ' + JSON.stringify(want));
		else
			ok('browser hostile names shown as text');

		await firstScreen(context, cases);
	} catch (e) {
		fail('browser run', e.stack || e);
	} finally {
		await context.close();
		fs.rmSync(profile, { recursive: true, force: true });
	}
	process.exit(failed ? 1 : 0);
}

main();
