import { writeFile } from 'node:fs/promises';
import ELK from 'elkjs/lib/elk.bundled.js';
import type { L4Protocol } from '../../core/model';
import type { TraceInputError } from '../../core/analysis/datapath/datapathTypes';
import { traceDatapath, type TraceRequest } from '../../core/analysis/datapath/traceDatapath';
import { findPod, parseEndpointSpec } from '../../core/analysis/datapath/traceEndpoint';
import type { DiagramGraph } from '../../core/analysis/diagram/diagramTypes';
import { FLOW_OVERLAY_MAX_FLOWS, flowOverlay, tracesOfPaths, type DiagramFlowOverlay } from '../../core/analysis/diagram/flowOverlay';
import { flowLegendText } from '../../core/analysis/diagram/flowOverlayText';
import { pathGraph } from '../../core/analysis/diagram/pathGraph';
import { podOverviewGraph } from '../../core/analysis/diagram/podOverviewGraph';
import { approximateTextMeasure } from '../../core/analysis/diagram/textMetrics';
import type { ElkNodeLike } from '../../core/analysis/diagram/toElkGraph';
import { choosePolicyEngine } from '../../core/analysis/policy/choosePolicyEngine';
import { PolicyEngine } from '../../core/analysis/policy/policyEngine';
import type { PolicyEngineKind } from '../../core/analysis/policy/policyTypes';
import { fileRuleLocator } from '../../core/analysis/policy/ruleLocator';
import { engineResolver } from '../../core/analysis/traceObservation';
import { tracePolicyEvaluator } from '../../core/analysis/tracePolicyEvaluator';
import { relayFlows, snapshotFlows, type SessionFlows } from '../../core/sources/sessionFlows';
import type { ClusterStore } from '../../core/store/clusterStore';
import type { FlowFilter, FlowRecord } from '../../core/hubble/flowTypes';
import { layoutDiagram } from '../../../webview/render/layoutDiagram';
import { standaloneSvg } from '../../../webview/render/standaloneSvg';
import { UsageError, optionalInt, requireString, type CliCommand, type CliIo } from '../cliCommand';
import { CLUSTER_OPTIONS, CLUSTER_USAGE, checkClusterArgs, withClusterInput } from '../clusterInput';
import { ipamdNotReadNote, traceReadingIpamd, type IpamdReader } from '../../core/sources/ipamdOnDemand';

const PROTOCOLS: readonly L4Protocol[] = ['TCP', 'UDP', 'SCTP'];

export const diagramCommand: CliCommand = {
  name: 'diagram',
  summary: 'A pod\'s paths (or one path) as an SVG diagram: lanes for the pod, Cilium, host routing, ENI, VPC',
  usage: [
    'Usage: cni-lens diagram (--snapshot DIR | --kubeconfig FILE [--context NAME]) --pod NS/NAME',
    '                        [--to DST] [--port N] [--protocol TCP|UDP|SCTP] [--engine kubernetes|cilium] [--flows] --out FILE.svg',
    '',
    'Draws the datapath of a pod on EKS with the AWS VPC CNI chained with Cilium as a standalone SVG',
    '(fixed colours, embedded style, no script): lanes for the pod\'s network namespace, Cilium\'s eBPF',
    'programs, the VPC CNI\'s host routing, the ENI and the VPC, boxes coloured by the component that',
    'owns the hop, the policy verdict at each enforcement point.',
    '',
    'Without --to: every kind of path the pod has, hops they share drawn once: to a pod on its node and',
    'on another node, to a ClusterIP Service, to the RDS and MSK network interfaces in the VPC, to the',
    'internet, to on-premises through a transit gateway, and from internet clients through an NLB that',
    'targets the pod. With --to: that one path.',
    '',
    'DST:  <namespace>/<pod>     a pod',
    '      svc:<namespace>/<name> a Service: its ClusterIP, then one backend',
    '      ip:A.B.C.D            any address',
    '',
    'Options:',
    ...CLUSTER_USAGE,
    '  --pod NS/NAME        the pod (or a Deployment/DaemonSet/StatefulSet name: its first pod); required',
    '  --to DST             draw only the path to DST',
    '  --port N             destination port (with --to): the Service port for a Service',
    '  --protocol P         TCP (default), UDP or SCTP',
    '  --engine NAME        policy semantics: cilium (default when Cilium is detected) or kubernetes',
    '  --flows              overlay the pod\'s Hubble flows of the last 5 minutes (of flow time): counts',
    '                       forwarded and dropped on the edges, drops on the hop where they happened;',
    '                       from the snapshot\'s hubble/*.jsonl or live from Hubble Relay',
    '  --out FILE           the SVG file to write ("-" for standard output); required',
    '',
    'Exit status: 0 when the diagram was written, 2 on bad arguments (an unknown pod, Service or',
    'address syntax), 1 when the cluster or snapshot cannot be loaded or the file cannot be written.',
  ].join('\n'),
  options: {
    ...CLUSTER_OPTIONS,
    pod: { type: 'string' },
    to: { type: 'string' },
    port: { type: 'string' },
    protocol: { type: 'string' },
    engine: { type: 'string' },
    out: { type: 'string' },
    flows: { type: 'boolean' },
  },
  async run(values, _positionals, io, signal) {
    checkClusterArgs(values);
    const pod = requireString(values, 'pod');
    const out = requireString(values, 'out');
    const to = typeof values.to === 'string' ? values.to : undefined;
    const port = optionalInt(values, 'port', 1, 65535);
    if (port !== undefined && to === undefined) throw new UsageError('--port needs --to');
    let protocol: L4Protocol | undefined;
    if (values.protocol !== undefined) {
      const p = String(values.protocol).toUpperCase() as L4Protocol;
      if (!PROTOCOLS.includes(p)) throw new UsageError(`--protocol must be TCP, UDP or SCTP, got "${String(values.protocol)}"`);
      protocol = p;
    }
    const engineChoice = values.engine === undefined ? undefined : String(values.engine);
    if (engineChoice !== undefined && engineChoice !== 'kubernetes' && engineChoice !== 'cilium') return badArgument(io, 'engine', `must be kubernetes or cilium, got "${engineChoice}"`);
    const podSpec = parseEndpointSpec(pod, 'from');
    if ('message' in podSpec) return badArgument(io, 'pod', podSpec.message);
    if (podSpec.kind !== 'pod') return badArgument(io, 'pod', `"${pod}" is not a pod: give <namespace>/<pod>`);
    if (to !== undefined) {
      const spec = parseEndpointSpec(to, 'to');
      if ('message' in spec) return badArgument(io, 'to', spec.message);
    }

    const request = { podNamespace: podSpec.namespace, podName: podSpec.name, to, port, protocol, engine: engineChoice as PolicyEngineKind | undefined, out };
    return withClusterInput(values, io, signal, async ({ store, label, snapshotRoot, hubbleLines, kubeConfig, ipamd }) => {
      const flows = values.flows === true ? (kubeConfig ? relayFlows(kubeConfig) : snapshotFlows(hubbleLines ?? [])) : undefined;
      try {
        return await drawDiagram(store, request, io, label, snapshotRoot, flows, signal, ipamd);
      } finally {
        await flows?.close();
      }
    });
  },
};

function badArgument(io: CliIo, argument: string, message: string): number {
  io.err(`cni-lens diagram: --${argument}: ${message}\n`);
  return 2;
}

interface DiagramRequest {
  podNamespace: string;
  podName: string;
  to?: string;
  port?: number;
  protocol?: L4Protocol;
  engine?: PolicyEngineKind;
  out: string;
}

async function drawDiagram(store: ClusterStore, r: DiagramRequest, io: CliIo, sourceLabel: string, snapshotRoot?: string, flows?: SessionFlows, signal?: AbortSignal, ipamd?: IpamdReader): Promise<number> {
  const found = findPod(store, r.podNamespace, r.podName);
  if (!found) return badArgument(io, 'pod', `pod ${r.podNamespace}/${r.podName} not found (no pod and no workload of that name in namespace ${r.podNamespace})`);
  if (found.note) io.err(`note: ${found.note}\n`);
  // a large cluster's ipamd is read per node: the pod's node first (a trace with --to reads its other end too)
  const node = found.pod.nodeName;
  if (ipamd && node && !ipamd.stateOf(node)) {
    const state = (await ipamd.read([node], signal ? { signal } : {})).get(node);
    if (state?.state === 'failed') io.err(`note: ${ipamdNotReadNote(node, `could not be read (${state.error.message})`)}\n`);
  }
  const podKey = `${found.pod.namespace}/${found.pod.name}`;
  const { engine } = choosePolicyEngine(store, r.engine);
  const policy = new PolicyEngine(store, { engine, ...(snapshotRoot ? { ruleLocator: fileRuleLocator(snapshotRoot) } : {}) });
  let graph: DiagramGraph | TraceInputError;
  let overlay: DiagramFlowOverlay | undefined;
  try {
    const policyEvaluator = tracePolicyEvaluator(policy);
    if (r.to === undefined) graph = podOverviewGraph(store, podKey, { policyEvaluator });
    else {
      const request: TraceRequest = { from: podKey, to: r.to, ...(r.port !== undefined ? { port: r.port } : {}), ...(r.protocol ? { protocol: r.protocol } : {}) };
      const result = await traceReadingIpamd(() => traceDatapath(store, request, { policyEvaluator }), ipamd, signal ? { signal } : {});
      graph = result.ok ? pathGraph(result.trace, { store }) : result.error;
    }
    if (!('message' in graph) && flows) {
      const g = graph;
      const records = await podFlows(flows, podKey, found.pod.ip, io, signal);
      if (records) {
        const traces = tracesOfPaths(g, (request) => traceDatapath(store, request, { policyEvaluator }));
        overlay = flowOverlay({ graph: g, traces, records, from: flows.live ? 'Hubble Relay' : 'snapshot hubble/*.jsonl', live: flows.live, resolverFor: (t) => engineResolver(policy, t), podNode: (k) => store.get('pod', k)?.nodeName });
        io.err(`flows: ${flowLegendText(overlay)}\n`);
      }
    }
  } finally {
    policy.dispose();
  }
  if ('message' in graph) return badArgument(io, graph.argument === 'from' ? 'pod' : graph.argument, graph.message);

  const elk = new ELK();
  const layout = await layoutDiagram({ layout: (g) => elk.layout(g as Parameters<typeof elk.layout>[0]) as Promise<ElkNodeLike> }, graph, approximateTextMeasure);
  const date = new Date().toISOString().replace(/:\d\d\.\d+Z$/, ' UTC').replace('T', ' ');
  const { svg } = standaloneSvg(graph, layout, {
    measure: approximateTextMeasure,
    title: `CNI Lens · ${graph.title}`,
    subtitle: `pod ${podKey} · ${sourceLabel} · policy engine ${engine} · ${date}`,
    ...(overlay ? { overlay } : {}),
  });
  if (r.out === '-') io.out(svg);
  else {
    await writeFile(r.out, svg, 'utf8');
    io.err(`wrote ${r.out}: ${graph.nodes.length} boxes, ${graph.paths.length} path${graph.paths.length === 1 ? '' : 's'}\n`);
  }
  for (const note of graph.notes) io.err(`note: ${note}\n`);
  return 0;
}

/** The pod's recent flows, or undefined (with why on stderr) when there are none to overlay. */
async function podFlows(flows: SessionFlows, podKey: string, ip: string | undefined, io: CliIo, signal?: AbortSignal): Promise<FlowRecord[] | undefined> {
  const whitelist: FlowFilter[] = [{ source_pod: [podKey] }, { destination_pod: [podKey] }, ...(ip ? [{ source_ip: [ip] }, { destination_ip: [ip] }] : [])];
  try {
    if (flows.live) await flows.probe(signal);
    if (flows.status.state !== 'ok') {
      io.err(`note: no flow overlay: ${flows.status.detail ?? flows.status.state}\n`);
      return undefined;
    }
    const records = await flows.recent({ whitelist, last: FLOW_OVERLAY_MAX_FLOWS }, signal);
    if (records.length === 0) io.err(`note: no flow overlay: no flows of ${podKey} (${flows.status.detail ?? 'Hubble'})\n`);
    return records.length > 0 ? records : undefined;
  } catch (err) {
    io.err(`note: no flow overlay: ${flows.status.state !== 'ok' && flows.status.detail ? flows.status.detail : (err as Error)?.message ?? String(err)}\n`);
    return undefined;
  }
}
