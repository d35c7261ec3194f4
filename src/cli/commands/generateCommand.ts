import { resolve } from 'node:path';
import { PLAN_LIMITS, PlanError } from '../../sim/generate/clusterPlan';
import { generateCluster } from '../../sim/generate/writeGeneratedCluster';
import { UsageError, optionalInt, requireString, type CliCommand } from '../cliCommand';

export const generateCommand: CliCommand = {
  name: 'generate',
  summary: 'Write a generated EKS cluster of any size as a snapshot directory (for the simulated cluster and benchmarks)',
  usage: [
    'Usage: cni-lens generate --nodes N --pods P [--policies K] [--services S] [--seed X] --out DIR [--json]',
    '',
    'Plans an EKS cluster running the AWS VPC CNI chained with Cilium and writes it in the snapshot',
    'format (docs/snapshot-format.md): nodes over three AZs with their instance types and providerIDs,',
    'the EC2 describe output (instances, ENIs with their secondary IPs, subnets, route tables, NAT',
    'gateways, the VPC, security groups), ipamd /v1/enis per node, pods with IPs from their node\'s ENIs,',
    'CiliumEndpoints and CiliumIdentities, NetworkPolicies and Cilium policies with label selectors,',
    'Services and EndpointSlices. The same options and seed always give the same files.',
    'Serve it with `cni-lens sim --snapshot DIR`.',
    '',
    'Options:',
    `  --nodes N        nodes, 1 to ${PLAN_LIMITS.nodes} (required)`,
    `  --pods P         all pods, the 3 DaemonSet pods per node included, up to ${PLAN_LIMITS.pods} (required)`,
    '  --policies K     network policies (default 2 per namespace: a default deny and one allow rule)',
    '  --services S     services (default one per Deployment)',
    '  --seed X         seed of the generator (default 1)',
    '  --out DIR        where to write; created, must be new or empty (required)',
    '  --json           print what was written as JSON',
  ].join('\n'),
  options: {
    nodes: { type: 'string' },
    pods: { type: 'string' },
    policies: { type: 'string' },
    services: { type: 'string' },
    seed: { type: 'string' },
    out: { type: 'string' },
    json: { type: 'boolean' },
  },
  async run(values, _positionals, io) {
    const nodes = optionalInt(values, 'nodes', 1, PLAN_LIMITS.nodes);
    const pods = optionalInt(values, 'pods', 1, PLAN_LIMITS.pods);
    if (nodes === undefined) throw new UsageError('--nodes is required');
    if (pods === undefined) throw new UsageError('--pods is required');
    const policies = optionalInt(values, 'policies', 0, PLAN_LIMITS.policies);
    const services = optionalInt(values, 'services', 0, PLAN_LIMITS.services);
    const seed = optionalInt(values, 'seed', 0, 0xffffffff);
    const out = resolve(requireString(values, 'out'));
    const started = performance.now();
    let summary;
    try {
      summary = await generateCluster(out, { nodes, pods, policies, services, seed });
    } catch (err) {
      if (err instanceof PlanError) throw new UsageError(err.message);
      throw err;
    }
    const seconds = (performance.now() - started) / 1000;
    if (values.json) {
      io.out(JSON.stringify({ ...summary, seconds: Number(seconds.toFixed(1)) }, null, 2) + '\n');
    } else {
      const p = summary.policies;
      io.out(
        `cni-lens generate: wrote ${summary.files} files to ${out} in ${seconds.toFixed(1)} s: ${summary.nodes} nodes, ${summary.enis} ENIs, ` +
          `${summary.pods} pods (${summary.hostNetworkPods} host-network), ${summary.ciliumEndpoints} Cilium endpoints, ${summary.namespaces} namespaces ` +
          `(largest ${summary.largestNamespace.name}: ${summary.largestNamespace.pods} pods), ${summary.services} services, ` +
          `${p.networkPolicies + p.ciliumNetworkPolicies + p.ciliumClusterwideNetworkPolicies} policies\n`,
      );
    }
    return 0;
  },
};
