import type { EniInfo, EniIp, NodeInfo, PodInfo } from '../model';

export interface EniInputs {
  /** ENIs from EC2 (DescribeNetworkInterfaces): the first source. */
  ec2: readonly EniInfo[];
  /** ENIs from ipamd `/v1/enis` of each node: the fallback, and the only source of IP → pod assignments and cooling IPs. */
  ipamd: readonly EniInfo[];
  nodes: readonly NodeInfo[];
  pods: readonly PodInfo[];
}

/**
 * One list of ENIs from every source, in the fallback order EC2, then ipamd. An ENI that EC2
 * reports keeps EC2's facts and gains what only ipamd knows (which pod holds an IP, cooling IPs,
 * the route table); an ENI only ipamd reports is kept as ipamd's. IPs that no source assigns to a
 * pod are matched to pods by IP.
 */
export function mergeEnis(inputs: EniInputs): EniInfo[] {
  const nodeByInstance = new Map<string, string>();
  const instanceByNode = new Map<string, string>();
  for (const node of inputs.nodes) {
    if (!node.instanceId) continue;
    nodeByInstance.set(node.instanceId, node.name);
    instanceByNode.set(node.name, node.instanceId);
  }
  const merged = new Map<string, EniInfo>();
  for (const eni of inputs.ec2) {
    const nodeName = eni.nodeName ?? (eni.instanceId ? nodeByInstance.get(eni.instanceId) : undefined);
    merged.set(eni.id, { ...eni, ...(nodeName ? { nodeName } : {}), ips: eni.ips.map((ip) => ({ ...ip })) });
  }
  for (const eni of inputs.ipamd) {
    const known = merged.get(eni.id);
    if (!known) {
      const instanceId = eni.instanceId ?? (eni.nodeName ? instanceByNode.get(eni.nodeName) : undefined);
      merged.set(eni.id, { ...eni, ...(instanceId ? { instanceId } : {}), ips: eni.ips.map((ip) => ({ ...ip })) });
      continue;
    }
    enrichFromIpamd(known, eni);
  }
  // the IPs no source assigns to a pod, matched to pods by IP: only those are looked up (a map of
  // every pod's IPs costs a large cluster tens of milliseconds, for nothing when there are no ENIs)
  const unassigned = new Map<string, EniIp[]>();
  for (const eni of merged.values()) {
    for (const ip of eni.ips) {
      if (ip.pod || ip.primary) continue;
      const waiting = unassigned.get(ip.ip);
      if (waiting) waiting.push(ip);
      else unassigned.set(ip.ip, [ip]);
    }
  }
  if (unassigned.size > 0) {
    for (const pod of inputs.pods) {
      if (pod.hostNetwork) continue;
      const take = (address: string): void => {
        const waiting = unassigned.get(address);
        // a later pod with the same IP wins, as it always has
        if (waiting) for (const ip of waiting) ip.pod = { namespace: pod.namespace, name: pod.name };
      };
      if (pod.ip) take(pod.ip);
      for (const address of pod.ips) take(address);
    }
  }
  return [...merged.values()];
}

function enrichFromIpamd(target: EniInfo, ipamd: EniInfo): void {
  const byIp = new Map<string, EniIp>(target.ips.map((ip) => [ip.ip, ip]));
  for (const ip of ipamd.ips) {
    const mine = byIp.get(ip.ip);
    if (!mine) continue; // EC2 is the authority on which IPs the ENI has
    if (ip.pod && !mine.pod) mine.pod = ip.pod;
    if (ip.coolingDown) mine.coolingDown = true;
    if (ip.assigned !== undefined) mine.assigned = ip.assigned;
  }
  if (target.routeTableId === undefined && ipamd.routeTableId !== undefined) target.routeTableId = ipamd.routeTableId;
  if (!target.nodeName && ipamd.nodeName) target.nodeName = ipamd.nodeName;
  target.origin = { ...target.origin, detail: joinDetail(target.origin.detail, 'pod assignments from ipamd') };
}

function joinDetail(a: string | undefined, b: string): string {
  return a ? `${a}; ${b}` : b;
}
