import { isIP } from 'node:net';
import { compileFlowFilters, FlowFilterError } from '../../core/hubble/flowFilter';
import type { Flow, FlowFilter, FlowRecord, GetFlowsRequest, Verdict } from '../../core/hubble/flowTypes';
import { VERDICTS } from '../../core/hubble/flowTypes';
import { formatFlowLine } from '../../core/hubble/formatFlow';
import { connectRelay } from '../../core/hubble/connectRelay';
import { followFlows, HubbleError, type HubbleClient } from '../../core/hubble/hubbleClient';
import { decodeHubbleLines, encodeHubbleJsonLine } from '../../core/hubble/hubbleJson';
import { formatHubbleTime, nowNanos, parseHubbleTime, parseTimeBound } from '../../core/hubble/hubbleTime';
import { loadKubeConfig } from '../../core/sources/kubeconfig';
import { loadSnapshot } from '../../core/snapshot/loadSnapshot';
import { optionalInt, UsageError, type CliCommand, type CliIo } from '../cliCommand';
import { HUBBLE_ACCESS_OPTIONS, HUBBLE_ACCESS_USAGE, hasHubbleTlsArgs, hubbleAccessFromArgs } from '../hubbleAccessArgs';

/** Without --last/--first/--since/--follow a live query shows the last 20 flows, as `hubble observe` does. */
const DEFAULT_LIVE_LAST = 20;

export const flowsCommand: CliCommand = {
  name: 'flows',
  summary: 'Hubble flows from a snapshot or live from Hubble Relay, filtered like hubble observe',
  usage: [
    'Usage: cni-lens flows (--snapshot DIR | --kubeconfig FILE [--context NAME] | --hubble-address HOST:PORT)',
    '                      [--hubble-tls] [--hubble-tls-ca FILE] [--hubble-tls-cert FILE --hubble-tls-key FILE]',
    '                      [--hubble-tls-server-name NAME] [--hubble-tls-insecure]',
    '                      [--from X]... [--to X]... [--verdict V]... [--protocol P] [--port N]',
    '                      [--since T] [--until T] [--last N | --first N] [--follow] [--json]',
    '',
    'Prints Hubble flows, one line each (time, source -> destination, protocol, verdict, drop reason,',
    'direction, event, the policies that allowed or denied it), or with --json one JSON object per line',
    'as `hubble observe -o json` prints them (which --snapshot reads back from DIR/hubble/*.jsonl).',
    'Live, Hubble Relay is reached through a Kubernetes port-forward to the kube-system/hubble-relay pod',
    '(Service port 80 -> 4245, or 443 with TLS), or at --hubble-address (e.g. an existing',
    '`cilium hubble port-forward`). Relay with hubble.relay.tls.server.enabled=true speaks TLS: give its CA',
    'with --hubble-tls-ca (and a client certificate when it requires mTLS).',
    '',
    'Options:',
    '  --snapshot DIR          read DIR/hubble/*.jsonl (hubble observe -o json or -o jsonlegacy lines)',
    '  --kubeconfig FILE       kubeconfig of a live cluster (use "-" for KUBECONFIG or ~/.kube/config)',
    '  --context NAME          kubeconfig context (default: the current context)',
    '  --from X, --to X        source / destination: NAMESPACE/POD-PREFIX, NAMESPACE/, [ip:]ADDR[/BITS],',
    '                          label:SELECTOR (e.g. label:app=web) or identity:N; repeat to allow several',
    '                          (values of one kind are ORed, different kinds ANDed)',
    `  --verdict V             ${VERDICTS.filter((v) => v !== 'VERDICT_UNKNOWN').join(', ')} (repeatable)`,
    '  --protocol P            tcp, udp, sctp, icmp, icmpv4, icmpv6',
    '  --port N                destination port',
    '  --since T, --until T    RFC 3339 time or a duration before now (5m, 1h30m); for a snapshot,',
    '                          durations count back from its newest flow',
    '  --last N                the last N matching flows (live default 20; a snapshot shows all)',
    '  --first N               the first N matching flows',
    '  --follow                keep streaming new flows until Ctrl-C (live only; reconnects after breaks)',
    '  --json                  one JSON object per line (GetFlowsResponse: flow, node_name, time)',
    '  --timeout SECONDS       how long to wait for Hubble Relay to answer (default 15)',
    '',
    'Hubble Relay (live):',
    ...HUBBLE_ACCESS_USAGE,
  ].join('\n'),
  options: {
    snapshot: { type: 'string' },
    kubeconfig: { type: 'string' },
    context: { type: 'string' },
    ...HUBBLE_ACCESS_OPTIONS,
    from: { type: 'string', multiple: true },
    to: { type: 'string', multiple: true },
    verdict: { type: 'string', multiple: true },
    protocol: { type: 'string' },
    port: { type: 'string' },
    since: { type: 'string' },
    until: { type: 'string' },
    last: { type: 'string' },
    first: { type: 'string' },
    follow: { type: 'boolean' },
    json: { type: 'boolean' },
    timeout: { type: 'string' },
  },
  async run(values, _positionals, io, signal) {
    const str = (name: string): string | undefined => (typeof values[name] === 'string' ? (values[name] as string) : undefined);
    const snapshot = str('snapshot');
    const kubeconfig = str('kubeconfig');
    const address = str('hubble-address');
    if ([snapshot, kubeconfig, address].filter((v) => v !== undefined).length !== 1) {
      throw new UsageError('give exactly one of --snapshot DIR, --kubeconfig FILE or --hubble-address HOST:PORT');
    }
    if (values.context !== undefined && kubeconfig === undefined) throw new UsageError('--context needs --kubeconfig');
    if (snapshot !== undefined && hasHubbleTlsArgs(values)) throw new UsageError('the --hubble-tls options need a live Relay (--kubeconfig or --hubble-address)');
    const access = hubbleAccessFromArgs(values);
    const last = optionalInt(values, 'last', 1, 1_000_000);
    const first = optionalInt(values, 'first', 1, 1_000_000);
    const timeout = optionalInt(values, 'timeout', 1, 3600);
    if (last !== undefined && first !== undefined) throw new UsageError('give at most one of --last and --first');
    const follow = Boolean(values.follow);
    if (follow && snapshot !== undefined) throw new UsageError('--follow needs a live cluster (--kubeconfig or --hubble-address)');
    if (follow && first !== undefined) throw new UsageError('--first cannot be combined with --follow');
    const filter = buildFilter(values);
    const whitelist = Object.keys(filter).length ? [filter] : [];
    try {
      compileFlowFilters(whitelist); // bad CIDRs and selectors are usage errors, before any I/O
    } catch (err) {
      if (err instanceof FlowFilterError) throw new UsageError(err.message);
      throw err;
    }
    const printer = new FlowPrinter(io, Boolean(values.json));

    if (snapshot !== undefined) {
      return fromSnapshot(snapshot, { whitelist, last, first, since: str('since'), until: str('until') }, printer, io, signal);
    }

    const now = nowNanos();
    const bound = (name: 'since' | 'until'): string | undefined => {
      const text = str(name);
      if (text === undefined) return undefined;
      const n = parseTimeBound(text, now);
      if (n === undefined) throw new UsageError(`--${name} must be an RFC 3339 time or a duration like 5m, got "${text}"`);
      return formatHubbleTime(n);
    };
    const since = bound('since');
    const until = bound('until');
    const request: GetFlowsRequest = {
      number: last ?? first ?? (since !== undefined || until !== undefined || follow ? 0 : DEFAULT_LIVE_LAST),
      first: first !== undefined,
      follow,
      whitelist,
      ...(since !== undefined ? { since } : {}),
      ...(until !== undefined ? { until } : {}),
    };
    const kc = address === undefined ? loadKubeConfig({ path: kubeconfig === '-' ? undefined : kubeconfig, context: str('context') }) : undefined;

    let client: HubbleClient;
    try {
      client = await connectRelay(access, { ...(kc ? { kc } : {}), signal, timeoutMs: (timeout ?? 15) * 1000 });
    } catch (err) {
      if (signal.aborted) return 130;
      return reportHubbleError(err, io);
    }
    try {
      const tls = client.tls ? `, ${client.tls.clientCertificate ? 'mTLS' : 'TLS'} (server name ${client.tls.serverName}${client.tls.insecureSkipVerify ? ', certificate not verified' : ''})` : '';
      if (client.relay) io.err(`Hubble Relay: pod ${client.relay.namespace}/${client.relay.pod} port ${client.relay.port} through port-forward${tls}\n`);
      else if (tls) io.err(`Hubble Relay: ${client.address}${tls}\n`);
      const flows = follow
        ? followFlows(client, request, {
            signal,
            onReconnect: ({ attempt, error, since: from }) => io.err(`flow stream broke (${error.message}); reconnecting (attempt ${attempt})${from ? ` from ${from}` : ''}\n`),
            onResume: () => io.err('flow stream resumed\n'),
          })
        : client.getFlows(request, { signal });
      for await (const flow of flows) printer.print(recordOf(flow));
    } catch (err) {
      if (signal.aborted) return 0;
      return reportHubbleError(err, io);
    } finally {
      await client.close();
    }
    if (printer.count === 0 && !follow && !signal.aborted) {
      io.err(client.state === 'no-flows' ? 'Hubble Relay has no flows yet (its ring buffers are empty).\n' : 'No flows matched.\n');
    }
    return 0;
  },
};

async function fromSnapshot(
  dir: string,
  q: { whitelist: FlowFilter[]; last?: number; first?: number; since?: string; until?: string },
  printer: FlowPrinter,
  io: CliIo,
  signal: AbortSignal,
): Promise<number> {
  const raw = await loadSnapshot(dir, { signal });
  for (const p of raw.problems) if (p.file.startsWith('hubble')) io.err(`${p.severity}: ${p.file}${p.line ? `:${p.line}` : ''}: ${p.message}\n`);
  const { records, problems } = decodeHubbleLines(raw.hubble);
  for (const p of problems) if (p.reason !== 'not-a-flow') io.err(`warning: ${p.file}${p.line ? `:${p.line}` : ''}: ${p.message}\n`);
  if (records.length === 0) {
    io.err(`No Hubble flows in ${raw.root} (expected hubble/*.jsonl from \`hubble observe -o json\`).\n`);
    return 0;
  }
  const timed = records
    .map((r, i) => ({ r, i, t: parseHubbleTime(r.time) ?? 0n }))
    .sort((a, b) => (a.t < b.t ? -1 : a.t > b.t ? 1 : a.i - b.i));
  const newest = timed[timed.length - 1]!.t;
  const bound = (name: 'since' | 'until', text: string | undefined): bigint | undefined => {
    if (text === undefined) return undefined;
    const n = parseTimeBound(text, newest);
    if (n === undefined) throw new UsageError(`--${name} must be an RFC 3339 time or a duration like 5m, got "${text}"`);
    return n;
  };
  const since = bound('since', q.since);
  const until = bound('until', q.until);
  const match = compileFlowFilters(q.whitelist);
  let selected = timed.filter((x) => (since === undefined || x.t >= since) && (until === undefined || x.t <= until) && match(x.r.flow)).map((x) => x.r);
  if (q.first !== undefined) selected = selected.slice(0, q.first);
  else if (q.last !== undefined) selected = selected.slice(-q.last);
  for (const r of selected) printer.print(r);
  if (selected.length === 0) io.err('No flows matched.\n');
  return 0;
}

class FlowPrinter {
  count = 0;

  constructor(
    private readonly io: CliIo,
    private readonly json: boolean,
  ) {}

  print(record: FlowRecord): void {
    this.count++;
    this.io.out(`${this.json ? encodeHubbleJsonLine(record) : formatFlowLine(record)}\n`);
  }
}

function recordOf(flow: Flow): FlowRecord {
  return { flow, nodeName: flow.node_name ?? '', time: flow.time ?? '' };
}

/** --from/--to/--verdict/--protocol/--port as one Hubble filter. */
function buildFilter(values: Record<string, unknown>): FlowFilter {
  const filter: FlowFilter = {};
  const add = <K extends keyof FlowFilter>(key: K, value: NonNullable<FlowFilter[K]>[number]): void => {
    ((filter[key] ??= [] as never) as unknown[]).push(value);
  };
  for (const side of ['from', 'to'] as const) {
    const prefix = side === 'from' ? 'source' : 'destination';
    for (const raw of (values[side] as string[] | undefined) ?? []) {
      const colon = raw.indexOf(':');
      const kind = colon > 0 ? raw.slice(0, colon) : '';
      const rest = raw.slice(colon + 1);
      if (isIP(raw.split('/')[0]!)) add(`${prefix}_ip`, raw);
      else if (kind === 'ip') add(`${prefix}_ip`, rest);
      else if (kind === 'label') add(`${prefix}_label`, rest);
      else if (kind === 'identity') {
        if (!/^\d+$/.test(rest)) throw new UsageError(`--${side} identity:N needs a number, got "${raw}"`);
        add(`${prefix}_identity`, Number(rest));
      } else if (raw.includes('/')) add(`${prefix}_pod`, raw);
      else throw new UsageError(`--${side} must be NAMESPACE/POD-PREFIX, NAMESPACE/, [ip:]ADDR[/BITS], label:SELECTOR or identity:N, got "${raw}"`);
    }
  }
  for (const raw of (values.verdict as string[] | undefined) ?? []) {
    const v = raw.toUpperCase() as Verdict;
    if (!VERDICTS.includes(v)) throw new UsageError(`--verdict must be one of ${VERDICTS.join(', ')}, got "${raw}"`);
    add('verdict', v);
  }
  if (typeof values.protocol === 'string') add('protocol', values.protocol.toLowerCase());
  if (typeof values.port === 'string') add('destination_port', values.port);
  return filter;
}

const HINTS: Partial<Record<HubbleError['kind'], string>> = {
  'not-installed': 'Enable Hubble Relay (Cilium Helm values hubble.enabled=true, hubble.relay.enabled=true), or read flows from a snapshot with --snapshot.',
  forbidden: 'Your Kubernetes user needs get on services and list on pods in kube-system, and create on pods/portforward.',
  unreachable: 'Check that the hubble-relay pod is running (kubectl -n kube-system get pods -l k8s-app=hubble-relay).',
};

function reportHubbleError(err: unknown, io: CliIo): number {
  if (err instanceof HubbleError && err.kind === 'config') {
    io.err(`cni-lens flows: ${err.message}\n`);
    return 2;
  }
  if (err instanceof HubbleError) {
    const hint = HINTS[err.kind];
    io.err(`cni-lens flows: ${err.message}\n${hint ? `${hint}\n` : ''}`);
    return 1;
  }
  throw err;
}
