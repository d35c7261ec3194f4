/**
 * Pods as a Markdown table: IP, node, ENI and subnet, Cilium identity and endpoint state (or that
 * Cilium does not manage the pod), with links to the path diagram and a trace from the pod.
 */
import { eniDevice, findEniForIp } from '../analysis/datapath/vpcLookup';
import type { PodInfo } from '../model';
import { podKey, type ClusterFacts } from './clusterFacts';
import { markdownCommandLink, markdownEscape } from './hoverMarkdown';

/** Rows shown before `… and N more`. */
export const MAX_POD_ROWS = 10;

/** A Kubernetes object name (DNS label or subdomain), as the commands accept it. */
const NAME = /^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/;

/**
 * Links to our path diagram and trace for a pod, with the argument `{ namespace, name }` that the
 * commands read (`podKeyOfArgument`); none when a name is not a valid object name.
 */
function podLinks(pod: PodInfo): string {
  if (!NAME.test(pod.namespace) || !NAME.test(pod.name) || pod.namespace.length > 63 || pod.name.length > 253) return '';
  const args = [{ namespace: pod.namespace, name: pod.name }];
  return `${markdownCommandLink('path', 'cniLens.showPathDiagram', args)} · ${markdownCommandLink('trace', 'cniLens.trace.fromPod', args)}`;
}

export function podTable(facts: ClusterFacts, pods: readonly PodInfo[], opts: { namespaced: boolean }): string[] {
  const lines = ['| pod | IP | node | ENI · subnet | Cilium | |', '|---|---|---|---|---|---|'];
  for (const pod of pods.slice(0, MAX_POD_ROWS)) {
    const name = markdownEscape(opts.namespaced ? pod.name : podKey(pod));
    lines.push(`| ${name} | ${ipCell(pod)} | ${markdownEscape(shortNode(pod.nodeName))} | ${eniCell(facts, pod)} | ${ciliumCell(facts, pod)} | ${podLinks(pod)} |`);
  }
  if (pods.length > MAX_POD_ROWS) lines.push('', `… and ${pods.length - MAX_POD_ROWS} more`);
  return lines;
}

function ipCell(pod: PodInfo): string {
  const ip = pod.ip ?? pod.ips[0];
  if (!ip) return pod.phase ? `none (${markdownEscape(pod.phase)})` : 'none';
  return `${markdownEscape(ip)}${pod.hostNetwork ? ' (host network)' : ''}`;
}

/** `ip-10-0-17-42.us-west-2.compute.internal` → `ip-10-0-17-42`. */
export function shortNode(name: string | undefined): string {
  if (!name) return '—';
  return /^ip-\d+-\d+-\d+-\d+\./.test(name) ? name.slice(0, name.indexOf('.')) : name;
}

function eniCell(facts: ClusterFacts, pod: PodInfo): string {
  const branch = pod.podEni?.[0];
  if (branch) return `branch ENI ${markdownEscape(branch.eniId)}${branch.subnetCidr ? ` · ${markdownEscape(branch.subnetCidr)}` : ''}`;
  const ip = pod.ip ?? pod.ips[0];
  if (!ip) return '—';
  const found = findEniForIp(facts.store, ip, pod.nodeName);
  if (!found) return 'unknown';
  const eni = found.eni;
  const device = eniDevice(eni);
  const subnet = eni.subnetId ? facts.store.get('subnet', eni.subnetId) : undefined;
  const subnetText = eni.subnetId ? ` · ${markdownEscape(eni.subnetId)}${subnet ? ` ${markdownEscape(subnet.cidr)}` : ''}` : '';
  return `${markdownEscape(eni.id)}${device ? ` (${markdownEscape(device)})` : ''}${subnetText}`;
}

function ciliumCell(facts: ClusterFacts, pod: PodInfo): string {
  if (pod.hostNetwork) return 'host (no endpoint)';
  const cep = facts.store.get('ciliumEndpoint', podKey(pod));
  if (cep) {
    const id = cep.identityId !== undefined ? `identity ${cep.identityId}` : 'identity unknown';
    return `${id} · ${markdownEscape(cep.state ?? 'state unknown')}`;
  }
  if (facts.store.count('ciliumEndpoint') === 0) return facts.engine === 'cilium' ? 'no CiliumEndpoints in the source' : '—';
  return '**unmanaged** (no CiliumEndpoint)';
}
