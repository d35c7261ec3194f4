/**
 * Server-side printing of built-in kinds: the columns and cells `kube-apiserver` puts in a Table
 * (`pkg/printers/internalversion/printers.go`, always in wide mode; kubectl hides priority-1
 * columns unless `-o wide`).
 */
import { ageSince } from './humanDuration';
import { arrayAt, recordAt, valueAt } from './objectPath';
import type { KubeObject } from './simObjectStore';

export interface TableColumnDefinition {
  name: string;
  type: string;
  format: string;
  description: string;
  priority: number;
}

export type TableCell = string | number | boolean | null;

export interface TablePrinter {
  columns: TableColumnDefinition[];
  cells(obj: KubeObject, now: number): TableCell[];
}

const NAME_DESCRIPTION =
  'Name must be unique within a namespace. Is required when creating resources, although some resources may allow a client to request the generation of an appropriate name automatically. Name is primarily intended for creation idempotence and configuration definition. Cannot be updated.';
const AGE_DESCRIPTION =
  'CreationTimestamp is a timestamp representing the server time when this object was created. It is not guaranteed to be set in happens-before order across separate operations.';

/** Column shorthand: `'Name'`, `'IP:1'` (priority 1), type integer with `#`: `'Desired#'`. */
function columns(...specs: string[]): TableColumnDefinition[] {
  return specs.map((spec) => {
    const wide = spec.endsWith(':1');
    const bare = wide ? spec.slice(0, -2) : spec;
    const integer = bare.endsWith('#');
    const name = integer ? bare.slice(0, -1) : bare;
    const description = name === 'Name' ? NAME_DESCRIPTION : name === 'Age' ? AGE_DESCRIPTION : name;
    return { name, type: integer ? 'integer' : 'string', format: name === 'Name' ? 'name' : '', description, priority: wide ? 1 : 0 };
  });
}

/** The Name column every Table starts with. */
export const NAME_COLUMN: TableColumnDefinition = columns('Name')[0]!;

const s = (v: unknown, fallback = ''): string => (v === undefined || v === null || v === '' ? fallback : String(v));
const n = (v: unknown): number => (typeof v === 'number' ? v : Number(v ?? 0) || 0);
const name = (obj: KubeObject): string => obj.metadata.name;
const age = (obj: KubeObject, now: number): string => ageSince(obj.metadata.creationTimestamp, now);

function formatLabels(labels: Record<string, unknown>): string {
  const parts = Object.keys(labels)
    .sort()
    .map((k) => `${k}=${s(labels[k])}`);
  return parts.length ? parts.join(',') : '<none>';
}

/** `metav1.FormatLabelSelector`. */
function formatLabelSelector(selector: unknown): string {
  if (selector === undefined || selector === null) return '<none>';
  const parts = Object.keys(recordAt(selector, 'matchLabels'))
    .sort()
    .map((k) => `${k}=${s(valueAt(selector, 'matchLabels', k))}`);
  for (const expr of arrayAt(selector, 'matchExpressions')) {
    const key = s(valueAt(expr, 'key'));
    const values = arrayAt(expr, 'values').map((v) => s(v));
    switch (valueAt(expr, 'operator')) {
      case 'In':
        parts.push(`${key} in (${values.join(',')})`);
        break;
      case 'NotIn':
        parts.push(`${key} notin (${values.join(',')})`);
        break;
      case 'Exists':
        parts.push(key);
        break;
      case 'DoesNotExist':
        parts.push(`!${key}`);
        break;
    }
  }
  return parts.length ? parts.join(',') : '<none>';
}

function containersAndImages(obj: KubeObject): [string, string] {
  const containers = arrayAt(obj, 'spec', 'template', 'spec', 'containers');
  return [containers.map((c) => s(valueAt(c, 'name'))).join(','), containers.map((c) => s(valueAt(c, 'image'))).join(',')];
}

function later(a: string, b: unknown): string {
  return typeof b === 'string' && (a === '' || Date.parse(b) > Date.parse(a)) ? b : a;
}

function podCells(pod: KubeObject, now: number): TableCell[] {
  const spec = recordAt(pod, 'spec');
  const status = recordAt(pod, 'status');
  const phase = s(status.phase);
  let reason = s(status.reason, phase);
  for (const c of arrayAt(status, 'conditions')) {
    if (valueAt(c, 'type') === 'PodScheduled' && valueAt(c, 'reason') === 'SchedulingGated') reason = 'SchedulingGated';
  }
  const initSpecs = arrayAt(spec, 'initContainers');
  const restartable = new Set(initSpecs.filter((c) => valueAt(c, 'restartPolicy') === 'Always').map((c) => s(valueAt(c, 'name'))));
  const total = arrayAt(spec, 'containers').length + restartable.size;
  let ready = 0;
  let restarts = 0;
  let sidecarRestarts = 0;
  let lastRestart = '';
  let lastSidecarRestart = '';

  let initializing = false;
  const initStatuses = arrayAt(status, 'initContainerStatuses');
  for (let i = 0; i < initStatuses.length; i++) {
    const c = initStatuses[i];
    const finishedAt = valueAt(c, 'lastState', 'terminated', 'finishedAt');
    restarts += n(valueAt(c, 'restartCount'));
    lastRestart = later(lastRestart, finishedAt);
    const isSidecar = restartable.has(s(valueAt(c, 'name')));
    if (isSidecar) {
      sidecarRestarts += n(valueAt(c, 'restartCount'));
      lastSidecarRestart = later(lastSidecarRestart, finishedAt);
    }
    const terminated = valueAt(c, 'state', 'terminated');
    const waitingReason = s(valueAt(c, 'state', 'waiting', 'reason'));
    if (terminated && n(valueAt(terminated, 'exitCode')) === 0) continue;
    if (isSidecar && valueAt(c, 'started') === true) {
      if (valueAt(c, 'ready') === true) ready++;
      continue;
    }
    if (terminated) {
      const r = s(valueAt(terminated, 'reason'));
      const signal = n(valueAt(terminated, 'signal'));
      reason = r ? `Init:${r}` : signal ? `Init:Signal:${signal}` : `Init:ExitCode:${n(valueAt(terminated, 'exitCode'))}`;
    } else if (waitingReason && waitingReason !== 'PodInitializing') {
      reason = `Init:${waitingReason}`;
    } else {
      reason = `Init:${i}/${initSpecs.length}`;
    }
    initializing = true;
    break;
  }

  const initializedCondition = arrayAt(status, 'conditions').some((c) => valueAt(c, 'type') === 'Initialized' && valueAt(c, 'status') === 'True');
  if (!initializing || initializedCondition) {
    restarts = sidecarRestarts;
    lastRestart = lastSidecarRestart;
    let hasRunning = false;
    const statuses = arrayAt(status, 'containerStatuses');
    for (let i = statuses.length - 1; i >= 0; i--) {
      const c = statuses[i];
      restarts += n(valueAt(c, 'restartCount'));
      lastRestart = later(lastRestart, valueAt(c, 'lastState', 'terminated', 'finishedAt'));
      const waitingReason = s(valueAt(c, 'state', 'waiting', 'reason'));
      const terminated = valueAt(c, 'state', 'terminated');
      if (waitingReason) reason = waitingReason;
      else if (terminated) {
        const r = s(valueAt(terminated, 'reason'));
        const signal = n(valueAt(terminated, 'signal'));
        reason = r || (signal ? `Signal:${signal}` : `ExitCode:${n(valueAt(terminated, 'exitCode'))}`);
      } else if (valueAt(c, 'ready') === true && valueAt(c, 'state', 'running') !== undefined) {
        hasRunning = true;
        ready++;
      }
    }
    if (reason === 'Completed' && hasRunning) {
      const podReady = arrayAt(status, 'conditions').some((c) => valueAt(c, 'type') === 'Ready' && valueAt(c, 'status') === 'True');
      reason = podReady ? 'Running' : 'NotReady';
    }
  }
  if (pod.metadata.deletionTimestamp) {
    if (status.reason === 'NodeLost') reason = 'Unknown';
    else if (phase !== 'Succeeded' && phase !== 'Failed') reason = 'Terminating';
  }
  const restartsText = restarts !== 0 && lastRestart ? `${restarts} (${ageSince(lastRestart, now)} ago)` : String(restarts);

  const podIP = s(valueAt(status, 'podIPs', 0, 'ip'), s(status.podIP, '<none>'));
  const gates = arrayAt(spec, 'readinessGates');
  let readinessGates = '<none>';
  if (gates.length) {
    const trueGates = gates.filter((g) =>
      arrayAt(status, 'conditions').some((c) => valueAt(c, 'type') === valueAt(g, 'conditionType') && valueAt(c, 'status') === 'True'),
    ).length;
    readinessGates = `${trueGates}/${gates.length}`;
  }
  return [
    pod.metadata.name,
    `${ready}/${total}`,
    reason,
    restartsText,
    age(pod, now),
    podIP,
    s(spec.nodeName, '<none>'),
    s(status.nominatedNodeName, '<none>'),
    readinessGates,
  ];
}

function nodeCells(node: KubeObject, now: number): TableCell[] {
  const readyCondition = arrayAt(node, 'status', 'conditions').find((c) => valueAt(c, 'type') === 'Ready');
  const status = [readyCondition ? (valueAt(readyCondition, 'status') === 'True' ? 'Ready' : 'NotReady') : 'Unknown'];
  if (valueAt(node, 'spec', 'unschedulable') === true) status.push('SchedulingDisabled');
  const roles = new Set<string>();
  for (const [k, v] of Object.entries(node.metadata.labels ?? {})) {
    if (k.startsWith('node-role.kubernetes.io/') && k.length > 'node-role.kubernetes.io/'.length) roles.add(k.slice('node-role.kubernetes.io/'.length));
    else if (k === 'kubernetes.io/role' && v) roles.add(v);
  }
  const address = (type: string): string =>
    s(valueAt(arrayAt(node, 'status', 'addresses').find((a) => valueAt(a, 'type') === type), 'address'), '<none>');
  const info = recordAt(node, 'status', 'nodeInfo');
  return [
    node.metadata.name,
    status.join(','),
    roles.size ? [...roles].sort().join(',') : '<none>',
    age(node, now),
    s(info.kubeletVersion),
    address('InternalIP'),
    address('ExternalIP'),
    s(info.osImage, '<unknown>'),
    s(info.kernelVersion, '<unknown>'),
    s(info.containerRuntimeVersion, '<unknown>'),
  ];
}

function serviceCells(svc: KubeObject, now: number): TableCell[] {
  const spec = recordAt(svc, 'spec');
  const type = s(spec.type, 'ClusterIP');
  const clusterIP = s(valueAt(spec, 'clusterIPs', 0), s(spec.clusterIP, '<none>'));
  const externalIPs = arrayAt(spec, 'externalIPs').map((v) => s(v));
  let external: string;
  switch (type) {
    case 'ClusterIP':
    case 'NodePort':
      external = externalIPs.length ? externalIPs.join(',') : '<none>';
      break;
    case 'LoadBalancer': {
      const lb = arrayAt(svc, 'status', 'loadBalancer', 'ingress').map((i) => s(valueAt(i, 'ip'), s(valueAt(i, 'hostname'))));
      const all = [...lb.filter(Boolean), ...externalIPs];
      external = all.length ? all.join(',') : '<pending>';
      break;
    }
    case 'ExternalName':
      external = s(spec.externalName);
      break;
    default:
      external = '<unknown>';
  }
  const ports = arrayAt(spec, 'ports').map((p) => {
    const nodePort = valueAt(p, 'nodePort');
    const protocol = s(valueAt(p, 'protocol'), 'TCP');
    return nodePort ? `${s(valueAt(p, 'port'))}:${s(nodePort)}/${protocol}` : `${s(valueAt(p, 'port'))}/${protocol}`;
  });
  return [svc.metadata.name, type, clusterIP, external, ports.length ? ports.join(',') : '<none>', age(svc, now), formatLabels(recordAt(spec, 'selector'))];
}

/** Printers by `plural` (core) or `plural.group`. */
export const BUILT_IN_PRINTERS: Record<string, TablePrinter> = {
  pods: {
    columns: columns('Name', 'Ready', 'Status', 'Restarts', 'Age', 'IP:1', 'Node:1', 'Nominated Node:1', 'Readiness Gates:1'),
    cells: podCells,
  },
  nodes: {
    columns: columns('Name', 'Status', 'Roles', 'Age', 'Version', 'Internal-IP:1', 'External-IP:1', 'OS-Image:1', 'Kernel-Version:1', 'Container-Runtime:1'),
    cells: nodeCells,
  },
  services: {
    columns: columns('Name', 'Type', 'Cluster-IP', 'External-IP', 'Port(s)', 'Age', 'Selector:1'),
    cells: serviceCells,
  },
  namespaces: {
    columns: columns('Name', 'Status', 'Age'),
    cells: (obj, now) => [name(obj), s(valueAt(obj, 'status', 'phase')), age(obj, now)],
  },
  configmaps: {
    columns: columns('Name', 'Data#', 'Age'),
    cells: (obj, now) => [name(obj), Object.keys(recordAt(obj, 'data')).length + Object.keys(recordAt(obj, 'binaryData')).length, age(obj, now)],
  },
  'daemonsets.apps': {
    columns: columns('Name', 'Desired#', 'Current#', 'Ready#', 'Up-to-date#', 'Available#', 'Node Selector', 'Age', 'Containers:1', 'Images:1', 'Selector:1'),
    cells: (obj, now) => {
      const st = recordAt(obj, 'status');
      return [
        name(obj),
        n(st.desiredNumberScheduled),
        n(st.currentNumberScheduled),
        n(st.numberReady),
        n(st.updatedNumberScheduled),
        n(st.numberAvailable),
        formatLabels(recordAt(obj, 'spec', 'template', 'spec', 'nodeSelector')),
        age(obj, now),
        ...containersAndImages(obj),
        formatLabelSelector(valueAt(obj, 'spec', 'selector')),
      ];
    },
  },
  'deployments.apps': {
    columns: columns('Name', 'Ready', 'Up-to-date#', 'Available#', 'Age', 'Containers:1', 'Images:1', 'Selector:1'),
    cells: (obj, now) => {
      const st = recordAt(obj, 'status');
      return [
        name(obj),
        `${n(st.readyReplicas)}/${n(valueAt(obj, 'spec', 'replicas') ?? 1)}`,
        n(st.updatedReplicas),
        n(st.availableReplicas),
        age(obj, now),
        ...containersAndImages(obj),
        formatLabelSelector(valueAt(obj, 'spec', 'selector')),
      ];
    },
  },
  'networkpolicies.networking.k8s.io': {
    columns: columns('Name', 'Pod-Selector', 'Age'),
    cells: (obj, now) => [name(obj), formatLabelSelector(valueAt(obj, 'spec', 'podSelector')), age(obj, now)],
  },
};
