/**
 * VPC CNI checks (datapath.md A2, A4; landscape.md §6 item 6): version, SNAT settings, custom
 * networking (ENIConfig per node, subnet in the node's AZ), prefix delegation on non-Nitro types,
 * security groups for pods without DISABLE_TCP_EARLY_DEMUX, and the network policy agent next to
 * Cilium (two policy engines).
 */
import type { EniConfigInfo, NodeInfo, Provenance, SubnetInfo } from '../../model';
import { cidrContains, parseCidr, type Ipv4Cidr } from '../../net/ipv4';
import {
  AWS_NODE_RESTART,
  DOCS,
  awsNodeInitContainer,
  capacitiesSteps,
  compareVersions,
  ev,
  evSetting,
  listed,
  parseBool,
  parseVersion,
  plural,
  setEnvLine,
  worst,
  type CheckResult,
  type DoctorCheck,
  type DoctorContext,
} from './context';
import { sortSteps, type Steps } from './steps';
import type { Evidence, FindingObject, Severity } from './types';

/** Nodes or pods between two yields of a check that walks all of them. */
const PER_STEP = 256;

/** Oldest VPC CNI the Cilium aws-cni chaining guide accepts. */
export const MIN_VPC_CNI_VERSION: readonly [number, number, number] = [1, 11, 2];

const AWS_NODE_OBJECT: FindingObject = { kind: 'DaemonSet', namespace: 'kube-system', name: 'aws-node' };

function vpcCniDetected(ctx: DoctorContext): true | string {
  if (ctx.mode === 'aws-cni-chaining' || ctx.mode === 'vpc-cni-only') {
    return ctx.settings.vpcCni.present ? true : 'DaemonSet kube-system/aws-node was not found, so the VPC CNI settings cannot be read';
  }
  return ctx.mode === 'cilium-only' ? 'the VPC CNI was not detected (Cilium runs alone)' : 'neither the VPC CNI nor Cilium was detected';
}

function awsNodeImage(ctx: DoctorContext): string | undefined {
  const ds = ctx.awsNode;
  if (!ds) return undefined;
  return (ds.containers.find((c) => c.name === 'aws-node') ?? ds.containers.find((c) => c.image?.includes('amazon-k8s-cni')))?.image;
}

function clusterName(ctx: DoctorContext): string {
  return ctx.settings.vpcCni.env.CLUSTER_NAME || '<cluster>';
}

export const vpcCniVersionCheck: DoctorCheck = {
  id: 'vpc-cni.version',
  name: 'VPC CNI present, version ≥ 1.11.2',
  group: 'vpc-cni',
  docs: `${DOCS.chaining} (requires the VPC CNI 1.11.2 or later)`,
  applies: (ctx) => (ctx.mode === 'aws-cni-chaining' || ctx.mode === 'vpc-cni-only' ? true : vpcCniDetected(ctx)),
  run(ctx): CheckResult {
    const v = ctx.settings.vpcCni;
    const min = MIN_VPC_CNI_VERSION.join('.');
    if (!v.present || !ctx.awsNode) {
      return {
        severity: 'error',
        title: 'The VPC CNI (DaemonSet kube-system/aws-node) was not found',
        detail: `The mode is aws-cni chaining (${ctx.settings.mode.reasons.join('; ')}), but DaemonSet kube-system/aws-node is not in the input: either the VPC CNI is not installed, or it was not read.`,
        fix: `Install the VPC CNI (EKS add-on: aws eks create-addon --cluster-name ${clusterName(ctx)} --addon-name vpc-cni), or include the DaemonSet: kubectl -n kube-system get daemonset aws-node -o yaml.`,
        evidence: [ev('DaemonSet kube-system/aws-node', 'not found', { source: 'inferred', detail: 'not among the objects read' })],
      };
    }
    const image = awsNodeImage(ctx);
    const origin: Provenance = { ...ctx.awsNode.origin, detail: `DaemonSet kube-system/aws-node container aws-node image ${image ?? '(none)'}` };
    const evidence = [ev('aws-node image version', v.version, origin)];
    const parsed = parseVersion(v.version);
    if (!parsed) {
      return {
        severity: 'warning',
        title: `VPC CNI version unknown (image ${image ?? 'not set'})`,
        detail: `The aws-node image tag does not carry a version, so it cannot be compared with ${min}, the oldest version the Cilium aws-cni chaining guide accepts.`,
        fix: `Check the version (kubectl -n kube-system describe daemonset aws-node | grep amazon-k8s-cni:) and run v${min} or later.`,
        evidence,
        objects: [AWS_NODE_OBJECT],
      };
    }
    if (compareVersions(parsed, MIN_VPC_CNI_VERSION) >= 0) {
      return { severity: 'ok', title: `VPC CNI ${v.version} (≥ ${min})`, detail: `aws-node runs ${image ?? v.version}.`, fix: 'Nothing to change.', evidence, objects: [AWS_NODE_OBJECT] };
    }
    return {
      severity: ctx.mode === 'aws-cni-chaining' ? 'error' : 'warning',
      title: `VPC CNI ${v.version} is older than ${min}`,
      detail: `aws-node runs ${image}. The Cilium aws-cni chaining guide requires the VPC CNI ${min} or later${ctx.mode === 'aws-cni-chaining' ? '' : ' (relevant once Cilium is chained)'}.`,
      fix: `Upgrade the VPC CNI to v${min} or later: EKS add-on: aws eks update-addon --cluster-name ${clusterName(ctx)} --addon-name vpc-cni --addon-version <a version ≥ v${min}>; self-managed: upgrade the aws-vpc-cni Helm chart (or apply the manifest of that release).`,
      evidence,
      objects: [AWS_NODE_OBJECT],
    };
  },
};

export const snatCheck: DoctorCheck = {
  id: 'vpc-cni.snat',
  name: 'VPC CNI SNAT settings',
  group: 'vpc-cni',
  docs: `${DOCS.vpcCniReadme} (AWS_VPC_K8S_CNI_EXTERNALSNAT, AWS_VPC_K8S_CNI_EXCLUDE_SNAT_CIDRS)`,
  applies: vpcCniDetected,
  run(ctx): CheckResult {
    const v = ctx.settings.vpcCni;
    const ext = v.externalSnat;
    const excl = v.excludeSnatCidrs;
    const evidence = [evSetting('aws-node AWS_VPC_K8S_CNI_EXTERNALSNAT', ext), evSetting('aws-node AWS_VPC_K8S_CNI_EXCLUDE_SNAT_CIDRS', excl)];
    const vpcCidrs: Ipv4Cidr[] = [];
    for (const vpc of ctx.store.list('vpc')) {
      for (const c of vpc.cidrs) {
        const p = parseCidr(c);
        if (p) vpcCidrs.push(p);
      }
      evidence.push(ev(`VPC ${vpc.id} CIDRs`, vpc.cidrs, vpc.origin));
    }
    const notes: string[] = [];
    const invalid = excl.value.filter((c) => !parseCidr(c) || !c.includes('/'));
    if (invalid.length > 0) notes.push(`AWS_VPC_K8S_CNI_EXCLUDE_SNAT_CIDRS has entries that are not IPv4 CIDRs: ${invalid.join(', ')}.`);
    const exclusions = excl.value.map(parseCidr).filter((c): c is Ipv4Cidr => c !== undefined);
    const insideVpc = exclusions.filter((e) => vpcCidrs.some((vc) => within(e, vc)));
    if (insideVpc.length > 0) notes.push(`${insideVpc.map((c) => c.text).join(', ')} ${insideVpc.length === 1 ? 'is' : 'are'} inside the VPC CIDRs, which are never SNATed anyway.`);

    if (ext.value) {
      if (excl.value.length > 0) {
        return {
          severity: 'info',
          title: 'AWS_VPC_K8S_CNI_EXCLUDE_SNAT_CIDRS is set but has no effect: AWS_VPC_K8S_CNI_EXTERNALSNAT=true',
          detail: `With AWS_VPC_K8S_CNI_EXTERNALSNAT=true the VPC CNI installs no SNAT rules at all: pods leave their own ENI with the pod IP, and the subnet's NAT gateway does the only SNAT. The exclusions (${excl.value.join(', ')}) are therefore unused.${notes.length ? `\n${notes.join('\n')}` : ''}`,
          fix: 'Remove the unused variable: kubectl -n kube-system set env daemonset/aws-node -c aws-node AWS_VPC_K8S_CNI_EXCLUDE_SNAT_CIDRS-',
          evidence,
          objects: [AWS_NODE_OBJECT],
        };
      }
      return {
        severity: 'info',
        title: 'VPC CNI SNAT is off (AWS_VPC_K8S_CNI_EXTERNALSNAT=true): pods leave with their own IP',
        detail: `The VPC CNI installs no SNAT rules: pod traffic leaves the pod's ENI with the pod IP, and the pod subnets' route tables must send internet traffic to a NAT gateway.${notes.length ? `\n${notes.join('\n')}` : ''}`,
        fix: 'Nothing to change.',
        evidence,
        objects: [AWS_NODE_OBJECT],
      };
    }

    // SNAT on: name the routes to networks outside the VPC that are not excluded (peering, TGW, VPN)
    const snatted: string[] = [];
    for (const rt of ctx.store.list('routeTable')) {
      for (const r of rt.routes) {
        if (!['transit-gateway', 'vpc-peering'].includes(r.target.kind) && !r.target.id.startsWith('vgw-')) continue;
        const dest = parseCidr(r.destination);
        if (!dest || dest.bits === 0) continue;
        if (vpcCidrs.some((vc) => within(dest, vc)) || exclusions.some((e) => within(dest, e))) continue;
        const text = `${dest.text} (via ${r.target.id})`;
        if (!snatted.includes(text)) snatted.push(text);
      }
    }
    const vpcText = vpcCidrs.length ? vpcCidrs.map((c) => c.text).join(', ') : 'the VPC CIDRs (not known without EC2 data)';
    const detail = [
      `Pod traffic to destinations outside ${vpcText}${exclusions.length ? ` and outside AWS_VPC_K8S_CNI_EXCLUDE_SNAT_CIDRS (${exclusions.map((c) => c.text).join(', ')})` : ''} is SNATed by the VPC CNI to the node's primary IP and leaves through eth0 (AWS-SNAT-CHAIN-0).`,
      snatted.length ? `Routed networks outside the VPC that are SNATed too, so they see node IPs, not pod IPs: ${snatted.join(', ')}.` : '',
      ...notes,
    ].filter(Boolean);
    return {
      severity: 'info',
      title: `VPC CNI SNATs to the node IP outside the VPC CIDRs${exclusions.length ? ` and ${plural(exclusions.length, 'exclusion')}` : ''}`,
      detail: detail.join('\n'),
      fix: snatted.length
        ? `Nothing to change unless those networks must see pod IPs; then exclude them: ${setEnvLine({ AWS_VPC_K8S_CNI_EXCLUDE_SNAT_CIDRS: [...excl.value, ...snatted.map((s) => s.split(' ')[0])].join(',') })}`
        : 'Nothing to change.',
      evidence,
      objects: [AWS_NODE_OBJECT],
    };
  },
};

function within(inner: Ipv4Cidr, outer: Ipv4Cidr): boolean {
  return outer.bits <= inner.bits && cidrContains(outer, inner.base);
}

interface EniConfigResolution {
  name: string;
  how: string;
  origin: Provenance;
  /** The CNINode feature, when it names another ENIConfig than the labels. */
  cniNodeDisagrees?: string;
}

/**
 * The ENIConfig a node uses (VPC CNI `GetNodeSpecificENIConfigName`): label
 * `vpc.amazonaws.com/externalEniConfig`, then the ENI_CONFIG_ANNOTATION_DEF annotation, then the
 * ENI_CONFIG_LABEL_DEF label, then `default`. Node annotations are not in the model, so the CNINode
 * `CustomNetworking` feature (the name ipamd reported it uses) stands in for the annotation.
 */
export function resolveEniConfig(ctx: DoctorContext, node: NodeInfo): EniConfigResolution {
  const labelDef = ctx.settings.vpcCni.eniConfigLabelDef.value;
  const cniNode = ctx.store.get('cniNode', node.name);
  const feature = cniNode?.features.find((f) => f.name === 'CustomNetworking' && f.value);
  const external = node.labels['vpc.amazonaws.com/externalEniConfig'];
  const label = node.labels[labelDef];
  if (external) return { name: external, how: `node label vpc.amazonaws.com/externalEniConfig=${external}`, origin: { ...node.origin, detail: `Node ${node.name} label vpc.amazonaws.com/externalEniConfig` } };
  if (feature?.value && cniNode) {
    const r: EniConfigResolution = { name: feature.value, how: `CNINode ${node.name} feature CustomNetworking=${feature.value}`, origin: { ...cniNode.origin, detail: `CNINode ${node.name} spec.features CustomNetworking=${feature.value}` } };
    if (label && label !== feature.value) r.cniNodeDisagrees = `node label ${labelDef}=${label}`;
    return r;
  }
  if (label) return { name: label, how: `node label ${labelDef}=${label}`, origin: { ...node.origin, detail: `Node ${node.name} label ${labelDef}=${label}` } };
  return { name: 'default', how: `no ${labelDef} label and no CNINode feature: the VPC CNI falls back to the ENIConfig named "default"`, origin: { source: 'default', detail: 'VPC CNI fallback ENIConfig name' } };
}

export const customNetworkingCheck: DoctorCheck = {
  id: 'vpc-cni.custom-networking',
  name: 'Custom networking: ENIConfig per node',
  group: 'vpc-cni',
  docs: DOCS.customNetworking,
  applies: vpcCniDetected,
  steps: (ctx) => customNetworkingSteps(ctx),
};

function* customNetworkingSteps(ctx: DoctorContext): Steps<CheckResult> {
  const v = ctx.settings.vpcCni;
  const cn = v.customNetworking;
  const evidence: Evidence[] = [evSetting('aws-node AWS_VPC_K8S_CNI_CUSTOM_NETWORK_CFG', cn)];
  if (!cn.value) {
    return { severity: 'ok', title: 'Custom networking is off', detail: 'AWS_VPC_K8S_CNI_CUSTOM_NETWORK_CFG is false: pods take IPs from the node\'s own subnet; no ENIConfig is needed.', fix: 'Nothing to change.', evidence, objects: [AWS_NODE_OBJECT] };
  }
  evidence.push(evSetting('aws-node ENI_CONFIG_LABEL_DEF', v.eniConfigLabelDef));
  const nodes = yield* sortSteps([...ctx.store.list('node')], (a, b) => a.name.localeCompare(b.name));
  const objects: FindingObject[] = [];
  const objectKeys = new Set<string>();
  const addObject = (o: FindingObject): void => {
    const key = JSON.stringify([o.kind, o.name, o.namespace]);
    if (objectKeys.has(key)) return;
    objectKeys.add(key);
    objects.push(o);
  };
  // problems grouped by a key so that many nodes with the same problem make one line
  const problems = new Map<string, { severity: Severity; text: (nodes: string[]) => string; nodes: string[]; fix?: string }>();
  const problem = (key: string, severity: Severity, node: string, text: (nodes: string[]) => string, fix?: string): void => {
    const p = problems.get(key);
    if (p) p.nodes.push(node);
    else problems.set(key, { severity, text, nodes: [node], ...(fix ? { fix } : {}) });
  };
  const used = new Map<string, { eniConfig: EniConfigInfo; subnet?: SubnetInfo; nodes: string[] }>();
  const unverified: string[] = [];
  const ec2 = ctx.ec2.available;
  const sgKnown = ctx.store.count('securityGroup') > 0;

  let step = 0;
  for (const node of nodes) {
    if (++step % PER_STEP === 0) yield;
    const r = resolveEniConfig(ctx, node);
    const short = node.name;
    if (r.cniNodeDisagrees) {
      problem(`disagree:${r.name}`, 'info', short, (ns) => `${listed(ns)}: ipamd reports ENIConfig ${r.name} (CNINode) while ${r.cniNodeDisagrees} — an ENI_CONFIG_ANNOTATION_DEF annotation overrides the label, or ipamd has not restarted since the label changed.`);
    }
    const eniConfig = ctx.store.get('eniConfig', r.name);
    if (!eniConfig) {
      evidence.push(ev(`Node ${short} ENIConfig`, `${r.name} (not found)`, r.origin));
      addObject({ kind: 'Node', name: node.name });
      problem(
        `missing:${r.name}`,
        'error',
        short,
        (ns) => `${listed(ns)}: ENIConfig "${r.name}" (${r.how}) does not exist, so ipamd cannot add ENIs and new pods stay ContainerCreating once the attached ENIs are full.`,
        `Create ENIConfig ${r.name} with a subnet in the node's AZ (spec.subnet, spec.securityGroups), or set the node's ${v.eniConfigLabelDef.value} label to an existing ENIConfig (kubectl label node NODE ${v.eniConfigLabelDef.value}=NAME --overwrite).`,
      );
      continue;
    }
    addObject({ kind: 'ENIConfig', name: eniConfig.name });
    const entry = used.get(eniConfig.name) ?? { eniConfig, nodes: [] };
    entry.nodes.push(short);
    used.set(eniConfig.name, entry);
    if (!eniConfig.subnet) {
      problem(`nosubnet:${eniConfig.name}`, 'error', short, (ns) => `ENIConfig ${eniConfig.name} has no spec.subnet (used by ${listed(ns)}).`, `kubectl patch eniconfig ${eniConfig.name} --type merge -p '{"spec":{"subnet":"subnet-..."}}' with a subnet in the nodes' AZ.`);
      continue;
    }
    if (!ec2) {
      unverified.push(short);
      continue;
    }
    const subnet = ctx.store.get('subnet', eniConfig.subnet);
    if (!subnet) {
      evidence.push(ev(`ENIConfig ${eniConfig.name} spec.subnet`, eniConfig.subnet, eniConfig.origin));
      problem(
        `unknownsubnet:${eniConfig.name}`,
        'error',
        short,
        (ns) => `ENIConfig ${eniConfig.name} names subnet ${eniConfig.subnet}, which EC2 does not list (deleted, or in another VPC or account); used by ${listed(ns)}.`,
        `kubectl patch eniconfig ${eniConfig.name} --type merge -p '{"spec":{"subnet":"<an existing subnet in the nodes' AZ>"}}'`,
      );
      continue;
    }
    entry.subnet = subnet;
    addObject({ kind: 'Subnet', name: subnet.id });
    if (node.zone && subnet.zone && node.zone !== subnet.zone) {
      evidence.push(
        ev(`Node ${short} zone`, node.zone, { ...node.origin, detail: `Node ${node.name} zone (label topology.kubernetes.io/zone or providerID)` }),
        ev(`Node ${short} ENIConfig`, r.name, r.origin),
        ev(`ENIConfig ${eniConfig.name} spec.subnet`, eniConfig.subnet, eniConfig.origin),
        ev(`Subnet ${subnet.id} zone`, subnet.zone, subnet.origin),
      );
      addObject({ kind: 'Node', name: node.name });
      const candidates = candidateSubnets(ctx, subnet, node.zone);
      problem(
        `az:${eniConfig.name}:${node.zone}`,
        'error',
        short,
        (ns) =>
          `ENIConfig ${eniConfig.name} uses subnet ${subnet.id} (${subnet.cidr}) in ${subnet.zone}, but ${listed(ns)} ${ns.length === 1 ? 'is' : 'are'} in ${node.zone}: EC2 cannot attach an ENI from another AZ, so ipamd cannot add ENIs there and new pods stay ContainerCreating once the attached ENIs are full.`,
        `kubectl patch eniconfig ${eniConfig.name} --type merge -p '{"spec":{"subnet":"${candidates[0]?.id ?? `<a subnet in ${node.zone}>`}"}}'` +
          (candidates.length ? ` (subnets in ${node.zone} of the same VPC range: ${candidates.map((s) => `${s.id} ${s.cidr}${s.name ? ` "${s.name}"` : ''}`).join(', ')})` : '') +
          `; or, if the name is meant for ${subnet.zone}, point the nodes at the ENIConfig of ${node.zone} (${v.eniConfigLabelDef.value} label).`,
      );
      continue;
    }
    if (sgKnown) {
      const missing = eniConfig.securityGroups.filter((sg) => !ctx.store.get('securityGroup', sg));
      if (missing.length > 0) {
        problem(`sg:${eniConfig.name}`, 'warning', short, (ns) => `ENIConfig ${eniConfig.name} names security groups EC2 does not list: ${missing.join(', ')} (used by ${listed(ns)}); ENI creation fails for a missing group.`, `kubectl patch eniconfig ${eniConfig.name} --type merge -p '{"spec":{"securityGroups":["sg-..."]}}' with existing groups of the VPC.`);
      }
    }
  }
  for (const [name, u] of used) {
    evidence.push(ev(`ENIConfig ${name} spec.subnet`, `${u.eniConfig.subnet ?? '(none)'}${u.subnet ? ` (${u.subnet.zone ?? 'zone unknown'}, ${u.subnet.cidr})` : ''}`, u.eniConfig.origin));
  }
  if (!ec2) evidence.push(ev('EC2 subnets', 'not available', ctx.ec2.origin));

  const severity = worst([...[...problems.values()].map((p) => p.severity), unverified.length > 0 ? 'info' : 'ok']);
  const usage = [...used.entries()].map(([name, u]) => `${name} → ${u.eniConfig.subnet ?? '(no subnet)'}${u.subnet ? ` (${u.subnet.zone}, ${u.subnet.cidr})` : ''}: ${listed(u.nodes, 4)}`);
  if (problems.size === 0 && unverified.length === 0) {
    return {
      severity: 'ok',
      title: `Every node (${nodes.length}) resolves to an ENIConfig whose subnet is in its AZ`,
      detail: usage.join('\n') || 'No nodes in the input.',
      fix: 'Nothing to change.',
      evidence,
      objects,
    };
  }
  const lines = [...problems.values()].sort((a, b) => rank(b.severity) - rank(a.severity)).map((p) => p.text(p.nodes));
  if (unverified.length > 0) lines.push(`Not verified without EC2 data (subnet exists, subnet AZ): ${listed(unverified)} (${ctx.ec2.detail}).`);
  const fixes = [...problems.values()].filter((p) => p.fix).map((p) => p.fix as string);
  const counts = [...problems.values()].filter((p) => p.severity === 'error').reduce((n, p) => n + p.nodes.length, 0);
  return {
    severity,
    title:
      severity === 'error'
        ? `${plural(counts, 'node')} ${counts === 1 ? 'has' : 'have'} no usable ENIConfig (custom networking)`
        : severity === 'warning'
          ? 'ENIConfig problems (custom networking)'
          : `Custom networking: ENIConfigs ${unverified.length > 0 ? 'found but their subnets were not verified' : 'resolve, with notes'}`,
    detail: [...lines, ...(usage.length ? ['In use:', ...usage.map((u) => `  ${u}`)] : [])].join('\n'),
    fix: fixes.length ? fixes.join('\n') : unverified.length ? 'Add EC2 data (aws ec2 describe-subnets) to verify the subnets.' : 'Nothing to change.',
    evidence,
    objects,
  };
}

function rank(s: Severity): number {
  return ['ok', 'info', 'warning', 'error'].indexOf(s);
}

/** Subnets of `zone` in the same VPC and the same VPC CIDR block as `like` (e.g. the 100.64/16 pod range). */
function candidateSubnets(ctx: DoctorContext, like: SubnetInfo, zone: string): SubnetInfo[] {
  const likeCidr = parseCidr(like.cidr);
  const vpc = like.vpcId ? ctx.store.get('vpc', like.vpcId) : undefined;
  const block = likeCidr && vpc ? vpc.cidrs.map(parseCidr).find((c) => c !== undefined && within(likeCidr, c)) : undefined;
  const out: SubnetInfo[] = [];
  for (const s of ctx.store.list('subnet')) {
    if (s.zone !== zone || s.id === like.id) continue;
    if (like.vpcId && s.vpcId && s.vpcId !== like.vpcId) continue;
    const c = parseCidr(s.cidr);
    if (block && (!c || !within(c, block))) continue;
    out.push(s);
  }
  return out.sort((a, b) => a.id.localeCompare(b.id));
}

export const prefixDelegationCheck: DoctorCheck = {
  id: 'vpc-cni.prefix-delegation',
  name: 'Prefix delegation on Nitro instances',
  group: 'vpc-cni',
  docs: `${DOCS.vpcCniReadme} (ENABLE_PREFIX_DELEGATION); docs/prefix-and-ip-target.md`,
  applies: vpcCniDetected,
  steps: (ctx) => prefixDelegationSteps(ctx),
};

function* prefixDelegationSteps(ctx: DoctorContext): Steps<CheckResult> {
  const v = ctx.settings.vpcCni;
  const pd = v.prefixDelegation;
  const evidence = [evSetting('aws-node ENABLE_PREFIX_DELEGATION', pd)];
  if (!pd.value) return { severity: 'ok', title: 'Prefix delegation is off', detail: 'Pods get secondary IPs, one per pod.', fix: 'Nothing to change.', evidence, objects: [AWS_NODE_OBJECT] };
  const caps = yield* capacitiesSteps(ctx);
  const bad = caps.filter((c) => c.flags.includes('prefix-delegation-unsupported'));
  const unknown = caps.filter((c) => c.flags.includes('unknown-instance-type'));
  for (const c of bad) evidence.push(ev(`Node ${c.node} instance type`, `${c.instanceType} (${c.limits?.hypervisor ?? 'unknown'} hypervisor)`, c.origin));
  const note = unknown.length ? `\nInstance type unknown (not checked): ${listed(unknown.map((c) => `${c.node}${c.instanceType ? ` (${c.instanceType})` : ''}`))}.` : '';
  if (bad.length === 0) {
    return { severity: unknown.length ? 'info' : 'ok', title: 'Prefix delegation is on, on Nitro instances', detail: `All ${plural(caps.length - unknown.length, 'node')} with a known instance type are Nitro or bare metal: ipamd hands out /28 prefixes.${note}`, fix: 'Nothing to change.', evidence, objects: [AWS_NODE_OBJECT] };
  }
  return {
    severity: 'warning',
    title: `Prefix delegation is on, but ${plural(bad.length, 'node')} ${bad.length === 1 ? 'is' : 'are'} not Nitro`,
    detail: `ipamd allocates /28 prefixes only on Nitro or bare-metal instances; on ${bad.map((c) => `${c.node} (${c.instanceType}, ${c.limits?.hypervisor})`).join(', ')} it keeps handing out single secondary IPs, so these nodes hold far fewer pods than the prefix-delegation max-pods value kubelet may be configured with.${note}`,
    fix: `Run Nitro instance types in these node groups, or turn prefix delegation off: ${setEnvLine({ ENABLE_PREFIX_DELEGATION: 'false' })} (and lower max pods in the node groups to the secondary-IP value).`,
    evidence,
    objects: [AWS_NODE_OBJECT, ...bad.map((c) => ({ kind: 'Node', name: c.node }))],
  };
}

export const sgForPodsCheck: DoctorCheck = {
  id: 'vpc-cni.sg-for-pods',
  name: 'Security groups for pods: TCP early demux off',
  group: 'vpc-cni',
  docs: DOCS.sgForPods,
  applies: vpcCniDetected,
  steps: (ctx) => sgForPodsSteps(ctx),
};

function* sgForPodsSteps(ctx: DoctorContext): Steps<CheckResult> {
  const v = ctx.settings.vpcCni;
  const podEni = v.podEni;
  const evidence = [evSetting('aws-node ENABLE_POD_ENI', podEni)];
  if (!podEni.value) return { severity: 'ok', title: 'Security groups for pods are off (ENABLE_POD_ENI=false)', detail: 'No trunk or branch ENIs: pods share the node ENIs\' security groups.', fix: 'Nothing to change.', evidence, objects: [AWS_NODE_OBJECT] };
  const ds = ctx.awsNode;
  const init = awsNodeInitContainer(ds);
  const raw = init?.env.DISABLE_TCP_EARLY_DEMUX;
  const initName = init?.name ?? 'aws-vpc-cni-init';
  const origin: Provenance =
    ds && init && raw !== undefined
      ? { ...ds.origin, detail: `DaemonSet kube-system/aws-node init container ${init.name} env DISABLE_TCP_EARLY_DEMUX=${raw}` }
      : { source: 'default', detail: init ? `DISABLE_TCP_EARLY_DEMUX not set on init container ${init.name}; default false` : 'no aws-vpc-cni-init init container found; DISABLE_TCP_EARLY_DEMUX default false' };
  evidence.push(ev(`aws-node init container ${initName} DISABLE_TCP_EARLY_DEMUX`, raw, origin), evSetting('aws-node POD_SECURITY_GROUP_ENFORCING_MODE', v.podSgEnforcingMode));
  let branchPods = 0;
  let step = 0;
  for (const p of [...ctx.store.list('pod')]) {
    if (++step % PER_STEP === 0) yield;
    if ((p.podEni?.length ?? 0) > 0) branchPods++;
  }
  if (parseBool(raw) === true) {
    return { severity: 'ok', title: 'Security groups for pods with DISABLE_TCP_EARLY_DEMUX=true', detail: `ENABLE_POD_ENI=true and the init container turns TCP early demux off, so kubelet probes reach branch-ENI pods. ${plural(branchPods, 'pod')} with a branch ENI; POD_SECURITY_GROUP_ENFORCING_MODE=${v.podSgEnforcingMode.value}.`, fix: 'Nothing to change.', evidence, objects: [AWS_NODE_OBJECT] };
  }
  return {
    severity: 'warning',
    title: 'Security groups for pods without DISABLE_TCP_EARLY_DEMUX=true: kubelet probes to branch-ENI pods fail',
    detail:
      `ENABLE_POD_ENI=true, and init container ${initName} has DISABLE_TCP_EARLY_DEMUX=${raw ?? 'not set (default false)'}. With TCP early demux on, kubelet's TCP probes to pods on branch ENIs get no answer ` +
      `(cilium/cilium#24943; the EKS security-groups-for-pods guide requires it), so those pods fail liveness/readiness probes. ${plural(branchPods, 'pod')} currently ${branchPods === 1 ? 'has' : 'have'} a branch ENI; POD_SECURITY_GROUP_ENFORCING_MODE=${v.podSgEnforcingMode.value}.`,
    fix: `${setEnvLine({ DISABLE_TCP_EARLY_DEMUX: 'true' }, initName)} (EKS add-on configuration values: {"init":{"env":{"DISABLE_TCP_EARLY_DEMUX":"true"}}}); the aws-node pods restart and the init container applies it on each node.`,
    evidence,
    objects: [AWS_NODE_OBJECT],
  };
}

export const doublePolicyEngineCheck: DoctorCheck = {
  id: 'policy.double-engine',
  name: 'One policy engine',
  group: 'policy',
  docs: DOCS.networkPolicy,
  applies: (ctx) => {
    if (ctx.mode === 'aws-cni-chaining') return true;
    if (ctx.mode === 'vpc-cni-only') return 'Cilium was not detected: only the VPC CNI can enforce policy';
    if (ctx.mode === 'cilium-only') return 'the VPC CNI was not detected: only Cilium enforces policy';
    return 'neither the VPC CNI nor Cilium was detected';
  },
  run(ctx): CheckResult {
    const npa = ctx.settings.vpcCni.networkPolicyAgent ?? { value: false, origin: { source: 'default', detail: 'network policy agent not detected' } };
    const enforcement = ctx.settings.cilium.policyEnforcement;
    const cm = ctx.store.get('configMap', 'kube-system/amazon-vpc-cni');
    const controller = cm?.data['enable-network-policy-controller'];
    const evidence = [evSetting('aws-node aws-eks-nodeagent --enable-network-policy', npa), evSetting('cilium-config enable-policy', enforcement)];
    if (cm && controller !== undefined) evidence.push(ev('ConfigMap kube-system/amazon-vpc-cni enable-network-policy-controller', controller, { ...cm.origin, detail: `ConfigMap kube-system/amazon-vpc-cni enable-network-policy-controller=${controller}` }));
    const objects: FindingObject[] = [AWS_NODE_OBJECT, { kind: 'ConfigMap', namespace: 'kube-system', name: 'cilium-config' }];
    if (!npa.value) {
      const controllerOn = parseBool(controller) === true;
      return {
        severity: 'ok',
        title: 'Only Cilium enforces network policy (the VPC CNI network policy agent is off)',
        detail: `aws-eks-nodeagent runs without --enable-network-policy=true${controllerOn ? '; ConfigMap kube-system/amazon-vpc-cni still has enable-network-policy-controller=true, so the EKS controller computes PolicyEndpoints that no node agent applies' : ''}.`,
        fix: controllerOn ? 'Nothing to change for enforcement; to stop the unused controller work, set enableNetworkPolicy=false in the vpc-cni add-on configuration.' : 'Nothing to change.',
        evidence,
        objects,
      };
    }
    if (enforcement.value === 'never') {
      return {
        severity: 'info',
        title: 'The VPC CNI network policy agent enforces policy; Cilium does not (enable-policy=never)',
        detail: 'aws-eks-nodeagent runs with --enable-network-policy=true and Cilium has enable-policy=never: one engine enforces policy. Cilium\'s policy verdicts in Hubble do not reflect what is enforced.',
        fix: 'Nothing to change if this is intended.',
        evidence,
        objects,
      };
    }
    return {
      severity: 'error',
      title: 'The VPC CNI network policy agent and Cilium both enforce policy on the same pods',
      detail:
        `aws-eks-nodeagent runs with --enable-network-policy=true and Cilium enforces policy (enable-policy=${enforcement.value}). Both attach tc BPF programs to the same host veths (${ctx.settings.vpcCni.vethPrefix.value}…) ` +
        'and both enforce Kubernetes NetworkPolicy: a packet must pass both engines, drops by the VPC CNI agent never show up in Hubble, and neither project documents the combination.',
      fix:
        `Turn the VPC CNI agent off. EKS add-on: aws eks update-addon --cluster-name ${clusterName(ctx)} --addon-name vpc-cni --configuration-values '{"enableNetworkPolicy":"false"}'; Helm aws-vpc-cni: --set enableNetworkPolicy=false. ` +
        'Either sets --enable-network-policy=false on container aws-eks-nodeagent of daemonset/aws-node and enable-network-policy-controller: "false" in ConfigMap kube-system/amazon-vpc-cni. ' +
        `(To keep the VPC CNI engine instead, stop Cilium enforcing: Helm policyEnforcementMode=never, cilium-config enable-policy: never.) Then ${AWS_NODE_RESTART}.`,
      evidence,
      objects,
    };
  },
};

export const VPC_CNI_CHECKS: readonly DoctorCheck[] = [vpcCniVersionCheck, snatCheck, customNetworkingCheck, prefixDelegationCheck, sgForPodsCheck];
