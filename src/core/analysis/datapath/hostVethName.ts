import { createHash } from 'node:crypto';

/**
 * Name of a pod's host-side veth as the VPC CNI creates it: `<prefix>` + the first 11 hex characters
 * of SHA-1(`"<namespace>.<podName>"`) (`pkg/networkutils/names.go`; datapath.md B0). The prefix is
 * `AWS_VPC_K8S_CNI_VETHPREFIX` (default `eni`), or `vlan` for branch-ENI pods in strict mode.
 */
export function hostVethName(prefix: string, namespace: string, podName: string): string {
  return prefix + createHash('sha1').update(`${namespace}.${podName}`).digest('hex').slice(0, 11);
}
