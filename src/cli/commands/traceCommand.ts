import type { L4Protocol } from '../../core/model';
import { formatTrace } from '../../core/analysis/datapath/formatTrace';
import { traceDatapath, type TraceRequest } from '../../core/analysis/datapath/traceDatapath';
import { parseEndpointSpec } from '../../core/analysis/datapath/traceEndpoint';
import type { ClusterStore } from '../../core/store/clusterStore';
import { choosePolicyEngine } from '../../core/analysis/policy/choosePolicyEngine';
import { PolicyEngine } from '../../core/analysis/policy/policyEngine';
import type { PolicyEngineKind } from '../../core/analysis/policy/policyTypes';
import { fileRuleLocator } from '../../core/analysis/policy/ruleLocator';
import { tracePolicyEvaluator } from '../../core/analysis/tracePolicyEvaluator';
import { observeTraceFlows } from '../../core/analysis/observeTraceFlows';
import { engineResolver, formatObserved } from '../../core/analysis/traceObservation';
import { relayFlows, snapshotFlows, type SessionFlows } from '../../core/sources/sessionFlows';
import { traceReadingIpamd, type IpamdReader } from '../../core/sources/ipamdOnDemand';
import { UsageError, optionalInt, requireString, type CliCommand, type CliIo } from '../cliCommand';
import { CLUSTER_OPTIONS, CLUSTER_USAGE, checkClusterArgs, withClusterInput } from '../clusterInput';
import { HUBBLE_ACCESS_OPTIONS, HUBBLE_ACCESS_USAGE, hasHubbleTlsArgs, hubbleAccessFromArgs } from '../hubbleAccessArgs';

const PROTOCOLS: readonly L4Protocol[] = ['TCP', 'UDP', 'SCTP'];

export const traceCommand: CliCommand = {
  name: 'trace',
  summary: 'The path of a packet, hop by hop, through the VPC CNI, Cilium and the VPC',
  usage: [
    'Usage: cni-lens trace (--snapshot DIR | --kubeconfig FILE [--context NAME]) --from SRC --to DST',
    '                      [--port N] [--protocol TCP|UDP|SCTP] [--backend POD] [--engine kubernetes|cilium] [--json]',
    '                      [--hubble-address H:P] [--hubble-tls] [--hubble-tls-ca FILE] [--hubble-tls-cert FILE --hubble-tls-key FILE] ...',
    '',
    'Prints the hops a packet takes from SRC to DST on EKS with the AWS VPC CNI chained with Cilium:',
    'pod eth0, host veth, Cilium cil_from_container (egress policy, service translation), ip rules and',
    'route tables, SNAT (AWS-SNAT-CHAIN-0), the ENI and its security groups, the subnet\'s route table',
    '(NAT gateway, transit gateway...), the destination ENI, cil_to_container (ingress policy), the pod.',
    'Each hop names its owner (pod, cilium, vpc-cni, vpc, kubernetes); a hop whose facts are missing',
    'says "unknown" and why. The verdict follows the policy of both ends ("unknown" until a policy',
    'engine is connected to the trace). Where the packet is dropped (a policy deny, a hop that drops',
    'it) the trace says so; the hops after it are listed as "not reached" (`reached: false` in --json).',
    '',
    'SRC:  <namespace>/<pod>     a pod (or a Deployment/DaemonSet/StatefulSet name: its first pod)',
    '      ip:A.B.C.D            any address: pod, node, NLB/NAT/RDS/MSK ENI, or outside the VPC',
    '      world                 internet clients through the NLB (IP targets) in front of DST',
    'DST:  <namespace>/<pod>     a pod',
    '      svc:<namespace>/<name> a Service: its ClusterIP, then one backend (see --backend)',
    '      ip:A.B.C.D            any address, as for SRC (a Service ClusterIP too)',
    '',
    'Options:',
    ...CLUSTER_USAGE,
    '  --from SRC           source (required)',
    '  --to DST             destination (required)',
    '  --port N             destination port: the Service port for a Service',
    '  --protocol P         TCP (default), UDP or SCTP',
    '  --backend POD        for a Service: the backend to follow (default: the first by name)',
    '  --engine NAME        policy semantics: cilium (default when Cilium is detected) or kubernetes',
    '  --json               print the trace as JSON',
    '  --no-flows           do not look for observed Hubble flows of this traffic',
    '',
    'Observed flows: the Hubble flows of the traced traffic (source, destination, port, protocol) from',
    'the snapshot hubble/*.jsonl or live from Hubble Relay (port-forward to kube-system/hubble-relay, or',
    '--hubble-address; TLS as the options below say)',
    'are placed next to the prediction: the hop where a drop happened, the policies Hubble names resolved',
    'to their rules, and a MISMATCH when the prediction and the flows disagree (JSON: "observed").',
    '',
    'Hubble Relay (live, for observed flows):',
    ...HUBBLE_ACCESS_USAGE,
    '',
    'Exit status: 0 when the trace was built (whatever the verdict), 2 on bad arguments (an unknown',
    'pod, Service or address syntax), 1 when the cluster or snapshot cannot be loaded.',
  ].join('\n'),
  options: {
    ...CLUSTER_OPTIONS,
    from: { type: 'string' },
    to: { type: 'string' },
    port: { type: 'string' },
    protocol: { type: 'string' },
    backend: { type: 'string' },
    json: { type: 'boolean' },
    engine: { type: 'string' },
    'no-flows': { type: 'boolean' },
    ...HUBBLE_ACCESS_OPTIONS,
  },
  async run(values, _positionals, io, signal) {
    checkClusterArgs(values);
    if (typeof values.snapshot === 'string' && (values['hubble-address'] !== undefined || hasHubbleTlsArgs(values))) {
      throw new UsageError('--hubble-address and the --hubble-tls options need a live cluster (--kubeconfig)');
    }
    const access = hubbleAccessFromArgs(values);
    const request: TraceRequest = { from: requireString(values, 'from'), to: requireString(values, 'to') };
    const port = optionalInt(values, 'port', 1, 65535);
    if (port !== undefined) request.port = port;
    if (values.protocol !== undefined) {
      const p = String(values.protocol).toUpperCase() as L4Protocol;
      if (!PROTOCOLS.includes(p)) throw new UsageError(`--protocol must be TCP, UDP or SCTP, got "${String(values.protocol)}"`);
      request.protocol = p;
    }
    if (typeof values.backend === 'string') request.backend = values.backend;
    // Syntax first: no cluster is loaded for an argument that cannot be right.
    for (const argument of ['from', 'to'] as const) {
      const spec = parseEndpointSpec(request[argument], argument);
      if ('message' in spec) return badArgument(io, argument, spec.message);
    }

    return withClusterInput(values, io, signal, async ({ store, snapshotRoot, hubbleLines, kubeConfig, ipamd }) => {
      const flows = values['no-flows'] === true ? undefined : kubeConfig ? relayFlows(kubeConfig, { access }) : snapshotFlows(hubbleLines ?? []);
      try {
        return await printTrace(store, request, values.json === true, io, values.engine, snapshotRoot, flows, signal, ipamd);
      } finally {
        await flows?.close();
      }
    });
  },
};

function badArgument(io: CliIo, argument: string, message: string): number {
  io.err(`cni-lens trace: --${argument}: ${message}\n`);
  return 2;
}

async function printTrace(
  store: ClusterStore,
  request: TraceRequest,
  json: boolean,
  io: CliIo,
  engineChoice: unknown,
  snapshotRoot: string | undefined,
  flows: SessionFlows | undefined,
  signal: AbortSignal,
  ipamd?: IpamdReader,
): Promise<number> {
  const requested = engineChoice === undefined ? undefined : String(engineChoice);
  if (requested !== undefined && requested !== 'kubernetes' && requested !== 'cilium') return badArgument(io, 'engine', `must be kubernetes or cilium, got "${requested}"`);
  const { engine } = choosePolicyEngine(store, requested as PolicyEngineKind | undefined);
  const policy = new PolicyEngine(store, { engine, ...(snapshotRoot ? { ruleLocator: fileRuleLocator(snapshotRoot) } : {}) });
  try {
    // ipamd of the nodes of both ends is read first when it was not at connect (a large cluster)
    const result = await traceReadingIpamd(() => traceDatapath(store, request, { policyEvaluator: tracePolicyEvaluator(policy) }), ipamd, { signal });
    if (!result.ok) return badArgument(io, result.error.argument, result.error.message);
    const trace = result.trace;
    const observed = flows ? await observeTraceFlows(trace, flows, { resolvePolicy: engineResolver(policy, trace), signal }) : undefined;
    if (json) io.out(JSON.stringify(observed ? { ...trace, observed } : trace, null, 2) + '\n');
    else io.out(formatTrace(trace) + '\n' + (observed ? formatObserved(trace, observed).join('\n') + '\n' : ''));
    return 0;
  } finally {
    policy.dispose();
  }
}
