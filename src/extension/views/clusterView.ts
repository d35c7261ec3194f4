import * as vscode from 'vscode';
import { clusterSettings } from '../../core/analysis/clusterSettings';
import { summarizeCluster } from '../../core/analysis/clusterSummary';
import { runDoctor } from '../../core/analysis/doctor/runDoctor';
import type { Finding } from '../../core/analysis/doctor/types';
import type { Provenance, Setting } from '../../core/model';
import type { ClusterSession } from '../../core/sources/clusterSession';
import { sessionPhaseText } from '../../core/sources/sourceFreshness';
import { StoreTreeProvider } from './storeTreeProvider';
import { esc, md, type TreeNode } from './treeNode';

const MODE_LABEL = {
  'aws-cni-chaining': 'VPC CNI + Cilium (aws-cni chaining)',
  'vpc-cni-only': 'VPC CNI only',
  'cilium-only': 'Cilium only',
  unknown: 'Unknown CNI',
} as const;

const SOURCE_ICON: Record<string, string> = { ok: 'pass', stale: 'history', missing: 'circle-slash', forbidden: 'lock', error: 'error', loading: 'loading~spin', 'not-configured': 'circle-outline' };

/** Mode, connection, counts and sources. Empty when nothing is connected, so the welcome view shows. */
export class ClusterView extends StoreTreeProvider {
  protected override emptyMessage(): TreeNode[] {
    return [];
  }

  protected roots(session: ClusterSession): TreeNode[] {
    if (session.store.count('node') === 0 && session.state.phase !== 'connected') return [];
    const s = summarizeCluster(session.store, session.sources);
    const c = s.counts;
    const policies = c.policies.networkPolicies + c.policies.ciliumNetworkPolicies + c.policies.ciliumClusterwideNetworkPolicies;
    const row = (id: string, label: string, description: string, icon: string, tooltip?: string): TreeNode => ({
      id: `cluster/${id}`, label, description, icon: new vscode.ThemeIcon(icon), tooltip: tooltip ? md(tooltip) : undefined,
    });
    return [
      row('mode', MODE_LABEL[s.mode.mode], 'mode', 'type-hierarchy', `**Detected mode**\n\n${s.mode.reasons.map((r) => `- ${esc(r)}`).join('\n')}`),
      row('session', session.label || session.describe(), session.target.kind === 'snapshot' ? 'offline snapshot' : sessionPhaseText(session.state.phase), session.target.kind === 'snapshot' ? 'archive' : 'plug', session.state.detail ? esc(session.state.detail) : undefined),
      row('nodes', 'Nodes', String(c.nodes), 'server'),
      row('enis', 'ENIs', `${c.enis} on nodes${c.otherEnis ? ` · ${c.otherEnis} other in the VPC` : ''}`, 'circuit-board'),
      row('podIps', 'Pod IPs', String(c.podIps), 'symbol-number'),
      row('endpoints', 'Cilium endpoints', String(c.ciliumEndpoints), 'shield'),
      row('unmanaged', 'Pods not managed by Cilium', c.unmanagedPods === null ? 'n/a' : String(c.unmanagedPods), c.unmanagedPods ? 'warning' : 'pass',
        s.unmanagedExamples.length ? `Pods with no CiliumEndpoint (started before Cilium: restart them):\n\n${s.unmanagedExamples.map((p) => `- ${esc(p)}`).join('\n')}` : undefined),
      row('policies', 'Policies', `${policies} (${c.policies.networkPolicies} NP · ${c.policies.ciliumNetworkPolicies} CNP · ${c.policies.ciliumClusterwideNetworkPolicies} CCNP)`, 'law'),
      checksGroup(session),
      settingsGroup(session),
      {
        id: 'cluster/sources', label: 'Sources', icon: new vscode.ThemeIcon('database'), expanded: false,
        children: () => s.sources.map((src) => row(`source/${src.name}`, src.name, `${src.state}${src.detail ? ` · ${src.detail}` : ''}`, SOURCE_ICON[src.state] ?? 'circle-outline', src.detail ? esc(src.detail) : undefined)),
      },
    ];
  }
}

function originText(origin: Provenance): string {
  const where = origin.file ? `${origin.file}${origin.line ? `:${origin.line}` : ''}` : origin.source;
  return origin.detail ? `${where} (${origin.detail})` : where;
}

/** The datapath settings CNI Lens detected, each with where it came from. */
function settingsGroup(session: ClusterSession): TreeNode {
  const { vpcCni, cilium } = clusterSettings(session.store);
  const rows: Array<[string, Setting<unknown>]> = [
    ['Chaining mode (cilium-config cni-chaining-mode)', cilium.chainingMode],
    ['Cilium IPv4 masquerade', cilium.ipv4Masquerade],
    ['Routing mode', cilium.routingMode],
    ['Kube-proxy replacement', cilium.kubeProxyReplacement],
    ['Socket LB', cilium.socketLb],
    ['Custom networking (ENIConfig)', vpcCni.customNetworking],
    ['External SNAT', vpcCni.externalSnat],
    ['SNAT exclusions', vpcCni.excludeSnatCidrs],
    ['Prefix delegation', vpcCni.prefixDelegation],
    ['Security groups for pods', vpcCni.podEni],
    ['Host veth prefix', vpcCni.vethPrefix],
  ];
  return {
    id: 'cluster/settings',
    label: 'Datapath settings',
    description: [vpcCni.version ? `VPC CNI ${vpcCni.version}` : 'VPC CNI not found', cilium.version ? `Cilium ${cilium.version}` : cilium.present ? 'Cilium' : 'Cilium not found'].join(' · '),
    icon: new vscode.ThemeIcon('settings-gear'),
    children: () => rows.map(([name, setting]) => {
      const value = Array.isArray(setting.value) ? (setting.value.length ? setting.value.join(', ') : 'none') : String(setting.value ?? 'unset');
      return {
        id: `cluster/setting/${name}`,
        label: name,
        description: `${value} · ${setting.origin.source === 'default' ? 'default' : originText(setting.origin)}`,
        icon: new vscode.ThemeIcon(setting.origin.source === 'default' ? 'circle-outline' : 'symbol-constant'),
        tooltip: md(`**${esc(name)}**: ${esc(value)}\n\nFrom: ${esc(originText(setting.origin))}`),
      };
    }),
  };
}

const SEVERITY_ICON: Record<Finding['severity'], [string, string | undefined]> = {
  error: ['error', 'problemsErrorIcon.foreground'],
  warning: ['warning', 'problemsWarningIcon.foreground'],
  info: ['info', 'problemsInfoIcon.foreground'],
  ok: ['pass', 'testing.iconPassed'],
};

/** The doctor's checks (`cni-lens doctor` prints the same), problems first, each with what to change. */
function checksGroup(session: ClusterSession): TreeNode {
  const report = runDoctor(session.store, { sources: session.sources });
  const c = report.counts;
  const problems = c.error + c.warning;
  return {
    id: 'cluster/checks',
    label: 'Checks',
    description: `${c.error} errors · ${c.warning} warnings · ${c.ok} ok`,
    icon: new vscode.ThemeIcon(c.error ? 'error' : c.warning ? 'warning' : 'pass', new vscode.ThemeColor(c.error ? 'problemsErrorIcon.foreground' : c.warning ? 'problemsWarningIcon.foreground' : 'testing.iconPassed')),
    expanded: problems > 0,
    children: () => report.findings.map((f) => {
      const [icon, color] = SEVERITY_ICON[f.severity];
      return {
        id: `cluster/check/${f.id}`,
        label: f.title,
        description: f.severity,
        icon: new vscode.ThemeIcon(icon, color ? new vscode.ThemeColor(color) : undefined),
        tooltip: md([
          `**${esc(f.title)}**`,
          esc(f.detail),
          f.fix ? `**Fix:** ${esc(f.fix)}` : '',
          f.evidence.length ? `**Evidence:**\n\n${f.evidence.map((e) => `- ${esc(e.fact)}: ${esc(String(e.value))} (${esc(originText(e.origin))})`).join('\n')}` : '',
        ].filter(Boolean).join('\n\n')),
      };
    }),
  };
}
