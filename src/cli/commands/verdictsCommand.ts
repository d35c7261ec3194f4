import { readFile } from 'node:fs/promises';
import type { L4Protocol } from '../../core/model';
import { choosePolicyEngine } from '../../core/analysis/policy/choosePolicyEngine';
import { PolicyEngine } from '../../core/analysis/policy/policyEngine';
import { PolicyQueryError, type EndpointQuery, type PolicyEngineKind, type PolicyQuery, type RuleRef } from '../../core/analysis/policy/policyTypes';
import { fileRuleLocator } from '../../core/analysis/policy/ruleLocator';
import { loadSnapshotStore } from '../../core/sources/snapshotStore';
import { UsageError, requireString, type CliCommand } from '../cliCommand';

/** One line of the output: a verdict, or an error for a query that cannot be answered. */
export type VerdictLine =
  | { verdict: 'allow' | 'deny' | 'unknown'; reason: string; by: RuleRef[]; notes?: string[] }
  | { error: string; query: number };

export const verdictsCommand: CliCommand = {
  name: 'verdicts',
  summary: 'Policy verdicts (allow/deny, by which policy and rule) for a list of queries',
  usage: [
    'Usage: cni-lens verdicts --manifests PATH --queries FILE [--engine kubernetes|cilium]',
    '',
    'Loads the store from PATH (a snapshot directory or one YAML/JSON manifest file) and prints a JSON',
    'array with one entry per query of FILE, in order.',
    '',
    'FILE is a JSON array of queries:',
    '  { "from": "ns/pod" | { "cidr": "a.b.c.d/n" }, "to": "ns/pod" | { "cidr": "..." },',
    '    "port": 80, "protocol": "TCP" }          (protocol: TCP, UDP or SCTP; default TCP)',
    '',
    'Each entry is { "verdict": "allow" | "deny", "reason": "...", "by": [rules] } where a rule is',
    '{ kind, namespace?, name, rule: "spec.ingress[0].from[0]", file?, line?, effect }; "notes" is',
    'added when there are caveats (L7 rules, unsupported fields). The verdict is "unknown" only when',
    'the manifests cannot decide it (toFQDNs to an outside address, a CIDR group, cloud security',
    'groups, a Service that is not in the input, fromRequires/toRequires). A query that names a pod',
    'that does not exist, or is malformed, gives { "error": "...", "query": N } (N counts from 0).',
    '',
    'The engine defaults to cilium when PATH holds any cilium.io object or Cilium is detected (Cilium',
    'then enforces NetworkPolicy too, with its semantics), else kubernetes.',
    '',
    'Options:',
    '  --manifests PATH     snapshot directory or manifest file',
    '  --queries FILE       JSON array of queries',
    '  --engine ENGINE      kubernetes or cilium (default: detected)',
    '',
    'Exit status: 0 when every query was read (answers and error entries alike), 2 on bad arguments or',
    'a queries file that is not a JSON array, 1 when PATH cannot be loaded.',
  ].join('\n'),
  options: {
    manifests: { type: 'string' },
    queries: { type: 'string' },
    engine: { type: 'string' },
  },
  async run(values, _positionals, io, signal) {
    const manifests = requireString(values, 'manifests');
    const queriesFile = requireString(values, 'queries');
    const engineArg = values.engine;
    if (engineArg !== undefined && engineArg !== 'kubernetes' && engineArg !== 'cilium') {
      throw new UsageError(`--engine must be kubernetes or cilium, got "${String(engineArg)}"`);
    }

    let queries: unknown;
    try {
      queries = JSON.parse(await readFile(queriesFile, 'utf8')) as unknown;
    } catch (err) {
      const e = err as NodeJS.ErrnoException;
      const why = e.code === 'ENOENT' ? 'file not found' : e instanceof SyntaxError ? `not valid JSON: ${e.message}` : e.message;
      io.err(`cni-lens verdicts: cannot read queries file ${queriesFile}: ${why}\n`);
      return 2;
    }
    if (!Array.isArray(queries)) {
      io.err(`cni-lens verdicts: queries file ${queriesFile} must hold a JSON array of queries\n`);
      return 2;
    }

    const loaded = await loadSnapshotStore(manifests, { signal });
    for (const p of loaded.problems) io.err(`${p.severity}: ${p.file}${p.line ? `:${p.line}` : ''}: ${p.message}\n`);
    const choice = choosePolicyEngine(loaded.store, engineArg as PolicyEngineKind | undefined);
    io.err(`engine: ${choice.engine} (${choice.reason})\n`);

    const engine = new PolicyEngine(loaded.store, { engine: choice.engine, ruleLocator: fileRuleLocator(loaded.raw.root) });
    try {
      const out: VerdictLine[] = queries.map((q, i) => answer(engine, q, i));
      io.out(JSON.stringify(out, null, 2) + '\n');
    } finally {
      engine.dispose();
    }
    return 0;
  },
};

function answer(engine: PolicyEngine, raw: unknown, index: number): VerdictLine {
  const parsed = parseQuery(raw);
  if (typeof parsed === 'string') return { error: parsed, query: index };
  try {
    const v = engine.verdict(parsed);
    const line: VerdictLine = { verdict: v.verdict, reason: v.reason, by: v.by };
    if (v.notes.length > 0) line.notes = v.notes;
    return line;
  } catch (err) {
    if (err instanceof PolicyQueryError) return { error: err.message, query: index };
    throw err;
  }
}

/** A query, or why it is malformed. */
function parseQuery(raw: unknown): PolicyQuery | string {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return 'a query must be a JSON object';
  const q = raw as Record<string, unknown>;
  const from = parseEnd(q.from, 'from');
  if (typeof from === 'object' && 'problem' in from) return from.problem;
  const to = parseEnd(q.to, 'to');
  if (typeof to === 'object' && 'problem' in to) return to.problem;
  if (typeof q.port !== 'number' || !Number.isInteger(q.port) || q.port < 1 || q.port > 65535) return `"port" must be an integer from 1 to 65535`;
  let protocol: L4Protocol = 'TCP';
  if (q.protocol !== undefined) {
    const p = typeof q.protocol === 'string' ? q.protocol.toUpperCase() : '';
    if (p !== 'TCP' && p !== 'UDP' && p !== 'SCTP') return `"protocol" must be TCP, UDP or SCTP`;
    protocol = p;
  }
  return { from, to, port: q.port, protocol };
}

function parseEnd(v: unknown, field: string): EndpointQuery | { problem: string } {
  if (typeof v === 'string') return v;
  if (typeof v === 'object' && v !== null && typeof (v as { cidr?: unknown }).cidr === 'string') return { cidr: (v as { cidr: string }).cidr };
  return { problem: `"${field}" must be "namespace/pod" or { "cidr": "a.b.c.d/n" }` };
}
