/**
 * The Hubble proto subset: the embedded text matches proto/*.proto, loading the files with
 * proto-loader (`includeDirs`) and the embedded text give the same encoding, the field numbers are
 * Hubble's published ones (checked against hand-encoded bytes too), and an esbuild bundle decodes
 * flows with no .proto file around.
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { build } from 'esbuild';
import { afterAll, describe, expect, it } from 'vitest';
import { jsonToWire, wireToJson } from '../../src/core/hubble/hubbleCodec';
import { decodeHubbleJsonLine } from '../../src/core/hubble/hubbleJson';
import { HUBBLE_PROTO_SOURCES } from '../../src/core/hubble/hubbleProtoSources';
import { HUBBLE_PROTO_FILES, hubbleProtos, hubbleType, loadHubbleProtosFromDir } from '../../src/core/hubble/hubbleProtos';

const ROOT = path.join(__dirname, '..', '..');
const PROTO_DIR = path.join(ROOT, 'proto');
const DEMO_LINES = fs.readFileSync(path.join(ROOT, 'demo', 'snapshot', 'hubble', 'flows.jsonl'), 'utf8').trim().split('\n');

interface MessageDef {
  serialize(value: unknown): Buffer;
  deserialize(bytes: Buffer): Record<string, unknown>;
}

const tempDirs: string[] = [];
afterAll(() => {
  for (const d of tempDirs) fs.rmSync(d, { recursive: true, force: true });
});

describe('Hubble protos', () => {
  it('embeds exactly the files under proto/ (regenerate with node proto/embed.mjs)', () => {
    expect(Object.keys(HUBBLE_PROTO_SOURCES)).toEqual([...HUBBLE_PROTO_FILES]);
    for (const file of HUBBLE_PROTO_FILES) {
      expect(HUBBLE_PROTO_SOURCES[file], `${file} differs from the embedded copy: run node proto/embed.mjs`).toBe(fs.readFileSync(path.join(PROTO_DIR, file), 'utf8'));
    }
  });

  it('uses Hubble’s published field numbers', () => {
    const numbers = (type: string): Record<string, number> => Object.fromEntries(hubbleType(type).fieldsArray.map((f) => [f.name, f.id]));
    expect(numbers('observer.GetFlowsRequest')).toEqual({ number: 1, first: 9, follow: 3, blacklist: 5, whitelist: 6, since: 7, until: 8 });
    expect(numbers('observer.GetFlowsResponse')).toEqual({ flow: 1, node_status: 2, lost_events: 3, node_name: 1000, time: 1001 });
    expect(numbers('observer.ServerStatusResponse')).toEqual({
      num_flows: 1,
      max_flows: 2,
      seen_flows: 3,
      uptime_ns: 4,
      num_connected_nodes: 5,
      num_unavailable_nodes: 6,
      unavailable_nodes: 7,
      version: 8,
    });
    expect(numbers('flow.Flow')).toMatchObject({
      time: 1,
      verdict: 2,
      drop_reason: 3,
      IP: 5,
      l4: 6,
      source: 8,
      destination: 9,
      Type: 10,
      node_name: 11,
      event_type: 19,
      traffic_direction: 22,
      policy_match_type: 23,
      trace_observation_point: 24,
      drop_reason_desc: 25,
      is_reply: 26,
      interface: 28,
      uuid: 34,
      trace_reason: 36,
      emitter: 41,
      Summary: 100000,
      egress_allowed_by: 21001,
      ingress_allowed_by: 21002,
      egress_denied_by: 21004,
      ingress_denied_by: 21005,
    });
    expect(numbers('flow.Endpoint')).toEqual({ ID: 1, identity: 2, cluster_name: 7, namespace: 3, labels: 4, pod_name: 5, workloads: 6 });
    expect(numbers('flow.Layer4')).toEqual({ TCP: 1, UDP: 2, ICMPv4: 3, ICMPv6: 4, SCTP: 5 });
    expect(numbers('flow.FlowFilter')).toMatchObject({
      source_ip: 1,
      source_pod: 2,
      destination_ip: 3,
      destination_pod: 4,
      verdict: 5,
      event_type: 6,
      source_label: 10,
      destination_label: 11,
      protocol: 12,
      source_port: 13,
      destination_port: 14,
      reply: 15,
      source_identity: 19,
      destination_identity: 20,
      node_name: 24,
      ip_version: 25,
      uuid: 29,
      traffic_direction: 30,
      drop_reason_desc: 33,
    });
    const root = hubbleProtos().root;
    expect(root.lookupEnum('flow.Verdict').values).toMatchObject({ FORWARDED: 1, DROPPED: 2, ERROR: 3, AUDIT: 4, REDIRECTED: 5, TRACED: 6, TRANSLATED: 7 });
    expect(root.lookupEnum('flow.DropReason').values).toMatchObject({ POLICY_DENIED: 133, STALE_OR_UNROUTABLE_IP: 151, FIB_LOOKUP_FAILED: 169, POLICY_DENY: 181 });
    expect(root.lookupEnum('flow.TraceObservationPoint').values).toMatchObject({ TO_STACK: 3, TO_ENDPOINT: 101, FROM_ENDPOINT: 5, FROM_NETWORK: 10 });
    expect(hubbleProtos().ObserverClient.service.GetFlows!.path).toBe('/observer.Observer/GetFlows');
    expect(hubbleProtos().ObserverClient.service.GetFlows!.responseStream).toBe(true);
    expect(hubbleProtos().ObserverClient.service.ServerStatus!.path).toBe('/observer.Observer/ServerStatus');
  });

  it('decodes hand-encoded bytes: node_name (1000) and time (1001) of a GetFlowsResponse', () => {
    const name = Buffer.from('n1');
    // time: Timestamp{seconds: 1795165923 (field 1, varint), nanos: 5 (field 2)}
    const seconds = varint(1795165923);
    const ts = Buffer.from([0x08, ...seconds, 0x10, 0x05]);
    const bytes = Buffer.from([...varint((1000 << 3) | 2), name.length, ...name, ...varint((1001 << 3) | 2), ts.length, ...ts]);
    const def = hubbleProtos().packageDefinition['observer.GetFlowsResponse'] as unknown as MessageDef;
    const decoded = def.deserialize(bytes);
    expect(decoded.node_name).toBe('n1');
    expect(decoded.time).toEqual({ seconds: '1795165923', nanos: 5 });
    expect(wireToJson('observer.GetFlowsResponse', decoded)).toEqual({ node_name: 'n1', time: '2026-11-20T09:12:03.000000005Z' });
  });

  it('the embedded protos and the files loaded with includeDirs encode the demo flows identically', () => {
    const embedded = hubbleProtos().packageDefinition['observer.GetFlowsResponse'] as unknown as MessageDef;
    const fromFiles = loadHubbleProtosFromDir(PROTO_DIR).packageDefinition['observer.GetFlowsResponse'] as unknown as MessageDef;
    for (const line of DEMO_LINES) {
      const r = decodeHubbleJsonLine(line);
      if (!r.ok) throw new Error(r.message);
      const wire = jsonToWire('observer.GetFlowsResponse', { flow: r.flow, node_name: r.nodeName, time: r.time });
      const a = embedded.serialize(wire);
      expect(fromFiles.serialize(wire).equals(a)).toBe(true);
      // and the wire form decodes back to the same flow (key order included)
      const back = wireToJson('observer.GetFlowsResponse', fromFiles.deserialize(a));
      expect(JSON.stringify(back.flow)).toBe(JSON.stringify(r.flow));
    }
  });

  it('an esbuild bundle decodes flows with no .proto file at hand', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cni-lens-hubble-bundle-'));
    tempDirs.push(dir);
    const entry = path.join(dir, 'entry.ts');
    fs.writeFileSync(
      entry,
      [
        `import { decodeHubbleJsonLine } from ${JSON.stringify(path.join(ROOT, 'src/core/hubble/hubbleJson'))};`,
        `import { jsonToWire, wireToJson } from ${JSON.stringify(path.join(ROOT, 'src/core/hubble/hubbleCodec'))};`,
        `import { hubbleProtos } from ${JSON.stringify(path.join(ROOT, 'src/core/hubble/hubbleProtos'))};`,
        'const r = decodeHubbleJsonLine(process.argv[2]!);',
        "if (!r.ok) throw new Error(r.message);",
        "const def = hubbleProtos().packageDefinition['observer.GetFlowsResponse'] as any;",
        "const wire = jsonToWire('observer.GetFlowsResponse', { flow: r.flow, node_name: r.nodeName, time: r.time });",
        "process.stdout.write(JSON.stringify(wireToJson('observer.GetFlowsResponse', def.deserialize(def.serialize(wire)))));",
      ].join('\n'),
    );
    const outfile = path.join(dir, 'out', 'bundle.js');
    await build({ entryPoints: [entry], outfile, bundle: true, platform: 'node', format: 'cjs', target: 'node20', logLevel: 'silent', nodePaths: [path.join(ROOT, 'node_modules')] });
    const out = execFileSync(process.execPath, [outfile, DEMO_LINES[57]!], { cwd: path.dirname(outfile), encoding: 'utf8' });
    const expected = JSON.parse(DEMO_LINES[57]!) as { flow: unknown };
    expect((JSON.parse(out) as { flow: unknown }).flow).toEqual(expected.flow);
  });
});

function varint(n: number): number[] {
  const out: number[] = [];
  let v = n;
  while (v > 127) {
    out.push((v & 127) | 128);
    v = Math.floor(v / 128);
  }
  out.push(v);
  return out;
}
