/**
 * Scale benchmark (`npm run bench`): generated clusters served by the simulated cluster, CNI Lens
 * measured against a peer in the same run for every figure:
 *
 *   sync to a full store     vs `kubectl get nodes,pods,ciliumendpoints -A -o json` (same server)
 *                            and vs JSON.parse of the same bytes (the floor)
 *   memory after sync        vs kubectl's peak RSS for the same lists, and vs the raw JSON size
 *   event-loop blocks        during sync and churn, vs the same probe while idle (scheduling noise)
 *   churn latency            pod created in the sim → store change event, and → the Pod IPs view's
 *                            change event, vs kubectl --watch-only
 *   verdicts, traces         per second with the cluster's policies, vs the engine without its index
 *   diagram of a pod         vs the same on the demo cluster
 *   Pod IPs tree rows        getChildren of the largest namespace, vs JSON.parse of its pods
 *   hover, 5 MB manifest     vs parsing the manifest with yaml
 *   activation, bundle size  vs loading / the size of @kubernetes/client-node
 *
 *   npm run bench [-- --sizes small,1k,5k] [--out FILE] [--extension-only]
 *
 * --extension-only: only the extension-side figures (diagram of a pod, Pod IPs rows, churn to the
 * store and to the view), without kubectl, verdicts, traces and hover: cheap enough for 5k.
 *
 * Writes .test-output/bench/bench.json (or --out) and prints a table. Not part of `npm test`.
 */
import { spawn } from 'node:child_process';
import { cpus } from 'node:os';
import { existsSync, statSync, readdirSync } from 'node:fs';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { build } from 'esbuild';
import type { FullResult, SameResult } from './scaleWorker';

const ROOT = resolve(__dirname, '../..');
const OUT_DIR = join(ROOT, '.test-output/bench');
const SIZES: Record<string, { nodes: number; pods: number; policies: number }> = {
  small: { nodes: 50, pods: 1_500, policies: 300 },
  '1k': { nodes: 1_000, pods: 30_000, policies: 2_000 },
  '5k': { nodes: 5_000, pods: 150_000, policies: 5_000 },
};
const KUBECTL = process.env.KUBECTL ?? ['/usr/lib/google-cloud-sdk/bin/kubectl.1.32', '/usr/local/bin/kubectl', '/usr/bin/kubectl'].find((p) => existsSync(p)) ?? 'kubectl';

const { values } = parseArgs({ options: { sizes: { type: 'string', default: 'small,1k,5k' }, out: { type: 'string' }, 'extension-only': { type: 'boolean', default: false } } });
const extensionOnly = values['extension-only'] === true;
/** The figures --extension-only measures. */
const EXTENSION_FIGURES = /^(watch event → |diagram of a pod|Pod IPs rows)/;
const sizes = values.sizes!.split(',').map((s) => s.trim()).filter(Boolean);
for (const s of sizes) if (!SIZES[s]) throw new Error(`--sizes: unknown size "${s}" (known: ${Object.keys(SIZES).join(', ')})`);

interface Run {
  code: number;
  stdout: string;
  stderr: string;
  ms: number;
  peakRssBytes?: number;
  stdoutBytes: number;
}

/** Runs a command; with `measure`, under /usr/bin/time for its peak RSS, counting stdout bytes without keeping them. */
function run(cmd: string, args: string[], opts: { keepStdout?: boolean; measure?: boolean } = {}): Promise<Run> {
  return new Promise((done, fail) => {
    const timed = opts.measure && existsSync('/usr/bin/time');
    const child = timed ? spawn('/usr/bin/time', ['-f', 'PEAK_RSS_KB=%M', cmd, ...args], { cwd: ROOT }) : spawn(cmd, args, { cwd: ROOT });
    const started = performance.now();
    let stdout = '';
    let stderr = '';
    let stdoutBytes = 0;
    child.stdout.on('data', (c: Buffer) => {
      stdoutBytes += c.length;
      if (opts.keepStdout !== false) stdout += c.toString('utf8');
    });
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString('utf8')));
    child.on('error', fail);
    child.on('close', (code) => {
      const peak = /PEAK_RSS_KB=(\d+)/.exec(stderr);
      done({ code: code ?? 1, stdout, stderr, ms: performance.now() - started, stdoutBytes, ...(peak ? { peakRssBytes: Number(peak[1]) * 1024 } : {}) });
    });
  });
}

async function generate(size: string): Promise<string> {
  const spec = SIZES[size]!;
  const dir = join(OUT_DIR, 'clusters', `${size}-seed1`);
  if (existsSync(join(dir, '.complete'))) return dir;
  await rm(dir, { recursive: true, force: true });
  const r = await run('node', ['dist/cli.js', 'generate', '--nodes', String(spec.nodes), '--pods', String(spec.pods), '--policies', String(spec.policies), '--seed', '1', '--out', dir]);
  if (r.code !== 0) throw new Error(`generate ${size} failed: ${r.stderr}`);
  await writeFile(join(dir, '.complete'), r.stdout);
  log(`  ${r.stdout.trim()}`);
  return dir;
}

async function startSim(dir: string, kubeconfig: string): Promise<{ stop: () => Promise<void>; startMs: number; pid: number; rssBytes: () => Promise<number> }> {
  const child = spawn('node', ['--max-old-space-size=8192', 'dist/cli.js', 'sim', '--snapshot', dir, '--kubeconfig', kubeconfig], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  const started = performance.now();
  let err = '';
  child.stderr.on('data', (c: Buffer) => (err += c.toString()));
  await new Promise<void>((ready, fail) => {
    let out = '';
    child.stdout.on('data', (c: Buffer) => {
      out += c.toString();
      if (out.includes('ready')) ready();
    });
    child.on('close', (code) => fail(new Error(`sim exited with ${code}: ${err}`)));
  });
  return {
    startMs: performance.now() - started,
    pid: child.pid!,
    rssBytes: async () => Number(/VmRSS:\s+(\d+)/.exec(await readFile(`/proc/${child.pid}/status`, 'utf8'))?.[1] ?? 0) * 1024,
    stop: () =>
      new Promise<void>((done) => {
        child.removeAllListeners('close');
        child.on('close', () => done());
        child.kill('SIGINT');
      }),
  };
}

async function worker<T>(mode: 'same' | 'full', kubeconfig: string, simPid: number): Promise<T> {
  const r = await run('node', ['--expose-gc', '--max-old-space-size=8192', join(OUT_DIR, 'scaleWorker.js'), '--mode', mode, '--kubeconfig', kubeconfig, '--kubectl', KUBECTL, '--demo', join(ROOT, 'demo/snapshot'), '--sim-pid', String(simPid), ...(extensionOnly ? ['--extension-only'] : [])], { measure: true });
  if (r.code !== 0) throw new Error(`worker ${mode} failed: ${r.stderr}`);
  return { ...(JSON.parse(r.stdout.trim().split('\n').pop()!) as T), processPeakRssBytes: r.peakRssBytes };
}

function log(text: string): void {
  process.stdout.write(`${text}\n`);
}

interface Figure {
  size: string;
  figure: string;
  value: number;
  unit: string;
  peer: string;
  peerValue: number;
  peerUnit: string;
  /** value / peerValue; `better` says which side of 1 is good. */
  ratio: number;
  better: 'lower' | 'higher';
  goal?: string;
}

async function activation(): Promise<Figure[]> {
  // load dist/extension.js with a stand-in `vscode` module (loading, not activating: activation needs the editor)
  const script = (target: string) => `
    const Module = require('module');
    const load = Module._load;
    Module._load = function (request, ...rest) { return request === 'vscode' ? new Proxy({}, { get: () => function () {} }) : load.call(this, request, ...rest); };
    const t0 = performance.now();
    require(${JSON.stringify(target)});
    process.stdout.write(String(performance.now() - t0));`;
  const times = async (target: string) => {
    const ms: number[] = [];
    for (let i = 0; i < 3; i++) ms.push(Number((await run('node', ['-e', script(target)])).stdout));
    return Math.min(...ms);
  };
  const ext = await times(join(ROOT, 'dist/extension.js'));
  const clientNode = await times(join(ROOT, 'node_modules/@kubernetes/client-node'));
  const size = (p: string) => (existsSync(p) ? statSync(p).size : 0);
  const dirSize = (d: string): number => readdirSync(d, { withFileTypes: true }).reduce((n, e) => n + (e.isDirectory() ? dirSize(join(d, e.name)) : e.name.endsWith('.js') ? size(join(d, e.name)) : 0), 0);
  const clientNodeJs = dirSize(join(ROOT, 'node_modules/@kubernetes/client-node/dist'));
  const figures: Figure[] = [
    { size: '-', figure: 'load dist/extension.js (activation entry)', value: ext, unit: 'ms', peer: 'require @kubernetes/client-node', peerValue: clientNode, peerUnit: 'ms', ratio: ext / clientNode, better: 'lower' },
  ];
  for (const f of ['extension.js', 'runtime.js', 'cli.js', 'webview.js']) {
    const bytes = size(join(ROOT, 'dist', f));
    figures.push({ size: '-', figure: `bundle dist/${f}`, value: bytes / 1e6, unit: 'MB', peer: '@kubernetes/client-node dist/*.js', peerValue: clientNodeJs / 1e6, peerUnit: 'MB', ratio: bytes / clientNodeJs, better: 'lower' });
  }
  const vsix = readdirSync(ROOT).find((f) => f.endsWith('.vsix'));
  if (vsix) figures.push({ size: '-', figure: `package ${vsix}`, value: size(join(ROOT, vsix)) / 1e6, unit: 'MB', peer: '@kubernetes/client-node dist/*.js', peerValue: clientNodeJs / 1e6, peerUnit: 'MB', ratio: size(join(ROOT, vsix)) / clientNodeJs, better: 'lower' });
  return figures;
}

function sizeFigures(size: string, same: SameResult, full: FullResult, kubectl: Run, simStartMs: number, simRss: number): Figure[] {
  const mb = (b: number) => b / 1e6;
  const f: Figure[] = [];
  const add = (figure: string, value: number, unit: string, peer: string, peerValue: number, peerUnit: string, better: 'lower' | 'higher', goal?: string) =>
    f.push({ size, figure, value, unit, peer, peerValue, peerUnit, ratio: value / peerValue, better, ...(goal ? { goal } : {}) });
  add('sync nodes+pods+CEPs to an indexed store', same.syncMs, 'ms', 'kubectl get nodes,pods,ciliumendpoints -A -o json', kubectl.ms, 'ms', 'lower', '< 1 (faster than kubectl)');
  add('sync nodes+pods+CEPs to an indexed store', same.syncMs, 'ms', 'JSON.parse of the same bytes', same.jsonParseMs, 'ms', 'lower', '≤ 2');
  add('sync nodes+pods+CEPs to an indexed store', same.syncMs, 'ms', 'download + JSON.parse of the same lists (node:https, a page after another, no store)', same.downloadParseMs, 'ms', 'lower');
  add('sync of all 15 watched resources', full.syncMs, 'ms', 'kubectl get nodes,pods,ciliumendpoints -A -o json', kubectl.ms, 'ms', 'lower');
  add('memory after sync (RSS, after GC)', mb(same.afterSync.rssBytes), 'MB', 'kubectl peak RSS, same lists', mb(kubectl.peakRssBytes ?? NaN), 'MB', 'lower', 'well below 1');
  add('memory after sync (heap used)', mb(same.afterSync.heapUsedBytes), 'MB', 'raw JSON of the lists', mb(same.rawBytes), 'MB', 'lower');
  add('peak RSS of the CNI Lens process (same lists)', mb(same.processPeakRssBytes ?? same.afterSync.peakRssBytes), 'MB', 'kubectl peak RSS, same lists', mb(kubectl.peakRssBytes ?? NaN), 'MB', 'lower');
  add('longest event-loop block during sync', same.syncBlockMs, 'ms', 'same probe while idle', same.idleBlockMs, 'ms', 'lower', '< 50 ms');
  add('longest event-loop block during sync (all resources)', full.syncBlockMs, 'ms', 'same probe while idle', full.idleBlockMs, 'ms', 'lower', '< 50 ms');
  add(`longest event-loop block during churn (${same.churn.podsPerSecond * 2} pod events/s)`, same.churn.blockMs, 'ms', 'same probe while idle', same.idleBlockMs, 'ms', 'lower', '< 50 ms');
  add('longest event-loop block while the doctor runs (Cluster view checks)', full.doctor.blockMs, 'ms', 'same probe while idle', full.idleBlockMs, 'ms', 'lower', '< 50 ms');
  add('watch event → store change, p50', same.churn.lens.p50Ms, 'ms', 'kubectl get pods -A --watch-only, p50', same.churn.kubectl.p50Ms, 'ms', 'lower');
  add('watch event → store change, p99', same.churn.lens.p99Ms, 'ms', 'kubectl get pods -A --watch-only, p99', same.churn.kubectl.p99Ms, 'ms', 'lower');
  add(`watch event → view change event (Pod IPs tree controller), p50, ${same.churn.podsPerSecond * 2} events/s`, same.churn.view.p50Ms, 'ms', 'kubectl get pods -A --watch-only, p50', same.churn.kubectl.p50Ms, 'ms', 'lower');
  add('watch event → view change event (Pod IPs tree controller), p99', same.churn.view.p99Ms, 'ms', 'kubectl get pods -A --watch-only, p99', same.churn.kubectl.p99Ms, 'ms', 'lower');
  add(`verdicts per second (${full.counts.policies} policies)`, full.verdicts.perSecond, '/s', 'same engine without its selector index', full.verdicts.baselinePerSecond, '/s', 'higher');
  add('traces per second (with verdicts)', full.traces.perSecond, '/s', 'verdicts per second', full.verdicts.perSecond, '/s', 'higher');
  add('diagram of a pod: graph + elkjs layout', full.diagram.buildMs + full.diagram.layoutMs, 'ms', 'the same for a pod of the demo cluster', full.diagram.demo.buildMs + full.diagram.demo.layoutMs, 'ms', 'lower');
  add(`Pod IPs rows for namespace ${full.tree.namespace} (${full.tree.pods} pods), getChildren of the view's tree controller`, full.tree.ms, 'ms', "JSON.parse of that namespace's pods", full.tree.jsonParseMs, 'ms', 'lower');
  if (full.tree.page) add(`Pod IPs rows of the first page (${full.tree.page.rows} pods) of namespace ${full.tree.namespace}, getChildren`, full.tree.page.ms, 'ms', "JSON.parse of that namespace's pods", full.tree.jsonParseMs, 'ms', 'lower');
  add(`hover on a ${(full.hover.manifestBytes / 1e6).toFixed(1)} MB manifest, p50`, full.hover.p50Ms, 'ms', 'yaml parse of the manifest', full.hover.yamlParseMs, 'ms', 'lower');
  add(`hover on a ${(full.hover.manifestBytes / 1e6).toFixed(1)} MB manifest, max`, full.hover.maxMs, 'ms', 'yaml parse of the manifest', full.hover.yamlParseMs, 'ms', 'lower');
  add('hover indexes built in steps: longest event-loop block', full.hover.prepare.blockMs, 'ms', 'same probe while idle', full.idleBlockMs, 'ms', 'lower', '< 50 ms');
  add('simulated cluster: start (load snapshot, serve)', simStartMs, 'ms', 'kubectl get nodes,pods,ciliumendpoints -A -o json', kubectl.ms, 'ms', 'lower');
  add('simulated cluster: RSS while serving', mb(simRss), 'MB', 'raw JSON of nodes+pods+CEPs', mb(same.rawBytes), 'MB', 'lower');
  return f;
}

function fmt(n: number): string {
  if (!Number.isFinite(n)) return 'n/a';
  if (Math.abs(n) >= 100) return Math.round(n).toLocaleString('en-US');
  return n.toFixed(Math.abs(n) >= 10 ? 1 : 2);
}

/** Where a sync's time went (see ListTimings; wait is summed over lists that wait at the same time). */
function breakdown(b: SameResult['breakdown']): string {
  return [
    `process CPU user ${fmt(b.cpuUserMs)} ms + system ${fmt(b.cpuSystemMs)} ms`,
    `simulated API server CPU ${fmt(b.simCpuMs)} ms (the machine has ${cpus().length} cores)`,
    `waiting for pages ${fmt(b.waitMs)} ms (${b.pages} pages, ${fmt(b.bytes / 1e6)} MB)`,
    `bytes→string ${fmt(b.decodeMs)} ms`,
    `JSON.parse ${fmt(b.parseMs)} ms`,
    `projection ${fmt(b.projectMs)} ms`,
    `indexing ${fmt(b.indexMs)} ms`,
    `change events ${fmt(b.publishMs)} ms`,
    `GC ${fmt(b.gc.minorMs)} ms minor + ${fmt(b.gc.majorMs)} ms major (${b.gc.count} pauses, longest ${fmt(b.gc.maxMs)} ms)`,
  ].join(', ');
}

async function main(): Promise<void> {
  const benchStarted = performance.now();
  await mkdir(OUT_DIR, { recursive: true });
  if (!existsSync(join(ROOT, 'dist/cli.js'))) throw new Error('dist/cli.js is missing: run node scripts/build.mjs first');
  await build({ entryPoints: [join(ROOT, 'scripts/bench/scaleWorker.ts')], outfile: join(OUT_DIR, 'scaleWorker.js'), bundle: true, platform: 'node', format: 'cjs', target: 'node20', logLevel: 'warning' });
  const figures: Figure[] = [];
  const details: Record<string, unknown> = {};
  for (const size of sizes) {
    const sizeStarted = performance.now();
    log(`\n== ${size}: ${SIZES[size]!.nodes} nodes, ${SIZES[size]!.pods} pods, ${SIZES[size]!.policies} policies`);
    const dir = await generate(size);
    const kubeconfig = join(OUT_DIR, `kubeconfig-${size}`);
    const sim = await startSim(dir, kubeconfig);
    log(`  sim ready in ${fmt(sim.startMs)} ms`);
    try {
      const kubectl = extensionOnly
        ? { code: 0, stdout: '', stderr: '', ms: NaN, stdoutBytes: 0 }
        : await run(KUBECTL, ['--kubeconfig', kubeconfig, 'get', 'nodes,pods,ciliumendpoints', '-A', '-o', 'json'], { keepStdout: false, measure: true });
      if (kubectl.code !== 0) throw new Error(`kubectl failed: ${kubectl.stderr}`);
      if (!extensionOnly) log(`  kubectl: ${fmt(kubectl.ms)} ms, peak RSS ${fmt((kubectl.peakRssBytes ?? 0) / 1e6)} MB, ${fmt(kubectl.stdoutBytes / 1e6)} MB printed`);
      const same = await worker<SameResult>('same', kubeconfig, sim.pid);
      log(`  CNI Lens (nodes, pods, CEPs): ${fmt(same.syncMs)} ms; ${breakdown(same.breakdown)}`);
      const full = await worker<FullResult>('full', kubeconfig, sim.pid);
      log(`  CNI Lens (all resources): ${fmt(full.syncMs)} ms; ${breakdown(full.breakdown)}`);
      const simRss = await sim.rssBytes();
      figures.push(...sizeFigures(size, same, full, kubectl, sim.startMs, simRss).filter((f) => !extensionOnly || EXTENSION_FIGURES.test(f.figure)));
      details[size] = { spec: SIZES[size], kubectl: { ms: kubectl.ms, peakRssBytes: kubectl.peakRssBytes, printedBytes: kubectl.stdoutBytes }, same, full, sim: { startMs: sim.startMs, rssBytes: simRss }, seconds: (performance.now() - sizeStarted) / 1000 };
    } finally {
      await sim.stop();
    }
  }
  if (!extensionOnly) figures.push(...(await activation()));

  const header = ['size', 'figure', 'CNI Lens', 'peer', 'peer value', 'ratio', 'goal'];
  const rows = figures.map((f) => [f.size, f.figure, `${fmt(f.value)} ${f.unit}`, f.peer, `${fmt(f.peerValue)} ${f.peerUnit}`, `${fmt(f.ratio)}× (${f.better} is better)`, f.goal ?? '']);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  log('');
  log(header.map((h, i) => h.padEnd(widths[i]!)).join(' | '));
  log(widths.map((w) => '-'.repeat(w)).join('-|-'));
  for (const r of rows) log(r.map((c, i) => c.padEnd(widths[i]!)).join(' | '));
  const totalSeconds = (performance.now() - benchStarted) / 1000;
  const out = values.out ? resolve(values.out) : join(OUT_DIR, 'bench.json');
  await writeFile(out, JSON.stringify({ date: new Date().toISOString(), machine: { cpus: (await import('node:os')).cpus().length, loadavg: (await import('node:os')).loadavg(), node: process.version }, totalSeconds, figures, details }, null, 2));
  log(`\nwrote ${out} (${fmt(totalSeconds)} s in all)`);
}

main().catch((err: unknown) => {
  process.stderr.write(`${(err as Error)?.stack ?? String(err)}\n`);
  process.exit(1);
});
