/* global console, process */
// Summarises Stryker's JSON report (reports/mutation/mutation.json, written by npm run mutate):
// counts and the mutation score per folder, then every surviving or uncovered mutant as
// file:line, mutator and replacement (the rows docs/mutation.md judges).
// Usage: node tools/mutation/summary.mjs [report.json]
import fs from 'node:fs';
import path from 'node:path';

const report = JSON.parse(fs.readFileSync(process.argv[2] ?? 'reports/mutation/mutation.json', 'utf8'));
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
