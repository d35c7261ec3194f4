/**
 * Cuts a trace into stages, one box each: consecutive hops in the same lane (pod eth0 and its host
 * veth; Cilium's service translation and egress policy; an ip rule and the SNAT decision; a VPC
 * route and the NAT gateway). Each stage gets a key (equal keys are the same box in an overview),
 * a title, a subtitle and the key facts an SRE looks for.
 */
import type { EniInfo } from '../../model';
import type { ClusterStore } from '../../store/clusterStore';
import type { DatapathTrace, Hop, HopStatus, PolicyDirection, TraceEndpointSummary } from '../datapath/datapathTypes';
import { diagramFact, hopFact, matchedRoute, provenanceText, securityGroupsInText, shortNodeName, sourceInText, subnetInText } from './diagramFacts';
import type { DiagramFact, DiagramLane, DiagramOwner, DiagramRef } from './diagramTypes';

export interface Stage {
  lane: DiagramLane;
  hops: Hop[];
  /** A box with no hop: where traffic from outside the VPC comes from. */
  origin?: TraceEndpointSummary;
}

export interface StageBox {
  key: string;
  lane: DiagramLane;
  owner: DiagramOwner;
  title: string;
  subtitle?: string;
  facts: DiagramFact[];
  refs: DiagramRef[];
  status: HopStatus;
  statusReason?: string;
  /** The enforcement point's policy direction, when Cilium enforces one here. */
  policy?: { direction: 'egress' | 'ingress'; decision: PolicyDirection };
}

/** The lane of a hop: where in the stack it happens. */
export function laneOfHop(hop: Hop): DiagramLane {
  switch (hop.kind) {
    case 'pod-interface':
    case 'host-veth':
      return 'pod';
    case 'socket-lb':
    case 'cilium-egress':
    case 'cilium-ingress':
      return 'cilium';
    case 'service-translation':
      return hop.owner === 'cilium' ? 'cilium' : hop.owner === 'vpc' ? 'vpc' : 'host';
    case 'host-stack':
    case 'host-routing':
    case 'snat':
      return 'host';
    case 'eni-egress':
    case 'eni-ingress':
      return 'eni';
    case 'vpc-route':
    case 'nat-gateway':
    case 'load-balancer':
      return 'vpc';
    case 'destination':
      return 'destination';
  }
}

export function stagesOf(trace: DatapathTrace): Stage[] {
  const hops = [...trace.hops];
  // Socket LB rewrites the address at connect(), before the packet exists; draw it with the rest of
  // Cilium's work on the way out, after the pod, so the pod stays the first box.
  if (hops[0]?.kind === 'socket-lb') {
    const lb = hops.shift() as Hop;
    let at = 0;
    while (at < hops.length && laneOfHop(hops[at] as Hop) === 'pod') at++;
    hops.splice(at, 0, lb);
  }
  const stages: Stage[] = [];
  if (trace.source.kind === 'world' || trace.source.kind === 'external') stages.push({ lane: 'destination', hops: [], origin: trace.source });
  for (const hop of hops) {
    const lane = laneOfHop(hop);
    const last = stages[stages.length - 1];
    if (last && !last.origin && last.lane === lane && sameMachine(last.hops[last.hops.length - 1], hop)) last.hops.push(hop);
    else stages.push({ lane, hops: [hop] });
  }
  return stages;
}

function sameMachine(a: Hop | undefined, b: Hop): boolean {
  return a === undefined || a.node === undefined || b.node === undefined || a.node === b.node;
}

const STATUS_RANK: Readonly<Record<HopStatus, number>> = { ok: 0, absent: 1, unknown: 2, drop: 3 };

export function worstStatus(statuses: readonly HopStatus[]): HopStatus {
  return statuses.reduce<HopStatus>((w, s) => (STATUS_RANK[s] > STATUS_RANK[w] ? s : w), 'ok');
}

/** Describes stage `index` of the trace's stages. `store` adds facts the trace has only as text (subnets, security groups). */
export function describeStage(stages: readonly Stage[], index: number, trace: DatapathTrace, store?: ClusterStore): StageBox {
  const stage = stages[index] as Stage;
  const status = worstStatus(stage.hops.map((h) => h.status));
  const worst = stage.hops.find((h) => h.status === status && h.status !== 'ok');
  const base = { lane: stage.lane, status, ...(worst?.reason ? { statusReason: worst.reason } : {}) };
  let box: Omit<StageBox, 'lane' | 'status' | 'statusReason'>;
  if (stage.origin) box = originBox(stage.origin, trace);
  else {
    switch (stage.lane) {
      case 'pod':
        box = podBox(stage, index === 0 ? trace.source : trace.destination, index !== 0, trace, store);
        break;
      case 'cilium':
        box = ciliumBox(stage, trace, store);
        break;
      case 'host':
        box = hostBox(stage, trace);
        break;
      case 'eni':
        box = eniBox(stage, store);
        break;
      case 'vpc':
        box = vpcBox(stage, trace, store);
        break;
      case 'destination':
        box = destinationBox(stage, trace, store);
        break;
    }
  }
  return { ...box, ...base };
}

// ------------------------------------------------------------------------------------------------

function storeRef(store: ClusterStore | undefined, kind: DiagramRef['kind'], key: string, label: string, fallback?: DiagramRef['origin']): DiagramRef {
  const origin = (store?.get(kind, key) as { origin?: DiagramRef['origin'] } | undefined)?.origin ?? fallback;
  return { kind, key, label, ...(origin ? { origin } : {}) };
}

function splitKey(name: string): { namespace: string; name: string } {
  const slash = name.indexOf('/');
  return slash < 0 ? { namespace: '', name } : { namespace: name.slice(0, slash), name: name.slice(slash + 1) };
}

function podBox(stage: Stage, end: TraceEndpointSummary, isDestination: boolean, trace: DatapathTrace, store: ClusterStore | undefined): Omit<StageBox, 'lane' | 'status'> {
  const fullName = end.name ?? end.ip;
  const { namespace, name } = splitKey(fullName);
  const podFact = hopFact(stage.hops, 'pod IP');
  const facts: DiagramFact[] = [];
  facts.push(diagramFact('eth0', `${end.ip}${isDestination && end.port !== undefined ? `:${end.port}` : ''}`, podFact?.origin));
  if (end.hostVeth && !isDestination) {
    const veth = hopFact(stage.hops, 'host veth');
    facts.push(diagramFact('veth', end.hostVeth, veth?.origin ?? { source: 'inferred', detail: `"eni" + first 11 hex of SHA-1("${namespace}.${name}")` }));
  }
  const cep = trace.hops.flatMap((h) => h.facts).find((f) => f.name === 'CiliumEndpoint' && f.value.startsWith(`${fullName} `));
  if (end.kind === 'pod') {
    facts.push(end.managed ? diagramFact('identity', String(end.identity ?? '?'), cep?.origin) : diagramFact('Cilium', 'no CiliumEndpoint', 'inferred: no CiliumEndpoint in the store'));
  }
  if (isDestination && trace.service) facts.push(diagramFact('via', `Service ${trace.service.name}`, `inferred: ${trace.service.clusterIP}${trace.service.port !== undefined ? `:${trace.service.port}` : ''} translated to this backend`));
  const refs: DiagramRef[] = [];
  if (end.kind === 'pod') refs.push(storeRef(store, 'pod', fullName, `Pod ${fullName}`, podFact?.origin));
  if (end.kind === 'pod' && end.managed) refs.push(storeRef(store, 'ciliumEndpoint', fullName, `CiliumEndpoint ${fullName}`, cep?.origin));
  if (end.node) refs.push(storeRef(store, 'node', end.node, `Node ${end.node}`));
  if (isDestination && trace.service) refs.push(storeRef(store, 'service', trace.service.name, `Service ${trace.service.name}`));
  return {
    key: `pod:${fullName}`,
    owner: 'pod',
    title: name || fullName,
    subtitle: [namespace || undefined, shortNodeName(end.node)].filter(Boolean).join(' · '),
    facts,
    refs,
  };
}

function cepFacts(hop: Hop): { facts: DiagramFact[]; ref?: { key: string; origin: DiagramRef['origin'] } } {
  const cep = hop.facts.find((f) => f.name === 'CiliumEndpoint');
  if (!cep || cep.value === 'none') return { facts: [] };
  const m = /^(\S+) id (\S+) identity (\S+)$/.exec(cep.value);
  if (!m) return { facts: [] };
  return { facts: [diagramFact('endpoint', `${m[2]}, identity ${m[3]}`, cep.origin)], ref: { key: m[1] as string, origin: cep.origin } };
}

function policyRefs(store: ClusterStore | undefined, d: PolicyDirection): DiagramRef[] {
  return d.by.map((r) => {
    const key = `${r.kind}/${r.namespace ? `${r.namespace}/` : ''}${r.name}`;
    return storeRef(store, 'networkPolicy', key, `${r.kind} ${r.namespace ? `${r.namespace}/` : ''}${r.name}`, r.file ? { source: 'snapshot', file: r.file, ...(r.line ? { line: r.line } : {}) } : undefined);
  });
}

function ciliumBox(stage: Stage, trace: DatapathTrace, store: ClusterStore | undefined): Omit<StageBox, 'lane' | 'status'> {
  const egress = stage.hops.find((h) => h.kind === 'cilium-egress');
  const ingress = stage.hops.find((h) => h.kind === 'cilium-ingress');
  const lb = stage.hops.find((h) => h.kind === 'service-translation' || h.kind === 'socket-lb');
  const main = egress ?? ingress ?? lb ?? (stage.hops[0] as Hop);
  const direction = egress ? 'egress' : ingress ? 'ingress' : undefined;
  const absent = main.status === 'absent';
  const facts: DiagramFact[] = [];
  const refs: DiagramRef[] = [];
  if (main.interface) {
    const veth = trace.hops.flatMap((h) => h.facts).find((f) => f.name === 'host veth' && f.value === main.interface);
    facts.push(diagramFact('veth', main.interface, veth?.origin ?? 'inferred: "eni" + first 11 hex of SHA-1 of the pod (VPC CNI names.go)'));
  }
  const cep = cepFacts(main);
  facts.push(...cep.facts);
  if (absent) facts.push(diagramFact('Cilium', 'no CiliumEndpoint', 'inferred: no CiliumEndpoint in the store'));
  if (cep.ref) refs.push(storeRef(store, 'ciliumEndpoint', cep.ref.key, `CiliumEndpoint ${cep.ref.key}`, cep.ref.origin));
  if (lb && trace.service) {
    // the translation first: it is what this box does that the others do not
    const s = trace.service;
    const svcFact = lb.facts.find((f) => f.name === 'Service');
    const slice = lb.facts.find((f) => f.name === 'EndpointSlice');
    facts.unshift(
      diagramFact(lb.kind === 'socket-lb' ? 'socket LB' : 'DNAT', `${s.clusterIP}${s.port !== undefined ? `:${s.port}` : ''}`, svcFact?.origin),
      diagramFact('→', `${s.backendIp}${s.targetPort !== undefined ? `:${s.targetPort}` : ''}`, slice?.origin ?? svcFact?.origin),
    );
    refs.push(storeRef(store, 'service', s.name, `Service ${s.name}`, svcFact?.origin));
  }
  let policy: StageBox['policy'];
  if (direction) {
    const decision = trace.policy[direction];
    if (decision.enforced && !absent) {
      policy = { direction, decision };
      refs.push(...policyRefs(store, decision));
    }
  }
  const hook = direction === 'ingress' ? 'cil_to_container' : 'cil_from_container';
  const title = absent ? `no ${hook}` : direction ? hook : lb?.kind === 'socket-lb' ? 'socket LB (bpf_sock)' : 'Cilium';
  const what = absent ? 'not managed by Cilium' : direction ? `${direction} policy` : 'service LB';
  const svcKey = lb && trace.service ? `:svc:${trace.service.name}>${trace.service.backendIp}` : '';
  return {
    key: `cilium:${direction ?? lb?.kind ?? 'other'}:${main.node ?? ''}:${main.interface ?? ''}${svcKey}`,
    owner: 'cilium',
    title,
    subtitle: [what, shortNodeName(main.node)].filter(Boolean).join(' · '),
    facts,
    refs,
    ...(policy ? { policy } : {}),
  };
}

function hostBox(stage: Stage, trace: DatapathTrace): Omit<StageBox, 'lane' | 'status'> {
  const routing = stage.hops.find((h) => h.kind === 'host-routing');
  const snat = stage.hops.find((h) => h.kind === 'snat');
  const stack = stage.hops.find((h) => h.kind === 'host-stack');
  const proxy = stage.hops.find((h) => h.kind === 'service-translation');
  const node = stage.hops.find((h) => h.node)?.node;
  const facts: DiagramFact[] = [];
  const keyParts: string[] = [`host:${node ?? ''}`];
  let title = 'host routing';
  let owner: DiagramOwner = 'vpc-cni';
  if (stack) {
    const delivered = stack.text.startsWith('delivered');
    title = delivered ? 'node network namespace' : 'host network';
    owner = stack.owner;
    keyParts.push(`stack:${delivered ? 'in' : 'out'}`);
    const f = stack.facts[0];
    if (f) facts.push(diagramFact(f.name, f.value, f.origin));
  }
  if (proxy) {
    const s = trace.service;
    if (!stack) title = 'kube-proxy DNAT';
    owner = stack ? owner : 'kubernetes';
    if (s) facts.push(diagramFact('kube-proxy', `${s.clusterIP}${s.port !== undefined ? `:${s.port}` : ''} → ${s.backendIp}${s.targetPort !== undefined ? `:${s.targetPort}` : ''}`, proxy.facts.find((x) => x.name === 'Service')?.origin));
    keyParts.push(`proxy:${s?.name ?? ''}>${s?.backendIp ?? ''}`);
  }
  if (routing) {
    const rule = routing.ipRule;
    const table = rule ? (rule.table === 'main' || rule.table === 'local' ? rule.table : `table ${rule.table || '?'}`) : routing.routeTable !== undefined ? `table ${routing.routeTable}` : '?';
    if (!stack && !proxy) title = rule ? `ip rule ${rule.priority} → ${table}` : `ip rule ? → ${table}`;
    if (rule) facts.push(diagramFact('rule', rule.selector, `inferred: ip rule ${rule.priority} "${rule.selector} lookup ${rule.table}" (VPC CNI)`));
    if (routing.interface) facts.push(diagramFact('dev', routing.interface, 'inferred: route in the table the rule selects'));
    keyParts.push(`rule:${rule ? `${rule.priority}/${rule.selector}/${rule.table}` : routing.status}:${routing.interface ?? ''}`);
  }
  if (snat) {
    const to = trace.snat?.to;
    const snatSource = snat.facts.find((f) => f.name === 'AWS_VPC_K8S_CNI_EXTERNALSNAT')?.origin;
    facts.push(diagramFact('SNAT', snat.status === 'unknown' ? 'unknown' : to ? `→ ${to}` : 'none', snatSource ? `${provenanceText(snatSource)}; AWS-SNAT-CHAIN-0` : 'inferred: AWS-SNAT-CHAIN-0'));
    keyParts.push(`snat:${snat.status}:${to ?? 'none'}`);
  }
  return {
    key: keyParts.join('|'),
    owner,
    title,
    subtitle: [owner === 'kubernetes' ? 'kube-proxy' : owner === 'pod' ? 'host network' : 'VPC CNI', shortNodeName(node)].filter(Boolean).join(' · '),
    facts,
    refs: [],
  };
}

function eniFacts(hop: Hop, store: ClusterStore | undefined): { facts: DiagramFact[]; refs: DiagramRef[] } {
  const facts: DiagramFact[] = [];
  const refs: DiagramRef[] = [];
  const eniId = hop.eni;
  const eni: EniInfo | undefined = eniId ? store?.get('eni', eniId) : undefined;
  const eniFact = hop.facts.find((f) => f.name === 'ENI' || f.name === 'branch ENI');
  if (eniId) {
    facts.push(diagramFact('', eniId, eni?.origin ?? eniFact?.origin));
    refs.push(storeRef(store, 'eni', eniId, `ENI ${eniId}`, eniFact?.origin));
  }
  const subnetId = eni?.subnetId ?? subnetInText(hop.text)?.id;
  const subnet = subnetId ? store?.get('subnet', subnetId) : undefined;
  const parsed = subnetInText(hop.text);
  const cidr = subnet?.cidr ?? parsed?.cidr;
  const zone = subnet?.zone ?? parsed?.zone;
  if (subnetId) facts.push(diagramFact('subnet', cidr ?? subnetId, subnet?.origin ?? eniFact?.origin, zone ? `${subnetId}, ${zone}` : subnetId));
  const groups = eni && eni.securityGroups.length > 0 ? eni.securityGroups.map((g) => g.name ?? g.id).join(', ') : securityGroupsInText(hop.text);
  if (groups) facts.push(diagramFact('SG', groups, eni?.origin ?? eniFact?.origin));
  return { facts, refs };
}

function eniBox(stage: Stage, store: ClusterStore | undefined): Omit<StageBox, 'lane' | 'status'> {
  const hop = stage.hops[0] as Hop;
  const { facts, refs } = eniFacts(hop, store);
  const out = hop.kind === 'eni-egress';
  const src = out ? sourceInText(hop.text) : undefined;
  if (src) facts.push(diagramFact('src', src, 'inferred: source address after SNAT (or the pod IP)'));
  const device = hop.interface ?? (hop.eni ? undefined : 'ENI');
  if (hop.node) refs.push(storeRef(store, 'node', hop.node, `Node ${hop.node}`));
  return {
    key: `eni:${hop.kind}:${hop.eni ?? `${hop.node ?? ''}/${hop.interface ?? ''}`}`,
    owner: 'vpc',
    title: `${out ? 'leaves' : 'arrives on'} ${device ?? 'ENI'}`,
    subtitle: ['ENI', shortNodeName(hop.node)].filter(Boolean).join(' · '),
    facts,
    refs,
  };
}

function vpcBox(stage: Stage, trace: DatapathTrace, store: ClusterStore | undefined): Omit<StageBox, 'lane' | 'status'> {
  const route = stage.hops.find((h) => h.kind === 'vpc-route');
  const nat = stage.hops.find((h) => h.kind === 'nat-gateway');
  const lb = stage.hops.find((h) => h.kind === 'load-balancer');
  const drop = stage.hops.find((h) => h.kind === 'service-translation');
  const facts: DiagramFact[] = [];
  const refs: DiagramRef[] = [];
  const keyParts: string[] = ['vpc'];
  let title = 'VPC';
  let subtitle = 'VPC';
  if (lb) {
    const name = /→ (\S+) \(Service/.exec(lb.text)?.[1];
    title = 'NLB (IP targets)';
    subtitle = 'load balancer';
    if (name) facts.push(diagramFact('name', name, lb.facts.find((f) => f.name === 'target type')?.origin));
    if (lb.eni) {
      facts.push(diagramFact('', lb.eni, lb.facts.find((f) => f.name === 'NLB ENI')?.origin));
      refs.push(storeRef(store, 'eni', lb.eni, `ENI ${lb.eni}`));
    }
    const src = /with source (\S+)/.exec(lb.text)?.[1];
    if (src) facts.splice(1, 0, diagramFact('src', src, lb.facts.find((f) => f.name === 'client IP preservation')?.origin));
    keyParts.push(`lb:${lb.eni ?? name ?? lb.status}`);
  }
  if (nat) {
    const natId = nat.facts.find((f) => f.name === 'NAT gateway')?.value ?? trace.natGateway?.id;
    const natOrigin = nat.facts.find((f) => f.name === 'NAT gateway')?.origin;
    const to = /SNATs to (\S+)/.exec(nat.text)?.[1];
    title = 'NAT gateway';
    subtitle = 'VPC';
    if (natId) {
      facts.push(diagramFact('', natId, natOrigin));
      refs.push(storeRef(store, 'natGateway', natId, `NAT gateway ${natId}`, natOrigin));
    }
    if (to && to !== 'its') facts.push(diagramFact('SNAT', `→ ${to}`, natOrigin));
    keyParts.push(`nat:${natId ?? nat.status}`);
  }
  if (route) {
    const rt = typeof route.routeTable === 'string' ? route.routeTable : undefined;
    const rtOrigin = route.facts.find((f) => f.name === 'route table')?.origin;
    const m = matchedRoute(route);
    const linkLocal = /link-local/.test(route.text);
    if (!lb && !nat) {
      title = rt ?? (linkLocal ? 'link-local' : 'route table');
      subtitle = rt ? 'VPC route table' : 'VPC';
    } else if (rt) facts.push(diagramFact('', rt, rtOrigin));
    if (m) {
      facts.push(diagramFact('route', m.destination, rtOrigin));
      // a NAT gateway box says where the route goes already
      if (!nat) facts.push(diagramFact('→', m.target, rtOrigin));
    }
    else if (linkLocal) facts.push(diagramFact('route', 'none: answered by the instance', 'inferred: link-local address (Nitro)'));
    else if (route.status === 'drop' || route.status === 'unknown') facts.push(diagramFact('route', route.status === 'drop' ? 'no match: dropped' : 'unknown', rtOrigin ?? 'trace'));
    if (rt) refs.push(storeRef(store, 'routeTable', rt, `Route table ${rt}`, rtOrigin));
    keyParts.push(`rt:${rt ?? ''}:${m ? `${m.destination}>${m.target}` : linkLocal ? `link-local:${trace.destination.ip}` : route.status}`);
  }
  if (drop) {
    title = 'no ClusterIP route';
    keyParts.push(`svc:${trace.service?.name ?? ''}`);
  }
  return { key: keyParts.join('|'), owner: 'vpc', title, subtitle, facts, refs };
}

const AWS_ROLE_TITLES: ReadonlyArray<[RegExp, string]> = [
  [/^RDS /, 'RDS'],
  [/^MSK /, 'MSK broker'],
  [/^EKS control-plane/, 'EKS control plane'],
  [/^VPC endpoint/, 'VPC endpoint'],
  [/^NAT gateway/, 'NAT gateway'],
  [/^NLB /, 'NLB'],
  [/^ALB /, 'ALB'],
];

function destinationBox(stage: Stage, trace: DatapathTrace, store: ClusterStore | undefined): Omit<StageBox, 'lane' | 'status'> {
  const hop = stage.hops[0] as Hop;
  const dst = trace.destination;
  const facts: DiagramFact[] = [];
  const refs: DiagramRef[] = [];
  const addr = `${dst.ip}${dst.port !== undefined ? `:${dst.port}` : ''}`;
  let title = 'destination';
  let subtitle = 'outside the VPC';
  let owner: DiagramOwner = 'external';
  const via = hop.text.includes(' → ') ? hop.text.slice(0, hop.text.indexOf(' → ')) : undefined;
  if (dst.kind === 'aws-eni' || dst.kind === 'nat-gateway' || dst.kind === 'load-balancer') {
    owner = 'vpc';
    const label = dst.owner ?? dst.name ?? '';
    title = AWS_ROLE_TITLES.find(([re]) => re.test(label))?.[1] ?? 'AWS network interface';
    const cluster = /\(cluster ([\w-]+)\)/.exec(label)?.[1];
    subtitle = cluster ? `cluster ${cluster}` : 'in the VPC';
    facts.push(diagramFact('IP', addr, 'trace destination'));
    const src = sourceInText(hop.text);
    if (src) facts.push(diagramFact('src', src, 'inferred: source address as the destination sees it'));
    const eni = eniFacts(hop, store);
    const sg = eni.facts.find((f) => f.name === 'SG');
    facts.push(...(sg ? [sg] : []), ...eni.facts.filter((f) => f !== sg));
    refs.push(...eni.refs);
  } else if (dst.kind === 'vpc-address') {
    owner = 'vpc';
    title = 'VPC address';
    subtitle = 'no owner in the store';
    facts.push(diagramFact('IP', addr, 'trace destination'));
  } else {
    facts.push(diagramFact('IP', addr, 'trace destination'));
    if (trace.natGateway) {
      title = 'Internet';
      subtitle = 'through the NAT gateway';
    } else if (via?.startsWith('transit gateway')) {
      title = 'Beyond the TGW';
      subtitle = 'on-premises / other VPCs';
      facts.push(diagramFact('via', via.replace('transit gateway ', ''), 'trace: matched VPC route'));
    } else if (via?.startsWith('instance-local')) {
      title = /instance metadata/.test(trace.hops.map((h) => h.text).join(' ')) ? 'IMDS' : 'link-local service';
      subtitle = 'answered by the EC2 instance';
    } else if (via) {
      title = 'outside the VPC';
      facts.push(diagramFact('via', via, 'trace: matched VPC route'));
    } else if (dst.kind === 'address') {
      title = 'address';
      subtitle = 'owner unknown';
    }
  }
  const src = sourceInText(hop.text);
  if (src && !facts.some((f) => f.name === 'src')) facts.splice(1, 0, diagramFact('src', src, 'inferred: source address as the destination sees it'));
  return { key: `dest:${dst.kind}:${dst.ip}`, owner, title, subtitle, facts, refs };
}

function originBox(origin: TraceEndpointSummary, trace: DatapathTrace): Omit<StageBox, 'lane' | 'status'> {
  const lbHop = trace.hops.find((h) => h.kind === 'load-balancer');
  const lbName = lbHop ? /→ (\S+) \(Service/.exec(lbHop.text)?.[1] : undefined;
  const facts: DiagramFact[] = [];
  if (origin.kind === 'world') facts.push(diagramFact('from', 'any address', 'trace source'));
  else facts.push(diagramFact('IP', origin.ip, 'trace source'));
  if (lbName) facts.push(diagramFact('to', lbName, lbHop?.facts.find((f) => f.name === 'target type')?.origin));
  return {
    key: `origin:${origin.kind}:${origin.kind === 'world' ? 'world' : origin.ip}`,
    owner: 'external',
    title: origin.kind === 'world' ? 'Internet clients' : `client ${origin.ip}`,
    subtitle: 'outside the VPC',
    facts,
    refs: [],
  };
}
