/**
 * The resources the simulated Kubernetes API knows: built-ins (always served) and the CRDs of
 * Cilium and the AWS VPC CNI (served only when installed, see `ResourceRegistry`).
 */

/** A CRD's `additionalPrinterColumns` entry, with the simple JSONPath the API server evaluates. */
export interface PrinterColumnDef {
  name: string;
  type: 'string' | 'integer' | 'number' | 'boolean' | 'date';
  jsonPath: string;
  description?: string;
  priority?: number;
}

export interface SubresourceDef {
  name: string;
  kind: string;
  /** Group/version of the response kind when it differs from the parent's. */
  group?: string;
  version?: string;
  verbs: string[];
}

export interface ResourceDef {
  /** `''` for the core group. */
  group: string;
  version: string;
  /** Plural, lower case: `pods`. */
  resource: string;
  singular: string;
  kind: string;
  namespaced: boolean;
  shortNames?: string[];
  categories?: string[];
  subresources?: SubresourceDef[];
  /** CRDs only: the columns `kubectl get` shows after Name. Absent means `Age`. */
  printerColumns?: PrinterColumnDef[];
}

const AGE: PrinterColumnDef = {
  name: 'Age',
  type: 'date',
  jsonPath: '.metadata.creationTimestamp',
  description:
    'CreationTimestamp is a timestamp representing the server time when this object was created.',
};

function core(resource: string, kind: string, namespaced: boolean, extra: Partial<ResourceDef> = {}): ResourceDef {
  return { group: '', version: 'v1', resource, singular: kind.toLowerCase(), kind, namespaced, ...extra };
}

function grouped(group: string, version: string, resource: string, kind: string, namespaced: boolean, extra: Partial<ResourceDef> = {}): ResourceDef {
  return { group, version, resource, singular: kind.toLowerCase(), kind, namespaced, ...extra };
}

/** Served by every simulated cluster. */
export const BUILT_IN_RESOURCES: readonly ResourceDef[] = [
  core('namespaces', 'Namespace', false, { shortNames: ['ns'] }),
  core('nodes', 'Node', false, { shortNames: ['no'] }),
  core('pods', 'Pod', true, {
    shortNames: ['po'],
    categories: ['all'],
    subresources: [{ name: 'portforward', kind: 'PodPortForwardOptions', verbs: ['create', 'get'] }],
  }),
  core('services', 'Service', true, { shortNames: ['svc'], categories: ['all'] }),
  core('endpoints', 'Endpoints', true, { singular: 'endpoints', shortNames: ['ep'] }),
  core('configmaps', 'ConfigMap', true, { shortNames: ['cm'] }),
  core('serviceaccounts', 'ServiceAccount', true, { shortNames: ['sa'] }),
  core('events', 'Event', true, { shortNames: ['ev'] }),
  grouped('apps', 'v1', 'daemonsets', 'DaemonSet', true, { shortNames: ['ds'], categories: ['all'] }),
  grouped('apps', 'v1', 'deployments', 'Deployment', true, { shortNames: ['deploy'], categories: ['all'] }),
  grouped('apps', 'v1', 'replicasets', 'ReplicaSet', true, { shortNames: ['rs'], categories: ['all'] }),
  grouped('apps', 'v1', 'statefulsets', 'StatefulSet', true, { shortNames: ['sts'], categories: ['all'] }),
  grouped('batch', 'v1', 'jobs', 'Job', true, { categories: ['all'] }),
  grouped('discovery.k8s.io', 'v1', 'endpointslices', 'EndpointSlice', true),
  grouped('networking.k8s.io', 'v1', 'networkpolicies', 'NetworkPolicy', true, {
    singular: 'networkpolicy',
    shortNames: ['netpol'],
  }),
];

const VALID: PrinterColumnDef = { name: 'Valid', type: 'string', jsonPath: ".status.conditions[?(@.type=='Valid')].status" };

/** CRDs, as a recent Cilium (1.16) and the AWS VPC CNI install them. */
export const CRD_RESOURCES: readonly ResourceDef[] = [
  grouped('cilium.io', 'v2', 'ciliumendpoints', 'CiliumEndpoint', true, {
    shortNames: ['cep', 'ciliumep'],
    categories: ['cilium'],
    printerColumns: [
      { name: 'Security Identity', type: 'integer', jsonPath: '.status.identity.id', description: 'Security Identity' },
      { name: 'Ingress Enforcement', type: 'string', jsonPath: '.status.policy.ingress.state', priority: 1, description: 'Ingress enforcement in the endpoint' },
      { name: 'Egress Enforcement', type: 'string', jsonPath: '.status.policy.egress.state', priority: 1, description: 'Egress enforcement in the endpoint' },
      { name: 'Endpoint State', type: 'string', jsonPath: '.status.state', description: 'Endpoint current state' },
      { name: 'IPv4', type: 'string', jsonPath: '.status.networking.addressing[0].ipv4', description: 'Endpoint IPv4 address' },
      { name: 'IPv6', type: 'string', jsonPath: '.status.networking.addressing[0].ipv6', description: 'Endpoint IPv6 address' },
    ],
  }),
  grouped('cilium.io', 'v2', 'ciliumnetworkpolicies', 'CiliumNetworkPolicy', true, {
    singular: 'ciliumnetworkpolicy',
    shortNames: ['cnp', 'ciliumnp'],
    categories: ['cilium', 'ciliumpolicy'],
    printerColumns: [AGE, VALID],
  }),
  grouped('cilium.io', 'v2', 'ciliumclusterwidenetworkpolicies', 'CiliumClusterwideNetworkPolicy', false, {
    singular: 'ciliumclusterwidenetworkpolicy',
    shortNames: ['ccnp'],
    categories: ['cilium', 'ciliumpolicy'],
    printerColumns: [AGE, VALID],
  }),
  grouped('cilium.io', 'v2', 'ciliumidentities', 'CiliumIdentity', false, {
    singular: 'ciliumidentity',
    shortNames: ['ciliumid'],
    categories: ['cilium'],
    printerColumns: [
      { name: 'Namespace', type: 'string', jsonPath: '.metadata.labels.io\\.kubernetes\\.pod\\.namespace', description: 'The namespace of the entity' },
      AGE,
    ],
  }),
  grouped('cilium.io', 'v2', 'ciliumnodes', 'CiliumNode', false, {
    shortNames: ['cn', 'ciliumn'],
    categories: ['cilium'],
    printerColumns: [
      { name: 'CiliumInternalIP', type: 'string', jsonPath: ".spec.addresses[?(@.type=='CiliumInternalIP')].ip", description: 'Cilium internal IP for this node' },
      { name: 'InternalIP', type: 'string', jsonPath: ".spec.addresses[?(@.type=='InternalIP')].ip", description: 'IP of the node' },
      AGE,
    ],
  }),
  grouped('cilium.io', 'v2alpha1', 'ciliumendpointslices', 'CiliumEndpointSlice', false, {
    shortNames: ['ces'],
    categories: ['cilium'],
  }),
  grouped('crd.k8s.amazonaws.com', 'v1alpha1', 'eniconfigs', 'ENIConfig', false),
  grouped('vpcresources.k8s.aws', 'v1alpha1', 'cninodes', 'CNINode', false, { shortNames: ['cnd'] }),
];
