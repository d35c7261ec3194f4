/**
 * A flow as one row of a pod's flow table (`FlowRow` of the flows webview): seen from the pod, so
 * the other end is the peer and the direction says whether the pod sent or received.
 */
import type { FlowRow } from '../../shared/flowsProtocol';
import type { Flow, FlowEndpoint, FlowPolicy, FlowRecord } from './flowTypes';

/** The flow's row for pod `ns/name`; undefined when the flow does not involve that pod. */
export function flowRow(record: FlowRecord, pod: { namespace: string; name: string; ip?: string }, fallbackId: string): FlowRow | undefined {
  const flow = record.flow;
  const isPod = (ep: FlowEndpoint | undefined, ip: string | undefined): boolean =>
    (ep?.namespace === pod.namespace && ep?.pod_name === pod.name) || (!ep?.pod_name && pod.ip !== undefined && ip === pod.ip);
  const sends = isPod(flow.source, flow.IP?.source);
  const receives = isPod(flow.destination, flow.IP?.destination);
  if (!sends && !receives) return undefined;
  const direction: FlowRow['direction'] = sends ? 'out' : 'in';
  const peerEnd = direction === 'out' ? flow.destination : flow.source;
  const peerIp = direction === 'out' ? flow.IP?.destination : flow.IP?.source;
  const time = record.time || flow.time || '';
  return {
    id: flow.uuid || fallbackId,
    time: shortTime(time),
    timestamp: time,
    verdict: flow.verdict ?? 'VERDICT_UNKNOWN',
    direction,
    peer: peerName(peerEnd, peerIp) + serviceSuffix(direction === 'out' ? flow.destination_service : flow.source_service),
    peerDetail: [peerIp, peerEnd?.identity !== undefined ? `identity ${peerEnd.identity}` : '', ...(peerEnd?.labels ?? [])].filter(Boolean).join(' · '),
    port: portText(flow),
    dropReason: flow.verdict === 'DROPPED' ? (flow.drop_reason_desc ?? (flow.event_type?.type === 5 ? 'policy verdict: denied' : '')) : '',
    policies: policiesText(flow),
    event: flowEventName(flow),
    node: record.nodeName || flow.node_name || '',
  };
}

function shortTime(time: string): string {
  const m = /T(\d\d:\d\d:\d\d)(?:\.(\d{1,3}))?\d*Z$/.exec(time);
  return m ? `${m[1]}.${(m[2] ?? '').padEnd(3, '0')}` : time;
}

function peerName(ep: FlowEndpoint | undefined, ip: string | undefined): string {
  if (ep?.pod_name) return `${ep.namespace ? `${ep.namespace}/` : ''}${ep.pod_name}`;
  const reserved = (ep?.labels ?? []).filter((l) => l.startsWith('reserved:')).map((l) => l.slice('reserved:'.length).split('=')[0]);
  const address = ip ?? '?';
  return reserved.length ? `${address} (${reserved.join(',')})` : address;
}

function serviceSuffix(svc: { name?: string; namespace?: string } | undefined): string {
  return svc?.name ? ` via svc ${svc.namespace ? `${svc.namespace}/` : ''}${svc.name}` : '';
}

function portText(flow: Flow): string {
  const l4 = flow.l4;
  if (l4?.TCP) {
    const flags = Object.entries(l4.TCP.flags ?? {}).filter(([, v]) => v).map(([k]) => k);
    return `TCP/${l4.TCP.destination_port ?? '?'}${flags.length ? ` ${flags.join(',')}` : ''}`;
  }
  if (l4?.UDP) return `UDP/${l4.UDP.destination_port ?? '?'}`;
  if (l4?.SCTP) return `SCTP/${l4.SCTP.destination_port ?? '?'}`;
  if (l4?.ICMPv4) return `ICMPv4 ${l4.ICMPv4.type ?? 0}/${l4.ICMPv4.code ?? 0}`;
  if (l4?.ICMPv6) return `ICMPv6 ${l4.ICMPv6.type ?? 0}/${l4.ICMPv6.code ?? 0}`;
  return '';
}

function policiesText(flow: Flow): string {
  const name = (p: FlowPolicy): string => `${p.namespace ? `${p.namespace}/` : ''}${p.name ?? '?'}`;
  const parts: string[] = [];
  const add = (label: string, list: FlowPolicy[] | undefined): void => {
    if (list?.length) parts.push(`${label} ${list.map(name).join(', ')}`);
  };
  add('ingress allowed by', flow.ingress_allowed_by);
  add('egress allowed by', flow.egress_allowed_by);
  add('ingress denied by', flow.ingress_denied_by);
  add('egress denied by', flow.egress_denied_by);
  return parts.join('; ');
}

/** The kind of event a flow is (`drop`, `policy-verdict`, the trace observation point), or `fallback`. */
export function flowEventName(flow: Flow, fallback = ''): string {
  switch (flow.event_type?.type) {
    case 1:
      return 'drop';
    case 5:
      return 'policy-verdict';
    case 4:
      return flow.trace_observation_point ? flow.trace_observation_point.toLowerCase().replace(/_/g, '-') : 'trace';
    default:
      return flow.trace_observation_point ? flow.trace_observation_point.toLowerCase().replace(/_/g, '-') : fallback;
  }
}
