/**
 * Cilium settings that aws-cni chaining needs (datapath.md A4, B9; Cilium's aws-cni chaining guide):
 * cni-chaining-mode, cni-exclusive, masquerade, routing mode, endpoint routes, legacy host routing,
 * kube-proxy replacement, transparent encryption, L7 policy.
 */
import type { NetworkPolicyInfo } from '../../model';
import {
  AWS_NODE_RESTART,
  DOCS,
  compareVersions,
  configKey,
  ev,
  evSetting,
  parseBool,
  parseVersion,
  patchCiliumConfigLine,
  plural,
  type DoctorCheck,
  type DoctorContext,
} from './context';
import type { Evidence, FindingObject } from './types';

const CILIUM_CONFIG_OBJECT: FindingObject = { kind: 'ConfigMap', namespace: 'kube-system', name: 'cilium-config' };

/** The chaining settings apply only in aws-cni chaining with cilium-config readable. */
export function chainingSettingsApply(ctx: DoctorContext): true | string {
  switch (ctx.mode) {
    case 'aws-cni-chaining':
      return ctx.settings.cilium.present ? true : 'ConfigMap kube-system/cilium-config was not found, so the Cilium settings cannot be read';
    case 'cilium-only':
      return 'Cilium runs without the VPC CNI (not chained): the aws-cni chaining settings do not apply';
    case 'vpc-cni-only':
      return 'Cilium was not detected: the chaining settings do not apply';
    default:
      return 'neither the VPC CNI nor Cilium was detected';
  }
}

export const ciliumConfigCheck: DoctorCheck = {
  id: 'cilium.config',
  name: 'Cilium configuration found',
  group: 'cilium',
  docs: DOCS.chaining,
  applies: (ctx) => (ctx.mode === 'aws-cni-chaining' || ctx.mode === 'cilium-only' ? true : 'Cilium was not detected'),
  run(ctx) {
    const c = ctx.settings.cilium;
    const ds = ctx.store.get('daemonSet', 'kube-system/cilium');
    const evidence: Evidence[] = [];
    if (ds) evidence.push(ev('DaemonSet kube-system/cilium image version', c.version, { ...ds.origin, detail: 'cilium-agent image tag' }));
    if (ctx.ciliumConfig) {
      evidence.push(ev('ConfigMap kube-system/cilium-config', `${Object.keys(ctx.ciliumConfig.data).length} keys`, ctx.ciliumConfig.origin));
      return {
        severity: 'ok',
        title: `cilium-config found${c.version ? ` (Cilium ${c.version})` : ''}`,
        detail: `ConfigMap kube-system/cilium-config has ${Object.keys(ctx.ciliumConfig.data).length} keys; cni-chaining-mode=${c.chainingMode.value}.`,
        fix: 'Nothing to change.',
        evidence,
        objects: [CILIUM_CONFIG_OBJECT],
      };
    }
    return {
      severity: 'warning',
      title: 'Cilium runs but ConfigMap kube-system/cilium-config is not in the input',
      detail: `Cilium was detected (${ctx.settings.mode.reasons.join('; ')}), but its ConfigMap kube-system/cilium-config was not read, so the chaining settings (masquerade, routing mode, cni-exclusive, kube-proxy replacement, encryption) cannot be checked.`,
      fix: 'Include it: kubectl -n kube-system get configmap cilium-config -o yaml (in a snapshot: kubernetes/*.yaml), or grant list/watch on configmaps in kube-system to the identity CNI Lens uses.',
      evidence: [...evidence, ev('ConfigMap kube-system/cilium-config', 'not found', { source: 'inferred', detail: 'not among the objects read' })],
    };
  },
};

export const chainingModeCheck: DoctorCheck = {
  id: 'cilium.chaining-mode',
  name: 'Cilium chaining mode',
  group: 'cilium',
  docs: DOCS.chaining,
  applies: chainingSettingsApply,
  run(ctx) {
    const s = ctx.settings.cilium.chainingMode;
    const evidence = [evSetting('cilium-config cni-chaining-mode', s)];
    if (s.value === 'aws-cni') {
      return { severity: 'ok', title: 'cni-chaining-mode is aws-cni', detail: 'Cilium chains onto the VPC CNI\'s aws-cni network (10-aws.conflist) and writes 05-cilium.conflist.', fix: 'Nothing to change (Helm cni.chainingMode=aws-cni).', evidence, objects: [CILIUM_CONFIG_OBJECT] };
    }
    return {
      severity: 'error',
      title: `cni-chaining-mode is "${s.value}", not aws-cni`,
      detail:
        `Cilium runs next to the VPC CNI with cni-chaining-mode=${s.value}. Only the aws-cni mode is documented with the VPC CNI: it chains from the aws-cni network of 10-aws.conflist, ` +
        'and only there does cni-external-routing default to true, so that the VPC CNI keeps owning the pod routes.',
      fix: `Helm: --set cni.chainingMode=aws-cni (cilium-config cni-chaining-mode: aws-cni): ${patchCiliumConfigLine({ 'cni-chaining-mode': 'aws-cni' })}; then restart the workloads so their pods are set up by the new chain.`,
      evidence,
      objects: [CILIUM_CONFIG_OBJECT],
    };
  },
};

export const cniExclusiveCheck: DoctorCheck = {
  id: 'cilium.cni-exclusive',
  name: 'cni-exclusive off',
  group: 'cilium',
  docs: DOCS.chaining,
  applies: chainingSettingsApply,
  run(ctx) {
    const k = configKey(ctx, 'cni-exclusive');
    const b = parseBool(k.value);
    const evidence = [ev('cilium-config cni-exclusive', k.value, k.origin)];
    const fix = `Helm: --set cni.exclusive=false (cilium-config cni-exclusive: "false"): ${patchCiliumConfigLine({ 'cni-exclusive': 'false' })}`;
    if (b === false) {
      return { severity: 'ok', title: 'cni-exclusive is false: 10-aws.conflist is kept', detail: 'Cilium leaves the VPC CNI\'s 10-aws.conflist in /etc/cni/net.d; it reads it to build 05-cilium.conflist.', fix: 'Nothing to change (Helm cni.exclusive=false).', evidence, objects: [CILIUM_CONFIG_OBJECT] };
    }
    if (b === true) {
      return {
        severity: 'error',
        title: 'cni-exclusive is true: Cilium removes the VPC CNI\'s 10-aws.conflist',
        detail:
          `cilium-config has cni-exclusive=${k.value}. The agent then moves every other CNI configuration out of /etc/cni/net.d, the VPC CNI's 10-aws.conflist included, ` +
          'although the aws-cni chaining builds 05-cilium.conflist from it: regenerating the chained configuration (agent restart, upgrade) fails and new pods may get no network.',
        fix: `${fix}; then ${AWS_NODE_RESTART} so aws-node writes 10-aws.conflist again.`,
        evidence,
        objects: [CILIUM_CONFIG_OBJECT],
      };
    }
    return {
      severity: 'info',
      title: k.value === undefined ? 'cni-exclusive is not set in cilium-config' : `cni-exclusive has an unreadable value "${k.value}"`,
      detail: 'Without the key the agent\'s built-in default applies. The Cilium Helm chart renders cni.exclusive (chart default true), and the aws-cni chaining guide sets cni.exclusive=false explicitly.',
      fix: `Set it explicitly. ${fix}`,
      evidence,
      objects: [CILIUM_CONFIG_OBJECT],
    };
  },
};

export const masqueradeCheck: DoctorCheck = {
  id: 'cilium.masquerade',
  name: 'Cilium masquerade off',
  group: 'cilium',
  docs: DOCS.chaining,
  applies: chainingSettingsApply,
  run(ctx) {
    const s = ctx.settings.cilium.ipv4Masquerade;
    const bpf = configKey(ctx, 'enable-bpf-masquerade');
    const nativeCidr = configKey(ctx, 'ipv4-native-routing-cidr');
    const ext = ctx.settings.vpcCni.externalSnat;
    const evidence = [evSetting('cilium-config enable-ipv4-masquerade', s), ev('cilium-config enable-bpf-masquerade', bpf.value, bpf.origin)];
    if (!s.value) {
      return { severity: 'ok', title: 'enable-ipv4-masquerade is false: only the VPC CNI SNATs', detail: `Cilium does not masquerade; the VPC CNI ${ext.value ? 'does not SNAT either (AWS_VPC_K8S_CNI_EXTERNALSNAT=true: the NAT gateway does)' : 'SNATs traffic leaving the VPC CIDRs to the node\'s primary IP (AWS-SNAT-CHAIN-0)'}.`, fix: 'Nothing to change (Helm enableIPv4Masquerade=false).', evidence, objects: [CILIUM_CONFIG_OBJECT] };
    }
    const bpfOn = parseBool(bpf.value) === true;
    evidence.push(ev('cilium-config ipv4-native-routing-cidr', nativeCidr.value, nativeCidr.origin), evSetting('aws-node AWS_VPC_K8S_CNI_EXTERNALSNAT', ext));
    const data: Record<string, string> = { 'enable-ipv4-masquerade': 'false' };
    if (bpfOn) data['enable-bpf-masquerade'] = 'false';
    return {
      severity: 'error',
      title: s.origin.source === 'default' ? 'enable-ipv4-masquerade is not set: Cilium\'s default (true) masquerades pod traffic' : 'enable-ipv4-masquerade is true: pod traffic can be SNATed twice',
      detail:
        `Cilium masquerades pod traffic leaving the node (${bpfOn ? 'BPF masquerade' : 'iptables masquerade'}; not masqueraded: ipv4-native-routing-cidr=${nativeCidr.value ?? 'not set'}) ` +
        `on top of the VPC CNI's own SNAT (${ext.value ? 'off here: AWS_VPC_K8S_CNI_EXTERNALSNAT=true' : 'AWS-SNAT-CHAIN-0 to the node\'s primary IP for destinations outside the VPC CIDRs and AWS_VPC_K8S_CNI_EXCLUDE_SNAT_CIDRS'}). ` +
        'The two disagree on what keeps the pod IP, so traffic that must arrive with the pod IP (RDS security groups, NLB IP targets, peered networks) can leave with the node IP.',
      fix: `Helm: --set enableIPv4Masquerade=false${bpfOn ? ' --set bpf.masquerade=false' : ''} (cilium-config ${Object.entries(data).map(([k, v]) => `${k}: "${v}"`).join(', ')}): ${patchCiliumConfigLine(data)}`,
      evidence,
      objects: [CILIUM_CONFIG_OBJECT],
    };
  },
};

export const routingModeCheck: DoctorCheck = {
  id: 'cilium.routing-mode',
  name: 'Cilium native routing',
  group: 'cilium',
  docs: DOCS.chaining,
  applies: chainingSettingsApply,
  run(ctx) {
    const s = ctx.settings.cilium.routingMode;
    const legacyKey = (s.origin.detail ?? '').includes('pre-1.14');
    const evidence = [evSetting(legacyKey ? 'cilium-config tunnel' : 'cilium-config routing-mode', s)];
    if (s.value === 'native') {
      return {
        severity: 'ok',
        title: legacyKey ? 'tunnel is disabled (pre-1.14 key): native routing' : 'routing-mode is native',
        detail: 'Cilium does not encapsulate: pod IPs are ENI addresses that the VPC routes.',
        fix: legacyKey ? 'Nothing to change (on Cilium 1.14 or later the key is routing-mode: native, Helm routingMode=native).' : 'Nothing to change (Helm routingMode=native).',
        evidence,
        objects: [CILIUM_CONFIG_OBJECT],
      };
    }
    const v = parseVersion(ctx.settings.cilium.version);
    const old = v !== undefined && compareVersions(v, [1, 14, 0]) < 0;
    const protocol = configKey(ctx, 'tunnel-protocol').value ?? ctx.ciliumConfig?.data.tunnel;
    return {
      severity: 'error',
      title: `routing-mode is ${s.value}${s.origin.source === 'default' ? ' (Cilium default)' : ''}: aws-cni chaining needs native routing`,
      detail:
        `Cilium is in tunnel mode${protocol && protocol !== 'disabled' ? ` (${protocol})` : ''}. In aws-cni chaining every pod IP is an ENI address that the VPC routes natively; ` +
        'with a tunnel Cilium can encapsulate traffic to pods of other nodes toward the node IP, past the VPC CNI\'s per-ENI routing and the pod ENIs\' security groups, and the tunnel port must be open between nodes. The chaining guide sets routingMode=native.',
      fix: old
        ? `Helm (Cilium < 1.14): --set tunnel=disabled (cilium-config tunnel: disabled): ${patchCiliumConfigLine({ tunnel: 'disabled' })}`
        : `Helm: --set routingMode=native (cilium-config routing-mode: native): ${patchCiliumConfigLine({ 'routing-mode': 'native' })}`,
      evidence,
      objects: [CILIUM_CONFIG_OBJECT],
    };
  },
};

export const endpointRoutesCheck: DoctorCheck = {
  id: 'cilium.endpoint-routes',
  name: 'Endpoint routes',
  group: 'cilium',
  docs: `${DOCS.chaining}; cilium/cilium#38381`,
  applies: chainingSettingsApply,
  run(ctx) {
    const er = configKey(ctx, 'enable-endpoint-routes');
    const ext = configKey(ctx, 'cni-external-routing');
    const evidence = [ev('cilium-config enable-endpoint-routes', er.value, er.origin), ev('cilium-config cni-external-routing', ext.value, ext.origin)];
    const erValue = parseBool(er.value) ?? false;
    if (parseBool(ext.value) === false) {
      return {
        severity: 'warning',
        title: 'cni-external-routing is false: Cilium installs routes next to the VPC CNI\'s',
        detail:
          `cilium-config has cni-external-routing=${ext.value} (enable-endpoint-routes=${er.value ?? 'not set'}). In aws-cni mode it defaults to true so that the VPC CNI alone owns pod routes; ` +
          'with false Cilium adds its own per-endpoint routes, which caused asymmetric routing for security-groups-for-pods pods (cilium/cilium#27152, #29111).',
        fix: `Remove the key (or set it to "true"): ${patchCiliumConfigLine({ 'cni-external-routing': 'true' })}`,
        evidence,
        objects: [CILIUM_CONFIG_OBJECT],
      };
    }
    return {
      severity: 'info',
      title: `enable-endpoint-routes is ${er.value ?? 'not set'}${er.value === undefined ? ' (false)' : ''}`,
      detail:
        `Endpoint routes are ${erValue ? 'on' : 'off'}. The aws-cni chaining guide used to set endpointRoutes.enabled=true; cilium/cilium#38381 (2025) dropped it from the guide. ` +
        `With cni-external-routing (${ext.value === undefined ? 'not set: true for aws-cni' : ext.value}) Cilium installs no per-endpoint routes either way; the setting only adds the to-container program on the pod's veth.`,
      fix: 'Nothing to change; keep what the chaining guide of your Cilium version says (Helm endpointRoutes.enabled, cilium-config enable-endpoint-routes).',
      evidence,
      objects: [CILIUM_CONFIG_OBJECT],
    };
  },
};

export const hostLegacyRoutingCheck: DoctorCheck = {
  id: 'cilium.host-legacy-routing',
  name: 'Legacy host routing',
  group: 'cilium',
  docs: DOCS.limitations,
  applies: chainingSettingsApply,
  run(ctx) {
    const k = configKey(ctx, 'enable-host-legacy-routing');
    const kpr = ctx.settings.cilium.kubeProxyReplacement;
    const evidence = [ev('cilium-config enable-host-legacy-routing', k.value, k.origin), evSetting('cilium-config kube-proxy-replacement', kpr)];
    if (parseBool(k.value) === true) {
      return { severity: 'ok', title: 'enable-host-legacy-routing is true', detail: 'Packets from pods go through the Linux stack, where the VPC CNI\'s ip rules and per-ENI route tables route them (no BPF host routing).', fix: 'Nothing to change (the Helm chart forces it when cni.chainingMode is set).', evidence, objects: [CILIUM_CONFIG_OBJECT] };
    }
    const kprOn = kpr.value === 'true' || kpr.value === 'strict';
    const fix = `The Cilium Helm chart forces it whenever cni.chainingMode is set: re-render cilium-config with Helm, or set enable-host-legacy-routing: "true": ${patchCiliumConfigLine({ 'enable-host-legacy-routing': 'true' })}`;
    if (kprOn) {
      return {
        severity: 'warning',
        title: `enable-host-legacy-routing is ${k.value ?? 'not set'} with kube-proxy replacement on: BPF host routing may bypass the VPC CNI's routing`,
        detail:
          `cilium-config has enable-host-legacy-routing=${k.value ?? '(not set)'} and kube-proxy-replacement=${kpr.value}. With kube-proxy replacement (and BPF masquerade or none) the agent may turn on BPF host routing, ` +
          'which redirects packets in BPF past the VPC CNI\'s ip rules (512/1536) and per-ENI route tables. The chaining setup is not meant to run with it; this ConfigMap was not rendered by the Helm chart as is.',
        fix,
        evidence,
        objects: [CILIUM_CONFIG_OBJECT],
      };
    }
    return {
      severity: 'info',
      title: `enable-host-legacy-routing is ${k.value ?? 'not set'}`,
      detail: `The Helm chart renders enable-host-legacy-routing: "true" under chaining; here it is ${k.value ?? 'missing'}. With kube-proxy-replacement=${kpr.value} the agent falls back to legacy host routing on its own (BPF host routing needs kube-proxy replacement).`,
      fix,
      evidence,
      objects: [CILIUM_CONFIG_OBJECT],
    };
  },
};

export const kubeProxyReplacementCheck: DoctorCheck = {
  id: 'cilium.kube-proxy-replacement',
  name: 'kube-proxy replacement',
  group: 'cilium',
  docs: `${DOCS.chaining}; cilium/cilium#30563`,
  applies: chainingSettingsApply,
  run(ctx) {
    const kpr = ctx.settings.cilium.kubeProxyReplacement;
    const socketLb = ctx.settings.cilium.socketLb;
    const kubeProxy = ctx.store.get('daemonSet', 'kube-system/kube-proxy');
    const evidence = [evSetting('cilium-config kube-proxy-replacement', kpr), evSetting('socket load balancing', socketLb)];
    if (kubeProxy) evidence.push(ev('DaemonSet kube-system/kube-proxy', 'present', kubeProxy.origin));
    const off = kpr.value === 'false' || kpr.value === 'disabled';
    if (off) {
      return {
        severity: 'ok',
        title: `kube-proxy-replacement is ${kpr.value}${kpr.origin.source === 'default' ? ' (default)' : ''}`,
        detail:
          `kube-proxy handles NodePort and host traffic; Cilium translates ClusterIPs ${socketLb.value ? 'at connect() (socket LB is on: bpf-lb-sock)' : 'per packet at the pod\'s veth'}. ` +
          `${kubeProxy ? 'DaemonSet kube-system/kube-proxy is present.' : 'DaemonSet kube-system/kube-proxy was not seen: NodePort services need it when kube-proxy replacement is off.'}`,
        fix: 'Nothing to change (Helm kubeProxyReplacement=false, keep the EKS kube-proxy add-on).',
        evidence,
        objects: [CILIUM_CONFIG_OBJECT],
      };
    }
    return {
      severity: 'warning',
      title: `kube-proxy-replacement is ${kpr.value}: not covered by the aws-cni chaining guide`,
      detail:
        `cilium-config has kube-proxy-replacement=${kpr.value}. The aws-cni chaining guide describes Cilium next to kube-proxy and does not cover kube-proxy replacement: ` +
        'the agent misdetects the aws-cni pod interfaces as devices (cilium/cilium#30563), NodePort under chaining historically needed endpoint routes (cilium/cilium PR #21276), ' +
        'and the VPC CNI\'s NodePort connmark rules (AWS_VPC_CNI_NODE_PORT_SUPPORT) were written for kube-proxy\'s iptables. ' +
        `${kubeProxy ? 'DaemonSet kube-system/kube-proxy is still present, so Services are translated by both.' : 'DaemonSet kube-system/kube-proxy was not seen.'}`,
      fix: `Helm: --set kubeProxyReplacement=false (cilium-config kube-proxy-replacement: "false"): ${patchCiliumConfigLine({ 'kube-proxy-replacement': 'false' })}, and keep the EKS kube-proxy add-on. If you keep the replacement, test NodePort, hostPort and externalTrafficPolicy=Local on every instance family (cilium connectivity test) first.`,
      evidence,
      objects: [CILIUM_CONFIG_OBJECT],
    };
  },
};

export const encryptionCheck: DoctorCheck = {
  id: 'cilium.encryption',
  name: 'No transparent encryption',
  group: 'cilium',
  docs: `${DOCS.limitations}; cilium/cilium#15596`,
  applies: chainingSettingsApply,
  run(ctx) {
    const ipsec = configKey(ctx, 'enable-ipsec');
    const wg = configKey(ctx, 'enable-wireguard');
    const evidence = [ev('cilium-config enable-ipsec', ipsec.value, ipsec.origin), ev('cilium-config enable-wireguard', wg.value, wg.origin)];
    if (parseBool(ipsec.value) === true) {
      return {
        severity: 'error',
        title: 'IPsec encryption is on: not supported in chaining mode',
        detail: `cilium-config has enable-ipsec=${ipsec.value}. Cilium's chaining limitations list IPsec transparent encryption as not working in chaining mode; maintainers state that transparent encryption on top of another CNI plugin is unsupported (cilium/cilium#15596).`,
        fix: `Helm: --set encryption.enabled=false (cilium-config enable-ipsec: "false"): ${patchCiliumConfigLine({ 'enable-ipsec': 'false' })}`,
        evidence,
        objects: [CILIUM_CONFIG_OBJECT],
      };
    }
    if (parseBool(wg.value) === true) {
      return {
        severity: 'warning',
        title: 'WireGuard encryption is on: not described for chaining mode',
        detail: `cilium-config has enable-wireguard=${wg.value}. The chaining guide does not describe WireGuard, and maintainers state that transparent encryption on top of another CNI plugin is unsupported (cilium/cilium#15596). Verify that pod-to-pod traffic between nodes is actually encrypted (cilium-dbg encrypt status).`,
        fix: `Helm: --set encryption.enabled=false (cilium-config enable-wireguard: "false"): ${patchCiliumConfigLine({ 'enable-wireguard': 'false' })}, or test it on this setup first.`,
        evidence,
        objects: [CILIUM_CONFIG_OBJECT],
      };
    }
    return { severity: 'ok', title: 'Transparent encryption is off', detail: 'Neither IPsec nor WireGuard is enabled in cilium-config.', fix: 'Nothing to change.', evidence, objects: [CILIUM_CONFIG_OBJECT] };
  },
};

interface L7Use {
  policy: NetworkPolicyInfo;
  path: string;
  what: string;
}

const L7_KINDS = ['http', 'kafka', 'dns', 'l7'] as const;

/** L7 rules (`toPorts[].rules.{http,kafka,dns,l7}` or `l7proto`) and `toFQDNs` in CNPs/CCNPs. */
export function findL7Rules(policies: Iterable<NetworkPolicyInfo>): L7Use[] {
  const out: L7Use[] = [];
  for (const policy of policies) {
    if (policy.kind === 'NetworkPolicy') continue;
    const rules: Array<{ base: string; rule: unknown }> = [];
    if (policy.spec !== undefined && policy.spec !== null) rules.push({ base: 'spec', rule: policy.spec });
    (policy.specs ?? []).forEach((rule, i) => rules.push({ base: `specs[${i}]`, rule }));
    for (const { base, rule } of rules) {
      const r = asRecord(rule);
      if (!r) continue;
      for (const direction of ['ingress', 'egress'] as const) {
        asArray(r[direction]).forEach((entry, i) => {
          const e = asRecord(entry);
          if (!e) return;
          if (direction === 'egress' && asArray(e.toFQDNs).length > 0) out.push({ policy, path: `${base}.egress[${i}].toFQDNs`, what: `${plural(asArray(e.toFQDNs).length, 'FQDN selector')} (needs the DNS proxy)` });
          asArray(e.toPorts).forEach((tp, j) => {
            const rulesRec = asRecord(asRecord(tp)?.rules);
            if (!rulesRec) return;
            for (const kind of L7_KINDS) {
              const list = rulesRec[kind];
              const n = Array.isArray(list) ? list.length : list !== undefined && list !== null ? 1 : 0;
              if (n > 0) out.push({ policy, path: `${base}.${direction}[${i}].toPorts[${j}].rules.${kind}`, what: `${plural(n, `${kind.toUpperCase()} rule`)}` });
            }
            if (typeof rulesRec.l7proto === 'string' && rulesRec.l7proto !== '') out.push({ policy, path: `${base}.${direction}[${i}].toPorts[${j}].rules.l7proto`, what: `l7proto ${rulesRec.l7proto}` });
          });
        });
      }
    }
  }
  return out;
}

export const l7PolicyCheck: DoctorCheck = {
  id: 'cilium.l7-policy',
  name: 'L7 and FQDN policy',
  group: 'cilium',
  docs: `${DOCS.limitations}; cilium/cilium#12454`,
  applies: (ctx) => (ctx.mode === 'aws-cni-chaining' ? true : chainingSettingsApply(ctx)),
  run(ctx) {
    const uses = findL7Rules(ctx.store.list('networkPolicy'));
    const proxy = configKey(ctx, 'enable-l7-proxy');
    if (uses.length === 0) {
      let cnps = 0;
      for (const p of ctx.store.list('networkPolicy')) if (p.kind !== 'NetworkPolicy') cnps++;
      return {
        severity: 'ok',
        title: 'No Cilium policy uses L7 or FQDN rules',
        detail: `None of the ${plural(cnps, 'CiliumNetworkPolicy/CiliumClusterwideNetworkPolicy', 'CiliumNetworkPolicies/CiliumClusterwideNetworkPolicies')} has toPorts[].rules (http, kafka, dns, l7proto) or toFQDNs.`,
        fix: 'Nothing to change.',
        evidence: [ev('Cilium policies read', cnps, { source: 'inferred', detail: 'CiliumNetworkPolicy and CiliumClusterwideNetworkPolicy objects in the store' })],
      };
    }
    const policies = new Map<string, NetworkPolicyInfo>();
    for (const u of uses) policies.set(policyName(u.policy), u.policy);
    const proxyOff = parseBool(proxy.value) === false;
    const evidence: Evidence[] = uses.map((u) => ev(`${policyName(u.policy)} ${u.path}`, u.what, u.policy.origin));
    evidence.push(ev('cilium-config enable-l7-proxy', proxy.value, proxy.origin));
    return {
      severity: 'warning',
      title: `${plural(policies.size, 'Cilium policy', 'Cilium policies')} use L7 or FQDN rules, which may be limited in aws-cni chaining`,
      detail:
        `${uses.map((u) => `${policyName(u.policy)} ${u.path}: ${u.what}`).join('\n')}\n` +
        'Cilium lists L7 policy as limited in chaining mode (cilium/cilium#12454), and its CI skipped L7 and FQDN tests in aws-cni chaining (PR #17122); users report HTTP/DNS rules working on recent versions. Treat them as "may work".' +
        (proxyOff ? `\ncilium-config has enable-l7-proxy=${proxy.value}: L7 rules cannot be enforced at all.` : ''),
      fix:
        `Test each rule on this cluster before relying on it (for example hubble observe --type l7 while sending allowed and denied requests)${proxyOff ? ', turn the proxy on (Helm l7Proxy=true, cilium-config enable-l7-proxy: "true")' : ''}; ` +
        'where a rule must hold, enforce at L4 only (remove toPorts[].rules) and do the L7 check in the application or a proxy.',
      evidence,
      objects: [...policies.values()].map((p) => ({ kind: p.kind, ...(p.namespace ? { namespace: p.namespace } : {}), name: p.name })),
    };
  },
};

function policyName(p: NetworkPolicyInfo): string {
  return `${p.kind} ${p.namespace ? `${p.namespace}/` : ''}${p.name}`;
}

function asRecord(v: unknown): Record<string, unknown> | undefined {
  return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
}

function asArray(v: unknown): unknown[] {
  return Array.isArray(v) ? v : [];
}

export const CHAINING_CHECKS: readonly DoctorCheck[] = [
  ciliumConfigCheck,
  chainingModeCheck,
  cniExclusiveCheck,
  masqueradeCheck,
  routingModeCheck,
  endpointRoutesCheck,
  hostLegacyRoutingCheck,
  kubeProxyReplacementCheck,
  encryptionCheck,
  l7PolicyCheck,
];
