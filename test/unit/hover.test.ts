import { readFileSync } from 'node:fs';
import * as nodePath from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { HoverDocumentCache } from '../../src/core/hover/hoverDocumentCache';
import { commandLink, markdownCommandLink, markdownEscape } from '../../src/core/hover/hoverMarkdown';
import { clusterFactsFor } from '../../src/core/hover/clusterFacts';
import { WorkSlices } from '../../src/core/sources/eventLoopTurns';
import { manifestHover, prepareManifestHover, type ManifestHover } from '../../src/core/hover/manifestHover';
import { LARGE_DOCUMENT, sliceAround } from '../../src/core/hover/manifestSlices';
import type { PodInfo, ServiceInfo } from '../../src/core/model';
import { loadSnapshotStore } from '../../src/core/sources/snapshotStore';
import type { ClusterStore } from '../../src/core/store/clusterStore';

const DEMO = nodePath.join(__dirname, '../../demo/snapshot');
const SHOP = nodePath.join(__dirname, '../fixtures/hover/shop.yaml');
const SOURCE = 'snapshot demo/snapshot';

let store: ClusterStore;
let shop: string;

beforeAll(async () => {
  store = (await loadSnapshotStore(DEMO)).store;
  shop = readFileSync(SHOP, 'utf8');
});

/** The rendered text: Markdown backslash escapes removed. */
function plain(md: string): string {
  return md.replace(/\\([!-/:-@[-`{-~])/g, '$1');
}

/** Offset of `needle` (its `nth` occurrence) plus `at` (default: its last character). */
function offsetOf(text: string, needle: string, opts: { nth?: number; at?: number } = {}): number {
  let index = -1;
  for (let i = 0; i <= (opts.nth ?? 0); i++) {
    index = text.indexOf(needle, index + 1);
    if (index < 0) throw new Error(`"${needle}" not found`);
  }
  return index + (opts.at ?? needle.length - 1);
}

function hover(text: string, needle: string, opts: { nth?: number; at?: number; store?: ClusterStore; sourceLabel?: string; cache?: HoverDocumentCache } = {}): ManifestHover | undefined {
  return manifestHover(text, offsetOf(text, needle, opts), { store: opts.store ?? store, sourceLabel: opts.sourceLabel ?? SOURCE, ...(opts.cache ? { cache: opts.cache } : {}) });
}

function hoverText(text: string, needle: string, opts: Parameters<typeof hover>[2] = {}): string {
  const result = hover(text, needle, opts);
  if (!result) throw new Error(`no hover at "${needle}"`);
  return plain(result.markdown);
}

/** The JSON arguments of every command link to `command`. */
function commandArgs(md: string, command: string): unknown[] {
  const out: unknown[] = [];
  const re = new RegExp(`\\]\\(command:${command.replace(/\./g, '\\.')}\\?([^)\\s]+)\\)`, 'g');
  for (const m of md.matchAll(re)) out.push(JSON.parse(decodeURIComponent(m[1] as string)));
  return out;
}

const FOREIGN_LINK = /\]\(\s*<?\s*(?!command:cniLens\.)[a-z][a-z0-9+.-]*:/i;

describe('manifestHover: a workload name', () => {
  it('lists the pods with IP, node, ENI and subnet, Cilium identity and state, the selecting policies, and links', () => {
    const result = hover(shop, 'name: frontend');
    expect(result).toBeDefined();
    const md = (result as ManifestHover).markdown;
    const text = plain(md);
    expect(shop.slice(result?.range.start, result?.range.end)).toBe('frontend');
    expect(text).toContain('Deployment shop/frontend**: 3 pods now (by owner references)');
    for (const [pod, ip, eni, subnet] of [
      ['frontend-5bbc558bcd-2vxgb', '100.64.111.251', 'eni-0b4535bbed4a7e31c (eth1)', 'subnet-0c5f36bf2ca7dee47 100.64.64.0/18'],
      ['frontend-5bbc558bcd-t9fj7', '100.64.131.132', 'eni-0cfd8cbe7bc48f232 (eth1)', 'subnet-0489e0dc3bd5d4c0b 100.64.128.0/18'],
      ['frontend-5bbc558bcd-vkbwc', '100.64.24.30', 'eni-05db3299ce12905ee (eth1)', 'subnet-0c83df1dbe82d8929 100.64.0.0/18'],
    ]) {
      const row = text.split('\n').find((l) => l.startsWith(`| ${pod} |`));
      expect(row, pod).toBeDefined();
      expect(row).toContain(ip);
      expect(row).toContain(eni);
      expect(row).toContain(subnet);
      expect(row).toContain('identity 26007 · ready');
    }
    expect(text).toContain('| ip-10-0-35-117 |');
    expect(text).toContain('- **Ingress**: CiliumNetworkPolicy shop/frontend-ingress');
    expect(text).toContain('- **Egress**: CiliumClusterwideNetworkPolicy deny-imds');
    expect(commandArgs(md, 'cniLens.showPathDiagram')).toContainEqual([{ namespace: 'shop', name: 'frontend-5bbc558bcd-2vxgb' }]);
    expect(commandArgs(md, 'cniLens.trace.fromPod')).toHaveLength(3);
    expect(md).not.toMatch(FOREIGN_LINK);
  });

  it('marks a pod Cilium does not manage and says no policy is enforced on it', () => {
    const manifest = 'apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: worker\n  namespace: payments\nspec:\n  selector:\n    matchLabels:\n      app: worker\n';
    const text = hoverText(manifest, 'name: worker');
    expect(text).toContain('Deployment payments/worker**: 2 pods now');
    const row = text.split('\n').find((l) => l.startsWith('| worker-84bf9588bd-dgpm9 |'));
    expect(row).toContain('100.64.74.231');
    expect(row).toContain('**unmanaged** (no CiliumEndpoint)');
    expect(text).toContain('- **Ingress**: NetworkPolicy payments/default-deny-ingress');
    expect(text).toContain('1 pod without a CiliumEndpoint: Cilium does not manage it and enforces no policy on it (payments/worker-84bf9588bd-dgpm9)');
  });

  it('a Pod by name, and a DaemonSet of host-network pods', () => {
    const pod = hoverText('apiVersion: v1\nkind: Pod\nmetadata:\n  name: api-f959c8b7-z9s4b\n  namespace: payments\n', 'z9s4b');
    expect(pod).toContain('Pod payments/api-f959c8b7-z9s4b**: 1 pod now (by name)');
    expect(pod).toContain('100.64.173.221');
    expect(pod).toContain('identity 26064');
    const ds = hoverText('apiVersion: apps/v1\nkind: DaemonSet\nmetadata:\n  name: aws-node\n  namespace: kube-system\n', 'name: aws-node');
    expect(ds).toContain('DaemonSet kube-system/aws-node**: 7 pods now (by owner references)');
    expect(ds).toContain('10.0.17.42 (host network)');
    expect(ds).toContain('host (no endpoint)');
    expect(ds).toContain('Host-network pods: pod policies do not apply to them.');
  });
});

describe('manifestHover: selectors', () => {
  it('a NetworkPolicy podSelector selects in the policy\'s namespace', () => {
    const text = hoverText(shop, 'app: api');
    expect(text).toContain('**podSelector** of NetworkPolicy payments/allow-checkout-to-api');
    expect(text).toContain('app=api in namespace payments: 2 pods now (api-f959c8b7-gqnkl, api-f959c8b7-z9s4b)');
  });

  it('a namespaceSelector selects namespaces by their labels; with its podSelector, the pods in them', () => {
    const text = hoverText(shop, 'kubernetes.io/metadata.name: shop', { at: 3 });
    expect(text).toContain('**namespaceSelector**');
    expect(text).toContain('namespaces labelled kubernetes.io/metadata.name=shop: 1 namespace (shop)');
    expect(text).toContain('With the podSelector: pods labelled app=checkout in namespaces labelled kubernetes.io/metadata.name=shop: 2 pods now (shop/checkout-5d746469b-bhxhw, shop/checkout-5d746469b-c6bd5)');
  });

  it('a CNP endpoint selector defaults to the CNP\'s namespace unless it names k8s:io.kubernetes.pod.namespace', () => {
    const scoped = hoverText(shop, 'app: checkout', { nth: 1 });
    expect(scoped).toContain('**fromEndpoints** of CiliumNetworkPolicy shop/frontend-ingress');
    expect(scoped).toContain('pods labelled app=checkout in namespace shop: 2 pods now');
    expect(scoped).toContain('Without k8s:io.kubernetes.pod.namespace, Cilium limits the selector to the policy\'s namespace.');
    const named = hoverText(shop, 'k8s:k8s-app: kube-dns');
    expect(named).toContain('pods labelled k8s:k8s-app=kube-dns in namespace kube-system: 2 pods now (kube-system/coredns-6957d88c7b-65tgt, kube-system/coredns-6957d88c7b-8lx8k)');
    expect(named).toContain('The selector names k8s:io.kubernetes.pod.namespace, so it is not limited');
    // the same selector in a CNP of another namespace selects nothing there
    const elsewhere = 'apiVersion: cilium.io/v2\nkind: CiliumNetworkPolicy\nmetadata:\n  name: x\n  namespace: payments\nspec:\n  endpointSelector: {}\n  ingress:\n  - fromEndpoints:\n    - matchLabels:\n        app: checkout\n';
    expect(hoverText(elsewhere, 'app: checkout')).toContain('pods labelled app=checkout in namespace payments: no pod now');
  });

  it('a CCNP endpoint selector matches across namespaces; unmanaged pods are not enforced', () => {
    const text = hoverText(shop, 'operator: NotIn', { at: 0 });
    expect(text).toContain('**endpointSelector** of CiliumClusterwideNetworkPolicy deny-imds');
    expect(text).toContain('every pod outside namespace kube-system: 13 pods now');
    expect(text).toContain('2 more pods carry the labels but have no CiliumEndpoint (unmanaged): the policy is not enforced on them: data/legacy-reporter-5c95786d59-pvf2k, payments/worker-84bf9588bd-dgpm9');
  });

  it('a Service selector, a `{}` flow selector and the key `fromEndpoints`', () => {
    const svc = hoverText(shop, 'app: frontend', { nth: 3 });
    expect(svc).toContain('**selector** of Service shop/frontend');
    expect(svc).toContain('pods labelled app=frontend in namespace shop: 3 pods now');
    const cnp = 'apiVersion: cilium.io/v2\nkind: CiliumNetworkPolicy\nmetadata:\n  name: f\n  namespace: shop\nspec:\n  endpointSelector: {}\n  ingress:\n  - fromEndpoints:\n    - {}\n';
    expect(hoverText(cnp, '{}', { nth: 1, at: 0 })).toContain('every pod in namespace shop: 7 pods now');
    expect(hoverText(cnp, 'fromEndpoints')).toContain('**fromEndpoints** of CiliumNetworkPolicy shop/f');
  });
});

describe('manifestHover: policy rules in one sentence', () => {
  it('a CNP ingress rule, on its `-`', () => {
    const cart = 'apiVersion: cilium.io/v2\nkind: CiliumNetworkPolicy\nmetadata:\n  name: cart-ingress\n  namespace: shop\nspec:\n  endpointSelector:\n    matchLabels:\n      app: cart\n  ingress:\n  - fromEndpoints:\n    - matchLabels:\n        app: frontend\n    toPorts:\n    - ports:\n      - port: "7070"\n        protocol: TCP\n';
    const text = hoverText(cart, '- fromEndpoints', { at: 0 });
    expect(text).toContain('CiliumNetworkPolicy shop/cart-ingress · ingress rule 1');
    expect(text).toContain('allows TCP 7070 into app=cart in namespace shop from pods labelled app=frontend in namespace shop: 3 pods → 2 pods');
  });

  it('a NetworkPolicy rule on `from`, with a named port resolved on the selected pods; the section key lists every rule', () => {
    const text = hoverText(shop, '- from:', { at: 3 });
    expect(text).toContain('NetworkPolicy payments/allow-checkout-to-api · ingress rule 1');
    expect(text).toContain(
      'allows TCP https (8443) into app=api in namespace payments from pods labelled app=checkout in namespaces labelled kubernetes.io/metadata.name=shop: 2 pods → 2 pods',
    );
    const ignored = 'apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata:\n  name: x\n  namespace: shop\nspec:\n  podSelector: {}\n  policyTypes: [Ingress]\n  egress:\n  - to:\n    - podSelector: {}\n';
    expect(hoverText(ignored, '- to', { at: 0 })).toContain('policyTypes does not include Egress: this rule has no effect');
    const section = hoverText(shop, '  ingress:', { at: 3 });
    expect(section).toContain('ingress (2 rules)');
    expect(section).toContain('allows everything into app=api in namespace payments from CIDR 10.0.0.0/16 except 10.0.100.0/24: 10.0.0.0/16 except 10.0.100.0/24 → 2 pods');
  });

  it('a deny rule, entity and CIDR rules, and the policy name', () => {
    const deny = hoverText(shop, 'egressDeny');
    expect(deny).toContain('denies everything from every pod outside namespace kube-system to CIDR 169.254.169.254: 13 pods → 169.254.169.254');
    const entities = hoverText(shop, '- fromEntities', { at: 0 });
    expect(entities).toContain('allows TCP 8080 into app=frontend in namespace shop from entity world: world → 3 pods');
    const name = hoverText(shop, 'name: data-egress');
    expect(name).toContain('CiliumNetworkPolicy data/data-egress');
    expect(name).toContain('Selects every pod in namespace data: 3 pods');
    expect(name).toContain('allows TCP 443 from every pod in namespace data to CIDR 10.0.0.0/16 or CIDR 100.64.0.0/16 or CIDR 8.8.8.8/32: 3 pods → 10.0.0.0/16 + 100.64.0.0/16 + 8.8.8.8/32');
    expect(name).toContain('CIDR rule 100.64.0.0/16 covers 18 pod IPs, but Cilium matches CIDR rules only against addresses outside the cluster');
    expect(name).toContain('Not enforced on 1 unmanaged pod (no CiliumEndpoint): data/legacy-reporter-5c95786d59-pvf2k');
  });
});

describe('manifestHover: CIDRs', () => {
  it('10.0.0.0/16 is the VPC primary CIDR: its subnets, ENIs and nodes, except what is excepted', () => {
    const text = hoverText(shop, 'cidr: 10.0.0.0/16');
    expect(text).toContain('**CIDR 10.0.0.0/16**: is the VPC primary CIDR 10.0.0.0/16 of vpc-0a1b2c3d4e5f60718');
    expect(text).toContain('- **Subnets**: 9 subnets');
    expect(text).toContain('NLB k8s-shop-frontend-6f2a9c1e4b (10.0.0.84, 10.0.1.219, 10.0.2.36)');
    expect(text).toContain('- **Nodes**: 7 nodes');
    expect(text).toContain('- **Pods**: none');
    // 10.0.100.0/24 is excepted: the RDS and MSK ENIs there are left out
    expect(text).toContain('RDS (10.0.101.148)');
    expect(text).not.toContain('10.0.100.45');
    expect(text).toContain('Cilium: a CIDR rule (ipBlock) matches only addresses outside the cluster');
    const except = hoverText(shop, '- 10.0.100.0/24');
    expect(except).toContain('**CIDR 10.0.100.0/24** (excepted from 10.0.0.0/16): inside the VPC primary CIDR 10.0.0.0/16');
    expect(except).toContain('RDS (10.0.100.45)');
  });

  it('100.64.0.0/16 is a secondary CIDR with every pod, which a Cilium CIDR rule does not select', () => {
    const text = hoverText(shop, 'cidr: 100.64.0.0/16');
    expect(text).toContain('is a VPC secondary CIDR 100.64.0.0/16');
    expect(text).toContain('- **Subnets**: 3 subnets');
    expect(text).toContain('- **ENIs**: 13: 13 of nodes');
    expect(text).toContain('- **Pods**: 18 pods (data/events-producer-75b9499fcc-s9pm9');
    expect(text).toContain('it never selects pods that Cilium manages');
    expect(text).toContain('Not matched here: the 18 pods inside (16 managed by Cilium)');
  });

  it('8.8.8.8/32 is outside the VPC; a bare address in toCIDR is a /32', () => {
    const text = hoverText(shop, 'cidr: 8.8.8.8/32');
    expect(text).toContain('**CIDR 8.8.8.8/32**: outside the VPC of vpc-0a1b2c3d4e5f60718 (10.0.0.0/16, 100.64.0.0/16)');
    expect(text).toContain('- **Pods**: none');
    const imds = hoverText(shop, '- 169.254.169.254');
    expect(imds).toContain('**CIDR 169.254.169.254/32**: outside the VPC');
    expect(imds).toContain('the EC2 instance metadata service (IMDS)');
  });
});

describe('manifestHover: following the store', () => {
  it('CIDR contents and entity counts follow pod and CiliumEndpoint changes', async () => {
    const live = (await loadSnapshotStore(DEMO)).store;
    prepareManifestHover(live);
    const pods = () => /- \*\*Pods\*\*: (\d+) pods/.exec(hoverText(shop, 'cidr: 100.64.0.0/16', { store: live }))?.[1];
    const managedInside = () => /the (\d+) pods inside \((\d+) managed by Cilium\)/.exec(hoverText(shop, 'cidr: 100.64.0.0/16', { store: live }))?.slice(1, 3);
    const cluster = () => /(\d+) managed pods, (\d+) unmanaged pods/.exec(hoverText(shop, '- cluster', { store: live }))?.slice(1, 3);
    expect(pods()).toBe('18');
    expect(managedInside()).toEqual(['18', '16']);
    expect(cluster()).toEqual(['16', '2']);
    const moved = live.get('pod', 'shop/cart-78d4d6b5d-n4pww') as PodInfo;
    const endpoint = live.get('ciliumEndpoint', 'shop/frontend-5bbc558bcd-2vxgb')!;
    live.upsert('pod', { ...moved, ip: '10.0.17.200', ips: ['10.0.17.200'] });
    live.remove('ciliumEndpoint', 'shop/frontend-5bbc558bcd-2vxgb');
    expect(pods()).toBe('17');
    // the pod that moved out had an endpoint, and the one that lost its endpoint is still inside
    expect(managedInside()).toEqual(['17', '14']);
    expect(cluster()).toEqual(['15', '3']);
    live.upsert('pod', moved);
    live.upsert('ciliumEndpoint', endpoint);
    expect(pods()).toBe('18');
    expect(managedInside()).toEqual(['18', '16']);
  });
});

describe('manifestHover: indexes built in steps', () => {
  it('changes made between the steps, and a hover that comes before the end, give the answers of a full build', async () => {
    const live = (await loadSnapshotStore(DEMO)).store;
    const pods = () => /- \*\*Pods\*\*: (\d+) pods/.exec(hoverText(shop, 'cidr: 100.64.0.0/16', { store: live }))?.[1];
    const cluster = () => /(\d+) managed pods, (\d+) unmanaged pods/.exec(hoverText(shop, '- cluster', { store: live }))?.slice(1, 3);
    const moved = live.get('pod', 'shop/cart-78d4d6b5d-n4pww') as PodInfo;
    let pauses = 0;
    const censusSteps = Math.floor(live.count('pod') / 4);
    // the store's first two pods: taken by each index's first step
    const [first, second] = [...live.list('pod')] as [PodInfo, PodInfo];
    expect([first.ip?.startsWith('100.64.'), second.ip?.startsWith('100.64.')]).toEqual([true, true]);
    // 4 objects a step: changes to an object each index has already taken
    await clusterFactsFor(live).prepareInSteps(new WorkSlices(async () => {
      pauses++;
      if (pauses === 2) live.remove('ciliumEndpoint', `${first.namespace}/${first.name}`);
      if (pauses === censusSteps + 1) live.upsert('pod', { ...second, ip: '10.0.17.200', ips: ['10.0.17.200'] });
    }, { count: 4 }));
    expect(pauses).toBeGreaterThan(censusSteps + 4);
    expect(pods()).toBe('17');
    expect(cluster()).toEqual(['15', '3']);

    const again = (await loadSnapshotStore(DEMO)).store;
    const hovered: Array<string | undefined> = [];
    let stepsAfterHover = 0;
    await clusterFactsFor(again).prepareInSteps(new WorkSlices(async () => {
      if (hovered.length > 0) stepsAfterHover++;
      // a hover part way builds what it reads at once; the build in steps then stops
      else hovered.push(/- \*\*Pods\*\*: (\d+) pods/.exec(hoverText(shop, 'cidr: 100.64.0.0/16', { store: again }))?.[1]);
    }, { count: 4 }));
    expect(hovered).toEqual(['18']);
    again.upsert('pod', { ...moved, ip: '10.0.17.200', ips: ['10.0.17.200'] });
    expect(/- \*\*Pods\*\*: (\d+) pods/.exec(hoverText(shop, 'cidr: 100.64.0.0/16', { store: again }))?.[1]).toBe('17');
    expect(stepsAfterHover).toBeGreaterThan(0);
  });
});

describe('manifestHover: entities', () => {
  it('each entity with what it covers in this cluster', () => {
    const text = hoverText(shop, 'toEntities');
    expect(text).toContain('**toEntities** (Cilium entities, in this cluster)');
    expect(text).toContain('- **world**: everything outside the cluster');
    expect(text).toContain('NLB k8s-shop-frontend-6f2a9c1e4b (10.0.0.84, 10.0.1.219, 10.0.2.36)');
    expect(text).toContain('RDS (10.0.100.45, 10.0.101.148)');
    expect(text).toContain('- **host**: the node the selected endpoint runs on');
    expect(text).toContain('one of 7 nodes, with 22 host-network pods');
    expect(text).toContain('- **remote-node**: every other node of the cluster — from any one pod, the other 6 nodes of 7');
    expect(text).toContain('- **cluster**: every endpoint inside the cluster: 16 managed pods, 2 unmanaged pods, 7 nodes');
    expect(text).toContain('- **kube-apiserver**: the Kubernetes API server, the endpoints of default/kubernetes: 10.0.19.220');
    expect(text).toContain('10.0.44.73');
    expect(text).toContain('- **all**: every peer — cluster (18 pods, 7 nodes) and world.');
    const one = hoverText(shop, '- remote-node');
    expect(one).toContain('remote-node');
    expect(one).not.toContain('**world**');
  });
});

describe('manifestHover: ports', () => {
  it('a policy\'s named port resolves on the selected pods', () => {
    const text = hoverText(shop, 'port: https');
    expect(text).toContain('**Port https** (TCP), on the selected pods: 2 pods');
    expect(text).toContain('named port https: 8443/TCP on 2 pods (container api)');
  });

  it('a Service targetPort: named port, EndpointSlice mapping and the container behind it', () => {
    const text = hoverText(shop, 'targetPort: http');
    expect(text).toContain('**Service shop/frontend** port http 80/TCP → http');
    expect(text).toContain('targetPort http is a named port: 8080/TCP on 3 pods (container frontend)');
    expect(text).toContain('EndpointSlice frontend-d96c2: 80/TCP → 8080 on 3 ready endpoints');
  });

  it('a containerPort: the Services that send to it', () => {
    const text = hoverText(shop, 'containerPort: 8080');
    expect(text).toContain('**http 8080/TCP** of container frontend');
    expect(text).toContain('exposed by Service frontend 80/TCP → http (ClusterIP 172.20.41.118)');
  });
});

describe('manifestHover: IP addresses', () => {
  it('a node IP, an NLB ENI IP, a NAT gateway IP and its Elastic IP, an unknown address', () => {
    const node = hoverText(shop, 'node: 10.0.17.42');
    expect(node).toContain('- node ip-10-0-17-42.us-west-2.compute.internal (InternalIP, us-west-2a, i-0f863e3b929eb4728)');
    expect(node).toContain('- ENI eni-0801c0d8828be2ca4 (eth0) of node ip-10-0-17-42: primary IP');
    expect(node).toContain('inside the VPC primary CIDR 10.0.0.0/16');
    const nlb = hoverText(shop, 'nlb: 10.0.0.84');
    expect(nlb).toContain('- NLB k8s-shop-frontend-6f2a9c1e4b network interface eni-0ed82a2d5a6ad6ae6: primary IP, subnet subnet-06d6453ece583a6ec 10.0.0.0/24');
    const nat = hoverText(shop, 'nat: 10.0.0.137');
    expect(nat).toContain('- NAT gateway nat-05910d8254bcd8c78 (private IP, subnet-06d6453ece583a6ec)');
    expect(nat).toContain('NAT gateway nat-05910d8254bcd8c78 network interface eni-00c195f2a30b4ce9e');
    expect(hoverText(shop, 'natPublic: 44.231.17.88')).toContain('NAT gateway nat-05910d8254bcd8c78 (public IP (Elastic IP)');
    const unknown = hoverText(shop, 'unknown: 203.0.113.9');
    expect(unknown).toContain(`no pod, node, ENI, Service or NAT gateway in ${SOURCE} has this address`);
    expect(unknown).toContain('outside the VPC');
  });

  it('a pod IP and a ClusterIP anywhere in a manifest', () => {
    const text = 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\ndata:\n  a: 100.64.24.30\n  b: 172.20.0.10\n';
    const pod = hoverText(text, '100.64.24.30');
    expect(pod).toContain('- pod shop/frontend-5bbc558bcd-vkbwc on node ip-10-0-17-42');
    expect(pod).toContain('- ENI eni-05db3299ce12905ee (eth1) of node ip-10-0-17-42: secondary IP');
    expect(pod).toContain('- Cilium identity 26007 (ready) of shop/frontend-5bbc558bcd-vkbwc');
    const svc = hoverText(text, '172.20.0.10');
    expect(svc).toContain('- Service kube-system/kube-dns (clusterIP, ClusterIP)');
    expect(svc).toContain('a virtual Service address');
  });
});

describe('manifestHover: a Service name', () => {
  it('ClusterIP, backends and where the ClusterIP is translated', () => {
    const text = hoverText(shop, 'name: frontend', { nth: 2 });
    expect(text).toContain('**Service shop/frontend** (ClusterIP): ClusterIP 172.20.41.118');
    expect(text).toContain('- **Ports**: http 80/TCP → http');
    expect(text).toContain('- **Backends** (EndpointSlice frontend-d96c2): 3 ready endpoints');
    expect(text).toContain('frontend-5bbc558bcd-vkbwc (100.64.24.30)');
    expect(text).toContain(
      '- **Translation**: Cilium per packet at the client pod\'s veth (cil_from_container) for managed pods (16); kube-proxy (iptables, per packet) for unmanaged pods (2) and host-network clients (kube-proxy-replacement=false, socket LB off)',
    );
  });

  it('a LoadBalancer Service: the NLB ENIs and its IP targets', () => {
    const text = hoverText('apiVersion: v1\nkind: Service\nmetadata:\n  name: frontend-nlb\n  namespace: shop\n', 'frontend-nlb');
    expect(text).toContain('**Service shop/frontend-nlb** (LoadBalancer): ClusterIP 172.20.203.56');
    expect(text).toContain('NLB ENIs eni-06f20969f18a3b006 10.0.2.36, eni-0744f0ba2ce764902 10.0.1.219, eni-0ed82a2d5a6ad6ae6 10.0.0.84');
    expect(text).toContain('NLB target type ip: the NLB sends to the pod IPs directly');
  });
});

describe('manifestHover: documents, sources and what is not hovered', () => {
  it('hovers in the 3rd document of a file parse only that document, once per text', () => {
    const cache = new HoverDocumentCache();
    const first = hover(shop, 'app: api', { cache });
    expect(plain(first?.markdown ?? '')).toContain('NetworkPolicy payments/allow-checkout-to-api');
    hover(shop, 'port: https', { cache });
    hover(shop, '- from:', { cache, at: 0 });
    expect(cache.stats).toMatchObject({ parses: 1, hits: 2 });
    // the slice is exactly the third document: from its `---` line to the next one
    const slice = cache.sliceAt(shop, offsetOf(shop, 'app: api'));
    const third = shop.split(/^---$/m)[2] as string;
    expect(slice.text).toBe(`---${third}`);
    hover(shop, 'name: frontend', { cache });
    expect(cache.stats.parses).toBe(2);
    // an edited text starts over
    hover(`${shop}\n`, 'app: api', { cache });
    expect(cache.stats.resets).toBe(1);
  });

  it('slicing from the cached marker lines agrees with scanning from the offset, LF and CRLF', () => {
    for (const text of [shop, shop.replace(/\n/g, '\r\n'), `---\n${shop}\n---\n`]) {
      const memo = { shapes: new Map() };
      for (let offset = 0; offset <= text.length; offset += 7) expect(sliceAround(text, offset, memo)).toEqual(sliceAround(text, offset));
    }
    const crlf = shop.replace(/\n/g, '\r\n');
    expect(plain(hover(crlf, 'app: api')?.markdown ?? '')).toContain('app=api in namespace payments: 2 pods now');
  });

  it('the cache reads the editor text once per document version', () => {
    const cache = new HoverDocumentCache();
    let reads = 0;
    const read = () => {
      reads++;
      return shop;
    };
    const text = cache.textFor(7, read);
    cache.textFor(7, read);
    expect(reads).toBe(1);
    const result = manifestHover(text, offsetOf(text, 'app: api'), { store, sourceLabel: SOURCE, cache, version: 7 });
    expect(result).toBeDefined();
    cache.textFor(8, read);
    expect(reads).toBe(2);
  });

  it('a large List (kubectl get -o yaml) is sliced to the item under the offset', () => {
    const item = (i: number) => `- apiVersion: v1\n  kind: ConfigMap\n  metadata:\n    name: c-${i}\n    namespace: shop\n  data:\n    address: 10.0.17.42\n    filler: "${'x'.repeat(200)}"\n`;
    const list = `apiVersion: v1\nitems:\n${Array.from({ length: 400 }, (_, i) => item(i)).join('')}kind: List\nmetadata:\n  resourceVersion: ""\n`;
    expect(list.length).toBeGreaterThan(LARGE_DOCUMENT);
    const offset = offsetOf(list, 'name: c-250');
    const slice = sliceAround(list, offset);
    expect(slice.listItem).toBe(true);
    expect(list.slice(slice.start, slice.end)).toBe(item(250));
    const text = plain(manifestHover(list, offsetOf(list, '10.0.17.42', { nth: 250 }), { store, sourceLabel: SOURCE })?.markdown ?? '');
    expect(text).toContain('node ip-10-0-17-42.us-west-2.compute.internal');
    expect(manifestHover(list, offsetOf(list, 'kind: List'), { store, sourceLabel: SOURCE })).toBeUndefined();
  });

  it('says where the facts come from: the offline workspace manifests', async () => {
    const workspace = (await loadSnapshotStore(SHOP)).store;
    const result = hover(shop, 'name: frontend', { store: workspace, sourceLabel: 'workspace manifests' });
    const text = plain(result?.markdown ?? '');
    expect(text).toContain('Deployment shop/frontend**: no pod now in namespace shop matches app=frontend');
    expect(text.trim().endsWith('*From workspace manifests*')).toBe(true);
    expect(plain(hover(shop, 'cidr: 10.0.0.0/16', { sourceLabel: 'live cluster shop-prod' })?.markdown ?? '')).toContain('*From live cluster shop-prod*');
  });

  it('returns undefined where there is nothing to say', () => {
    expect(hover(shop, 'replicas: 3')).toBeUndefined();
    expect(hover(shop, 'spec:', { at: 0 })).toBeUndefined();
    expect(manifestHover(shop, shop.indexOf('# Manifests'), { store, sourceLabel: SOURCE })).toBeUndefined();
    expect(manifestHover('server:\n  address: 10.0.17.42\n', 20, { store, sourceLabel: SOURCE })).toBeUndefined();
    expect(manifestHover('', 0, { store, sourceLabel: SOURCE })).toBeUndefined();
    expect(manifestHover(shop, -1, { store, sourceLabel: SOURCE })).toBeUndefined();
    expect(manifestHover(shop, shop.length + 1, { store, sourceLabel: SOURCE })).toBeUndefined();
  });
});

describe('manifestHover: invalid and half-typed YAML', () => {
  const unclosed = 'apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: "frontend\n  namespace: shop\nspec:\n  replicas: 3\n';
  const tab = 'apiVersion: v1\nkind: Service\nmetadata:\n  name: frontend\n  namespace: shop\nspec:\n  selector:\n\tapp: frontend\n';
  const badIndent = 'apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata:\n  name: x\n  namespace: payments\nspec:\n  podSelector:\n    matchLabels:\n      app: api\n  ingress:\n  - from:\n      - podSelector: {}\n     ports:\n  - port: 8443\n';
  const halfTyped = 'apiVersion: cilium.io/v2\nkind: CiliumNetworkPolicy\nmetadata:\n  name: x\n  namespace: shop\nspec:\n  endpointSelector:\n    matchLabels:\n      app: fr';

  it('an unclosed quote: the name up to the line end, the pods found, and the error named', () => {
    const result = hover(unclosed, 'frontend');
    const text = plain(result?.markdown ?? '');
    expect(unclosed.slice(result?.range.start, result?.range.end)).toBe('"frontend');
    expect(text).toContain('Deployment shop/frontend**: 3 pods now');
    expect(text).toContain('The manifest sets no namespace: pods found in namespace shop.');
    expect(text).toMatch(/⚠ This YAML document has an error \(line \d+: Missing closing "quote\)/);
  });

  it('a tab and a bad indentation: what comes before still answers', () => {
    const svc = plain(hover(tab, 'name: frontend')?.markdown ?? '');
    expect(svc).toContain('**Service shop/frontend** (ClusterIP): ClusterIP 172.20.41.118');
    expect(svc).toContain('⚠ This YAML document has');
    const np = plain(hover(badIndent, 'app: api')?.markdown ?? '');
    expect(np).toContain('app=api in namespace payments: 2 pods now');
    expect(plain(hover(halfTyped, 'app: fr')?.markdown ?? '')).toContain('app=fr in namespace shop: no pod now');
  });

  it('never throws, at any offset of broken or partial text', () => {
    const texts = [unclosed, tab, badIndent, halfTyped, '{{{ ]]] : : -\n\t- "', 'apiVersion: v1\nkind: Pod\nmetadata:\n  name:\n', '---\n---\n- - - [\n', 'kind: [\napiVersion: {', shop.slice(0, 1500)];
    const errors: unknown[] = [];
    for (const text of texts) {
      for (let offset = 0; offset <= text.length; offset++) {
        expect(() => manifestHover(text, offset, { store, sourceLabel: SOURCE, onError: (e) => errors.push(e) })).not.toThrow();
      }
    }
    // nothing failed inside either (the provider's safety net never had to catch)
    expect(errors).toEqual([]);
  });
});

describe('Markdown safety', () => {
  it('markdownEscape escapes links, HTML and autolinks; commandLink takes only cniLens commands and JSON arguments', () => {
    expect(markdownEscape('[x](command:workbench.action.terminal.new)')).toBe('\\[x\\]\\(command\\:workbench\\.action\\.terminal\\.new\\)');
    expect(markdownEscape('<img src=x onerror=alert(1)>')).toBe('\\<img src=x onerror=alert\\(1\\)\\>');
    expect(markdownEscape('a\nb|c')).toBe('a b\\|c');
    expect(commandLink('cniLens.trace.fromPod', [{ namespace: 'shop', name: 'a' }])).toBe('command:cniLens.trace.fromPod?%5B%7B%22namespace%22%3A%22shop%22%2C%22name%22%3A%22a%22%7D%5D');
    expect(commandLink('cniLens.showPathDiagram', [{ name: 'a)b' }])).not.toContain(')');
    expect(() => commandLink('workbench.action.terminal.new', [])).toThrow();
    expect(() => commandLink('cniLens.x?y', [])).toThrow();
    expect(() => commandLink('cniLens.showPathDiagram', [new Date() as never])).toThrow();
    expect(markdownCommandLink('[trace](x)', 'cniLens.trace.fromPod', [])).toBe('[\\[trace\\]\\(x\\)](command:cniLens.trace.fromPod?%5B%5D)');
  });

  it('names and labels from the cluster and the manifest cannot inject links or HTML', async () => {
    const hostile = (await loadSnapshotStore(DEMO)).store;
    const link = '[x](command:workbench.action.terminal.new)';
    const img = '<img src=x onerror=alert(1)>';
    const base = hostile.get('pod', 'shop/frontend-5bbc558bcd-2vxgb') as PodInfo;
    hostile.upsert('pod', { ...base, name: img, uid: 'evil', labels: { app: 'evil', note: link }, nodeName: link, ip: '100.64.250.1', ips: ['100.64.250.1'], owner: { kind: 'ReplicaSet', name: link } });
    const svc = hostile.get('service', 'shop/frontend') as ServiceInfo;
    hostile.upsert('service', { ...svc, name: 'evil', clusterIp: '172.20.250.1', clusterIps: ['172.20.250.1'], selector: { app: 'evil' } });
    const manifests = [
      `apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: evil\n  namespace: shop\nspec:\n  selector:\n    matchLabels:\n      app: evil\n      note: "${link}"\n`,
      'apiVersion: v1\nkind: Service\nmetadata:\n  name: evil\n  namespace: shop\n',
      'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\ndata:\n  a: 100.64.250.1\n',
    ];
    const results = [
      hover(manifests[0] as string, 'name: evil', { store: hostile }),
      hover(manifests[0] as string, 'note', { store: hostile }),
      hover(manifests[1] as string, 'name: evil', { store: hostile }),
      hover(manifests[2] as string, '100.64.250.1', { store: hostile }),
    ];
    for (const result of results) {
      const md = result?.markdown ?? '';
      expect(md).not.toBe('');
      expect(md).not.toMatch(/(?<!\\)<img/);
      expect(md).not.toMatch(FOREIGN_LINK);
      for (const m of md.matchAll(/\]\((command:[^)]*)\)/g)) expect(m[1]).toMatch(/^command:cniLens\./);
    }
    const workload = plain(results[0]?.markdown ?? '');
    expect(workload).toContain(`| ${img} |`);
    expect(workload).toContain(link);
    // no trace link for a pod whose name is not an object name
    expect(commandArgs(results[0]?.markdown ?? '', 'cniLens.trace.fromPod')).toEqual([]);
    expect(plain(results[1]?.markdown ?? '')).toContain(`note=${link}`);
    expect(plain(results[2]?.markdown ?? '')).toContain(`${img} (100.64.250.1)`);
    expect(plain(results[3]?.markdown ?? '')).toContain(`pod shop/${img} on node ${link}`);
  });
});
