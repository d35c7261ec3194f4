/**
 * Fuzzes the snapshot loader and the projection into a store (what `Open Snapshot` and the CLI's
 * `--snapshot` run) with damaged files: truncated and half-typed YAML/JSON, binary garbage, wrong
 * types, hostile strings, huge values, deep nesting and wrong kinds, written to a real snapshot
 * folder. Contract: the load never throws; each bad input becomes a problem that names its file,
 * or its object is skipped; everything the store keeps is well-formed.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parse as parseYaml, stringify as stringifyYaml } from 'yaml';
import { summarizeCluster } from '../../../src/core/analysis/clusterSummary';
import { loadSnapshot } from '../../../src/core/snapshot/loadSnapshot';
import { storeFromRawSnapshot } from '../../../src/core/sources/snapshotStore';
import { deepNesting, fuzzIterations, fuzzLoopAsync, garbage, HOSTILE_STRINGS, mutateJson, mutateText, type Rng } from './fuzzKit';

const DEMO = join(__dirname, '..', '..', '..', 'demo', 'snapshot');
const work = mkdtempSync(join(tmpdir(), 'cni-lens-fuzz-snapshot-'));

afterAll(() => rmSync(work, { recursive: true, force: true }));

/** A small snapshot cut from the demo: a few objects of each kind, one file of each part. */
function seedFiles(): Record<string, string> {
  const listOf = (file: string, n: number): Record<string, unknown> => {
    const list = parseYaml(readFileSync(join(DEMO, 'kubernetes', file), 'utf8')) as { items: unknown[] };
    return { apiVersion: 'v1', kind: 'List', items: list.items.slice(0, n) };
  };
  const aws = (file: string, key: string): string => {
    const body = JSON.parse(readFileSync(join(DEMO, 'aws', file), 'utf8')) as Record<string, unknown[]>;
    return JSON.stringify({ [key]: (body[key] ?? []).slice(0, 3) }, null, 2);
  };
  const ipamd = 'ip-10-0-17-42.us-west-2.compute.internal.json';
  return {
    'kubernetes/pods.yaml': stringifyYaml(listOf('pods.yaml', 2)),
    'kubernetes/cilium.yaml': stringifyYaml(listOf('cilium.yaml', 3)),
    'kubernetes/networkpolicies.yaml': readFileSync(join(DEMO, 'kubernetes', 'networkpolicies.yaml'), 'utf8'),
    'kubernetes/nodes.json': JSON.stringify(listOf('nodes.yaml', 1), null, 2),
    'aws/describe-network-interfaces.json': aws('describe-network-interfaces.json', 'NetworkInterfaces'),
    'aws/describe-subnets.json': aws('describe-subnets.json', 'Subnets'),
    [`ipamd/${ipamd}`]: readFileSync(join(DEMO, 'ipamd', ipamd), 'utf8'),
    'hubble/flows.jsonl': readFileSync(join(DEMO, 'hubble', 'flows.jsonl'), 'utf8').split('\n').slice(0, 3).join('\n'),
  };
}

const SEED = seedFiles();
const FILES = Object.keys(SEED);

/** Kubernetes objects that are well-formed YAML but wrong: kinds, versions and fields of the wrong type. */
const WRONG_OBJECTS: readonly unknown[] = [
  { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', namespace: ['x'] }, status: { podIP: 5, podIPs: 'x' } },
  { apiVersion: 'cilium.io/v2', kind: 'Pod', metadata: { name: 'p' } },
  { apiVersion: 'v1', kind: 'CiliumNetworkPolicy', metadata: { name: 'x' }, spec: 'all' },
  { apiVersion: 7, kind: { a: 1 }, metadata: 'name' },
  { apiVersion: 'v1', kind: 'PodList', items: [null, 1, 'x', { metadata: { name: '' } }] },
  { apiVersion: 'v1', kind: 'List', items: 'not a list' },
  { apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name: 'np', namespace: 'shop' }, spec: { podSelector: { matchExpressions: [{ key: 'a', operator: 'Gt', values: 5 }] }, ingress: 'all' } },
  { apiVersion: 'v1', kind: 'Node', metadata: { name: 'n', labels: { 'node.kubernetes.io/instance-type': { nested: true } } }, status: { addresses: [{ type: 'InternalIP', address: '::1' }] } },
  { apiVersion: 'v1', kind: 'Service', metadata: { name: 's' }, spec: { ports: [{ port: 70000 }, { port: -1 }, { port: '80' }], clusterIP: '<b>' } },
  { apiVersion: 'cilium.io/v2', kind: 'CiliumEndpoint', metadata: { name: 'e', namespace: 'shop' }, status: { id: 1e308, networking: { addressing: [{ ipv4: 'x', ipv6: 7 }] } } },
];

function damage(rng: Rng, path: string, text: string): string {
  switch (rng.int(8)) {
    case 0:
    case 1:
    case 2:
      return mutateText(rng, text);
    case 3:
      return garbage(rng, rng.pick([1, 16, 4096]));
    case 4: {
      // structural: parse, mutate the data, write it back in the file's own syntax
      let data: unknown;
      try {
        data = path.endsWith('.jsonl') ? text.split('\n').map((l) => JSON.parse(l) as unknown) : path.endsWith('.json') ? JSON.parse(text) : parseYaml(text);
      } catch {
        return mutateText(rng, text); // already damaged past parsing by an earlier round
      }
      const mutated = mutateJson(rng, data, 1 + rng.int(6));
      try {
        if (path.endsWith('.jsonl')) return (Array.isArray(mutated) ? mutated : [mutated]).map((v) => JSON.stringify(v) ?? 'undefined').join('\n');
        if (path.endsWith('.json')) return JSON.stringify(mutated) ?? '';
        try {
          return stringifyYaml(mutated);
        } catch {
          return JSON.stringify(mutated) ?? ''; // too deep for the YAML writer: JSON is YAML too
        }
      } catch {
        return mutateText(rng, text); // too deep to write at all
      }
    }
    case 5:
      // deep nesting in the file's syntax
      return path.endsWith('.yaml') ? `${'['.repeat(rng.pick([100, 5000]))}\n` : JSON.stringify(deepNesting(rng.pick([100, 3000]), rng.chance(0.5)));
    case 6:
      return path.endsWith('.yaml') ? stringifyYaml(rng.pick(WRONG_OBJECTS)) : JSON.stringify(rng.pick(WRONG_OBJECTS));
    default:
      // a huge value in a field
      return text.replace(/name: [^\n]*/, `name: ${rng.pick(HOSTILE_STRINGS)}${'x'.repeat(rng.pick([0, 100_000]))}`);
  }
}

function writeSnapshot(dir: string, files: Record<string, string>): void {
  for (const [rel, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, rel)), { recursive: true });
    writeFileSync(join(dir, rel), text);
  }
}

describe('fuzz: snapshot loader and projection', () => {
  it(`never throws; every problem names its file; every object kept is well-formed (${fuzzIterations(80)} snapshots)`, async () => {
    let problems = 0;
    await fuzzLoopAsync('snapshot', fuzzIterations(80), async (rng, i) => {
      const files = { ...SEED };
      const damaged = new Set<string>();
      for (let n = 1 + rng.int(3); n > 0; n--) {
        const path = rng.pick(FILES);
        files[path] = damage(rng, path, files[path] as string);
        damaged.add(path);
      }
      const dir = join(work, String(i));
      writeSnapshot(dir, files);
      try {
        const raw = await loadSnapshot(dir);
        for (const p of raw.problems) {
          if (!FILES.includes(p.file) && p.file !== '.') throw new Error(`problem names ${JSON.stringify(p.file)}: ${p.message}`);
          if (typeof p.message !== 'string' || p.message === '') throw new Error(`problem of ${p.file} without a message`);
        }
        for (const { object, origin } of raw.kubernetes) {
          const ok = typeof object.apiVersion === 'string' && typeof object.kind === 'string' && typeof object.metadata?.name === 'string' && object.metadata.name !== '';
          if (!ok) throw new Error(`kept a malformed object from ${origin.file}: ${JSON.stringify(object).slice(0, 200)}`);
        }
        const loaded = storeFromRawSnapshot(raw);
        for (const p of loaded.problems) if (typeof p.file !== 'string' || p.file === '') throw new Error(`problem without a file: ${p.message}`);
        summarizeCluster(loaded.store, loaded.sources);
        problems += raw.problems.length;
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
    expect(problems).toBeGreaterThan(0);
  }, 120_000);
});
