/**
 * What a VS Code session did to its demo cluster, checked when the session closes: the request log
 * of the simulated cluster (written to `.test-output/e2e/requests-<label>.json`) must hold only
 * reads (get, list, watch, port-forward), and no file of the run's logs (code-server's own and the
 * user-data-dir's, where the "CNI Lens" output channel is written) may contain a secret of the
 * demo kubeconfig or the AWS environment.
 */
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describeRequests, nonReadRequests, summarizeRequests } from '../../../src/sim/readOnlyAudit';
import type { DemoSim } from './startDemoSim';

export interface DemoSessionAudit {
  /** Requests that were not reads, one line each. */
  writes: string[];
  /** `file: SECRET_NAME` for each secret found in a log file. */
  leaks: string[];
  /** Log files searched (relative to the run folder or the output folder). */
  logFiles: string[];
  /** Whether the "CNI Lens" output channel's file was among them. */
  cniLensLogFound: boolean;
}

function filesUnder(dir: string): string[] {
  if (!existsSync(dir)) return [];
  const out: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...filesUnder(path));
    else if (entry.isFile() && statSync(path).size < 64 * 1024 * 1024) out.push(path);
  }
  return out;
}

/**
 * Writes the request log and checks it and the logs. `logDirs`: folders searched recursively;
 * `logFiles`: single files (code-server's output). Throws nothing: the caller decides.
 */
export function auditDemoSession(demo: DemoSim, opts: { label: string; outputDir: string; logDirs: string[]; logFiles: string[] }): DemoSessionAudit {
  const requests = demo.sim.requests;
  const nonRead = nonReadRequests(requests);
  writeFileSync(
    join(opts.outputDir, `requests-${opts.label}.json`),
    JSON.stringify({ label: opts.label, total: requests.length, nonRead, byKind: summarizeRequests(requests), requests }, null, 1) + '\n',
  );

  const files = [...opts.logDirs.flatMap(filesUnder), ...opts.logFiles.filter((f) => existsSync(f))];
  const leaks: string[] = [];
  for (const file of files) {
    const text = readFileSync(file, 'utf8');
    for (const [name, value] of Object.entries(demo.secrets)) if (value && text.includes(value)) leaks.push(`${file}: ${name}`);
  }
  return {
    writes: nonRead.length ? describeRequests(nonRead).split('\n') : [],
    leaks,
    logFiles: files.map((f) => relative(opts.outputDir, f)),
    cniLensLogFound: files.some((f) => /CNI Lens\.log$/.test(f)),
  };
}
