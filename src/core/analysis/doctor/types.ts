import type { ClusterModeInfo, Provenance, SourceStatus } from '../../model';
import type { NodeCapacityOptions } from '../../capacity/nodeCapacity';

export type Severity = 'error' | 'warning' | 'info' | 'ok';

/** Most severe first. */
export const SEVERITY_ORDER: readonly Severity[] = ['error', 'warning', 'info', 'ok'];

/** One fact a finding was decided from, and where it came from. */
export interface Evidence {
  /** What the fact is, e.g. `cilium-config enable-ipv4-masquerade`. */
  fact: string;
  value: string;
  origin: Provenance;
}

/** An object a finding is about, for the views to link to. */
export interface FindingObject {
  /** Kubernetes kind (`Pod`, `Node`, `ConfigMap`, `DaemonSet`, `ENIConfig`, `CiliumNode`, ...) or `ENI` / `Subnet`. */
  kind: string;
  namespace?: string;
  name: string;
}

export interface Finding {
  /** Stable id of the check, e.g. `cilium.masquerade`. One finding per check id. */
  id: string;
  severity: Severity;
  /** One line. */
  title: string;
  /** What was found, with the values. May span lines. */
  detail: string;
  /** Exactly what to change (Helm value and cilium-config key, aws-node env and the kubectl line...). */
  fix: string;
  evidence: Evidence[];
  objects?: FindingObject[];
  /** Where this is documented, e.g. `Cilium docs: AWS VPC CNI chaining`. */
  docs?: string;
}

export interface DoctorReport {
  mode: ClusterModeInfo;
  /** In check order (see `DOCTOR_CHECKS`). */
  findings: Finding[];
  counts: Record<Severity, number>;
}

export interface DoctorOptions {
  /**
   * The state of the data sources (as `loadSnapshotStore` / `openLiveStore` report them). Without it,
   * whether EC2 and ipamd data are present is inferred from the store.
   */
  sources?: readonly SourceStatus[];
  capacity?: NodeCapacityOptions;
}
