import { HubbleError } from '../hubble/hubbleClient';
import type { SessionFlows } from '../sources/sessionFlows';
import type { DatapathTrace } from './datapath/datapathTypes';
import { observeTrace, traceFlowFilter, type ObservedPolicyResolver, type TraceObserved } from './traceObservation';

/**
 * Reads the flows of a trace's 5-tuple from a session's flows (Relay or a snapshot) and places them
 * next to the prediction. Never throws: a source that cannot answer gives `available: false`.
 */
export async function observeTraceFlows(
  trace: DatapathTrace,
  flows: SessionFlows | undefined,
  opts: { resolvePolicy?: ObservedPolicyResolver; signal?: AbortSignal; last?: number; timeoutMs?: number } = {},
): Promise<TraceObserved> {
  if (!flows) return { available: false, from: 'Hubble', detail: 'the session has no flow source' };
  const from = flows.live ? 'Hubble Relay' : 'snapshot hubble/*.jsonl';
  const state = flows.status.state;
  if (flows.live && state !== 'ok' && state !== 'loading') {
    // known to fail: say why at once, and look for Relay again in the background for the next trace
    void flows.probe();
    return { available: false, from, detail: flows.status.detail ?? state };
  }
  const timeout = AbortSignal.timeout(opts.timeoutMs ?? 15_000);
  const signal = opts.signal ? AbortSignal.any([opts.signal, timeout]) : timeout;
  try {
    const records = await flows.recent({ whitelist: traceFlowFilter(trace), last: opts.last ?? 1000 }, signal);
    if (records.length === 0 && flows.status.state !== 'ok') return { available: false, from, detail: flows.status.detail ?? flows.status.state };
    return { available: true, from, ...observeTrace(trace, records, { ...(opts.resolvePolicy ? { resolvePolicy: opts.resolvePolicy } : {}) }) };
  } catch (err) {
    if (timeout.aborted && !opts.signal?.aborted) return { available: false, from, detail: `no answer from ${from} within ${Math.round((opts.timeoutMs ?? 15_000) / 1000)} s` };
    const detail = err instanceof HubbleError ? flows.status.detail && flows.status.state !== 'ok' ? flows.status.detail : err.message : (err as Error)?.message ?? String(err);
    return { available: false, from, detail };
  }
}
