/**
 * One line per flow, for terminals and logs, in the spirit of `hubble observe`:
 *
 *   2026-11-20T09:13:14.300Z shop/cart-78d4d6b5d-n4pww:39460 -> payments/api-f959c8b7-z9s4b:8443 TCP SYN DROPPED POLICY_DENIED INGRESS drop
 *   2026-11-20T09:12:08.120Z data/orders-consumer-77ff6fcf7d-wtk7v:37431 -> kube-system/coredns-6957d88c7b-65tgt:53 (svc kube-system/kube-dns) UDP FORWARDED EGRESS policy-verdict allowed-by data/data-egress
 *
 * time (UTC, milliseconds) · source → destination (namespace/pod, else the IP and its reserved
 * identity, with the port) · protocol (TCP flags, ICMP type) · verdict · drop reason · direction ·
 * event (drop, policy-verdict, trace point) · the policies that allowed or denied it.
 */
import { EVENT_TYPE, type Flow, type FlowEndpoint, type FlowPolicy, type FlowRecord } from './flowTypes';
import { formatHubbleTime, parseHubbleTime } from './hubbleTime';

export interface FormatFlowOptions {
  /** Append the node that observed the flow. */
  nodeName?: boolean;
}

export function formatFlowLine(input: Flow | FlowRecord, opts: FormatFlowOptions = {}): string {
  const flow = 'flow' in input && typeof input.flow === 'object' ? input.flow : (input as Flow);
  const nodeName = 'nodeName' in input && typeof input.nodeName === 'string' && input.nodeName ? input.nodeName : flow.node_name;
  const parts: string[] = [formatTime(flow.time)];
  const ports = flow.l4?.TCP ?? flow.l4?.UDP ?? flow.l4?.SCTP;
  parts.push(endpoint(flow.source, flow.IP?.source, ports?.source_port, flow.source_service));
  parts.push('->');
  parts.push(endpoint(flow.destination, flow.IP?.destination, ports?.destination_port, flow.destination_service));
  parts.push(protocol(flow));
  parts.push(flow.verdict ?? 'VERDICT_UNKNOWN');
  if (flow.drop_reason_desc) parts.push(flow.drop_reason_desc);
  if (flow.traffic_direction && flow.traffic_direction !== 'TRAFFIC_DIRECTION_UNKNOWN') parts.push(flow.traffic_direction);
  parts.push(eventName(flow));
  if (flow.is_reply) parts.push('reply');
  const allowed = [...(flow.egress_allowed_by ?? []), ...(flow.ingress_allowed_by ?? [])];
  const denied = [...(flow.egress_denied_by ?? []), ...(flow.ingress_denied_by ?? [])];
  if (allowed.length) parts.push(`allowed-by ${allowed.map(policyName).join(',')}`);
  if (denied.length) parts.push(`denied-by ${denied.map(policyName).join(',')}`);
  if (opts.nodeName && nodeName) parts.push(`node ${nodeName}`);
  return parts.filter(Boolean).join(' ');
}

function formatTime(time: string | undefined): string {
  const n = time ? parseHubbleTime(time) : undefined;
  if (n === undefined) return time ?? '-';
  const ms = (n / 1_000_000n) * 1_000_000n;
  const text = formatHubbleTime(ms);
  return text.includes('.') ? text : text.replace('Z', '.000Z');
}

function endpoint(ep: FlowEndpoint | undefined, ip: string | undefined, port: number | undefined, service: { name?: string; namespace?: string } | undefined): string {
  let name: string;
  if (ep?.pod_name) {
    name = `${ep.namespace ? `${ep.namespace}/` : ''}${ep.pod_name}`;
  } else {
    const reserved = (ep?.labels ?? []).filter((l) => l.startsWith('reserved:')).map((l) => l.slice('reserved:'.length).split('=')[0]);
    const address = ip ? (ip.includes(':') ? `[${ip}]` : ip) : '?';
    name = reserved.length ? `${address}${port ? `:${port}` : ''} (${reserved.join(',')})` : `${address}${port ? `:${port}` : ''}`;
    return service?.name ? `${name} (svc ${service.namespace ? `${service.namespace}/` : ''}${service.name})` : name;
  }
  const withPort = port ? `${name}:${port}` : name;
  return service?.name ? `${withPort} (svc ${service.namespace ? `${service.namespace}/` : ''}${service.name})` : withPort;
}

function protocol(flow: Flow): string {
  const l4 = flow.l4;
  if (l4?.TCP) {
    const flags = Object.entries(l4.TCP.flags ?? {})
      .filter(([, v]) => v)
      .map(([k]) => k);
    return flags.length ? `TCP ${flags.join(',')}` : 'TCP';
  }
  if (l4?.UDP) return 'UDP';
  if (l4?.SCTP) return 'SCTP';
  if (l4?.ICMPv4) return `ICMPv4 type ${l4.ICMPv4.type ?? 0} code ${l4.ICMPv4.code ?? 0}`;
  if (l4?.ICMPv6) return `ICMPv6 type ${l4.ICMPv6.type ?? 0} code ${l4.ICMPv6.code ?? 0}`;
  return '';
}

function eventName(flow: Flow): string {
  const type = flow.event_type?.type;
  switch (type) {
    case EVENT_TYPE.drop:
      return 'drop';
    case EVENT_TYPE.trace:
      return flow.trace_observation_point ? flow.trace_observation_point.toLowerCase().replace(/_/g, '-') : 'trace';
    case EVENT_TYPE.policyVerdict:
      return 'policy-verdict';
    case EVENT_TYPE.traceSock:
      return 'trace-sock';
    case EVENT_TYPE.accessLog:
      return 'l7';
    case undefined:
      return '';
    default:
      return `event-${type}`;
  }
}

function policyName(p: FlowPolicy): string {
  return p.namespace ? `${p.namespace}/${p.name ?? '?'}` : (p.name ?? '?');
}
