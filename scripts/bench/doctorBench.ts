/**
 * The doctor on a snapshot (default: the benchmark's generated 5k cluster): the time of each check
 * run alone, the whole sync run, and the longest event-loop block while the async run goes (a 5 ms
 * timer as the idle-probe peer). Checks that the async report equals the sync one, and, with
 * --baseline SRC (a copy of another revision's src/, e.g. `git archive main src data | tar -x -C DIR`),
 * that it equals that revision's report on the same store.
 *
 *   npx tsx scripts/bench/doctorBench.ts [--snapshot DIR] [--runs N] [--baseline DIR/src]
 */
import { resolve } from 'node:path';
import { PerformanceObserver } from 'node:perf_hooks';
import { isDeepStrictEqual, parseArgs } from 'node:util';
import { clusterSettings } from '../../src/core/analysis/clusterSettings';
import { summarizeCluster } from '../../src/core/analysis/clusterSummary';
import { buildContext } from '../../src/core/analysis/doctor/context';
import { DOCTOR_CHECKS, runDoctor, runDoctorAsync } from '../../src/core/analysis/doctor/runDoctor';
import { finish } from '../../src/core/analysis/doctor/steps';
import { loadSnapshotStore } from '../../src/core/sources/snapshotStore';
import { BlockProbe } from './blockProbe';

const { values } = parseArgs({ options: { snapshot: { type: 'string', default: '.test-output/bench/clusters/5k-seed1' }, runs: { type: 'string', default: '2' }, baseline: { type: 'string' } } });
const runs = Number(values.runs);

async function main(): Promise<void> {
  const t0 = performance.now();
  const { store, sources } = await loadSnapshotStore(values.snapshot!);
  console.log(`loaded ${values.snapshot} in ${(performance.now() - t0).toFixed(0)} ms: ${store.count('node')} nodes, ${store.count('pod')} pods, ${store.count('eni')} ENIs`);
  const opts = { sources };
  const idle = new BlockProbe().start();
  await new Promise((res) => setTimeout(res, 1000));
  console.log(`idle: longest event-loop block ${idle.stop().toFixed(1)} ms (the probe's floor on this machine)`);
  for (let r = 0; r < runs; r++) {
    const settings = clusterSettings(store);
    const ctx = buildContext(store, settings, opts);
    const times: Array<[string, number]> = [];
    for (const check of DOCTOR_CHECKS) {
      const s = performance.now();
      if (check.applies(ctx) === true) void (check.steps ? finish(check.steps(ctx)) : check.run(ctx));
      times.push([check.id, performance.now() - s]);
      // each check computes alone (prefix delegation and capacity share the node capacities in a run)
      delete ctx.capacities;
    }
    times.sort((a, b) => b[1] - a[1]);
    console.log(`run ${r + 1}, per check (ms): ${times.slice(0, 8).map(([id, ms]) => `${id} ${ms.toFixed(1)}`).join(', ')}`);
    const s = performance.now();
    const probe = new BlockProbe().start();
    const sync = runDoctor(store, opts);
    const syncMs = performance.now() - s;
    await new Promise((res) => setTimeout(res, 20));
    const syncBlock = probe.stop();
    console.log(`run ${r + 1}, runDoctor: ${syncMs.toFixed(0)} ms (block ${syncBlock.toFixed(0)} ms)`);
    const p = new BlockProbe().start();
    const a0 = performance.now();
    const work = { ms: 0, turns: 0, longestMs: 0 };
    let gcMax = 0;
    const gc = new PerformanceObserver((list) => {
      for (const e of list.getEntries()) gcMax = Math.max(gcMax, e.duration);
    });
    gc.observe({ entryTypes: ['gc'] });
    const report = await runDoctorAsync(store, opts, { work });
    const asyncMs = performance.now() - a0;
    const block = p.stop();
    gc.disconnect();
    console.log(
      `run ${r + 1}, runDoctorAsync: ${asyncMs.toFixed(0)} ms wall, ${work.ms.toFixed(0)} ms working in ${work.turns} turns, longest turn in the doctor ${work.longestMs.toFixed(1)} ms, ` +
        `longest event-loop block ${block.toFixed(1)} ms (longest GC pause ${gcMax.toFixed(1)} ms), same report as runDoctor: ${isDeepStrictEqual(report, sync)}`,
    );
  }
  // not the doctor, but built with it in the Cluster view: the counts rows
  const c0 = performance.now();
  summarizeCluster(store, sources);
  console.log(`summarizeCluster (the Cluster view's count rows, sync): ${(performance.now() - c0).toFixed(0)} ms`);
  if (values.baseline) {
    const base = (await import(resolve(values.baseline, 'core/analysis/doctor/runDoctor.ts'))) as { runDoctor: typeof runDoctor };
    const s0 = performance.now();
    const before = base.runDoctor(store, opts);
    const baseMs = performance.now() - s0;
    const now = runDoctor(store, opts);
    console.log(`baseline runDoctor: ${baseMs.toFixed(0)} ms; same report as the baseline: ${isDeepStrictEqual(before, now)}; counts ${JSON.stringify(now.counts)}`);
    if (!isDeepStrictEqual(before, now)) {
      for (let i = 0; i < Math.max(before.findings.length, now.findings.length); i++) {
        if (!isDeepStrictEqual(before.findings[i], now.findings[i])) console.log(`differs: ${before.findings[i]?.id ?? now.findings[i]?.id}`);
      }
    }
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
