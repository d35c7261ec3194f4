import type { Flow } from '../../../src/core/hubble/flowTypes';
import { decodeHubbleJsonLine } from '../../../src/core/hubble/hubbleJson';

/**
 * A drop of the demo's shop/cart → payments/api (POLICY_DENIED at api's ingress), as
 * `hubble observe -o json` prints it, at `time` with this uuid and source port.
 */
export function demoCartToApiDrop(time: string, uuid: string, sourcePort: number): Flow {
  const line = JSON.stringify({
    flow: {
      time,
      uuid,
      verdict: 'DROPPED',
      drop_reason: 133,
      IP: { source: '100.64.95.78', destination: '100.64.173.221', ipVersion: 'IPv4' },
      l4: { TCP: { source_port: sourcePort, destination_port: 8443, flags: { SYN: true } } },
      source: { identity: 16881, namespace: 'shop', labels: ['k8s:app=cart'], pod_name: 'cart-78d4d6b5d-n4pww' },
      destination: { ID: 2111, identity: 26064, namespace: 'payments', labels: ['k8s:app=api'], pod_name: 'api-f959c8b7-z9s4b' },
      Type: 'L3_L4',
      node_name: 'ip-10-0-57-14.us-west-2.compute.internal',
      event_type: { type: 1, sub_type: 133 },
      traffic_direction: 'INGRESS',
      drop_reason_desc: 'POLICY_DENIED',
    },
    node_name: 'ip-10-0-57-14.us-west-2.compute.internal',
    time,
  });
  const r = decodeHubbleJsonLine(line);
  if (!r.ok) throw new Error(r.message);
  return r.flow;
}
