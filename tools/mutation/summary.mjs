/* global console, process */
// Summarises Stryker's JSON report (reports/mutation/mutation.json, written by npm run mutate):
// counts and the mutation score per folder, then every surviving or uncovered mutant as
// file:line, mutator and replacement (the rows docs/mutation.md judges).
// Without mutation.json (not kept by git), it reads the committed incremental file, which holds
// the same per-file results of every run so far.
// Usage: node tools/mutation/summary.mjs [report.json]
import fs from 'node:fs';
import path from 'node:path';

const file =
  process.argv[2] ??
  ['reports/mutation/mutation.json', 'reports/mutation/stryker-incremental.json'].find((f) => fs.existsSync(f));
if (!file) {
  console.error('no mutation report yet: run npm run mutate first (see docs/mutation.md)');
  process.exit(1);
}
const report = JSON.parse(fs.readFileSync(file, 'utf8'));
console.log(`from ${file}`);
const STATES = ['Killed', 'Survived', 'NoCoverage', 'Timeout', 'CompileError', 'RuntimeError', 'Ignored'];
const folders = new Map();
const open = [];
for (const [file, { mutants }] of Object.entries(report.files)) {
  const folder = path.dirname(file);
  const counts = folders.get(folder) ?? Object.fromEntries(STATES.map((s) => [s, 0]));
  for (const m of mutants) {
    counts[m.status] = (counts[m.status] ?? 0) + 1;
    if (m.status === 'Survived' || m.status === 'NoCoverage') {
      open.push(`${file}:${m.location.start.line}\t${m.status}\t${m.mutatorName}\t${m.replacement ?? ''}`);
    }
  }
  folders.set(folder, counts);
}
console.log(['folder', ...STATES, 'score %'].join('\t'));
for (const [folder, c] of [...folders].sort()) {
  const detected = c.Killed + c.Timeout;
  const valid = detected + c.Survived + c.NoCoverage;
  console.log([folder, ...STATES.map((s) => c[s]), valid ? ((100 * detected) / valid).toFixed(1) : '-'].join('\t'));
}
console.log(`\n${open.length} surviving or uncovered:`);
for (const line of open.sort((a, b) => a.localeCompare(b, 'en', { numeric: true }))) console.log(line);
