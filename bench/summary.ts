// Prints one table of every benchmark's targets and measurements from bench/results/<name>.json, and writes them
// together to bench/results/summary.json. Called by scripts/bench.sh with the names of the benchmarks it ran.
import fs from 'node:fs';
import path from 'node:path';
import { machine, RESULTS_DIR, type BenchResult } from './lib/common';

const rows: Array<{ bench: string; metric: string; target: string; measured: string; met: string }> = [];
const results: BenchResult[] = [];
for (const name of process.argv.slice(2)) {
  const file = path.join(RESULTS_DIR, `${name}.json`);
  if (!fs.existsSync(file)) {
    rows.push({ bench: name, metric: '(no result: the benchmark failed)', target: '', measured: '', met: 'NO' });
    continue;
  }
  const r = JSON.parse(fs.readFileSync(file, 'utf8')) as BenchResult;
  results.push(r);
  for (const t of r.targets) rows.push({ bench: name, metric: t.metric, target: t.target, measured: t.measured, met: t.met === null ? '-' : t.met ? 'yes' : 'NO' });
}

const m = machine();
const cols = ['bench', 'metric', 'target', 'measured', 'met'] as const;
const width = Object.fromEntries(cols.map((c) => [c, Math.max(c.length, ...rows.map((r) => r[c].length))])) as Record<(typeof cols)[number], number>;
const line = (r: Record<(typeof cols)[number], string>) => cols.map((c) => r[c].padEnd(width[c])).join('  ');
console.log(`\n=== airstudio benchmarks — ${m.cpus} × ${m.cpuModel}, Node ${m.node}, commit ${m.commit}${m.srcModified ? ' (src modified)' : ''}, load average ${m.loadAverage.join(' ')} ===`);
console.log(line({ bench: 'bench', metric: 'metric', target: 'target', measured: 'measured', met: 'met' }));
console.log(cols.map((c) => '-'.repeat(width[c])).join('  '));
for (const r of rows) console.log(line(r));
fs.mkdirSync(RESULTS_DIR, { recursive: true });
fs.writeFileSync(path.join(RESULTS_DIR, 'summary.json'), JSON.stringify({ at: new Date().toISOString(), machine: m, rows, results }, null, 2) + '\n');
console.log(`details: ${RESULTS_DIR}/<bench>.json, all together in summary.json`);
