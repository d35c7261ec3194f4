/**
 * The overview of a pod from a trace function: the representative destinations traced one by one,
 * hops they share drawn once. `podOverviewGraph` plugs in `traceDatapath`; the extension plugs in the
 * trace of its lazily loaded runtime, so this module does not pull the datapath in.
 */
import type { ClusterStore } from '../../store/clusterStore';
import type { TraceInputError, TraceResult } from '../datapath/datapathTypes';
import type { TraceRequest } from '../datapath/traceDatapath';
import { DiagramBuilder } from './diagramBuilder';
import type { DiagramGraph } from './diagramTypes';
import { overviewDestinations, type OverviewDestination } from './overviewDestinations';

export type TraceFunction = (request: TraceRequest) => TraceResult;

/** The overview of pod `podKey` (`ns/name`), or a typed error when the pod is not in the store. */
export function overviewGraph(store: ClusterStore, podKey: string, trace: TraceFunction, destinations?: OverviewDestination[]): DiagramGraph | TraceInputError {
  const pod = store.get('pod', podKey);
  if (!pod) return { argument: 'from', message: `pod ${podKey} not found` };
  const builder = new DiagramBuilder(store);
  let firstError: TraceInputError | undefined;
  let traced = 0;
  for (const d of destinations ?? overviewDestinations(store, pod)) {
    const result = trace(d.request);
    if (!result.ok) {
      firstError ??= result.error;
      builder.addNote(`${d.label}: not traced: ${result.error.message}`);
      continue;
    }
    const first = result.trace.hops[0];
    // only an NLB that actually targets the pod is a path into it
    if (d.category === 'load-balancer' && (first?.kind !== 'load-balancer' || first.status === 'unknown')) continue;
    builder.addTrace(result.trace, { id: d.id, label: d.label, category: d.category });
    traced++;
  }
  if (traced === 0 && firstError) return firstError;
  return builder.build('overview', `Paths of ${podKey}`, podKey);
}
