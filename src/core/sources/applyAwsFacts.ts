import type { EniInfo } from '../model';
import type { AwsFacts } from '../project/projectEc2';
import type { ClusterStore } from '../store/clusterStore';
import { mergeEnis } from './mergeEnis';

/**
 * Puts AWS facts into the store: subnets, VPCs, route tables, NAT gateways, security groups,
 * instances, and the ENIs merged from EC2 and ipamd (EC2 first, ipamd as the fallback).
 * Call it after the Kubernetes objects are in: ENIs are matched to nodes and pods.
 */
export function applyAwsFacts(store: ClusterStore, aws: AwsFacts | undefined, ipamdEnis: readonly EniInfo[]): void {
  store.batch(() => {
    if (aws) {
      for (const v of aws.subnets) store.upsert('subnet', v);
      for (const v of aws.vpcs) store.upsert('vpc', v);
      for (const v of aws.routeTables) store.upsert('routeTable', v);
      for (const v of aws.natGateways) store.upsert('natGateway', v);
      for (const v of aws.securityGroups) store.upsert('securityGroup', v);
      for (const v of aws.instances) store.upsert('instance', v);
    }
    const enis = mergeEnis({
      ec2: aws?.networkInterfaces ?? [],
      ipamd: ipamdEnis,
      nodes: [...store.list('node')],
      pods: [...store.list('pod')],
    });
    for (const eni of enis) store.upsert('eni', eni);
  });
}
