import type { DatapathTrace, Hop, TraceEndpointSummary } from './datapathTypes';

function endpointText(e: TraceEndpointSummary): string {
  const name = e.name ?? e.owner ?? e.kind;
  const where = [e.ip !== name ? e.ip : undefined, e.node && e.node !== name ? `on ${e.node}` : undefined].filter(Boolean).join(' ');
  const managed = e.kind === 'pod' ? (e.managed ? `, Cilium identity ${e.identity ?? '?'}` : ', no CiliumEndpoint') : '';
  return `${name}${where ? ` (${where}${managed})` : managed ? ` (${managed.slice(2)})` : ''}`;
}

const STATUS_MARK: Record<Hop['status'], string> = { ok: '', absent: ' [absent]', unknown: ' [unknown]', drop: ' [DROP]' };

/** The trace as an SRE would read it: one line per hop with its owner, then the verdict. */
export function formatTrace(trace: DatapathTrace): string {
  const lines: string[] = [];
  const port = trace.destination.port !== undefined ? ` port ${trace.destination.port}` : '';
  lines.push(`${endpointText(trace.source)}`);
  lines.push(`  → ${trace.service ? `Service ${trace.service.name} (${trace.service.clusterIP}) → ` : ''}${endpointText(trace.destination)}, ${trace.request.protocol}${port}`);
  for (const note of trace.notes) lines.push(`  note: ${note}`);
  lines.push('');
  const width = String(trace.hops.length).length;
  const indent = ' '.repeat(width + 2 + 13);
  trace.hops.forEach((hop, i) => {
    const unreached = hop.reached === false;
    lines.push(`${String(i + 1).padStart(width)}. ${`[${hop.owner}]`.padEnd(13)}${hop.text}${STATUS_MARK[hop.status]}${unreached ? ' [not reached]' : ''}`);
    if (hop.reason && hop.status !== 'ok' && !unreached) lines.push(`${indent}${hop.status === 'absent' ? 'why' : hop.status}: ${hop.reason}`);
    if (hop.dropsPacket) {
      const rest = trace.hops.length - i - 1;
      lines.push(`${indent}⛔ the packet is dropped here (${hop.dropsPacket})${rest > 0 ? `; the ${rest === 1 ? 'hop' : `${rest} hops`} below ${rest === 1 ? 'is' : 'are'} where it would have gone, not reached` : ''}`);
    }
  });
  lines.push('');
  const summary: string[] = [];
  const fromNode = trace.source.kind === 'pod' || trace.source.kind === 'host-network-pod' || trace.source.kind === 'node';
  if (trace.egress) summary.push(`leaves ${trace.source.node ?? 'the node'} through ${trace.egress.interface ?? '?'} ${trace.egress.eni ?? '(ENI unknown)'}, route table ${trace.egress.routeTable ?? '?'}`);
  else if (fromNode) summary.push('stays on the source node');
  else if (trace.hops.some((h) => h.kind === 'vpc-route')) summary.push(`enters the VPC from ${trace.source.name ?? trace.source.ip}`);
  summary.push(trace.snat ? `SNAT to ${trace.snat.to} (VPC CNI)` : 'no SNAT by the VPC CNI');
  if (trace.natGateway) summary.push(`NAT gateway ${trace.natGateway.id}${trace.natGateway.publicIp ? ` → ${trace.natGateway.publicIp}` : ''}`);
  const stop = trace.hops.find((h) => h.dropsPacket);
  lines.push(`Path${stop ? ` (dropped at ${stop.kind}: ${stop.dropsPacket}; the hops after it are not reached)` : ''}: ${summary.join('; ')}.`);
  lines.push(`Verdict: ${trace.verdict.toUpperCase()} — ${trace.verdictReason}`);
  for (const [direction, d] of [['egress', trace.policy.egress], ['ingress', trace.policy.ingress]] as const) {
    for (const r of d.by) {
      lines.push(`  ${direction} rule: ${r.kind} ${r.namespace ? `${r.namespace}/` : ''}${r.name} ${r.rule}${r.file ? ` (${r.file}${r.line ? `:${r.line}` : ''})` : ''}`);
    }
  }
  return lines.join('\n');
}
