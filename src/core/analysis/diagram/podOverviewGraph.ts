/**
 * Every kind of path a pod has, in one diagram: to a pod on its node and on another node, to a
 * ClusterIP Service, to the VPC resources in the store (RDS, MSK), to the internet, to on-premises
 * through a transit gateway, and from internet clients through an NLB that targets it. Each path is
 * traced with `traceDatapath`; hops the paths share (the pod, its veth, `cil_from_container`, the
 * egress ENI, a route) are one box.
 */
import type { ClusterStore } from '../../store/clusterStore';
import { clusterSettings, type ClusterSettings } from '../clusterSettings';
import type { PolicyEvaluator, TraceInputError } from '../datapath/datapathTypes';
import { traceDatapath } from '../datapath/traceDatapath';
import type { DiagramGraph } from './diagramTypes';
import type { OverviewDestination } from './overviewDestinations';
import { overviewGraph } from './overviewGraph';

export interface OverviewOptions {
  policyEvaluator?: PolicyEvaluator;
  settings?: ClusterSettings;
  /** Destinations to trace instead of the representative ones. */
  destinations?: OverviewDestination[];
}

/** The overview of pod `podKey` (`ns/name`), or a typed error when the pod is not in the store. */
export function podOverviewGraph(store: ClusterStore, podKey: string, options: OverviewOptions = {}): DiagramGraph | TraceInputError {
  if (!store.get('pod', podKey)) return { argument: 'from', message: `pod ${podKey} not found` };
  const settings = options.settings ?? clusterSettings(store);
  const trace = (request: Parameters<typeof traceDatapath>[1]) => traceDatapath(store, request, { settings, ...(options.policyEvaluator ? { policyEvaluator: options.policyEvaluator } : {}) });
  return overviewGraph(store, podKey, trace, options.destinations);
}
