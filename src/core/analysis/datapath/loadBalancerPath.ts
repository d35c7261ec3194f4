/**
 * The NLB (IP targets) in front of a destination, for traffic from the internet (datapath.md B6): the
 * LoadBalancer Service whose selector picks the pod (or the Service named), its ENI in the target's
 * zone, and the source address the pod sees (the NLB's private IP, or the client's with client IP
 * preservation).
 */
import type { EniInfo, L4Protocol, Provenance, ServiceInfo } from '../../model';
import type { ClusterStore } from '../../store/clusterStore';
import type { ServicePick } from './serviceBackend';
import type { Dst, End } from './traceEnds';
import { nlbEnisOfHostname } from './vpcLookup';

export const LB_TARGET_TYPE = 'service.beta.kubernetes.io/aws-load-balancer-nlb-target-type';
const LB_TG_ATTRIBUTES = 'service.beta.kubernetes.io/aws-load-balancer-target-group-attributes';

export interface LoadBalancerPath {
  service: ServiceInfo;
  /** The NLB ENI that forwards; undefined when the store has none for this load balancer. */
  eni?: EniInfo;
  lbName: string;
  /** The source address the target sees. */
  sourceIp: string;
  preserved: { value: boolean; origin: Provenance };
}

export function eniZone(store: ClusterStore, eni: EniInfo): string | undefined {
  return eni.zone ?? (eni.subnetId ? store.get('subnet', eni.subnetId)?.zone : undefined);
}

/** NLB client IP preservation: the target-group attribute, else the ELB default (off for TCP/TLS IP targets, on for UDP). */
function clientIpPreserved(svc: ServiceInfo, protocol: L4Protocol): { value: boolean; origin: Provenance } {
  const attrs = svc.annotations[LB_TG_ATTRIBUTES];
  const m = attrs ? /preserve_client_ip\.enabled=(true|false)/.exec(attrs) : null;
  if (m) return { value: m[1] === 'true', origin: { ...svc.origin, detail: `Service ${svc.namespace}/${svc.name} annotation ${LB_TG_ATTRIBUTES}: ${m[0]}` } };
  const udp = protocol === 'UDP';
  return {
    value: udp,
    origin: { source: 'default', detail: `no preserve_client_ip attribute on ${svc.namespace}/${svc.name}; ELB default for IP targets: ${udp ? 'on for UDP' : 'off for TCP/TLS'} (NLB target group attributes, docs.aws.amazon.com)` },
  };
}

/** The NLB path to `dst` for a source outside (`world`, an external address) or an NLB ENI; undefined when none is found. */
export function findLoadBalancerPath(store: ClusterStore, src: End, dst: Dst, pick: ServicePick | undefined, protocol: L4Protocol): LoadBalancerPath | undefined {
  const candidates: ServiceInfo[] = [];
  if (pick) {
    // a Service was named: only its own load balancer counts (a ClusterIP has none)
    if (pick.service.type === 'LoadBalancer') candidates.push(pick.service);
  } else if (dst.kind === 'pod') {
    for (const svc of store.list('service')) {
      if (svc.type !== 'LoadBalancer' || svc.namespace !== dst.pod.namespace || !svc.selector) continue;
      const selector = Object.entries(svc.selector);
      if (selector.length > 0 && selector.every(([k, v]) => dst.pod.labels[k] === v)) candidates.push(svc);
    }
    candidates.sort((a, b) => a.name.localeCompare(b.name));
  }
  for (const svc of candidates) {
    if (svc.annotations[LB_TARGET_TYPE] !== 'ip') continue;
    const enis = svc.loadBalancerIngress.flatMap((h) => nlbEnisOfHostname(store, h));
    let eni: EniInfo | undefined;
    if (src.kind === 'aws-eni') {
      if (enis.length > 0 && !enis.some((e) => e.id === src.eni.id)) continue;
      eni = src.eni;
    } else {
      // cross-zone load balancing is off by default: the NLB node in the target's zone forwards
      const zone = dst.kind === 'pod' ? dst.node?.zone : undefined;
      eni = enis.find((e) => zone !== undefined && eniZone(store, e) === zone) ?? enis[0];
    }
    const lbName = (eni?.description ? /^ELB net\/([^/]+)\//.exec(eni.description)?.[1] : undefined) ?? `NLB of ${svc.namespace}/${svc.name}`;
    const preserved = clientIpPreserved(svc, protocol);
    const nlbIp = eni?.primaryIp ?? eni?.ips[0]?.ip ?? 'NLB private IP (unknown)';
    const sourceIp = !preserved.value ? nlbIp : src.kind === 'external' ? src.ip : src.kind === 'world' ? '0.0.0.0/0' : nlbIp;
    return { service: svc, ...(eni ? { eni } : {}), lbName, sourceIp, preserved };
  }
  return undefined;
}
