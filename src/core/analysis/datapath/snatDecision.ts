/**
 * The VPC CNI's SNAT decision on the source node (datapath.md B0, B4, B5; A2): `AWS-SNAT-CHAIN-0`
 * returns for the VPC CIDRs (all blocks, secondary included) and `AWS_VPC_K8S_CNI_EXCLUDE_SNAT_CIDRS`,
 * and SNATs the rest to the primary IP of the primary ENI; `AWS-CONNMARK-CHAIN-0` marks the same
 * connections so that rule 1024 sends them out eth0. None of it with `AWS_VPC_K8S_CNI_EXTERNALSNAT=true`,
 * and never for traffic out a `vlan` device (branch-ENI pods in strict mode).
 */
import { cidrContains } from '../../net/ipv4';
import type { HopFact } from './datapathTypes';
import { awsNodeEnv, fact, settingFact, type HostEnd, type PodEnd, type TraceContext } from './traceEnds';
import { primaryEniOfNode, vpcCidrs } from './vpcLookup';

export interface SnatDecision {
  /** AWS-CONNMARK-CHAIN-0 marks the connection, so rule 1024 sends it out eth0. */
  marked: boolean;
  /** The address the source is rewritten to. */
  to?: string;
  status: 'ok' | 'unknown';
  text: string;
  reason?: string;
  facts: HopFact[];
}

export function decideSnat(ctx: TraceContext, src: PodEnd | HostEnd, dstIp: string): SnatDecision {
  const v = ctx.settings.vpcCni;
  if (src.kind === 'host') return { marked: false, status: 'ok', text: `no SNAT needed: the source is already the node's address ${src.ip}`, facts: [] };
  const facts: HopFact[] = [settingFact('AWS_VPC_K8S_CNI_EXTERNALSNAT', v.externalSnat)];
  if (src.branch?.strict) {
    facts.push(settingFact('POD_SECURITY_GROUP_ENFORCING_MODE', v.podSgEnforcingMode));
    return {
      marked: false,
      status: 'ok',
      text: `no SNAT: the packet leaves through ${src.branch.vlanDevice ?? 'vlan.eth.<vlanId>'} and AWS-SNAT-CHAIN-0 skips "-o vlan+"; the "vlan" veth does not match the connmark chain either (strict mode opts out of SNAT)`,
      facts,
    };
  }
  if (v.externalSnat.value) {
    return { marked: false, status: 'ok', text: `no SNAT: AWS_VPC_K8S_CNI_EXTERNALSNAT=true, so the VPC CNI installs no SNAT or connmark rules; the pod IP ${src.ip} leaves as the source`, facts };
  }
  const cidrs = vpcCidrs(ctx.store, src.eni?.eni.vpcId ?? src.branch?.eni?.vpcId);
  const excluded = v.excludeSnatCidrs.value;
  facts.push(settingFact('AWS_VPC_K8S_CNI_EXCLUDE_SNAT_CIDRS', v.excludeSnatCidrs));
  if (cidrs) facts.push(fact('VPC CIDRs', cidrs.cidrs.join(', '), cidrs.origin));
  const exclusion = excluded.find((c) => cidrContains(c, dstIp));
  if (exclusion) {
    return { marked: false, status: 'ok', text: `no SNAT: ${dstIp} is in ${exclusion} from AWS_VPC_K8S_CNI_EXCLUDE_SNAT_CIDRS (RETURN in AWS-SNAT-CHAIN-0 and AWS-CONNMARK-CHAIN-0); the pod IP ${src.ip} leaves as the source`, facts };
  }
  if (!cidrs) {
    return {
      marked: false,
      status: 'unknown',
      reason: 'the VPC CIDRs are unknown (no VPC and no route tables in the store): cannot tell whether AWS-SNAT-CHAIN-0 returns or SNATs',
      text: `SNAT to the node's primary IP unless ${dstIp} is in a VPC CIDR or an exclusion`,
      facts,
    };
  }
  const inside = cidrs.cidrs.find((c) => cidrContains(c, dstIp));
  if (inside) return { marked: false, status: 'ok', text: `no SNAT: ${dstIp} is in VPC CIDR ${inside} (RETURN in AWS-SNAT-CHAIN-0); the pod IP ${src.ip} leaves as the source`, facts };

  const primary = src.nodeName ? primaryEniOfNode(ctx.store, src.nodeName, src.node?.internalIp) : undefined;
  const to = primary?.primaryIp ?? src.node?.internalIp;
  if (primary) facts.push(fact('primary ENI', `${primary.id} ${primary.primaryIp ?? ''}`.trim(), primary.origin));
  else if (src.node?.internalIp) facts.push(fact('node InternalIP', src.node.internalIp, { ...src.node.origin, detail: 'primary ENI not in the store; the node InternalIP is the primary IP of eth0' }));
  const random = awsNodeEnv(ctx, 'AWS_VPC_K8S_CNI_RANDOMIZESNAT');
  facts.push(random.fact);
  const mode = random.value ?? 'prng';
  const flag = mode === 'prng' ? ' --random-fully' : mode === 'hashrandom' ? ' --random' : '';
  const list = `${cidrs.cidrs.join(', ')} and AWS_VPC_K8S_CNI_EXCLUDE_SNAT_CIDRS (${excluded.length ? excluded.join(', ') : 'none'})`;
  if (!to) return { marked: true, status: 'unknown', reason: `the node of ${src.key} and its primary IP are unknown`, text: `SNAT to the primary IP of eth0: ${dstIp} is outside ${list}`, facts };
  return { marked: true, to, status: 'ok', text: `AWS-SNAT-CHAIN-0 (nat POSTROUTING): ${dstIp} is outside ${list} → SNAT ${src.ip} → ${to} (primary IP of eth0${primary ? ` ${primary.id}` : ''})${flag}`, facts };
}
