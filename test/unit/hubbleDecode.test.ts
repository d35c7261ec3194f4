/**
 * Hubble JSON lines as `hubble observe -o json` / `-o jsonlegacy` print them, decoded into the flow
 * shape the live client yields; bad lines name their problem. Then the flow filter semantics
 * (whitelist ORed, fields ANDed, blacklist subtracted, CIDRs, pod prefixes, label selectors, …) and
 * the time helpers.
 */
import { describe, expect, it } from 'vitest';
import { compileFlowFilter, FlowFilterError, matchesFlowFilters, parseCiliumLabel } from '../../src/core/hubble/flowFilter';
import type { Flow, FlowFilter } from '../../src/core/hubble/flowTypes';
import { decodeHubbleJsonLine, decodeHubbleLines, encodeHubbleJsonLine } from '../../src/core/hubble/hubbleJson';
import { formatHubbleTime, parseDuration, parseHubbleTime, parseTimeBound, toWireTimestamp } from '../../src/core/hubble/hubbleTime';

/** Written the way hubble's printer writes `-o json` (protojson, proto names, one line). */
const JSON_LINE =
  '{"flow":{"time":"2026-05-01T10:00:00.123456789Z","uuid":"5b0c7f1e-1111-4222-8333-944455556666","emitter":{"name":"Hubble","version":"1.18.6+gb6aafff4c5"},' +
  '"verdict":"DROPPED","drop_reason":133,"IP":{"source":"10.0.45.17","destination":"10.0.52.9","ipVersion":"IPv4"},' +
  '"l4":{"TCP":{"source_port":41234,"destination_port":5432,"flags":{"SYN":true}}},' +
  '"source":{"ID":1839,"identity":48213,"cluster_name":"default","namespace":"shop","labels":["k8s:app=web"],"pod_name":"web-7d4b9c6f5-abcde","workloads":[{"name":"web","kind":"Deployment"}]},' +
  '"destination":{"identity":2,"labels":["reserved:world"]},"Type":"L3_L4","node_name":"prod/ip-10-0-33-201.eu-west-1.compute.internal",' +
  '"event_type":{"type":1,"sub_type":133},"traffic_direction":"EGRESS","drop_reason_desc":"POLICY_DENIED","is_reply":false,"Summary":"TCP Flags: SYN",' +
  '"egress_denied_by":[{"name":"deny-db","namespace":"shop","labels":["k8s:io.cilium.k8s.policy.name=deny-db"],"revision":"9007199254740993","kind":"CiliumNetworkPolicy"}]},' +
  '"node_name":"prod/ip-10-0-33-201.eu-west-1.compute.internal","time":"2026-05-01T10:00:00.123456789Z"}';

/** The same flow as `-o jsonlegacy` prints it: the bare Flow. */
const LEGACY_LINE = JSON.stringify((JSON.parse(JSON_LINE) as { flow: unknown }).flow);

function decodeOk(line: string): { flow: Flow; nodeName: string; time: string } {
  const r = decodeHubbleJsonLine(line);
  if (!r.ok) throw new Error(`expected a flow: ${r.message}`);
  return r;
}

describe('decodeHubbleJsonLine', () => {
  it('reads a whole GetFlowsResponse line (hubble observe -o json)', () => {
    const r = decodeOk(JSON_LINE);
    expect(r.nodeName).toBe('prod/ip-10-0-33-201.eu-west-1.compute.internal');
    expect(r.time).toBe('2026-05-01T10:00:00.123456789Z');
    expect(r.flow.verdict).toBe('DROPPED');
    expect(r.flow.drop_reason_desc).toBe('POLICY_DENIED');
    expect(r.flow.IP).toEqual({ source: '10.0.45.17', destination: '10.0.52.9', ipVersion: 'IPv4' });
    expect(r.flow.l4).toEqual({ TCP: { source_port: 41234, destination_port: 5432, flags: { SYN: true } } });
    expect(r.flow.source?.labels).toEqual(['k8s:app=web']);
    expect(r.flow.is_reply).toBe(false); // a set BoolValue: false is kept, unlike zero scalars
    // uint64 stays a string, exactly (beyond 2^53)
    expect(r.flow.egress_denied_by?.[0]?.revision).toBe('9007199254740993');
    // the line round-trips through the encoder unchanged
    expect(JSON.parse(encodeHubbleJsonLine(r))).toEqual(JSON.parse(JSON_LINE));
  });

  it('reads a bare Flow line (-o jsonlegacy) into the same shape', () => {
    const legacy = decodeOk(LEGACY_LINE);
    const full = decodeOk(JSON_LINE);
    expect(legacy.flow).toEqual(full.flow);
    expect(legacy.nodeName).toBe(full.flow.node_name);
    expect(legacy.time).toBe(full.time);
  });

  it('accepts what protojson accepts: enum numbers, integers as strings, wrapper objects; drops zero values; keeps unknown fields', () => {
    const r = decodeOk(
      JSON.stringify({
        time: '2026-05-01T12:00:00.5+02:00',
        verdict: 2,
        IP: { ipVersion: 1, encrypted: false },
        source: { ID: '1839', identity: 0, namespace: '' },
        traffic_direction: 'TRAFFIC_DIRECTION_UNKNOWN',
        trace_observation_point: 101,
        drop_reason_desc: 'SOME_FUTURE_REASON',
        is_reply: { value: true },
        egress_allowed_by: [{ name: 'p', revision: 55 }],
        l7: { type: 'REQUEST', http: { method: 'GET' } },
      }),
    );
    expect(r.flow).toEqual({
      time: '2026-05-01T10:00:00.500Z',
      verdict: 'DROPPED',
      IP: { ipVersion: 'IPv4' },
      source: { ID: 1839 },
      trace_observation_point: 'TO_ENDPOINT',
      drop_reason_desc: 'SOME_FUTURE_REASON',
      is_reply: true,
      egress_allowed_by: [{ name: 'p', revision: '55' }],
      l7: { type: 'REQUEST', http: { method: 'GET' } },
    });
  });

  it('takes the response time when the flow has none', () => {
    const r = decodeOk('{"flow":{"verdict":"FORWARDED"},"node_name":"n1","time":"2026-05-01T10:00:00Z"}');
    expect(r.time).toBe('2026-05-01T10:00:00Z');
    expect(r.nodeName).toBe('n1');
  });

  it.each([
    ['{"flow":', 'syntax', /^not JSON: /],
    ['[1,2]', 'shape', /expected a JSON object .* got a list/],
    ['"flow"', 'shape', /got string/],
    ['{"hello":"world","n":1}', 'shape', /neither a GetFlowsResponse .* nor a Flow .*keys: hello, n/],
    ['{"flow":"x"}', 'field', /response\.flow: expected an object, got the string "x"/],
    ['{"flow":{"time":"yesterday"}}', 'field', /response\.flow\.time: not an RFC 3339 time: "yesterday"/],
    ['{"flow":{"time":"2026-02-30T00:00:00Z"}}', 'field', /response\.flow\.time: not an RFC 3339 time/],
    ['{"flow":{"time":"2026-05-01T10:00:00Z","source":{"labels":"k8s:app=web"}}}', 'field', /response\.flow\.source\.labels: expected a list/],
    ['{"flow":{"time":"2026-05-01T10:00:00Z","l4":{"TCP":{"destination_port":-1}}}}', 'field', /response\.flow\.l4\.TCP\.destination_port: expected a non-negative integer, got number -1/],
    ['{"flow":{"time":"2026-05-01T10:00:00Z","verdict":"drop me"}}', 'field', /response\.flow\.verdict: expected a Verdict name/],
    ['{"flow":{"time":"2026-05-01T10:00:00Z","is_reply":"yes"}}', 'field', /response\.flow\.is_reply: expected true or false/],
    ['{"verdict":"FORWARDED"}', 'field', /flow\.time: missing/],
    ['{"node_status":{"state_change":"NODE_CONNECTED","node_names":["a"]},"time":"2026-05-01T10:00:00Z"}', 'not-a-flow', /node_status event/],
    ['{"lost_events":{"source":"HUBBLE_RING_BUFFER","num_events_lost":"3"}}', 'not-a-flow', /lost_events event/],
  ])('names the problem of %s', (line, reason, message) => {
    const r = decodeHubbleJsonLine(line);
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.reason).toBe(reason);
    expect(r.message).toMatch(message);
  });

  it('reports where a JSON syntax error is, when Node says', () => {
    expect(decodeHubbleJsonLine('{"flow": {"verdict": FORWARDED}}')).toMatchObject({ ok: false, reason: 'syntax', message: expect.stringContaining('FORWARDED') });
    expect(decodeHubbleJsonLine('{"flow":')).toMatchObject({ ok: false, reason: 'syntax', column: 9 });
  });

  it('decodes snapshot lines with their origin for problems', () => {
    const { records, problems } = decodeHubbleLines([
      { value: JSON.parse(JSON_LINE) as Record<string, unknown>, origin: { file: 'hubble/a.jsonl', line: 1 } },
      { value: { flow: { time: 'soon' } }, origin: { file: 'hubble/a.jsonl', line: 2 } },
    ]);
    expect(records).toHaveLength(1);
    expect(problems).toEqual([{ file: 'hubble/a.jsonl', line: 2, reason: 'field', message: 'response.flow.time: not an RFC 3339 time: "soon"' }]);
  });
});

// ---------------------------------------------------------------------------------------------

function flow(partial: Flow): Flow {
  return { time: '2026-05-01T10:00:00Z', Type: 'L3_L4', ...partial };
}

const FLOWS: Record<string, Flow> = {
  // shop/web → payments/api, denied by policy at ingress
  A: flow({
    uuid: 'a',
    verdict: 'DROPPED',
    drop_reason_desc: 'POLICY_DENIED',
    IP: { source: '100.64.1.17', destination: '100.64.2.81', ipVersion: 'IPv4' },
    l4: { TCP: { source_port: 40000, destination_port: 8443, flags: { SYN: true } } },
    source: { identity: 24501, namespace: 'shop', pod_name: 'web-7d9c-xk2p', labels: ['k8s:app=web', 'k8s:io.kubernetes.pod.namespace=shop'], workloads: [{ name: 'web', kind: 'Deployment' }] },
    destination: { identity: 40210, namespace: 'payments', pod_name: 'api-6c8d-r7s9', labels: ['k8s:app=api', 'k8s:tier=2'] },
    node_name: 'ip-10-0-2-20.ec2.internal',
    event_type: { type: 1, sub_type: 133 },
    traffic_direction: 'INGRESS',
    is_reply: false,
  }),
  // data/events → IMDS (world), explicit deny at egress
  B: flow({
    uuid: 'b',
    verdict: 'DROPPED',
    drop_reason_desc: 'POLICY_DENY',
    IP: { source: '100.64.2.90', destination: '169.254.169.254', ipVersion: 'IPv4' },
    l4: { TCP: { source_port: 41000, destination_port: 80, flags: { SYN: true } } },
    source: { identity: 40388, namespace: 'data', pod_name: 'events-producer-1', labels: ['k8s:app=events'] },
    destination: { identity: 2, labels: ['reserved:world'] },
    node_name: 'prod/ip-10-0-1-10.ec2.internal',
    event_type: { type: 1, sub_type: 181 },
    traffic_direction: 'EGRESS',
  }),
  // the DNS answer coredns → shop/web, a reply
  C: flow({
    uuid: 'c',
    verdict: 'FORWARDED',
    IP: { source: '100.64.1.5', destination: '100.64.1.17', ipVersion: 'IPv4' },
    l4: { UDP: { source_port: 53, destination_port: 40001 } },
    source: { identity: 102, namespace: 'kube-system', pod_name: 'coredns-787cb-z9x8', labels: ['k8s:k8s-app=kube-dns'] },
    destination: { identity: 24501, namespace: 'shop', pod_name: 'web-7d9c-xk2p', labels: ['k8s:app=web'] },
    source_service: { namespace: 'kube-system', name: 'kube-dns' },
    node_name: 'ip-10-0-1-10.ec2.internal',
    event_type: { type: 4, sub_type: 3 },
    trace_observation_point: 'TO_STACK',
    traffic_direction: 'EGRESS',
    is_reply: true,
  }),
  // IPv6 ping from the host, direction unknown
  D: flow({
    uuid: 'd',
    verdict: 'FORWARDED',
    IP: { source: 'fd00:ec2::23', destination: '2600:1f14:abcd::10', ipVersion: 'IPv6' },
    l4: { ICMPv6: { type: 128 } },
    source: { identity: 1, labels: ['reserved:host'] },
    destination: { identity: 2, labels: ['reserved:world'] },
    node_name: 'ip-10-0-1-10.ec2.internal',
    event_type: { type: 4, sub_type: 5 },
  }),
};

function matching(whitelist: FlowFilter[], blacklist: FlowFilter[] = []): string[] {
  return Object.entries(FLOWS)
    .filter(([, f]) => matchesFlowFilters(f, whitelist, blacklist))
    .map(([k]) => k);
}

describe('matchesFlowFilters', () => {
  it.each<[string, FlowFilter[], FlowFilter[], string[]]>([
    ['no filters: everything', [], [], ['A', 'B', 'C', 'D']],
    ['an empty filter matches everything', [{}], [], ['A', 'B', 'C', 'D']],
    ['verdict', [{ verdict: ['DROPPED'] }], [], ['A', 'B']],
    ['whitelist filters are ORed', [{ drop_reason_desc: ['POLICY_DENY'] }, { source_pod: ['kube-system/'] }], [], ['B', 'C']],
    ['values inside a field are ORed', [{ source_pod: ['shop/', 'data/'] }], [], ['A', 'B']],
    ['fields inside a filter are ANDed', [{ verdict: ['DROPPED'], traffic_direction: ['EGRESS'] }], [], ['B']],
    ['whitelist minus blacklist', [{ verdict: ['DROPPED', 'FORWARDED'] }], [{ source_ip: ['100.64.0.0/16'] }], ['D']],
    ['blacklist alone', [], [{ verdict: ['FORWARDED'] }], ['A', 'B']],
    ['source_ip exact', [{ source_ip: ['100.64.1.5'] }], [], ['C']],
    ['destination_ip CIDR', [{ destination_ip: ['169.254.0.0/16'] }], [], ['B']],
    ['destination_ip IPv6 CIDR', [{ destination_ip: ['2600:1f14::/32'] }], [], ['D']],
    ['source_ip IPv6 exact, other spelling', [{ source_ip: ['fd00:0ec2:0::23'] }], [], ['D']],
    ['source_pod namespace/ prefix', [{ source_pod: ['kube-system/'] }], [], ['C']],
    ['source_pod namespace/name-prefix', [{ source_pod: ['shop/web-'] }], [], ['A']],
    ['destination_pod prefix that does not match', [{ destination_pod: ['shop/cart'] }], [], []],
    ['a bare pod name is in namespace default', [{ source_pod: ['web-'] }], [], []],
    ['source_service', [{ source_service: ['kube-system/kube-'] }], [], ['C']],
    ['label without source', [{ source_label: ['app=web'] }], [], ['A']],
    ['label with k8s source', [{ destination_label: ['k8s:app=web'] }], [], ['C']],
    ['label with another source does not match', [{ destination_label: ['container:app=web'] }], [], []],
    ['reserved label exists', [{ destination_label: ['reserved:world'] }], [], ['B', 'D']],
    ['label does not exist', [{ destination_label: ['!reserved:world'] }], [], ['A', 'C']],
    ['label in (…)', [{ source_label: ['app in (web, events)'] }], [], ['A', 'B']],
    ['label notin (…) matches when absent too', [{ source_label: ['app notin (web)'] }], [], ['B', 'C', 'D']],
    ['label != ', [{ source_label: ['app!=web'] }], [], ['B', 'C', 'D']],
    ['selector requirements are ANDed', [{ source_label: ['k8s:app=web,io.kubernetes.pod.namespace=shop'] }], [], ['A']],
    ['label gt', [{ destination_label: ['tier>1'] }], [], ['A']],
    ['event_type', [{ event_type: [{ type: 1 }] }], [], ['A', 'B']],
    ['event_type with sub_type', [{ event_type: [{ type: 1, match_sub_type: true, sub_type: 181 }] }], [], ['B']],
    ['protocol', [{ protocol: ['udp', 'ICMP'] }], [], ['C', 'D']],
    ['destination_port', [{ destination_port: ['8443', '80'] }], [], ['A', 'B']],
    ['source_port on UDP', [{ source_port: ['53'] }], [], ['C']],
    ['reply true', [{ reply: [true] }], [], ['C']],
    ['reply false: unknown direction does not match', [{ reply: [false] }], [], ['A']],
    ['ip_version', [{ ip_version: ['IPv6'] }], [], ['D']],
    ['identity', [{ source_identity: [24501, 1] }], [], ['A', 'D']],
    ['node_name pattern, any cluster', [{ node_name: ['ip-10-0-1-*'] }], [], ['B', 'C', 'D']],
    ['node_name with cluster', [{ node_name: ['prod/'] }], [], ['B']],
    ['node_name in cluster default', [{ node_name: ['default/ip-10-0-2-20.ec2.internal'] }], [], ['A']],
    ['tcp_flags', [{ tcp_flags: [{ SYN: true }] }], [], ['A', 'B']],
    ['uuid', [{ uuid: ['c', 'd'] }], [], ['C', 'D']],
    ['workload', [{ source_workload: [{ kind: 'Deployment' }] }], [], ['A']],
    ['enum values given as numbers', [{ verdict: [2 as unknown as 'DROPPED'], traffic_direction: [1 as unknown as 'INGRESS'] }], [], ['A']],
  ])('%s', (_name, whitelist, blacklist, expected) => {
    expect(matching(whitelist, blacklist)).toEqual(expected);
  });

  it.each<[FlowFilter, RegExp]>([
    [{ source_ip: ['10.0.0.0/33'] }, /source_ip: "10\.0\.0\.0\/33" is not a valid CIDR/],
    [{ destination_ip: ['web'] }, /neither an IP address nor a CIDR/],
    [{ source_label: ['app in (web'] }, /source_label: cannot parse selector/],
    [{ source_label: ['=web'] }, /cannot parse selector/],
    [{ destination_port: ['http'] }, /destination_port: "http" is not a port number/],
    [{ protocol: ['quic'] }, /unknown protocol "quic"/],
    [{ http_path: ['/api'] }, /http_path: this filter is not supported/],
  ])('rejects %j', (filter, message) => {
    expect(() => compileFlowFilter(filter)).toThrow(FlowFilterError);
    expect(() => compileFlowFilter(filter)).toThrow(message);
  });

  it('parses Cilium labels', () => {
    expect(parseCiliumLabel('k8s:io.cilium.k8s.namespace.labels.kubernetes.io/metadata.name=shop')).toEqual({
      source: 'k8s',
      key: 'io.cilium.k8s.namespace.labels.kubernetes.io/metadata.name',
      value: 'shop',
    });
    expect(parseCiliumLabel('reserved:world')).toEqual({ source: 'reserved', key: 'world', value: '' });
    expect(parseCiliumLabel('app=web')).toEqual({ source: 'unspec', key: 'app', value: 'web' });
  });
});

describe('Hubble times', () => {
  it('parses and formats RFC 3339 with nanoseconds, as protojson does', () => {
    const n = parseHubbleTime('2026-11-20T09:12:03.410021733Z')!;
    expect(n).toBe(1_795_165_923_410_021_733n);
    expect(formatHubbleTime(n)).toBe('2026-11-20T09:12:03.410021733Z');
    expect(formatHubbleTime(parseHubbleTime('2026-11-20T09:12:03.480000000Z')!)).toBe('2026-11-20T09:12:03.480Z');
    expect(formatHubbleTime(parseHubbleTime('2026-11-20T09:12:03.000001Z')!)).toBe('2026-11-20T09:12:03.000001Z');
    expect(formatHubbleTime(parseHubbleTime('2026-11-20T10:12:03+01:00')!)).toBe('2026-11-20T09:12:03Z');
    expect(parseHubbleTime('2026-11-20 09:12:03')).toBeUndefined();
  });

  it('turns times into wire Timestamps, never via a Date at 1970', () => {
    expect(toWireTimestamp('2026-11-20T09:12:03.410021733Z')).toEqual({ seconds: '1795165923', nanos: 410021733 });
    expect(toWireTimestamp(new Date('2026-11-20T09:12:03.410Z'))).toEqual({ seconds: '1795165923', nanos: 410000000 });
  });

  it('reads --since as a time or a duration back from a reference', () => {
    expect(parseDuration('1h30m')).toBe(5_400_000_000_000n);
    expect(parseDuration('5x')).toBeUndefined();
    const ref = parseHubbleTime('2026-11-20T09:00:00Z')!;
    expect(formatHubbleTime(parseTimeBound('5m', ref)!)).toBe('2026-11-20T08:55:00Z');
    expect(formatHubbleTime(parseTimeBound('2026-11-20T08:00:00Z', ref)!)).toBe('2026-11-20T08:00:00Z');
    expect(parseTimeBound('yesterday', ref)).toBeUndefined();
  });
});
