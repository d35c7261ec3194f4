/**
 * A pod's flow as a row of the flows table, from lines as `hubble observe -o json` prints them, and
 * the guards of the flows webview protocol.
 */
import { describe, expect, it } from 'vitest';
import { flowRow } from '../../src/core/hubble/flowRow';
import { decodeHubbleJsonLine } from '../../src/core/hubble/hubbleJson';
import { FlowsAppend, FlowsInit, FlowsPause, FlowsPaused, FlowsStatus, isFlowRow } from '../../src/shared/flowsProtocol';

const DROP =
  '{"flow":{"time":"2026-11-20T09:13:14.300324902Z","uuid":"5abcaf67-a0d6-4c45-9521-de3c7ab0bc24","verdict":"DROPPED","drop_reason":133,"IP":{"source":"100.64.95.78","destination":"100.64.173.221","ipVersion":"IPv4"},"l4":{"TCP":{"source_port":39460,"destination_port":8443,"flags":{"SYN":true}}},"source":{"identity":16881,"namespace":"shop","labels":["k8s:app=cart"],"pod_name":"cart-78d4d6b5d-n4pww"},"destination":{"ID":2111,"identity":26064,"namespace":"payments","labels":["k8s:app=api"],"pod_name":"api-f959c8b7-z9s4b"},"Type":"L3_L4","node_name":"ip-10-0-57-14.us-west-2.compute.internal","event_type":{"type":1,"sub_type":133},"traffic_direction":"INGRESS","drop_reason_desc":"POLICY_DENIED","Summary":"TCP Flags: SYN"},"node_name":"ip-10-0-57-14.us-west-2.compute.internal","time":"2026-11-20T09:13:14.300324902Z"}';
const FROM_WORLD =
  '{"flow":{"time":"2026-11-20T09:12:26.74Z","verdict":"FORWARDED","IP":{"source":"10.0.0.84","destination":"100.64.24.30","ipVersion":"IPv4"},"l4":{"TCP":{"source_port":50200,"destination_port":8080}},"source":{"identity":2,"labels":["reserved:world"]},"destination":{"identity":26007,"namespace":"shop","pod_name":"frontend-5bbc558bcd-vkbwc"},"event_type":{"type":5},"traffic_direction":"INGRESS","ingress_allowed_by":[{"name":"frontend-ingress","namespace":"shop","revision":"3"}]},"node_name":"ip-10-0-17-42.us-west-2.compute.internal"}';

function record(line: string) {
  const r = decodeHubbleJsonLine(line);
  if (!r.ok) throw new Error(r.message);
  return { flow: r.flow, nodeName: r.nodeName, time: r.time };
}

describe('flowRow', () => {
  it('the demo drop seen from the sender and from the receiver', () => {
    const fromCart = flowRow(record(DROP), { namespace: 'shop', name: 'cart-78d4d6b5d-n4pww' }, 'x')!;
    expect(fromCart).toEqual({
      id: '5abcaf67-a0d6-4c45-9521-de3c7ab0bc24',
      time: '09:13:14.300',
      timestamp: '2026-11-20T09:13:14.300324902Z',
      verdict: 'DROPPED',
      direction: 'out',
      peer: 'payments/api-f959c8b7-z9s4b',
      peerDetail: '100.64.173.221 · identity 26064 · k8s:app=api',
      port: 'TCP/8443 SYN',
      dropReason: 'POLICY_DENIED',
      policies: '',
      event: 'drop',
      node: 'ip-10-0-57-14.us-west-2.compute.internal',
    });
    const atApi = flowRow(record(DROP), { namespace: 'payments', name: 'api-f959c8b7-z9s4b' }, 'x')!;
    expect(atApi).toMatchObject({ direction: 'in', peer: 'shop/cart-78d4d6b5d-n4pww' });
    expect(flowRow(record(DROP), { namespace: 'shop', name: 'frontend-5bbc558bcd-vkbwc' }, 'x')).toBeUndefined();
  });

  it('a peer outside the cluster shows its address and reserved identity; the allowing policy is named; no uuid takes the fallback id', () => {
    const row = flowRow(record(FROM_WORLD), { namespace: 'shop', name: 'frontend-5bbc558bcd-vkbwc' }, 'flow-7')!;
    expect(row).toMatchObject({ id: 'flow-7', time: '09:12:26.740', peer: '10.0.0.84 (world)', port: 'TCP/8080', policies: 'ingress allowed by shop/frontend-ingress', event: 'policy-verdict', dropReason: '' });
    expect(isFlowRow(row)).toBe(true);
  });
});

describe('flows webview protocol guards', () => {
  it('accept the messages the host sends and drop malformed ones', () => {
    const row = flowRow(record(DROP), { namespace: 'shop', name: 'cart-78d4d6b5d-n4pww' }, 'x')!;
    expect(FlowsAppend.is({ type: 'flowsAppend', rows: [row] })).toBe(true);
    expect(FlowsAppend.is({ type: 'flowsAppend', rows: [{ ...row, peer: 42 }] })).toBe(false);
    expect(FlowsAppend.is({ type: 'flowsAppend', rows: [{ ...row, direction: 'sideways' }] })).toBe(false);
    expect(FlowsInit.is({ type: 'flowsInit', pod: 'shop/cart', source: 'snapshot', live: true, maxRows: 500 })).toBe(true);
    expect(FlowsInit.is({ type: 'flowsInit', pod: 'shop/cart', source: 'snapshot', live: 'yes', maxRows: 500 })).toBe(false);
    expect(FlowsStatus.is({ type: 'flowsStatus', state: 'following', detail: '' })).toBe(true);
    expect(FlowsStatus.is({ type: 'flowsStatus', state: 'exploded', detail: '' })).toBe(false);
    // pausing is the host's: the webview asks, the host answers with counts
    expect(FlowsPause.is({ type: 'flowsPause', paused: true })).toBe(true);
    expect(FlowsPause.is({ type: 'flowsPause', paused: 'yes' })).toBe(false);
    expect(FlowsPaused.is({ type: 'flowsPaused', paused: true, held: 412, kept: 412 })).toBe(true);
    expect(FlowsPaused.is({ type: 'flowsPaused', paused: true, held: 7000, kept: 500 })).toBe(true);
    expect(FlowsPaused.is({ type: 'flowsPaused', paused: true, held: 3, kept: 4 })).toBe(false);
    expect(FlowsPaused.is({ type: 'flowsPaused', paused: true, held: -1, kept: 0 })).toBe(false);
    expect(FlowsPaused.is({ type: 'flowsPaused', paused: false, held: 1.5, kept: 0 })).toBe(false);
  });
});
