// A pprof file as the npm package pprof-format (Datadog's decoder) reads it, for
// tests/e2e/export.sh: checks the structure every reader relies on and prints the stacks.
// Usage: node pprof_check.js FILE.pb.gz [SAMPLE_TYPE] [SUMMARY.json]
//   stdout: folded stacks of SAMPLE_TYPE (default: default_sample_type, else the last), root
//           first, one line per distinct stack, the root "NAME-TID" when the sample carries the
//           labels thread_name and thread_id (as rtprof profile -T writes them)
//   SUMMARY.json: sample types, period, mappings, inline chains and interpreter frames seen
//   stderr and exit 1: every structural problem (string_table[0] not "", an id 0 or twice, an
//           index out of range, a sample with a missing location or the wrong number of values,
//           an address outside its mapping)
'use strict';
const fs = require('fs');
const zlib = require('zlib');
const { Profile } = require('pprof-format');

const [file, wantType, summaryPath] = process.argv.slice(2);
const bytes = fs.readFileSync(file);
const problems = [];
const gzip = bytes[0] === 0x1f && bytes[1] === 0x8b;
const p = Profile.decode(gzip ? zlib.gunzipSync(bytes) : bytes);
const strs = p.stringTable.strings;
const num = (v) => Number(v);
const str = (i, what) => {
	if (num(i) < 0 || num(i) >= strs.length) {
		problems.push(`${what}: string index ${i} out of range`);
		return '';
	}
	return strs[num(i)];
};

if (strs[0] !== '')
	problems.push('string_table[0] is not ""');

function byId(list, what) {
	const m = new Map();
	for (const x of list) {
		const id = num(x.id);
		if (!id)
			problems.push(`${what} with id 0`);
		if (m.has(id))
			problems.push(`two ${what}s with id ${id}`);
		m.set(id, x);
	}
	return m;
}
const maps = byId(p.mapping, 'mapping');
const locs = byId(p.location, 'location');
const fns = byId(p.function, 'function');

const types = p.sampleType.map((t) => ({ type: str(t.type, 'sample type'), unit: str(t.unit, 'sample unit') }));
let vi = types.length - 1;
const dflt = num(p.defaultSampleType) ? str(p.defaultSampleType, 'default_sample_type') : null;
if (dflt !== null) {
	const i = types.findIndex((t) => t.type === dflt);
	if (i < 0)
		problems.push(`default_sample_type ${dflt} is no sample type`);
	else
		vi = i;
}
if (wantType) {
	vi = types.findIndex((t) => t.type === wantType);
	if (vi < 0) {
		console.error(`no sample type ${wantType}`);
		process.exit(1);
	}
}

const summary = {
	sample_types: types, default_sample_type: dflt, period: num(p.period),
	period_type: p.periodType ? { type: str(p.periodType.type, 'period type'), unit: str(p.periodType.unit, 'period unit') } : null,
	time_nanos: num(p.timeNanos), duration_nanos: num(p.durationNanos),
	mappings: p.mapping.map((m) => ({
		id: num(m.id), filename: str(m.filename, 'mapping file'), build_id: str(m.buildId, 'build id'),
		start: num(m.memoryStart), limit: num(m.memoryLimit), has_functions: m.hasFunctions,
		has_filenames: m.hasFilenames, has_line_numbers: m.hasLineNumbers, has_inline_frames: m.hasInlineFrames,
	})),
	inline_locations: [], // the function names of each Location with more than one Line
	interpreter_frames: [], // functions with a file but no mapping: {name, system_name, filename, lines}
	labels: [],
	total: 0,
};

for (const f of p.function) {
	if (!str(f.name, 'function name'))
		problems.push(`function ${f.id} has no name`);
	str(f.systemName, 'function system name');
	str(f.filename, 'function file');
}
const interp = new Map();
for (const l of p.location) {
	const mid = num(l.mappingId);
	if (mid && !maps.has(mid))
		problems.push(`location ${l.id} of unknown mapping ${mid}`);
	if (mid && maps.has(mid)) {
		const m = maps.get(mid), a = num(l.address);
		if (num(m.memoryLimit) > num(m.memoryStart) && (a < num(m.memoryStart) || a >= num(m.memoryLimit)))
			problems.push(`location ${l.id}: address 0x${a.toString(16)} outside its mapping`);
	}
	if (!l.line.length)
		problems.push(`location ${l.id} has no line`);
	for (const ln of l.line)
		if (!fns.has(num(ln.functionId)))
			problems.push(`location ${l.id}: line of unknown function ${ln.functionId}`);
	if (l.line.length > 1)
		summary.inline_locations.push(l.line.map((ln) => str(fns.get(num(ln.functionId))?.name ?? 0, 'name')));
	if (!mid && l.line.length === 1) {
		const f = fns.get(num(l.line[0].functionId));
		if (f && str(f.filename, 'file')) {
			const key = num(f.id);
			if (!interp.has(key))
				interp.set(key, { name: str(f.name, 'n'), system_name: str(f.systemName, 's'), filename: str(f.filename, 'f'), lines: [] });
			interp.get(key).lines.push(num(l.line[0].line));
		}
	}
}
summary.interpreter_frames = [...interp.values()];

const stacks = new Map();
for (const s of p.sample) {
	if (s.value.length !== types.length)
		problems.push(`a sample has ${s.value.length} values for ${types.length} sample types`);
	const names = [];
	for (const id of s.locationId) {
		const l = locs.get(num(id));
		if (!l) {
			problems.push(`sample of unknown location ${id}`);
			continue;
		}
		for (const ln of l.line) // innermost first
			names.push(str(fns.get(num(ln.functionId))?.name ?? 0, 'name'));
	}
	let tname = null, tid = null;
	for (const lb of s.label) {
		const k = str(lb.key, 'label key');
		if (k === 'thread_name')
			tname = str(lb.str, 'label');
		if (k === 'thread_id')
			tid = num(lb.num);
		summary.labels.includes(k) || summary.labels.push(k);
	}
	if (tname !== null && tid !== null)
		names.push(`${tname}-${tid}`);
	const v = num(s.value[vi]);
	if (v <= 0)
		continue;
	const key = names.reverse().join(';');
	stacks.set(key, (stacks.get(key) || 0) + v);
	summary.total += v;
}
for (const [k, v] of stacks)
	console.log(`${k} ${v}`);
if (summaryPath)
	fs.writeFileSync(summaryPath, JSON.stringify(summary, null, 1));
for (const pr of [...new Set(problems)])
	console.error(pr);
process.exit(problems.length ? 1 : 0);
