/**
 * The raw content of a snapshot: what standard tools print, read from files, not yet projected
 * into the model. The simulated cluster serves this; the projection turns it into the model.
 */

/** Where a raw object was read from. `line` is 1-based, the line of the object's first key. */
export interface RawOrigin {
  /**
   * Path relative to the snapshot root, with `/` separators (`kubernetes/core.yaml`); for a
   * single-file snapshot, the file's base name.
   */
  file: string;
  line?: number;
}

/** One Kubernetes object as it appears in a manifest or in `kubectl get -o yaml|json` output. */
export interface RawKubeObject {
  apiVersion: string;
  kind: string;
  metadata: {
    name: string;
    namespace?: string;
    uid?: string;
    resourceVersion?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
    creationTimestamp?: string;
    ownerReferences?: Array<{ apiVersion?: string; kind: string; name: string; uid?: string; controller?: boolean }>;
    [key: string]: unknown;
  };
  [key: string]: unknown;
}

export interface RawKubeEntry {
  object: RawKubeObject;
  origin: RawOrigin;
}

/**
 * AWS CLI v2 `--output json` of the describe calls, merged across files. Each list holds the items
 * exactly as the AWS CLI prints them (PascalCase keys), e.g. `NetworkInterfaces[]`.
 * An item whose id (`NetworkInterfaceId`, `SubnetId`, …) was already read from an earlier file (in
 * name order) is kept once.
 */
export interface RawAws {
  networkInterfaces: Record<string, unknown>[];
  subnets: Record<string, unknown>[];
  routeTables: Record<string, unknown>[];
  natGateways: Record<string, unknown>[];
  /** Instances flattened out of `Reservations[].Instances[]`. */
  instances: Record<string, unknown>[];
  vpcs: Record<string, unknown>[];
  securityGroups: Record<string, unknown>[];
  /** Which files each list came from, for provenance. */
  files: string[];
}

export interface RawIpamd {
  /** Node name, from the file name `ipamd/<node-name>.json`. */
  nodeName: string;
  /** The `/v1/enis` body as served by ipamd, any version's shape. */
  enis: unknown;
  origin: RawOrigin;
}

export interface RawHubbleLine {
  /** One line of `hubble observe -o json`: a whole GetFlowsResponse (or a bare Flow with -o jsonlegacy). */
  value: Record<string, unknown>;
  origin: RawOrigin;
}

export type SnapshotProblemSeverity = 'error' | 'warning';

/** A problem with one input. Other inputs still load. */
export interface SnapshotProblem {
  severity: SnapshotProblemSeverity;
  /** As in `RawOrigin.file`; `.` for the snapshot directory itself. */
  file: string;
  line?: number;
  column?: number;
  message: string;
}

export interface RawSnapshot {
  /** The directory (or single file) the snapshot was read from, as an absolute path. */
  root: string;
  kubernetes: RawKubeEntry[];
  aws: RawAws;
  ipamd: RawIpamd[];
  hubble: RawHubbleLine[];
  problems: SnapshotProblem[];
}

export function emptyRawAws(): RawAws {
  return { networkInterfaces: [], subnets: [], routeTables: [], natGateways: [], instances: [], vpcs: [], securityGroups: [], files: [] };
}
