// The script embedded in every rtprof flame graph (flamegraph/script.c is generated from this
// file by flamegraph/gen_script.py; edit here, then run it). It reads everything it needs from
// the document: frame names from each frame's <title>, exact start and width (in counts) from
// data-s and data-w, the depth from the rect's y. Text from the data only ever goes through
// textContent, never through markup.
//
// A graph taller than the window opens where the graph is: a flame graph, whose root is at the
// bottom, is scrolled to its end as soon as this script is parsed, before the frames are, so
// the first paint already shows the root and the widest frames (an icicle graph has its root at
// the top). The header (title, Reset Zoom, Search, ic) and the footer (details, Matched) then
// float over the frames, so that they stay on screen wherever the reader scrolls.
'use strict';
var svg, frames, details, unzoombtn, searchbtn, icbtn, matchedtxt, header, footer;
var xpad, fullw, fontsize, fontwidth, nametype, total, fh, inverted;
var fr = [];
var zoomed = -1, searching = null, ignorecase = false;

function num(e, a) {
	return parseFloat(e.getAttribute(a));
}

function init(evt) {
	svg = document.documentElement;
	frames = document.getElementById('frames');
	details = document.getElementById('details').firstChild;
	unzoombtn = document.getElementById('unzoom');
	searchbtn = document.getElementById('search');
	icbtn = document.getElementById('ignorecase');
	matchedtxt = document.getElementById('matched');
	xpad = num(frames, 'data-xpad');
	fullw = num(svg, 'width') - 2 * xpad;
	fontsize = num(frames, 'data-fontsize');
	fontwidth = num(frames, 'data-fontwidth');
	nametype = frames.getAttribute('data-nametype');
	header = document.getElementById('header');
	footer = document.getElementById('footer');
	inverted = svg.getAttribute('data-inverted') === '1';
	fh = num(frames, 'data-frameheight');
	var gs = frames.children, last = [], y0 = 0;
	for (var i = 0; i < gs.length; i++) {
		var g = gs[i], t = g.children[0].textContent, k = t.lastIndexOf(' (');
		var r = g.children[1];
		var f = {
			g: g, rect: r, text: g.children[2], index: i,
			name: t.substring(0, k),
			count: parseFloat(t.substring(k + 2).split(' ')[0].split(',').join('')),
			s: num(g, 'data-s'), w: num(g, 'data-w'),
			x0: r.getAttribute('x'), y0: r.getAttribute('y'), fill: r.getAttribute('fill')
		};
		if (i == 0)
			y0 = num(r, 'y');
		f.depth = Math.round(Math.abs(num(r, 'y') - y0) / fh);
		f.parent = f.depth > 0 ? last[f.depth - 1] : -1;
		last[f.depth] = i;
		g.fgi = i;
		fr.push(f);
	}
	total = fr.length ? fr[0].count : 0;
	frames.addEventListener('mouseover', function (e) {
		var f = frame_of(e.target);
		if (f)
			show(f);
	});
	frames.addEventListener('mouseout', function (e) {
		if (frame_of(e.target))
			details.nodeValue = ' ';
	});
	frames.addEventListener('focusin', function (e) {
		var f = frame_of(e.target);
		if (f)
			show(f);
	});
	frames.addEventListener('click', function (e) {
		var f = frame_of(e.target);
		if (f)
			zoom(f.index);
	});
	unzoombtn.addEventListener('click', function () { unzoom(); });
	searchbtn.addEventListener('click', function () { search_button(); });
	icbtn.addEventListener('click', function () { toggle_ignorecase(); });
	window.addEventListener('keydown', function (e) {
		if ((e.ctrlKey || e.metaKey) && (e.key === 'f' || e.key === 'F')) {
			e.preventDefault();
			search_prompt();
		} else if (e.key === 'Escape') {
			if (zoomed >= 0)
				unzoom();
			else if (searching !== null)
				reset_search();
		} else if (e.key === 'Enter' || e.key === ' ') {
			var a = document.activeElement, f = frame_of(a);
			if (f) {
				e.preventDefault();
				zoom(f.index);
			} else if (a === unzoombtn) {
				unzoom();
			} else if (a === searchbtn) {
				search_button();
			} else if (a === icbtn) {
				toggle_ignorecase();
			}
		} else if (e.key.indexOf('Arrow') === 0) {
			var g = frame_of(document.activeElement);
			var n = g ? neighbour(g, e.key) : null;
			if (n) {
				e.preventDefault();
				n.g.focus();
			}
		}
	});
	var p = url_params();
	if (p) {
		if (p.get('i') === '1')
			set_ignorecase(true);
		var x = p.get('x'), y = p.get('y'), s = p.get('s');
		if (x !== null && y !== null) {
			for (var j = 0; j < fr.length; j++) {
				if (fr[j].x0 === x && fr[j].y0 === y) {
					zoom(j);
					break;
				}
			}
		}
		if (s !== null && s !== '')
			search(s);
	}
	if (zoomed >= 0)
		reveal(fr[zoomed]);
	float_bars();
	window.addEventListener('scroll', float_bars);
	window.addEventListener('resize', float_bars);
}

// Keep the header at the top of the window and the footer at its bottom (each where it belongs
// when that end of the graph is on screen).
function float_bars() {
	var h = num(svg, 'height'), top = window.scrollY, bottom = top + window.innerHeight;
	var dh = Math.max(0, Math.min(top, h - window.innerHeight));
	var df = Math.min(0, Math.max(bottom, window.innerHeight) - h);
	header.setAttribute('transform', 'translate(0,' + dh + ')');
	footer.setAttribute('transform', 'translate(0,' + df + ')');
	header.classList.toggle('float', dh > 0);
	footer.classList.toggle('float', df < 0);
}

// Scroll so that frame f is on screen with its descendants: at the bottom of the window, above
// the footer, in a flame graph; at the top, under the header, in an icicle graph.
function reveal(f) {
	var y = num(f.rect, 'y'), hb = header.querySelector('.band'), fb = footer.querySelector('.band');
	if (inverted)
		window.scrollTo(0, y - num(hb, 'height'));
	else
		window.scrollTo(0, y + fh + num(fb, 'height') - window.innerHeight);
}

function url_params() {
	try {
		return new URLSearchParams(window.location.search);
	} catch (e) {
		return null;
	}
}

function set_url() {
	var p = url_params();
	if (!p)
		return;
	if (zoomed >= 0) {
		p.set('x', fr[zoomed].x0);
		p.set('y', fr[zoomed].y0);
	} else {
		p.delete('x');
		p.delete('y');
	}
	if (searching !== null)
		p.set('s', searching);
	else
		p.delete('s');
	if (ignorecase)
		p.set('i', '1');
	else
		p.delete('i');
	var q = p.toString();
	try {
		history.replaceState(null, '', window.location.pathname + (q ? '?' + q : ''));
	} catch (e) {
	}
}

function frame_of(e) {
	while (e && e !== frames) {
		if (e.fgi !== undefined)
			return fr[e.fgi];
		e = e.parentNode;
	}
	return null;
}

function visible(f) {
	return !f.g.classList.contains('hide');
}

// The frame an arrow key moves to from f: toward the leaves (up in a flame graph, down in an
// icicle graph), toward the root, or to the previous or next visible sibling.
function neighbour(f, key) {
	var inv = inverted, j;
	if (key === (inv ? 'ArrowDown' : 'ArrowUp')) {
		for (j = f.index + 1; j < fr.length && fr[j].depth > f.depth; j++)
			if (fr[j].depth === f.depth + 1 && visible(fr[j]))
				return fr[j];
	} else if (key === (inv ? 'ArrowUp' : 'ArrowDown')) {
		return f.parent >= 0 ? fr[f.parent] : null;
	} else if (key === 'ArrowRight') {
		for (j = f.index + 1; j < fr.length && fr[j].depth >= f.depth; j++)
			if (fr[j].depth === f.depth && visible(fr[j]))
				return fr[j];
	} else if (key === 'ArrowLeft') {
		for (j = f.index - 1; j >= 0 && fr[j].depth >= f.depth; j--)
			if (fr[j].depth === f.depth && visible(fr[j]))
				return fr[j];
	}
	return null;
}

function show(f) {
	details.nodeValue = nametype + ' ' + f.g.children[0].textContent;
}

function label(f, w) {
	var chars = Math.floor(w / (fontsize * fontwidth)), n = f.name;
	if (chars < 3)
		f.text.textContent = '';
	else if (n.length > chars)
		f.text.textContent = n.substring(0, chars - 2) + '..';
	else
		f.text.textContent = n;
}

function place(f, x, w) {
	f.rect.setAttribute('x', x.toFixed(1));
	f.rect.setAttribute('width', w.toFixed(1));
	f.text.setAttribute('x', (x + 3).toFixed(1));
	label(f, w);
}

// Zoom on frame i: it takes the full width, its descendants scale with it, its ancestors stay
// (full width, dimmed) and everything else is hidden.
function zoom(i) {
	var z = fr[i], scale = fullw / z.w, keep = new Uint8Array(fr.length), j;
	for (j = z.parent; j >= 0; j = fr[j].parent) {
		keep[j] = 2;
		place(fr[j], xpad, fullw);
	}
	keep[i] = 1;
	place(z, xpad, fullw);
	for (j = i + 1; j < fr.length && fr[j].depth > z.depth; j++) {
		keep[j] = 1;
		place(fr[j], xpad + (fr[j].s - z.s) * scale, fr[j].w * scale);
	}
	for (j = 0; j < fr.length; j++) {
		var c = fr[j].g.classList;
		if (keep[j])
			c.remove('hide');
		else
			c.add('hide');
		if (keep[j] == 2)
			c.add('parent');
		else
			c.remove('parent');
	}
	zoomed = i;
	unzoombtn.classList.remove('hide');
	set_url();
}

function unzoom() {
	var scale = fr.length ? fullw / fr[0].w : 1;
	for (var j = 0; j < fr.length; j++) {
		var f = fr[j];
		f.g.classList.remove('hide');
		f.g.classList.remove('parent');
		place(f, xpad + f.s * scale, f.w * scale);
	}
	zoomed = -1;
	unzoombtn.classList.add('hide');
	set_url();
}

function set_ignorecase(on) {
	ignorecase = on;
	if (on)
		icbtn.classList.add('show');
	else
		icbtn.classList.remove('show');
}

function toggle_ignorecase() {
	set_ignorecase(!ignorecase);
	if (searching !== null)
		search(searching);
	else
		set_url();
}

function search_button() {
	if (searching !== null)
		reset_search();
	else
		search_prompt();
}

function search_prompt() {
	var term = prompt('Enter a search term (regexp allowed, eg: ^ext4_)' +
		(ignorecase ? ', ignoring case' : ''), searching !== null ? searching : '');
	if (term !== null && term !== '')
		search(term);
}

function reset_search() {
	for (var j = 0; j < fr.length; j++)
		fr[j].rect.setAttribute('fill', fr[j].fill);
	searching = null;
	matchedtxt.textContent = ' ';
	searchbtn.classList.remove('show');
	searchbtn.textContent = 'Search';
	set_url();
}

// Highlight the frames whose name matches and show the share of the total they cover. Frames
// come depth first, so a match nested in a match is the run that follows it with a greater
// depth: it is highlighted but not counted again.
function search(term) {
	var re;
	try {
		re = new RegExp(term, ignorecase ? 'i' : '');
	} catch (e) {
		matchedtxt.textContent = 'Invalid regexp';
		return;
	}
	var sum = 0, cover = -1;
	for (var j = 0; j < fr.length; j++) {
		var f = fr[j];
		if (cover >= 0 && f.depth <= cover)
			cover = -1;
		if (re.test(f.name)) {
			f.rect.setAttribute('fill', 'rgb(230,0,230)');
			if (cover < 0) {
				sum += f.count;
				cover = f.depth;
			}
		} else {
			f.rect.setAttribute('fill', f.fill);
		}
	}
	searching = term;
	searchbtn.classList.add('show');
	searchbtn.textContent = 'Reset Search';
	matchedtxt.textContent = 'Matched: ' + (total > 0 ? 100 * sum / total : 0).toFixed(2) + '%';
	set_url();
}

// While the document is parsed: a flame graph taller than the window opens at its bottom.
(function () {
	var root = document.documentElement;
	if (root.localName === 'svg' && root.getAttribute('data-inverted') !== '1')
		window.scrollTo(0, num(root, 'height'));
})();
