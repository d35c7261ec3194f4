/**
 * Builds the ordered hops of a packet from a source to a destination on EKS with the VPC CNI chained
 * with Cilium (`cni.chainingMode: aws-cni`), following datapath.md part B hop by hop:
 *
 * pod eth0 → host veth → Cilium `cil_from_container` (egress policy, per-packet service LB) → ip rules
 * 512/1536/1024 and the ENI's table → `AWS-SNAT-CHAIN-0` → ENI (security groups) → the subnet's route
 * table (local, NAT gateway, transit gateway…) → the destination's ENI → veth → `cil_to_container`
 * (ingress policy) → pod.
 *
 * Pure: reads the store, never does I/O. A fact that is missing makes its hop `unknown` with the
 * reason; nothing is guessed silently.
 */
import type { CiliumEndpointInfo, EniInfo, L4Protocol, NodeInfo } from '../../model';
import { ipv6PodNote } from '../../net/ipAddress';
import { cidrContains } from '../../net/ipv4';
import type { ClusterStore } from '../../store/clusterStore';
import { clusterSettings, type ClusterSettings } from '../clusterSettings';
import type { DatapathTrace, Hop, HopFact, PolicyEvaluator, TraceEgress, TraceEndpointSummary, TraceInputError, TraceResult, TraceService } from './datapathTypes';
import { findLoadBalancerPath, eniZone, LB_TARGET_TYPE, type LoadBalancerPath } from './loadBalancerPath';
import { pickServiceBackend, type ServicePick } from './serviceBackend';
import { decideSnat, type SnatDecision } from './snatDecision';
import { findPod, ipEndpoint, parseEndpointSpec, podEndpoint, type EndpointSpec, type ResolvedEndpoint } from './traceEndpoint';
import { awsNodeEnv, fact, peerOf, peerText, podOrHostAt, settingFact, toEnd, type Dst, type End, type HostEnd, type PodEnd, type TraceContext } from './traceEnds';
import { decidePolicy, markUnreachedHops, traceVerdict, type PolicyPoint } from './tracePolicy';
import { eniDevice, eniRouteTable, longestPrefixMatch, primaryEniOfNode, subnetGateway, subnetLabel, subnetRouteTable, vpcCidrs } from './vpcLookup';

export interface TraceRequest {
  /** `ns/pod` (or a workload name), `ip:A.B.C.D`, or `world`. */
  from: string;
  /** `ns/pod`, `svc:ns/name`, or `ip:A.B.C.D`. */
  to: string;
  /** Destination port: the Service port for a Service, else the pod's port. */
  port?: number;
  protocol?: L4Protocol;
  /** For a Service: the backend to follow (`ns/pod`, pod name or address); default the first by name. */
  backend?: string;
}

export interface TraceOptions {
  /** Settings already computed from the store (computed when absent). */
  settings?: ClusterSettings;
  /** The policy engine; without it, directions that Cilium enforces get `unknown`. */
  policyEvaluator?: PolicyEvaluator;
}

const VLAN_RULE_PRIORITY = 10;
const TO_CONTAINER_PRIORITY = 512;
const CONNMARK_PRIORITY = 1024;
const EXTERNAL_SERVICE_PRIORITY = 1535;
const FROM_POD_PRIORITY = 1536;

/** Traces a packet from `request.from` to `request.to`. Bad arguments give a typed error naming the argument. */
/** Link-local services every EC2 instance answers itself. */
const LINK_LOCAL_SERVICES: ReadonlyArray<{ ip: string; name: string; note: string }> = [
  { ip: '169.254.169.254', name: 'the instance metadata service (IMDS)', note: 'a pod reaches it as the node (after SNAT) and IMDSv2 needs a PUT response hop limit of 2 for pods' },
  { ip: '169.254.169.253', name: 'the Amazon-provided DNS server (Route 53 Resolver)', note: '' },
  { ip: '169.254.169.123', name: 'the Amazon Time Sync Service', note: '' },
];

export function traceDatapath(store: ClusterStore, request: TraceRequest, options: TraceOptions = {}): TraceResult {
  const protocol = request.protocol ?? 'TCP';
  const notes: string[] = [];
  const fromSpec = parseEndpointSpec(request.from, 'from');
  if ('message' in fromSpec) return { ok: false, error: fromSpec };
  const toSpec = parseEndpointSpec(request.to, 'to');
  if ('message' in toSpec) return { ok: false, error: toSpec };
  const src = resolveSpec(store, fromSpec, 'from', notes);
  if ('message' in src) return { ok: false, error: src };
  let dst = resolveSpec(store, toSpec, 'to', notes);
  if ('message' in dst) return { ok: false, error: dst };

  let pick: ServicePick | undefined;
  let port = request.port;
  if (dst.kind === 'service') {
    const p = pickServiceBackend(store, dst.service, { ...(request.port !== undefined ? { port: request.port } : {}), protocol, ...(request.backend !== undefined ? { backend: request.backend } : {}) });
    if ('message' in p) return { ok: false, error: p };
    notes.push(...p.notes);
    port = p.targetPort ?? request.port;
    if (dst.service.clusterIp === undefined || dst.service.clusterIp === 'None') {
      if (!p.chosen) return { ok: false, error: { argument: 'to', message: `Service ${dst.service.namespace}/${dst.service.name} is headless and has no ready endpoint: there is nothing to trace to` } };
      notes.push(`Service ${dst.service.namespace}/${dst.service.name} is headless: DNS returns the pod IPs and nothing translates; the trace goes to the backend directly`);
    } else {
      pick = p;
    }
    if (p.chosen) {
      const chosen = p.chosen;
      const pod = chosen.pod ? store.get('pod', `${chosen.pod.namespace}/${chosen.pod.name}`) : undefined;
      const resolved = pod ? podEndpoint(store, { ...pod, ip: chosen.address }) : ipEndpoint(store, chosen.address);
      if (typeof resolved !== 'string') dst = { ...resolved, ip: chosen.address } as ResolvedEndpoint;
    }
  } else if (request.backend !== undefined) {
    return { ok: false, error: { argument: 'backend', message: '--backend needs a Service destination (--to svc:ns/name)' } };
  }

  const settings = options.settings ?? clusterSettings(store);
  const tracer = new Tracer(store, settings, protocol, port, notes);
  const trace = tracer.run(src, dst, pick, request.port);
  const policy = decidePolicy(trace.egressPoint, trace.ingressPoint, options.policyEvaluator);
  const { verdict, reason } = traceVerdict(policy, tracer.hops);
  markUnreachedHops(tracer.hops, policy);
  const result: DatapathTrace = {
    request: { from: request.from, to: request.to, ...(request.port !== undefined ? { port: request.port } : {}), protocol },
    verdict,
    verdictReason: reason,
    source: trace.source,
    destination: trace.destination,
    service: trace.service,
    egress: tracer.egress,
    snat: tracer.snat,
    natGateway: tracer.natGateway,
    policy,
    hops: tracer.hops,
    notes,
  };
  return { ok: true, trace: result };
}

function resolveSpec(store: ClusterStore, spec: EndpointSpec, argument: 'from' | 'to', notes: string[]): ResolvedEndpoint | TraceInputError {
  switch (spec.kind) {
    case 'world':
      return { kind: 'world' };
    case 'ip':
      return ipEndpoint(store, spec.ip);
    case 'service': {
      const service = store.get('service', `${spec.namespace}/${spec.name}`);
      if (!service) return { argument, message: `Service ${spec.namespace}/${spec.name} not found` };
      if (service.type === 'ExternalName') return { argument, message: `Service ${spec.namespace}/${spec.name} is an ExternalName Service: a DNS alias, with no datapath of its own` };
      const ip = service.clusterIp && service.clusterIp !== 'None' ? service.clusterIp : 'None';
      return { kind: 'service', ip, service };
    }
    case 'pod': {
      const found = findPod(store, spec.namespace, spec.name);
      if (!found) return { argument, message: `pod ${spec.namespace}/${spec.name} not found (no pod and no workload of that name in namespace ${spec.namespace})` };
      if (found.note) notes.push(found.note);
      const resolved = podEndpoint(store, found.pod);
      const ipv6 = typeof resolved === 'string' ? undefined : ipv6PodNote(found.pod, 'traced');
      if (ipv6) notes.push(ipv6);
      return typeof resolved === 'string' ? { argument, message: resolved } : resolved;
    }
  }
}

// ------------------------------------------------------------------------------------------------

interface RunResult {
  source: TraceEndpointSummary;
  destination: TraceEndpointSummary;
  service: TraceService | null;
  egressPoint: PolicyPoint;
  ingressPoint: PolicyPoint;
}

class Tracer {
  readonly hops: Hop[] = [];
  egress: TraceEgress | null = null;
  snat: { to: string; by: 'vpc-cni' } | null = null;
  natGateway: { id: string; publicIp?: string } | null = null;
  private readonly ctx: TraceContext;
  /** Source address as the destination sees it. */
  private wireSource = '';

  constructor(
    private readonly store: ClusterStore,
    private readonly settings: ClusterSettings,
    private readonly protocol: L4Protocol,
    /** Destination port after service translation (or the load balancer's target port). */
    private port: number | undefined,
    private readonly notes: string[],
  ) {
    this.ctx = { store, settings, ciliumPresent: settings.cilium.present || store.count('ciliumEndpoint') > 0 };
  }

  private get ciliumPresent(): boolean {
    return this.ctx.ciliumPresent;
  }

  run(srcResolved: ResolvedEndpoint, dstResolved: ResolvedEndpoint, pick: ServicePick | undefined, requestedPort: number | undefined): RunResult {
    const src = toEnd(this.ctx, srcResolved);
    const dst = toEnd(this.ctx, dstResolved) as Dst; // parseEndpointSpec accepts "world" as a source only
    this.wireSource = src.kind === 'world' ? '0.0.0.0/0' : src.ip;
    let service: TraceService | null = null;
    let lb: LoadBalancerPath | undefined;

    if (src.kind === 'world' || src.kind === 'external' || (src.kind === 'aws-eni' && src.role === 'load-balancer')) {
      lb = findLoadBalancerPath(this.store, src, dst, pick, this.protocol);
      if (lb && this.port === undefined && dst.kind === 'pod') {
        const p = pickServiceBackend(this.store, lb.service, { protocol: this.protocol, backend: dst.key });
        if (!('message' in p) && p.targetPort !== undefined) this.port = p.targetPort;
      }
    }
    if (pick) service = this.serviceSummary(src, pick, lb !== undefined, requestedPort);

    // ---- source side
    let proceed = true;
    if (src.kind === 'pod') this.sourcePod(src, dst, pick);
    else if (src.kind === 'host') this.sourceHost(src, pick);
    else if (lb) this.sourceLoadBalancer(src, dst, lb);
    else proceed = this.sourceOther(src, dst, pick);

    if (proceed && pick && !pick.chosen) {
      proceed = false;
      if (!this.hops.some((h) => h.status === 'drop')) {
        this.push({
          kind: 'service-translation',
          owner: lb ? 'vpc' : 'kubernetes',
          status: 'drop',
          reason: `Service ${pick.service.namespace}/${pick.service.name} has no ready endpoint`,
          text: `nothing to send ${pick.service.clusterIp ?? ''} to: no ready backend`,
          facts: [fact('Service', `${pick.service.namespace}/${pick.service.name}`, pick.service.origin)],
          ref: 'B3',
        });
      }
    }
    if (proceed) {
      if (src.kind === 'pod' || src.kind === 'host') this.fromNode(src, dst);
      else this.fromVpcSubnet(src, dst, lb);
    }

    const [egressPoint, ingressPoint] = this.policyPoints(src, dst, pick);
    const destination = { ...this.summary(dst), ...(this.port !== undefined ? { port: this.port } : {}) };
    return { source: this.summary(src, lb), destination, service, egressPoint, ingressPoint };
  }

  // ---------------------------------------------------------------- ends

  private summary(e: End, lb?: LoadBalancerPath): TraceEndpointSummary {
    switch (e.kind) {
      case 'pod':
        return {
          kind: 'pod',
          name: e.key,
          ip: e.ip,
          ...(e.nodeName ? { node: e.nodeName } : {}),
          ...(e.branch ? { eni: e.branch.eniId } : e.eni ? { eni: e.eni.eni.id } : {}),
          hostVeth: e.veth,
          managed: e.managed,
          ...(e.managed && e.cep?.identityId !== undefined ? { identity: e.cep.identityId } : {}),
        };
      case 'host':
        return {
          kind: e.pod ? 'host-network-pod' : 'node',
          name: e.pod ? `${e.pod.namespace}/${e.pod.name}` : e.nodeName ?? e.ip,
          ip: e.ip,
          ...(e.nodeName ? { node: e.nodeName } : {}),
          ...(e.eni ? { eni: e.eni.id } : {}),
          managed: false,
        };
      case 'service':
        return { kind: 'service', name: `${e.service.namespace}/${e.service.name}`, ip: e.ip };
      case 'aws-eni':
        return { kind: e.role === 'load-balancer' ? 'load-balancer' : e.role === 'nat-gateway' ? 'nat-gateway' : 'aws-eni', name: e.label, ip: e.ip, eni: e.eni.id, owner: e.label };
      case 'nat-gateway':
        return { kind: 'nat-gateway', name: e.label, ip: e.ip, owner: e.label };
      case 'vpc-address':
        return { kind: 'vpc-address', ip: e.ip, owner: e.label, ...(e.eni ? { eni: e.eni.id } : {}) };
      case 'external':
        return { kind: 'external', ip: e.ip, ...(lb ? { name: `client ${e.ip} through ${lb.lbName}` } : {}) };
      case 'address':
        return { kind: 'address', ip: e.ip };
      case 'world':
        return { kind: 'world', name: lb ? `internet clients through ${lb.lbName}` : 'internet clients', ip: lb ? lb.sourceIp : '0.0.0.0/0' };
    }
  }

  // ---------------------------------------------------------------- helpers

  private push(hop: Omit<Hop, 'status' | 'facts'> & Partial<Pick<Hop, 'status' | 'facts'>>): Hop {
    const full: Hop = { status: 'ok', facts: [], ...hop } as Hop;
    this.hops.push(full);
    return full;
  }

  private get connmark(): string {
    return awsNodeEnv(this.ctx, 'AWS_VPC_K8S_CNI_CONNMARK').value ?? '0x80';
  }

  private portText(): string {
    return this.port !== undefined ? `${this.protocol}/${this.port}` : this.protocol;
  }

  /** `eth1 = eni-… (device 1, subnet subnet-… 100.64.0.0/18 us-west-2a)`. */
  private eniText(eni: EniInfo): string {
    const dev = eniDevice(eni);
    const subnet = eni.subnetId ? this.store.get('subnet', eni.subnetId) : undefined;
    return `${dev ? `${dev} = ` : ''}${eni.id} (${eni.deviceIndex !== undefined ? `device ${eni.deviceIndex}, ` : ''}subnet ${subnetLabel(subnet, eni.subnetId)})`;
  }

  private sgText(eni: EniInfo): string {
    if (eni.securityGroups.length === 0) return eni.origin.source === 'ipamd' ? '(unknown: ipamd does not report them and there is no EC2 data)' : '(none)';
    return eni.securityGroups.map((g) => (g.name ? `${g.name} (${g.id})` : g.id)).join(', ');
  }

  private sameNode(a: End, b: End): boolean {
    const na = a.kind === 'pod' || a.kind === 'host' ? a.nodeName : undefined;
    const nb = b.kind === 'pod' || b.kind === 'host' ? b.nodeName : undefined;
    return na !== undefined && na === nb;
  }

  private socketLbApplies(src: PodEnd | HostEnd): boolean {
    if (!this.ciliumPresent || !this.settings.cilium.socketLb.value) return false;
    const hostnsOnly = this.settings.cilium.config['bpf-lb-sock-hostns-only'] === 'true';
    return !(hostnsOnly && src.kind === 'pod');
  }

  private kubeProxyPresent(): boolean {
    return this.store.get('daemonSet', 'kube-system/kube-proxy') !== undefined;
  }

  private serviceSummary(src: End, pick: ServicePick, viaLb: boolean, requestedPort: number | undefined): TraceService {
    const svc = pick.service;
    let translatedBy: TraceService['translatedBy'] = 'kube-proxy';
    let translatedAt: TraceService['translatedAt'] = 'packet';
    if (viaLb) translatedBy = 'load-balancer';
    else if ((src.kind === 'pod' || src.kind === 'host') && this.socketLbApplies(src)) {
      translatedBy = 'cilium';
      translatedAt = 'socket';
    } else if (src.kind === 'pod' && src.managed) translatedBy = 'cilium';
    return {
      name: `${svc.namespace}/${svc.name}`,
      clusterIP: svc.clusterIp ?? 'None',
      ...(pick.port ? { port: pick.port.port } : requestedPort !== undefined ? { port: requestedPort } : {}),
      ...(pick.targetPort !== undefined ? { targetPort: pick.targetPort } : {}),
      backend: pick.chosen?.label ?? '',
      backendIp: pick.chosen?.address ?? '',
      backends: pick.backends.map((b) => b.label),
      translatedBy,
      translatedAt,
    };
  }

  // ---------------------------------------------------------------- source side

  private sourcePod(src: PodEnd, dst: Dst, pick: ServicePick | undefined): void {
    const node = src.nodeName;
    if (pick && this.socketLbApplies(src)) this.socketLbHop(src, pick);
    this.push({
      kind: 'pod-interface',
      owner: 'pod',
      node,
      interface: 'eth0',
      text: `${src.key} sends from eth0 ${src.ip}/32: "default via 169.254.1.1 dev eth0", and the static ARP entry for 169.254.1.1 points at the host veth ${src.veth}`,
      facts: [fact('pod IP', src.ip, src.pod.origin), ...(node ? [fact('node', node, src.pod.origin)] : [])],
      ref: 'B0',
    });
    this.vethHop(src);
    if (pick && !this.socketLbApplies(src) && src.managed) this.perPacketLbHop(src, pick);
    this.ciliumEgressHop(src, dst, pick);
    if (pick && !this.socketLbApplies(src) && !src.managed) this.kubeProxyHop(src, pick);
  }

  private vethHop(e: PodEnd): void {
    const prefix = e.branch?.strict ? 'vlan' : this.settings.vpcCni.vethPrefix.value;
    const facts: HopFact[] = [
      e.branch?.strict ? settingFact('POD_SECURITY_GROUP_ENFORCING_MODE', this.settings.vpcCni.podSgEnforcingMode) : settingFact('AWS_VPC_K8S_CNI_VETHPREFIX', this.settings.vpcCni.vethPrefix),
      fact('host veth', e.veth, { source: 'inferred', detail: `"${prefix}" + first 11 hex of SHA-1("${e.pod.namespace}.${e.pod.name}") (VPC CNI pkg/networkutils/names.go)` }),
    ];
    const why = e.branch?.strict ? ` (prefix "vlan": branch-ENI pod in strict mode)` : '';
    this.push({
      kind: 'host-veth',
      owner: 'vpc-cni',
      node: e.nodeName,
      interface: e.veth,
      text: `enters the node through host veth ${e.veth}${why} = "${prefix}" + sha1("${e.pod.namespace}.${e.pod.name}")[:11]`,
      facts,
      ref: e.branch ? 'B1, A2' : 'B0',
    });
  }

  private socketLbHop(src: PodEnd | HostEnd, pick: ServicePick): void {
    const svc = pick.service;
    const to = pick.chosen ? `${pick.chosen.address}${pick.targetPort !== undefined ? `:${pick.targetPort}` : ''} (${pick.chosen.label})` : 'no backend';
    this.push({
      kind: 'socket-lb',
      owner: 'cilium',
      node: src.nodeName,
      status: pick.chosen ? 'ok' : 'drop',
      ...(pick.chosen ? {} : { reason: `Service ${svc.namespace}/${svc.name} has no ready endpoint` }),
      text: `Cilium socket LB (bpf_sock cgroup hook) rewrites connect()/sendmsg() to ${svc.clusterIp}${pick.port ? `:${pick.port.port}` : ''} into ${to}: no packet ever carries the ClusterIP`,
      facts: [
        settingFact('kube-proxy-replacement', this.settings.cilium.kubeProxyReplacement),
        settingFact('socket LB', this.settings.cilium.socketLb),
        fact('Service', `${svc.namespace}/${svc.name} ${svc.clusterIp ?? ''}`, svc.origin),
        ...(pick.chosen ? [fact('EndpointSlice', pick.chosen.slice.name, pick.chosen.slice.origin)] : []),
      ],
      ref: 'B3, B0',
    });
  }

  private perPacketLbHop(src: PodEnd, pick: ServicePick): void {
    const svc = pick.service;
    const to = pick.chosen ? `${pick.chosen.address}${pick.targetPort !== undefined ? `:${pick.targetPort}` : ''} (${pick.chosen.label})` : undefined;
    this.push({
      kind: 'service-translation',
      owner: 'cilium',
      node: src.nodeName,
      interface: src.veth,
      status: to ? 'ok' : 'drop',
      ...(to ? {} : { reason: `Service ${svc.namespace}/${svc.name} has no ready endpoint: Cilium drops the packet (no backend)` }),
      text: to
        ? `cil_from_container on ${src.veth} DNATs ${svc.clusterIp}${pick.port ? `:${pick.port.port}` : ''} → ${to} per packet (socket LB is off, so ENABLE_PER_PACKET_LB); kube-proxy's rules never see this packet; replies are rev-NATed in cil_to_container`
        : `cil_from_container on ${src.veth} finds no backend for ${svc.clusterIp}`,
      facts: [
        settingFact('kube-proxy-replacement', this.settings.cilium.kubeProxyReplacement),
        settingFact('socket LB', this.settings.cilium.socketLb),
        fact('Service', `${svc.namespace}/${svc.name} ${svc.clusterIp ?? ''}`, svc.origin),
        ...(pick.chosen ? [fact('EndpointSlice', pick.chosen.slice.name, pick.chosen.slice.origin)] : []),
      ],
      ref: 'B3',
    });
  }

  private kubeProxyHop(src: PodEnd | HostEnd, pick: ServicePick): void {
    const svc = pick.service;
    const chain = src.kind === 'pod' ? 'nat PREROUTING' : 'nat OUTPUT';
    const who = src.kind === 'pod' ? 'the pod has no Cilium endpoint program' : 'host-network traffic does not pass a Cilium endpoint program';
    const present = this.kubeProxyPresent();
    const to = pick.chosen ? `${pick.chosen.address}${pick.targetPort !== undefined ? `:${pick.targetPort}` : ''} (${pick.chosen.label})` : undefined;
    const ds = this.store.get('daemonSet', 'kube-system/kube-proxy');
    this.push({
      kind: 'service-translation',
      owner: 'kubernetes',
      node: src.nodeName,
      status: !to ? 'drop' : present ? 'ok' : 'unknown',
      ...(!to
        ? { reason: `Service ${svc.namespace}/${svc.name} has no ready endpoint: kube-proxy rejects the connection` }
        : present
          ? {}
          : { reason: 'no DaemonSet kube-system/kube-proxy in the store: whether anything translates the ClusterIP for this source is unknown' }),
      text: `kube-proxy (iptables ${chain} → KUBE-SERVICES) DNATs ${svc.clusterIp}${pick.port ? `:${pick.port.port}` : ''} → ${to ?? 'no backend'}: ${who} and socket LB is off`,
      facts: [
        settingFact('socket LB', this.settings.cilium.socketLb),
        fact('Service', `${svc.namespace}/${svc.name} ${svc.clusterIp ?? ''}`, svc.origin),
        ...(ds ? [fact('kube-proxy', 'DaemonSet kube-system/kube-proxy', ds.origin)] : []),
        ...(pick.chosen ? [fact('EndpointSlice', pick.chosen.slice.name, pick.chosen.slice.origin)] : []),
      ],
      ref: 'B3',
    });
  }

  private ciliumEgressHop(src: PodEnd, dst: Dst, pick: ServicePick | undefined): void {
    if (!src.managed) {
      const reason = this.ciliumPresent
        ? `no CiliumEndpoint ${src.key}: Cilium does not manage this pod (pods started before Cilium stay unmanaged until restarted)`
        : 'Cilium is not detected in this cluster (no kube-system/cilium-config, no CiliumEndpoints)';
      this.push({
        kind: 'cilium-egress',
        owner: 'cilium',
        node: src.nodeName,
        interface: src.veth,
        status: 'absent',
        reason,
        text: `no cil_from_container on ${src.veth}: no egress policy, no per-packet service LB, no Hubble endpoint metadata for ${src.key}`,
        facts: [fact('CiliumEndpoint', 'none', { source: 'inferred', detail: `no CiliumEndpoint ${src.key} in the store` })],
        ref: 'A1, B9',
      });
      return;
    }
    const cep = src.cep as CiliumEndpointInfo;
    const peer = peerText(peerOf(this.ctx, dst, src.nodeName, dst.ip));
    this.push({
      kind: 'cilium-egress',
      owner: 'cilium',
      node: src.nodeName,
      interface: src.veth,
      text: `cil_from_container on ${src.veth} (tc ingress), endpoint ${cep.endpointId ?? '?'} identity ${cep.identityId ?? '?'}: Hubble FROM_ENDPOINT; egress policy of ${src.key} towards ${peer} ${this.portText()}${pick ? ' (after service translation)' : ''}; conntrack; TO_STACK (legacy host routing: back to the kernel)`,
      facts: [fact('CiliumEndpoint', `${src.key} id ${cep.endpointId ?? '?'} identity ${cep.identityId ?? '?'}`, cep.origin), settingFact('cni-chaining-mode', this.settings.cilium.chainingMode)],
      ref: 'B1, B8',
    });
  }

  private sourceHost(src: HostEnd, pick: ServicePick | undefined): void {
    if (pick && this.socketLbApplies(src)) this.socketLbHop(src, pick);
    const who = src.pod ? `host-network pod ${src.pod.namespace}/${src.pod.name}` : `node ${src.nodeName ?? src.ip}`;
    this.push({
      kind: 'host-stack',
      owner: src.pod ? 'pod' : 'kubernetes',
      node: src.nodeName,
      text: `${who} sends from the node's network namespace with source ${src.ip}: no pod veth, no Cilium endpoint program (cil_from_container), no pod egress policy`,
      facts: [src.pod ? fact('hostNetwork', 'true', src.pod.origin) : fact('node IP', src.ip, src.node?.origin ?? { source: 'inferred' })],
      ref: 'B0, B8',
    });
    if (pick && !this.socketLbApplies(src)) this.kubeProxyHop(src, pick);
  }

  /** A source that is an ENI in the VPC (not a node's), or an address without an owner. */
  private sourceOther(src: End, dst: Dst, pick: ServicePick | undefined): boolean {
    if (src.kind === 'world' || src.kind === 'external') {
      const svc = pick?.service;
      this.push({
        kind: 'load-balancer',
        owner: 'vpc',
        status: 'unknown',
        reason:
          svc && svc.type !== 'LoadBalancer'
            ? `Service ${svc.namespace}/${svc.name} is of type ${svc.type}: its ClusterIP is reachable only from the cluster's nodes`
            : `no internet-facing load balancer with IP targets in the store sends to ${dst.kind === 'pod' ? dst.key : dst.ip} (only NLBs in IP mode are modelled; instance mode and NodePort are not)`,
        text: `${src.kind === 'world' ? 'internet clients' : src.ip} reach pod IPs only through a load balancer: none found for this destination`,
        ref: 'B6',
      });
      return false;
    }
    if (pick) {
      this.push({
        kind: 'service-translation',
        owner: 'kubernetes',
        status: 'drop',
        reason: `ClusterIP ${pick.service.clusterIp} is translated only on the cluster's nodes (Cilium or kube-proxy); the VPC has no route to the service CIDR`,
        text: `${src.ip} is not on a node: nothing translates ClusterIP ${pick.service.clusterIp}`,
        facts: [fact('Service', `${pick.service.namespace}/${pick.service.name}`, pick.service.origin)],
        ref: 'B3',
      });
      return false;
    }
    return true;
  }

  // ---------------------------------------------------------------- load balancer (B6)

  private sourceLoadBalancer(src: End, dst: Dst, lb: LoadBalancerPath): void {
    const svc = lb.service;
    const target = `${dst.ip}${this.port !== undefined ? `:${this.port}` : ''}`;
    const from = src.kind === 'world' ? 'internet clients' : src.kind === 'external' ? `client ${src.ip}` : `${lb.lbName}`;
    const cross = src.kind !== 'aws-eni' && lb.eni ? ` its network interface ${lb.eni.id} in ${eniZone(this.store, lb.eni) ?? 'an unknown zone'} (cross-zone load balancing is off by default, so the NLB node in the target's zone forwards)` : '';
    this.wireSource = lb.sourceIp;
    this.push({
      kind: 'load-balancer',
      owner: 'vpc',
      ...(lb.eni ? { eni: lb.eni.id } : {}),
      status: lb.eni ? 'ok' : 'unknown',
      ...(lb.eni ? {} : { reason: `no ENI of the NLB of ${svc.namespace}/${svc.name} in the store (no EC2 data, or the hostname does not match an ENI description "ELB net/<name>/<id>")` }),
      text: `${from} → ${lb.lbName} (Service ${svc.namespace}/${svc.name}, IP targets):${cross} sends straight to ${target} with source ${lb.sourceIp} (client IP preservation ${lb.preserved.value ? 'on' : 'off'}); no ClusterIP, no NodePort, no kube-proxy`,
      facts: [
        fact('target type', 'ip', { ...svc.origin, detail: `annotation ${LB_TARGET_TYPE}=ip` }),
        fact('client IP preservation', String(lb.preserved.value), lb.preserved.origin),
        ...(lb.eni ? [fact('NLB ENI', `${lb.eni.id} ${lb.eni.primaryIp ?? ''}`, lb.eni.origin)] : []),
      ],
      ref: 'B6',
    });
  }

  // ---------------------------------------------------------------- from a node

  private fromNode(src: PodEnd | HostEnd, dst: Dst): void {
    const same = this.sameNode(src, dst);
    const srcStrict = src.kind === 'pod' && src.branch?.strict === true;
    const dstStrict = dst.kind === 'pod' && dst.branch?.strict === true;
    if (same && dst.kind === 'host') {
      this.push({
        kind: 'host-routing',
        owner: 'vpc-cni',
        node: src.nodeName,
        ipRule: { priority: 0, selector: 'from all', table: 'local' },
        routeTable: 'local',
        text: `ip rule 0 "lookup local": ${dst.ip} is an address of this node, so the packet is delivered to the node's own stack (no ENI, no VPC)`,
        ref: 'B1',
      });
      this.hostDelivered(dst);
      return;
    }
    if (same && dst.kind === 'pod' && !srcStrict && !dstStrict) {
      this.localToPod(src, dst);
      return;
    }
    if (same && (srcStrict || dstStrict)) {
      this.notes.push(`same node, but a branch-ENI pod in strict mode is involved: the packet hairpins through the VPC so security groups apply (datapath.md B1.4)`);
    }
    const leave = this.leaveNode(src, dst);
    this.throughVpc(leave.subnetId, leave.vpcId, dst);
  }

  private localToPod(src: PodEnd | HostEnd, dst: PodEnd): void {
    this.push({
      kind: 'host-routing',
      owner: 'vpc-cni',
      node: dst.nodeName,
      interface: dst.veth,
      ipRule: { priority: TO_CONTAINER_PRIORITY, selector: `to ${dst.ip}`, table: 'main' },
      routeTable: 'main',
      text: `ip rule ${TO_CONTAINER_PRIORITY} "to ${dst.ip} lookup main" → main has "${dst.ip} dev ${dst.veth} scope link": both ends are on ${dst.nodeName}, so no ENI, no VPC and no security group are involved`,
      facts: [fact('same node', dst.nodeName ?? '', dst.pod.origin)],
      ref: 'B1',
    });
    this.podIngress(dst, src);
  }

  /** Routing, SNAT and the ENI the packet leaves through. Returns the subnet it enters the VPC from. */
  private leaveNode(src: PodEnd | HostEnd, dst: Dst): { subnetId?: string; vpcId?: string } {
    const dstIp = dst.ip;
    const node = src.nodeName;
    const primary = node ? primaryEniOfNode(this.store, node, src.node?.internalIp) : undefined;
    const snat = decideSnat(this.ctx, src, dst.ip);
    const facts: HopFact[] = [];
    let egressEni: EniInfo | undefined;
    let device: string | undefined;
    let table: 'main' | number | undefined;
    let unknownReason: string | undefined;
    let text: string;
    let ipRule: Hop['ipRule'];
    /** The packet leaves through the pod's VLAN device and branch ENI (security groups for pods). */
    let viaBranch = false;
    const externalServiceCidrs = awsNodeEnv(this.ctx, 'AWS_EXTERNAL_SERVICE_CIDRS');
    const extCidr = (externalServiceCidrs.value ?? '').split(',').map((c) => c.trim()).find((c) => c !== '' && cidrContains(c, dstIp));
    const eth0Gw = () => subnetGateway(primary?.subnetId ? this.store.get('subnet', primary.subnetId)?.cidr : undefined) ?? 'the node subnet gateway';

    if (src.kind === 'host') {
      // Traffic from the node's own addresses: main, whose default route is eth0 (ipamd removes the
      // secondary ENIs' subnet routes from main).
      egressEni = primary;
      table = 'main';
      device = 'eth0';
      ipRule = { priority: 32766, selector: 'from all', table: 'main' };
      text = `the node's own traffic uses the main table: "default via ${eth0Gw()} dev eth0"`;
      if (!egressEni) unknownReason = `no ENI of node ${node ?? '?'} in the store (no EC2 or ipamd data): the primary ENI's id and subnet are unknown`;
    } else if (src.branch?.strict) {
      const b = src.branch;
      viaBranch = true;
      egressEni = b.eni;
      table = b.table;
      device = b.vlanDevice ?? 'vlan.eth.<vlanId>';
      ipRule = { priority: VLAN_RULE_PRIORITY, selector: `iif ${src.veth}`, table: b.table ?? 0 };
      text = `ip rule ${VLAN_RULE_PRIORITY} "iif ${src.veth} lookup ${b.table ?? '100+vlanId'}" → "default via ${subnetGateway(b.subnetCidr) ?? 'the branch subnet gateway'} dev ${device}": strict mode sends everything from a branch-ENI pod out through its VLAN, even to pods on this node`;
      facts.push(settingFact('POD_SECURITY_GROUP_ENFORCING_MODE', this.settings.vpcCni.podSgEnforcingMode), fact('pod-eni', `${b.eniId} vlan ${b.vlanId ?? '?'}`, src.pod.origin));
      if (b.vlanId === undefined) unknownReason = `the vpc.amazonaws.com/pod-eni annotation of ${src.key} has no vlanId: the table (100 + vlanId) is unknown`;
    } else if (snat.marked) {
      egressEni = primary;
      table = 'main';
      device = 'eth0';
      ipRule = { priority: CONNMARK_PRIORITY, selector: `fwmark ${this.connmark}/${this.connmark}`, table: 'main' };
      text = `AWS-CONNMARK-CHAIN-0 (nat PREROUTING -i ${this.settings.vpcCni.vethPrefix.value}+) marks the new connection ${this.connmark} because ${dstIp} is outside the VPC CIDRs and exclusions; ip rule ${CONNMARK_PRIORITY} "fwmark ${this.connmark}/${this.connmark} lookup main" wins over the pod's rule ${FROM_POD_PRIORITY} → main "default via ${eth0Gw()} dev eth0"`;
      facts.push(settingFact('AWS_VPC_K8S_CNI_EXTERNALSNAT', this.settings.vpcCni.externalSnat));
      if (!primary) unknownReason = `no primary ENI of node ${node ?? '?'} in the store (no EC2 or ipamd data)`;
    } else if (extCidr) {
      egressEni = primary;
      table = 'main';
      device = 'eth0';
      ipRule = { priority: EXTERNAL_SERVICE_PRIORITY, selector: `to ${extCidr}`, table: 'main' };
      text = `ip rule ${EXTERNAL_SERVICE_PRIORITY} "to ${extCidr} lookup main" (AWS_EXTERNAL_SERVICE_CIDRS) → main "default via ${eth0Gw()} dev eth0"`;
      facts.push(externalServiceCidrs.fact);
    } else if (src.branch) {
      const b = src.branch;
      viaBranch = true;
      egressEni = b.eni;
      table = b.table;
      device = b.vlanDevice ?? 'vlan.eth.<vlanId>';
      ipRule = { priority: FROM_POD_PRIORITY, selector: `from ${src.ip}`, table: b.table ?? 0 };
      text = `ip rule ${FROM_POD_PRIORITY} "from ${src.ip} lookup ${b.table ?? '100+vlanId'}" (standard mode) → "default via ${subnetGateway(b.subnetCidr) ?? 'the branch subnet gateway'} dev ${device}"`;
      facts.push(settingFact('POD_SECURITY_GROUP_ENFORCING_MODE', this.settings.vpcCni.podSgEnforcingMode), fact('pod-eni', `${b.eniId} vlan ${b.vlanId ?? '?'}`, src.pod.origin));
      if (b.vlanId === undefined) unknownReason = `the vpc.amazonaws.com/pod-eni annotation of ${src.key} has no vlanId: the table (100 + vlanId) is unknown`;
    } else if (src.eni) {
      egressEni = src.eni.eni;
      const t = eniRouteTable(egressEni);
      device = eniDevice(egressEni);
      if (src.eni.prefix) facts.push(fact('prefix', `${src.ip} is in prefix ${src.eni.prefix} of ${egressEni.id}`, egressEni.origin), settingFact('ENABLE_PREFIX_DELEGATION', this.settings.vpcCni.prefixDelegation));
      else facts.push(fact('ENI', `${src.ip} is a secondary IP of ${egressEni.id}`, egressEni.origin));
      if (!t) {
        unknownReason = `the device index of ${egressEni.id} is unknown, so its route table is too`;
        text = `ip rule ${FROM_POD_PRIORITY} "from ${src.ip} lookup <table of ${egressEni.id}>"`;
      } else if (t.table === 'main') {
        table = 'main';
        device = 'eth0';
        ipRule = { priority: 32766, selector: 'from all', table: 'main' };
        text = `${src.ip} is on the primary ENI ${egressEni.id}, which has no from-pod rule: main "default via ${eth0Gw()} dev eth0"`;
        facts.push(fact('route table', 'main', t.origin));
      } else {
        table = t.table;
        const gw = subnetGateway(egressEni.subnetId ? this.store.get('subnet', egressEni.subnetId)?.cidr : undefined) ?? 'the ENI subnet gateway';
        ipRule = { priority: FROM_POD_PRIORITY, selector: `from ${src.ip}`, table: t.table };
        text = `ip rule ${FROM_POD_PRIORITY} "from ${src.ip} lookup ${t.table}" (table of ${egressEni.id}, ${t.detail}) → table ${t.table} "default via ${gw} dev ${device ?? '?'}"`;
        facts.push(fact('route table', String(t.table), t.origin));
      }
      if (this.settings.vpcCni.customNetworking.value) {
        facts.push(settingFact('AWS_VPC_K8S_CNI_CUSTOM_NETWORK_CFG', this.settings.vpcCni.customNetworking));
        const ec = this.eniConfigOf(node);
        if (ec) facts.push(ec);
      }
    } else {
      unknownReason = `no ENI in the store holds ${src.ip} (no EC2 or ipamd data): the pod's rule ${FROM_POD_PRIORITY} and route table are unknown`;
      text = `ip rule ${FROM_POD_PRIORITY} "from ${src.ip} lookup <table of the pod's ENI>" (main if the IP is on the primary ENI)`;
    }

    this.push({
      kind: 'host-routing',
      owner: 'vpc-cni',
      node,
      ...(device ? { interface: device } : {}),
      ...(ipRule ? { ipRule } : {}),
      ...(table !== undefined ? { routeTable: table } : {}),
      status: unknownReason ? 'unknown' : 'ok',
      ...(unknownReason ? { reason: unknownReason } : {}),
      text,
      facts,
      ref: src.kind === 'host' ? 'B0' : snat.marked ? 'B4' : src.branch ? 'B1, A2' : this.settings.vpcCni.customNetworking.value ? 'B2, B7' : 'B2',
    });

    this.snatHop(src, snat);

    const branch = viaBranch && src.kind === 'pod' ? src.branch : undefined;
    this.egress = {
      eni: branch ? branch.eniId : egressEni?.id ?? null,
      deviceIndex: branch ? branch.trunk?.deviceIndex ?? null : egressEni?.deviceIndex ?? (device === 'eth0' ? 0 : null),
      routeTable: table ?? null,
      ...(device ? { interface: device } : {}),
    };

    // the ENI
    const source = snat.to ?? src.ip;
    this.wireSource = source;
    if (branch) {
      const b = branch;
      const trunk = b.trunk ? `trunk ENI ${b.trunk.id}${b.trunk.deviceIndex !== undefined ? ` (device ${b.trunk.deviceIndex})` : ''}` : 'the trunk ENI';
      this.push({
        kind: 'eni-egress',
        owner: 'vpc',
        node,
        eni: b.eniId,
        interface: device,
        status: b.eni ? 'ok' : 'unknown',
        ...(b.eni ? {} : { reason: `branch ENI ${b.eniId} is not in the store (no EC2 data): its subnet and security groups are unknown` }),
        text: `leaves ${device} on ${trunk}, tagged VLAN ${b.vlanId ?? '?'}, as branch ENI ${b.eniId}${b.eni ? ` (subnet ${subnetLabel(b.eni.subnetId ? this.store.get('subnet', b.eni.subnetId) : undefined, b.eni.subnetId)})` : ''} with source ${source}; the pod's own security groups ${b.eni ? this.sgText(b.eni) : '(unknown)'} apply`,
        facts: [fact('pod-eni', b.eniId, src.kind === 'pod' ? src.pod.origin : { source: 'inferred' }), ...(b.eni ? [fact('branch ENI', b.eniId, b.eni.origin)] : [])],
        ref: 'B2, A2',
      });
      return { ...(b.eni?.subnetId ? { subnetId: b.eni.subnetId } : {}), ...(b.eni?.vpcId ? { vpcId: b.eni.vpcId } : {}) };
    }
    if (!egressEni) {
      this.push({
        kind: 'eni-egress',
        owner: 'vpc',
        node,
        ...(device ? { interface: device } : {}),
        status: 'unknown',
        reason: `the ENI behind ${device ?? 'the egress device'} is not in the store (no EC2 or ipamd data): its id, subnet and security groups are unknown`,
        text: `leaves ${device ?? 'an ENI'} of node ${node ?? '?'} with source ${source}`,
        ref: 'B2',
      });
      return {};
    }
    this.push({
      kind: 'eni-egress',
      owner: 'vpc',
      node,
      eni: egressEni.id,
      ...(device ? { interface: device } : {}),
      text: `leaves ${this.eniText(egressEni)} with source ${source}; egress rules of its security groups ${this.sgText(egressEni)} apply${this.settings.vpcCni.customNetworking.value && egressEni.deviceIndex !== 0 && src.kind === 'pod' ? ' (the ENIConfig security groups, custom networking)' : ''}`,
      facts: [fact('ENI', egressEni.id, egressEni.origin)],
      ref: this.settings.vpcCni.customNetworking.value ? 'B2, B7' : 'B2',
    });
    return { ...(egressEni.subnetId ? { subnetId: egressEni.subnetId } : {}), ...(egressEni.vpcId ? { vpcId: egressEni.vpcId } : {}) };
  }

  private eniConfigOf(nodeName: string | undefined): HopFact | undefined {
    if (!nodeName) return undefined;
    const cni = this.store.get('cniNode', nodeName);
    const feature = cni?.features.find((f) => f.name === 'CustomNetworking');
    const node = this.store.get('node', nodeName);
    const name = feature?.value ?? node?.labels['vpc.amazonaws.com/externalEniConfig'] ?? node?.labels[this.settings.vpcCni.eniConfigLabelDef.value];
    if (!name) return undefined;
    const ec = this.store.get('eniConfig', name);
    const origin = feature && cni ? { ...cni.origin, detail: `CNINode ${nodeName} feature CustomNetworking=${name}` } : { ...(node?.origin ?? { source: 'inferred' as const }), detail: `node label → ENIConfig ${name}` };
    return fact('ENIConfig', ec ? `${name}: subnet ${ec.subnet ?? '?'}, security groups ${ec.securityGroups.join(', ') || 'none'}` : name, ec ? { ...ec.origin, detail: origin.detail } : origin);
  }

  private snatHop(src: PodEnd | HostEnd, snat: SnatDecision): void {
    if (snat.to) this.snat = { to: snat.to, by: 'vpc-cni' };
    this.push({
      kind: 'snat',
      owner: 'vpc-cni',
      node: src.nodeName,
      status: snat.status,
      ...(snat.reason ? { reason: snat.reason } : {}),
      text: snat.text,
      facts: snat.facts,
      ref: snat.to ? 'B4, A2' : 'B5, A2',
    });
  }

  // ---------------------------------------------------------------- the VPC

  /** From an ENI in a subnet into the VPC: route table, then the destination or the way out. */
  private fromVpcSubnet(src: End, dst: Dst, lb: LoadBalancerPath | undefined): void {
    let eni: EniInfo | undefined;
    if (lb) eni = lb.eni;
    else if (src.kind === 'aws-eni') eni = src.eni;
    else if (src.kind === 'vpc-address') eni = src.eni;
    if (!lb && src.kind !== 'world') {
      const label = src.kind === 'aws-eni' || src.kind === 'vpc-address' || src.kind === 'nat-gateway' ? src.label : src.ip;
      this.push({
        kind: 'eni-egress',
        owner: 'vpc',
        ...(eni ? { eni: eni.id } : {}),
        status: eni ? 'ok' : 'unknown',
        ...(eni ? {} : { reason: `no ENI in the store holds ${src.ip}: its subnet and security groups are unknown` }),
        text: eni ? `leaves ${label} (subnet ${subnetLabel(eni.subnetId ? this.store.get('subnet', eni.subnetId) : undefined, eni.subnetId)}) with source ${src.ip}; egress rules of its security groups ${this.sgText(eni)} apply` : `leaves ${label}`,
        facts: eni ? [fact('ENI', eni.id, eni.origin)] : [],
        ref: 'B5',
      });
    }
    this.throughVpc(eni?.subnetId, eni?.vpcId, dst);
  }

  private throughVpc(subnetId: string | undefined, vpcId: string | undefined, dst: Dst): void {
    const dstIp = dst.ip;
    const linkLocal = LINK_LOCAL_SERVICES.find((s) => s.ip === dstIp) ?? (cidrContains('169.254.0.0/16', dstIp) ? { ip: dstIp, name: 'a link-local address', note: '' } : undefined);
    if (linkLocal) {
      // link-local addresses never reach the subnet's route table: the instance's Nitro card answers them
      this.push({
        kind: 'vpc-route',
        owner: 'vpc',
        status: 'ok',
        text: `${dstIp} is ${linkLocal.name}: link-local, answered by the EC2 instance itself (Nitro), not routed by the VPC's route tables${linkLocal.note ? `; ${linkLocal.note}` : ''}`,
        ref: 'B4',
      });
      this.destinationHop(dst, 'ok', undefined, 'instance-local service');
      return;
    }
    const rt = subnetId ? subnetRouteTable(this.store, subnetId, vpcId) : undefined;
    const dstInVpc = this.knownInsideVpc(dst, vpcId);
    if (!rt) {
      const reason = !subnetId
        ? 'the subnet of the egress ENI is unknown (no EC2 data for it)'
        : `no route table for ${subnetId} in the store (EC2 DescribeRouteTables not read)`;
      this.push({
        kind: 'vpc-route',
        owner: 'vpc',
        status: 'unknown',
        reason,
        text: dstInVpc ? `the VPC's local route delivers ${dstIp} inside the VPC (${dstInVpc}); the subnet's other routes are unknown` : `the route the VPC takes for ${dstIp} is unknown`,
        ref: 'B2, B4',
      });
      if (dstInVpc) this.arriveInVpc(dst);
      else this.destinationHop(dst, 'unknown', `no route table: where ${dstIp} goes after the ENI is unknown`);
      return;
    }
    const match = longestPrefixMatch(rt.table, dstIp);
    const assoc = rt.association === 'explicit' ? `associated with ${subnetId}` : `the VPC's main route table, used by ${subnetId}`;
    const skipped = match.skippedPrefixLists.length ? `; prefix-list routes not evaluated: ${match.skippedPrefixLists.join(', ')}` : '';
    const facts = [fact('route table', rt.table.id, rt.table.origin)];
    if (!match.route) {
      this.push({
        kind: 'vpc-route',
        owner: 'vpc',
        routeTable: rt.table.id,
        status: match.skippedPrefixLists.length ? 'unknown' : 'drop',
        reason: match.skippedPrefixLists.length ? `no CIDR route matches ${dstIp}; a prefix-list route might${skipped}` : `no route in ${rt.table.id} matches ${dstIp}: the VPC drops the packet`,
        text: `route table ${rt.table.id} (${assoc}) has no route for ${dstIp}`,
        facts,
        ref: 'B4',
      });
      return;
    }
    const route = match.route;
    const blackhole = route.state === 'blackhole';
    const target = route.target.kind === 'local' ? 'local: delivered inside the VPC' : `${route.target.kind} ${route.target.id}`;
    this.push({
      kind: 'vpc-route',
      owner: 'vpc',
      routeTable: rt.table.id,
      status: blackhole ? 'drop' : 'ok',
      ...(blackhole ? { reason: `route ${route.destination} → ${route.target.id} is a blackhole (its target is gone)` } : {}),
      text: `route table ${rt.table.id} (${assoc}): ${dstIp} matches ${route.destination} → ${target}${skipped}`,
      facts,
      ref: route.target.kind === 'local' ? 'B2, B5' : 'B4, B5',
    });
    if (blackhole) return;
    switch (route.target.kind) {
      case 'local':
        this.arriveInVpc(dst);
        return;
      case 'nat-gateway':
        this.natGatewayHop(route.target.id, dst);
        return;
      case 'internet-gateway': {
        const publicIp = this.findNodeByIp(this.wireSource)?.externalIp;
        if (publicIp) this.destinationHop(dst, 'ok', undefined, `internet gateway ${route.target.id} translates ${this.wireSource} → its public IP ${publicIp}`);
        else this.destinationHop(dst, 'unknown', `the internet gateway forwards only sources with a public IPv4 address; ${this.wireSource} has none in the store`, `internet gateway ${route.target.id}`);
        return;
      }
      case 'transit-gateway':
        this.destinationHop(dst, 'unknown', `beyond transit gateway ${route.target.id}: its route tables and attachments are not read`, `transit gateway ${route.target.id}`);
        return;
      case 'vpc-peering':
        this.destinationHop(dst, 'unknown', `beyond peering connection ${route.target.id}: the peer VPC is not read`, `VPC peering ${route.target.id}`);
        return;
      default:
        this.destinationHop(dst, 'unknown', `the route sends ${dstIp} to ${route.target.kind} ${route.target.id}; what it does next is not modelled`, `${route.target.kind} ${route.target.id}`);
    }
  }

  private findNodeByIp(ip: string): NodeInfo | undefined {
    const owner = this.store.ownersOfIp(ip).find((o) => o.kind === 'node');
    return owner ? this.store.get('node', owner.key) : undefined;
  }

  /** Why the destination is known to be inside the VPC (`in VPC CIDR …`, `held by eni-…`), or undefined. */
  private knownInsideVpc(dst: Dst, vpcId: string | undefined): string | undefined {
    if (dst.kind === 'external') return undefined;
    const inside = vpcCidrs(this.store, vpcId)?.cidrs.find((c) => cidrContains(c, dst.ip));
    if (inside) return `in VPC CIDR ${inside}`;
    const eni = dst.kind === 'pod' ? (dst.branch?.eniId ?? dst.eni?.eni.id) : dst.kind === 'host' || dst.kind === 'aws-eni' ? dst.eni?.id : undefined;
    if (eni) return `held by ${eni}`;
    return dst.kind === 'pod' || dst.kind === 'host' ? 'a pod or node of the cluster' : undefined;
  }

  private natGatewayHop(natId: string, dst: Dst): void {
    const nat = this.store.get('natGateway', natId);
    if (!nat) {
      this.push({ kind: 'nat-gateway', owner: 'vpc', status: 'unknown', reason: `NAT gateway ${natId} is not in the store (EC2 DescribeNatGateways not read)`, text: `NAT gateway ${natId} SNATs to its address`, ref: 'B4' });
      this.natGateway = { id: natId };
      this.destinationHop(dst, 'ok');
      return;
    }
    const publicIp = nat.publicIps[0];
    const priv = nat.connectivity === 'private';
    const to = priv ? nat.privateIps[0] : publicIp;
    this.natGateway = { id: nat.id, ...(publicIp ? { publicIp } : {}) };
    let onward = '';
    if (nat.subnetId) {
      const rt = subnetRouteTable(this.store, nat.subnetId, nat.vpcId);
      const m = rt ? longestPrefixMatch(rt.table, dst.ip).route : undefined;
      if (rt && m) onward = `; its subnet's route table ${rt.table.id} sends ${m.destination} to ${m.target.kind} ${m.target.id}`;
      else if (!rt) onward = `; the route table of its subnet ${nat.subnetId} is not in the store`;
    }
    const subnet = nat.subnetId ? this.store.get('subnet', nat.subnetId) : undefined;
    const where = [nat.privateIps[0], nat.subnetId ? `in ${subnetLabel(subnet, nat.subnetId)}` : undefined].filter(Boolean).join(' ');
    this.wireSource = to ?? this.wireSource;
    this.push({
      kind: 'nat-gateway',
      owner: 'vpc',
      text: `NAT gateway ${nat.id}${where ? ` (${where})` : ''} SNATs to ${to ?? 'its address (unknown)'}${priv ? ' (private NAT gateway)' : ' (its Elastic IP)'}${onward}`,
      facts: [fact('NAT gateway', nat.id, nat.origin)],
      ref: 'B4',
    });
    this.destinationHop(dst, 'ok');
  }

  /** The end of a path that leaves the VPC or ends at a non-pod ENI. */
  private destinationHop(dst: Dst, status: 'ok' | 'unknown' | 'drop', reason?: string, via?: string): void {
    let what = dst.ip;
    if (dst.kind === 'external') what = `${dst.ip}, outside the VPC (Cilium identity world)`;
    else if (dst.kind === 'address') what = `${dst.ip} (no owner in the store; VPC CIDRs unknown)`;
    else if (dst.kind === 'nat-gateway' || dst.kind === 'vpc-address' || dst.kind === 'aws-eni') what = `${dst.label} ${dst.ip}`;
    this.push({
      kind: 'destination',
      owner: 'vpc',
      status,
      ...(reason ? { reason } : {}),
      text: `${via ? `${via} → ` : ''}${what}, source ${this.wireSource}`,
      ref: 'B4, B5',
    });
  }

  private arriveInVpc(dst: Dst): void {
    switch (dst.kind) {
      case 'pod':
        this.arriveAtPodEni(dst);
        this.podIngress(dst, undefined);
        return;
      case 'host':
        this.arriveAtHostEni(dst);
        this.hostDelivered(dst);
        return;
      case 'aws-eni': {
        const eni = dst.eni;
        const podSource = podOrHostAt(this.ctx, this.wireSource)?.kind === 'pod' ? ': the pod IP, not the node IP, since nothing SNATs inside the VPC' : '';
        this.push({
          kind: 'destination',
          owner: 'vpc',
          eni: eni.id,
          text: `arrives at ${dst.label} ${dst.ip} (subnet ${subnetLabel(eni.subnetId ? this.store.get('subnet', eni.subnetId) : undefined, eni.subnetId)}); ingress rules of its security groups ${this.sgText(eni)} must allow source ${this.wireSource}${podSource}`,
          facts: [fact('ENI', eni.id, eni.origin)],
          ref: 'B5',
        });
        return;
      }
      case 'vpc-address':
        this.push({
          kind: 'destination',
          owner: 'vpc',
          ...(dst.eni ? { eni: dst.eni.id } : {}),
          status: 'unknown',
          reason: `${dst.ip} is ${dst.label}: nothing known answers there`,
          text: `${dst.ip} inside the VPC, source ${this.wireSource}`,
          ref: 'B5',
        });
        return;
      default:
        this.destinationHop(dst, dst.kind === 'address' ? 'unknown' : 'ok', dst.kind === 'address' ? 'no object in the store holds this address' : undefined);
    }
  }

  private arriveAtPodEni(dst: PodEnd): void {
    if (dst.branch) {
      const b = dst.branch;
      this.push({
        kind: 'eni-ingress',
        owner: 'vpc',
        node: dst.nodeName,
        eni: b.eniId,
        interface: b.vlanDevice,
        status: b.eni ? 'ok' : 'unknown',
        ...(b.eni ? {} : { reason: `branch ENI ${b.eniId} is not in the store (no EC2 data): its security groups are unknown` }),
        text: `arrives at branch ENI ${b.eniId} of ${dst.key} (ingress rules of the pod's security groups ${b.eni ? this.sgText(b.eni) : '(unknown)'} see source ${this.wireSource}), delivered over ${b.trunk ? `trunk ENI ${b.trunk.id}` : 'the trunk ENI'} tagged VLAN ${b.vlanId ?? '?'} to ${b.vlanDevice ?? 'vlan.eth.<vlanId>'} on ${dst.nodeName ?? '?'}`,
        facts: [fact('pod-eni', b.eniId, dst.pod.origin), ...(b.eni ? [fact('branch ENI', b.eniId, b.eni.origin)] : [])],
        ref: 'B2, A2',
      });
      return;
    }
    if (!dst.eni) {
      this.push({
        kind: 'eni-ingress',
        owner: 'vpc',
        node: dst.nodeName,
        status: 'unknown',
        reason: `no ENI in the store holds ${dst.ip} (no EC2 or ipamd data): the receiving ENI and its security groups are unknown`,
        text: `arrives at the ENI of node ${dst.nodeName ?? '?'} that holds ${dst.ip}`,
        ref: 'B2',
      });
      return;
    }
    const eni = dst.eni.eni;
    this.push({
      kind: 'eni-ingress',
      owner: 'vpc',
      node: dst.nodeName,
      eni: eni.id,
      ...(eniDevice(eni) ? { interface: eniDevice(eni) } : {}),
      text: `arrives at ${this.eniText(eni)} of node ${dst.nodeName ?? eni.nodeName ?? '?'}${dst.eni.prefix ? `, which holds ${dst.ip} in prefix ${dst.eni.prefix}` : ''}; ingress rules of its security groups ${this.sgText(eni)} see source ${this.wireSource}`,
      facts: [fact('ENI', eni.id, eni.origin)],
      ref: 'B2',
    });
  }

  private arriveAtHostEni(dst: HostEnd): void {
    const eni = dst.eni;
    this.push({
      kind: 'eni-ingress',
      owner: 'vpc',
      node: dst.nodeName,
      ...(eni ? { eni: eni.id } : {}),
      ...(eni && eniDevice(eni) ? { interface: eniDevice(eni) } : {}),
      status: eni ? 'ok' : 'unknown',
      ...(eni ? {} : { reason: `no ENI of node ${dst.nodeName ?? '?'} in the store (no EC2 or ipamd data): its security groups are unknown` }),
      text: eni ? `arrives at ${this.eniText(eni)} of node ${dst.nodeName ?? '?'}; ingress rules of its security groups ${this.sgText(eni)} see source ${this.wireSource}` : `arrives at the node ${dst.nodeName ?? dst.ip}`,
      facts: eni ? [fact('ENI', eni.id, eni.origin)] : [],
      ref: 'B2',
    });
  }

  private hostDelivered(dst: HostEnd): void {
    const hostFw = this.settings.cilium.config['enable-host-firewall'] === 'true';
    const who = dst.pod ? `host-network pod ${dst.pod.namespace}/${dst.pod.name}` : `node ${dst.nodeName ?? dst.ip}`;
    this.push({
      kind: 'host-stack',
      owner: dst.pod ? 'pod' : 'kubernetes',
      node: dst.nodeName,
      text: `delivered to the node's network namespace (${who}${this.port !== undefined ? `, port ${this.port}` : ''}): no veth, no Cilium endpoint program (cil_to_container)${hostFw ? '; the Cilium host firewall (bpf_host) applies host policies' : ''}`,
      facts: dst.pod ? [fact('hostNetwork', 'true', dst.pod.origin)] : dst.node ? [fact('node', dst.node.name, dst.node.origin)] : [],
      ref: 'B0, B8',
    });
  }

  /** From the node's stack into the destination pod: routing on its node, cil_to_container, eth0. */
  private podIngress(dst: PodEnd, localSource: PodEnd | HostEnd | undefined): void {
    if (!localSource) {
      const strict = dst.branch?.strict;
      const rule = strict
        ? { priority: VLAN_RULE_PRIORITY, selector: `iif ${dst.branch?.vlanDevice ?? 'vlan.eth.<vlanId>'}`, table: dst.branch?.table ?? 0 }
        : { priority: TO_CONTAINER_PRIORITY, selector: `to ${dst.ip}`, table: 'main' as const };
      const netdev = dst.branch ? dst.branch.vlanDevice ?? 'the VLAN device' : dst.eni ? eniDevice(dst.eni.eni) ?? 'the ENI' : 'the ENI';
      this.push({
        kind: 'host-routing',
        owner: 'vpc-cni',
        node: dst.nodeName,
        interface: dst.veth,
        ipRule: rule,
        routeTable: rule.table,
        text: `${netdev} (bpf_host cil_from_netdev if attached: FROM_NETWORK) → ip rule ${rule.priority} "${rule.selector} lookup ${rule.table || '100+vlanId'}" → "${dst.ip} dev ${dst.veth} scope link"`,
        facts: dst.branch ? [settingFact('POD_SECURITY_GROUP_ENFORCING_MODE', this.settings.vpcCni.podSgEnforcingMode)] : [],
        ref: dst.branch ? 'B2, A2' : 'B2',
      });
    }
    if (dst.managed) {
      const cep = dst.cep as CiliumEndpointInfo;
      const from = peerText(peerOf(this.ctx, localSource, dst.nodeName, this.wireSource));
      this.push({
        kind: 'cilium-ingress',
        owner: 'cilium',
        node: dst.nodeName,
        interface: dst.veth,
        text: `cil_to_container on ${dst.veth} (tc egress), endpoint ${cep.endpointId ?? '?'} identity ${cep.identityId ?? '?'}: Hubble FROM_STACK; ingress policy of ${dst.key} for ${this.portText()} from ${from} (source identity from ipcache: there is no tunnel metadata); TO_ENDPOINT`,
        facts: [fact('CiliumEndpoint', `${dst.key} id ${cep.endpointId ?? '?'} identity ${cep.identityId ?? '?'}`, cep.origin)],
        ref: 'B2, B8',
      });
    } else {
      const reason = this.ciliumPresent
        ? `no CiliumEndpoint ${dst.key}: Cilium does not manage this pod (pods started before Cilium stay unmanaged until restarted)`
        : 'Cilium is not detected in this cluster (no kube-system/cilium-config, no CiliumEndpoints)';
      this.push({
        kind: 'cilium-ingress',
        owner: 'cilium',
        node: dst.nodeName,
        interface: dst.veth,
        status: 'absent',
        reason,
        text: `no cil_to_container on ${dst.veth}: no ingress policy and no Hubble endpoint metadata for ${dst.key}`,
        facts: [fact('CiliumEndpoint', 'none', { source: 'inferred', detail: `no CiliumEndpoint ${dst.key} in the store` })],
        ref: 'A1, B9',
      });
    }
    this.push({
      kind: 'pod-interface',
      owner: 'pod',
      node: dst.nodeName,
      interface: 'eth0',
      text: `delivered to eth0 of ${dst.key} (${dst.ip}${this.port !== undefined ? `:${this.port}` : ''}), source ${this.wireSource}`,
      facts: [fact('pod IP', dst.ip, dst.pod.origin)],
      ref: 'B1, B2',
    });
  }

  // ---------------------------------------------------------------- policy

  private policyPoints(src: End, dst: Dst, pick: ServicePick | undefined): [PolicyPoint, PolicyPoint] {
    const enforcement = this.settings.cilium.policyEnforcement.value;
    const service = pick ? { namespace: pick.service.namespace, name: pick.service.name } : undefined;
    const delivered = !this.hops.some((h) => h.status === 'drop');
    const base = { ...(this.port !== undefined ? { port: this.port } : {}), protocol: this.protocol, ...(service ? { service } : {}) };

    const notEnforced = (end: End, direction: 'egress' | 'ingress'): PolicyPoint => {
      const side = direction === 'egress' ? 'source' : 'destination';
      if (end.kind === 'pod') {
        if (this.settings.vpcCni.networkPolicyAgent?.value) {
          return { enforced: false, verdict: 'unknown', note: `${end.key} has no Cilium endpoint, but the VPC CNI network policy agent is enabled and may enforce Kubernetes NetworkPolicies` };
        }
        return { enforced: false, verdict: 'allow', note: this.ciliumPresent ? `${end.key} has no CiliumEndpoint: no ${direction} policy is enforced` : `Cilium is not detected: no ${direction} policy is enforced` };
      }
      if (end.kind === 'host') {
        if (this.settings.cilium.config['enable-host-firewall'] === 'true') return { enforced: false, verdict: 'unknown', note: `the ${side} is the node's network namespace and the Cilium host firewall is on: host policies are not evaluated here` };
        return { enforced: false, verdict: 'allow', note: `the ${side} is the node's network namespace: no Cilium endpoint program, no ${direction} policy` };
      }
      return { enforced: false, verdict: 'allow', note: `the ${side} is outside the cluster's pods: no Cilium ${direction} policy there` };
    };

    let egress: PolicyPoint;
    if (src.kind === 'pod' && src.managed && enforcement !== 'never') {
      egress = {
        enforced: true,
        note: `Cilium enforces ${src.key}'s egress policy in cil_from_container on ${src.veth}`,
        query: { direction: 'egress', subject: { namespace: src.pod.namespace, name: src.pod.name, ip: src.ip, ...(src.cep?.identityId !== undefined ? { identityId: src.cep.identityId } : {}) }, peer: peerOf(this.ctx, dst, src.nodeName, dst.ip), ...base },
      };
    } else if (src.kind === 'pod' && src.managed) {
      egress = { enforced: false, verdict: 'allow', note: 'cilium-config enable-policy=never: Cilium enforces no policy' };
    } else {
      egress = notEnforced(src, 'egress');
    }

    let ingress: PolicyPoint;
    if (dst.kind === 'pod' && dst.managed && enforcement !== 'never') {
      const peer = peerOf(this.ctx, src.kind === 'pod' || src.kind === 'host' ? src : undefined, dst.nodeName, this.wireSource);
      ingress = {
        enforced: true,
        note: `Cilium enforces ${dst.key}'s ingress policy in cil_to_container on ${dst.veth}${delivered ? '' : ' (not reached: the packet is dropped before)'}`,
        query: { direction: 'ingress', subject: { namespace: dst.pod.namespace, name: dst.pod.name, ip: dst.ip, ...(dst.cep?.identityId !== undefined ? { identityId: dst.cep.identityId } : {}) }, peer, ...base },
      };
    } else if (dst.kind === 'pod' && dst.managed) {
      ingress = { enforced: false, verdict: 'allow', note: 'cilium-config enable-policy=never: Cilium enforces no policy' };
    } else {
      ingress = notEnforced(dst, 'ingress');
    }
    return [egress, ingress];
  }
}
