/** The Cluster tree: detected mode, the session, counts, the doctor's checks, datapath settings and sources. */
import { clusterSettings } from '../analysis/clusterSettings';
import { summarizeClusterKept, type ClusterSummary } from '../analysis/clusterSummary';
import { doctorRunnerFor } from '../analysis/doctor/doctorRunner';
import type { Finding } from '../analysis/doctor/types';
import type { Provenance, Setting, SourceStatus } from '../model';
import { sessionPhaseText } from '../sources/sourceFreshness';
import type { ClusterStore, StoreChange, StoreKind } from '../store/clusterStore';
import type { AffectedRows } from './affectedRows';
import type { IpamdReader } from '../sources/ipamdOnDemand';
import { ERROR_COLOR, esc, icon, oncePerTurn, WARNING_COLOR, type RowIcon, type TreeRow } from './treeRow';

const MODE_LABEL = {
  'aws-cni-chaining': 'VPC CNI + Cilium (aws-cni chaining)',
  'vpc-cni-only': 'VPC CNI only',
  'cilium-only': 'Cilium only',
  unknown: 'Unknown CNI',
} as const;

const SOURCE_ICON: Record<string, string> = { ok: 'pass', stale: 'history', missing: 'circle-slash', forbidden: 'lock', error: 'error', loading: 'loading~spin', 'not-configured': 'circle-outline' };

/** What the Cluster tree shows of the session besides its store. */
export interface ClusterTreeInput {
  store: ClusterStore;
  sources: readonly SourceStatus[];
  /** Context or snapshot name. */
  label: string;
  offline: boolean;
  phase: string;
  detail?: string;
  /**
   * Asks the view to refresh one of the rows it was given, by id: a row whose content is computed
   * later (the doctor's checks) calls it when that content is ready.
   */
  refreshRow?: (id: string) => void;
  /** ipamd of a live session node by node: rows read a node's when they are expanded (a large cluster). */
  ipamd?: IpamdReader;
}

/** Kinds that neither the summary, the settings nor the doctor read: their changes leave the Cluster view as it is. */
const NOT_SHOWN: ReadonlySet<StoreKind> = new Set(['endpointSlice', 'ciliumIdentity']);

/** The Cluster rows a store change refreshes: all but the session and sources rows (their changes come with the session's), each rebuilt alone. */
export function clusterRowsAffected(store: ClusterStore, changes: readonly StoreChange[]): AffectedRows {
  const ids = new Set<string>();
  let nodesComeOrGo = 0;
  for (const change of changes) {
    if (NOT_SHOWN.has(change.kind)) continue;
    if (change.kind === 'node' && change.type !== 'modified') nodesComeOrGo++;
    for (const id of REFRESHED_ROWS) ids.add(id);
  }
  // the view is empty while no node is known, and empty again when the last one goes
  if (nodesComeOrGo > 0 && store.count('node') <= nodesComeOrGo) return 'all';
  return ids;
}

const POD_COUNT_ROWS = ['cluster/podIps', 'cluster/unmanaged'];
const SUMMARY_ROWS = ['mode', 'nodes', 'enis', 'podIps', 'endpoints', 'unmanaged', 'policies'].map((id) => `cluster/${id}`);
const REFRESHED_ROWS = [...SUMMARY_ROWS, 'cluster/checks', 'cluster/settings'];

export function clusterRows(input: ClusterTreeInput): TreeRow[] {
  const { store } = input;
  if (store.count('node') === 0 && input.phase !== 'connected') return [];
  // the pod counts are kept from the store's changes; a large store's first count takes a few turns
  const onCounted = input.refreshRow && (() => POD_COUNT_ROWS.forEach((id) => input.refreshRow?.(id)));
  const summary = oncePerTurn(() => summarizeClusterKept(store, [...input.sources], onCounted));
  // each row can be rebuilt alone: a store change refreshes the rows it touches, not the whole view
  const summaryRow = (id: string): TreeRow | undefined => {
    const row = summaryRows(input, summary()).find((r) => r.id === id);
    return row && { ...row, rebuild: () => summaryRow(id) };
  };
  const checks = (): TreeRow => ({ ...checksGroup(store, input.sources, input.refreshRow), rebuild: checks });
  const settings = (): TreeRow => ({ ...settingsGroup(store), rebuild: settings });
  const rows = summaryRows(input, summary()).map((row) => (SUMMARY_ROWS.includes(row.id) ? { ...row, rebuild: () => summaryRow(row.id) } : row));
  const sources = rows.pop() as TreeRow;
  return [...rows, checks(), settings(), sources];
}

/** The detected mode, the session, the counts and the sources group (last). */
function summaryRows(input: ClusterTreeInput, { summary: s, podsCounted }: { summary: ClusterSummary; podsCounted: boolean }): TreeRow[] {
  const c = s.counts;
  const policies = c.policies.networkPolicies + c.policies.ciliumNetworkPolicies + c.policies.ciliumClusterwideNetworkPolicies;
  const row = (id: string, label: string, description: string, iconId: string, tooltip?: string): TreeRow => ({
    id: `cluster/${id}`, label, description, icon: icon(iconId), ...(tooltip ? { tooltip } : {}),
  });
  return [
    row('mode', MODE_LABEL[s.mode.mode], 'mode', 'type-hierarchy', `**Detected mode**\n\n${s.mode.reasons.map((r) => `- ${esc(r)}`).join('\n')}`),
    row('session', input.label, input.offline ? 'offline snapshot' : sessionPhaseText(input.phase), input.offline ? 'archive' : 'plug', input.detail ? esc(input.detail) : undefined),
    row('nodes', 'Nodes', String(c.nodes), 'server'),
    row('enis', 'ENIs', `${c.enis} on nodes${c.otherEnis ? ` · ${c.otherEnis} other in the VPC` : ''}`, 'circuit-board'),
    row('podIps', 'Pod IPs', podsCounted ? String(c.podIps) : 'counting…', 'symbol-number'),
    row('endpoints', 'Cilium endpoints', String(c.ciliumEndpoints), 'shield'),
    row('unmanaged', 'Pods not managed by Cilium', c.unmanagedPods === null ? 'n/a' : podsCounted ? String(c.unmanagedPods) : 'counting…', !podsCounted && c.unmanagedPods !== null ? 'loading~spin' : c.unmanagedPods ? 'warning' : 'pass',
      s.unmanagedExamples.length ? `Pods with no CiliumEndpoint (started before Cilium: restart them):\n\n${s.unmanagedExamples.map((p) => `- ${esc(p)}`).join('\n')}` : undefined),
    row('policies', 'Policies', `${policies} (${c.policies.networkPolicies} NP · ${c.policies.ciliumNetworkPolicies} CNP · ${c.policies.ciliumClusterwideNetworkPolicies} CCNP)`, 'law'),
    {
      id: 'cluster/sources', label: 'Sources', icon: icon('database'), expanded: false,
      children: () => s.sources.map((src) => row(`source/${src.name}`, src.name, `${src.state}${src.detail ? ` · ${src.detail}` : ''}`, SOURCE_ICON[src.state] ?? 'circle-outline', src.detail ? esc(src.detail) : undefined)),
    },
  ];
}

function originText(origin: Provenance): string {
  const where = origin.file ? `${origin.file}${origin.line ? `:${origin.line}` : ''}` : origin.source;
  return origin.detail ? `${where} (${origin.detail})` : where;
}

/** The datapath settings CNI Lens detected, each with where it came from. */
function settingsGroup(store: ClusterStore): TreeRow {
  const { vpcCni, cilium } = clusterSettings(store);
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
    icon: icon('settings-gear'),
    children: () => rows.map(([name, setting]) => {
      const value = Array.isArray(setting.value) ? (setting.value.length ? setting.value.join(', ') : 'none') : String(setting.value ?? 'unset');
      return {
        id: `cluster/setting/${name}`,
        label: name,
        description: `${value} · ${setting.origin.source === 'default' ? 'default' : originText(setting.origin)}`,
        icon: icon(setting.origin.source === 'default' ? 'circle-outline' : 'symbol-constant'),
        tooltip: `**${esc(name)}**: ${esc(value)}\n\nFrom: ${esc(originText(setting.origin))}`,
      };
    }),
  };
}

const SEVERITY_ICON: Record<Finding['severity'], RowIcon> = {
  error: icon('error', ERROR_COLOR),
  warning: icon('warning', WARNING_COLOR),
  info: icon('info', 'problemsInfoIcon.foreground'),
  ok: icon('pass', 'testing.iconPassed'),
};

/**
 * The doctor's checks (`cni-lens doctor` prints the same), problems first, each with what to change.
 * The doctor runs off the view's turn (`DoctorRunner`): the row shows the last report, or that the
 * checks are running, and is refreshed through `refreshRow` when a newer report is ready.
 */
function checksGroup(store: ClusterStore, sources: readonly SourceStatus[], refreshRow?: (id: string) => void): TreeRow {
  const { report } = doctorRunnerFor(store).latest(sources, refreshRow && (() => refreshRow('cluster/checks')));
  if (!report) return { id: 'cluster/checks', label: 'Checks', description: 'running checks…', icon: icon('loading~spin') };
  const c = report.counts;
  const problems = c.error + c.warning;
  return {
    id: 'cluster/checks',
    label: 'Checks',
    description: `${c.error} errors · ${c.warning} warnings · ${c.ok} ok`,
    icon: c.error ? SEVERITY_ICON.error : c.warning ? SEVERITY_ICON.warning : SEVERITY_ICON.ok,
    expanded: problems > 0,
    children: () => report.findings.map((f) => ({
      id: `cluster/check/${f.id}`,
      label: f.title,
      description: f.severity,
      icon: SEVERITY_ICON[f.severity],
      tooltip: () => [
        `**${esc(f.title)}**`,
        esc(f.detail),
        f.fix ? `**Fix:** ${esc(f.fix)}` : '',
        f.evidence.length ? `**Evidence:**\n\n${f.evidence.map((e) => `- ${esc(e.fact)}: ${esc(String(e.value))} (${esc(originText(e.origin))})`).join('\n')}` : '',
      ].filter(Boolean).join('\n\n'),
    })),
  };
}
