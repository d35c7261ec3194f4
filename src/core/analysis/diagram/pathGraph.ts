/**
 * One traced path as a diagram: the trace's hops in lanes (pod netns, Cilium, host routing, ENI, VPC,
 * destinations), consecutive hops of one lane in one box, the policy verdict at each enforcement
 * point. Pure: a function of the trace (and, optionally, the store for subnet and security group facts).
 */
import type { ClusterStore } from '../../store/clusterStore';
import type { DatapathTrace, TraceEndpointSummary } from '../datapath/datapathTypes';
import { DiagramBuilder } from './diagramBuilder';
import type { DiagramGraph, DiagramPath, DiagramPathCategory } from './diagramTypes';

export interface PathGraphOptions {
  /** Adds facts the trace has only as text (subnets and security groups of ENIs) and the origins of referenced objects. */
  store?: ClusterStore;
  /** Id and label of the path (default: from the trace). */
  path?: Pick<DiagramPath, 'id' | 'label' | 'category'>;
}

export function pathGraph(trace: DatapathTrace, options: PathGraphOptions = {}): DiagramGraph {
  const builder = new DiagramBuilder(options.store);
  const path = options.path ?? { id: 'path', label: pathLabel(trace), category: pathCategory(trace) };
  builder.addTrace(trace, path);
  const port = trace.request.port !== undefined ? ` ${trace.request.protocol}/${trace.request.port}` : trace.destination.port !== undefined ? ` ${trace.request.protocol}/${trace.destination.port}` : '';
  return builder.build('path', `${endName(trace.source)} → ${trace.service ? `Service ${trace.service.name} → ` : ''}${endName(trace.destination)}${port}`, trace.source.name ?? trace.source.ip);
}

function endName(e: TraceEndpointSummary): string {
  if (e.kind === 'pod' || e.kind === 'host-network-pod' || e.kind === 'node' || e.kind === 'service') return e.name ?? e.ip;
  if (e.kind === 'world') return 'internet clients';
  return e.ip;
}

/** `cart-78d4d6b5d-n4pww → payments/api (Service) :443`. */
export function pathLabel(trace: DatapathTrace): string {
  const port = trace.request.port !== undefined ? `:${trace.request.port}` : trace.destination.port !== undefined ? `:${trace.destination.port}` : '';
  const to = trace.service ? `Service ${trace.service.name}` : trace.destination.kind === 'pod' ? trace.destination.name ?? trace.destination.ip : trace.destination.owner?.replace(/ network interface.*$/, ` ${trace.destination.ip}`) ?? trace.destination.ip;
  return `${endName(trace.source)} → ${to}${port}`;
}

export function pathCategory(trace: DatapathTrace): DiagramPathCategory {
  if (trace.source.kind === 'world' || trace.hops[0]?.kind === 'load-balancer') return 'load-balancer';
  if (trace.service) return 'service';
  const d = trace.destination;
  if (d.kind === 'pod') return d.node !== undefined && d.node === trace.source.node ? 'same-node-pod' : 'other-node-pod';
  if (d.kind === 'aws-eni') return 'vpc-resource';
  if (trace.natGateway) return 'internet';
  if (trace.hops.some((h) => h.kind === 'destination' && h.text.startsWith('transit gateway'))) return 'on-premises';
  return 'custom';
}
