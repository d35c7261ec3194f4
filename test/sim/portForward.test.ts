/** Port-forward through the simulated cluster: the websocket protocol client-node speaks, the ipamd backend, errors, cleanup. */
import { request as httpsRequest } from 'node:https';
import { connect, createServer, type Socket } from 'node:net';
import * as k8s from '@kubernetes/client-node';
import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RawKubeObject, RawSnapshot } from '../../src/core/snapshot/rawSnapshot';
import { httpGetOverForward, httpGetThroughPortForward, openPodPortForward, PortForwardError } from '../../src/core/sources/podPortForward';
import { duplexPair } from '../../src/sim/portForward/duplexPair';
import { parseSimScenario, SimScenarioError } from '../../src/sim/simScenario';
import { startSimCluster, type SimCluster } from '../../src/sim/startSimCluster';
import { fixtureObjects, NODES, PODS, snapshotOf } from './simFixture';

const IPAMD = 61679;
const AWS_NODE = ['aws-node-7xk2p', 'aws-node-q9m4d'] as const;

function awsNodePod(i: 0 | 1): RawKubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name: AWS_NODE[i],
      namespace: 'kube-system',
      uid: `0000000${i}-aaaa-4bbb-8ccc-dddddddddddd`,
      labels: { 'k8s-app': 'aws-node' },
      ownerReferences: [{ apiVersion: 'apps/v1', kind: 'DaemonSet', name: 'aws-node', controller: true, uid: 'ds-uid' }],
    },
    spec: {
      nodeName: NODES[i].name,
      hostNetwork: true,
      containers: [
        {
          name: 'aws-node',
          image: 'amazon-k8s-cni:v1.22.3',
          env: [
            { name: 'AWS_VPC_K8S_CNI_CUSTOM_NETWORK_CFG', value: 'true' },
            { name: 'ENI_CONFIG_LABEL_DEF', value: 'topology.kubernetes.io/zone' },
            { name: 'AWS_VPC_K8S_CNI_RANDOMIZESNAT', value: 'hashrandom' },
            { name: 'AWS_VPC_K8S_CNI_EXCLUDE_SNAT_CIDRS', value: '192.168.7.9/16, bogus' },
            { name: 'AWS_VPC_K8S_CNI_CONNMARK', value: '0x40' },
            { name: 'WARM_ENI_TARGET', value: '2' },
            { name: 'MY_NODE_NAME', valueFrom: { fieldRef: { fieldPath: 'spec.nodeName' } } },
          ],
        },
      ],
    },
    status: { phase: 'Running', podIP: NODES[i].ip, hostIP: NODES[i].ip, conditions: [{ type: 'Ready', status: 'True' }] },
  };
}

/** ipamd `/v1/enis` of node 0 (VPC CNI v1.20+ shape). */
const ENIS_NODE0 = {
  '0': {
    TotalIPs: 9,
    AssignedIPs: 2,
    ENIs: {
      'eni-0a1b2c3d4e5f60001': {
        ID: 'eni-0a1b2c3d4e5f60001',
        IsPrimary: false,
        IsTrunk: false,
        IsEFA: false,
        DeviceNumber: 1,
        RouteTableID: 2,
        SubnetID: 'subnet-0pods',
        IsExcludedForPodIPs: false,
        AvailableIPv4Cidrs: {
          '100.64.1.17/32': {
            Cidr: { IP: '100.64.1.17', Mask: '/////w==' },
            IsPrefix: false,
            AddressFamily: '',
            IPAddresses: {
              '100.64.1.17': {
                Address: '100.64.1.17',
                IPAMKey: { networkName: 'aws-cni', containerID: '', ifName: '' },
                IPAMMetadata: { k8sPodNamespace: 'shop', k8sPodName: PODS[0].name },
                AssignedTime: '2026-05-01T10:00:00Z',
                UnassignedTime: '0001-01-01T00:00:00Z',
              },
            },
          },
        },
        IPv6Cidrs: {},
      },
    },
  },
};

function fixtureSnapshot(): RawSnapshot {
  const pending: RawKubeObject = {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'starting-1', namespace: 'shop' },
    spec: { nodeName: NODES[0].name, containers: [{ name: 'app', image: 'x' }] },
    status: { phase: 'Pending' },
  };
  const snapshot = snapshotOf([...fixtureObjects(), awsNodePod(0), awsNodePod(1), pending]);
  snapshot.ipamd = [{ nodeName: NODES[0].name, enis: ENIS_NODE0, origin: { file: `ipamd/${NODES[0].name}.json` } }];
  return snapshot;
}

let sim: SimCluster;
let kc: k8s.KubeConfig;

beforeAll(async () => {
  sim = await startSimCluster({
    snapshot: fixtureSnapshot(),
    scenario: {
      // port-forward is denied in `payments` only: kube-system stays allowed
      forbidden: [{ group: '', resource: 'pods/portforward', verbs: ['create'], namespace: 'payments' }],
      portForward: { refuse: [`kube-system/${AWS_NODE[1]}`] },
    },
  });
  kc = new k8s.KubeConfig();
  kc.loadFromString(sim.kubeconfig());
});

afterAll(async () => {
  await sim?.close();
});

async function eventually(predicate: () => boolean, what: string, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

async function noOpenTunnels(): Promise<void> {
  await eventually(() => {
    const s = sim.portForwards.stats();
    return s.open === 0 && s.openTargets === 0 && sim.portForwards.ipamd.openConnections === 0;
  }, `no open tunnels (now ${JSON.stringify(sim.portForwards.stats())}, ipamd ${sim.portForwards.ipamd.openConnections})`);
}

/** Raw websocket to the sim's port-forward endpoint; collects every message. */
function rawWebSocket(path: string, protocols: string[], token: string | null = sim.token, headers: Record<string, string> = {}) {
  const ws = new WebSocket(new URL(path, sim.url.replace('https', 'wss')), protocols, {
    ca: sim.caPem,
    headers: { ...(token ? { Authorization: `Bearer ${token}` } : {}), ...headers },
  });
  const messages: Array<{ data: Buffer; binary: boolean }> = [];
  ws.on('message', (data: Buffer, binary: boolean) => messages.push({ data, binary }));
  const opened = new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
    ws.once('unexpected-response', (_req, res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c));
      res.on('end', () => reject(Object.assign(new Error(`HTTP ${res.statusCode}`), { status: res.statusCode, body })));
    });
  });
  const closed = new Promise<number>((resolve) => ws.once('close', (code) => resolve(code)));
  return { ws, messages, opened, closed };
}

describe('port-forward websocket protocol', () => {
  it('client-node PortForward reaches ipamd: the port first on both channels, then HTTP', async () => {
    // Exactly the documented usage: a local server, one portForward() per accepted socket.
    const pf = new k8s.PortForward(kc);
    const server = createServer((socket) => {
      void pf.portForward('kube-system', AWS_NODE[0], [IPAMD], socket, null, socket);
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    try {
      const port = (server.address() as { port: number }).port;
      const socket = connect(port, '127.0.0.1');
      socket.write('GET /v1/enis HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n');
      const text = await new Promise<string>((resolve, reject) => {
        let t = '';
        socket.on('data', (c: Buffer) => {
          t += c.toString();
          // client-node does not end the local socket when the websocket closes: stop at the body's end
          const head = /\r\nContent-Length: (\d+)\r\n/i.exec(t);
          const bodyAt = t.indexOf('\r\n\r\n');
          if (head && bodyAt >= 0 && Buffer.byteLength(t.slice(bodyAt + 4)) >= Number(head[1])) resolve(t);
        });
        socket.on('error', reject);
      });
      socket.destroy();
      expect(text).toMatch(/^HTTP\/1\.1 200 OK\r\n/);
      expect(text).toContain('Content-Type: text/plain; charset=utf-8');
      expect(JSON.parse(text.slice(text.indexOf('\r\n\r\n') + 4))).toEqual(ENIS_NODE0);
    } finally {
      server.close();
    }
    await noOpenTunnels();
  });

  it('sends the port as uint16 LE on channels 0 and 1 in their own messages, picks v4.channel.k8s.io', async () => {
    const { ws, messages, opened, closed } = rawWebSocket(`/api/v1/namespaces/kube-system/pods/${AWS_NODE[0]}/portforward?ports=${IPAMD}`, [
      'v5.channel.k8s.io',
      'v4.channel.k8s.io',
      'v3.channel.k8s.io',
    ]);
    await opened;
    expect(ws.protocol).toBe('v4.channel.k8s.io');
    await eventually(() => messages.length >= 2, 'the port messages');
    expect(messages.slice(0, 2).map((m) => [...m.data])).toEqual([
      [0x00, 0xef, 0xf0],
      [0x01, 0xef, 0xf0],
    ]);
    ws.send(Buffer.concat([Buffer.of(0), Buffer.from('GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n')]));
    expect(await closed).toBe(1000); // ipamd closed the connection → the websocket closes normally
    const data = Buffer.concat(messages.slice(2).filter((m) => m.data[0] === 0).map((m) => m.data.subarray(1))).toString();
    expect(data).toContain('{"AvailableCommands":["/v1/eni-configs","/v1/enis","/v1/ipamd-env-settings","/v1/networkutils-env-settings"]}');
    expect(sim.requests.find((r) => r.path.endsWith(`${AWS_NODE[0]}/portforward`))).toMatchObject({ verb: 'create', resource: 'pods', status: 101 });
    await noOpenTunnels();
  });

  it('speaks v4.base64.channel.k8s.io too', async () => {
    const { ws, messages, opened, closed } = rawWebSocket(`/api/v1/namespaces/kube-system/pods/${AWS_NODE[0]}/portforward?ports=${IPAMD}`, ['v4.base64.channel.k8s.io']);
    await opened;
    expect(ws.protocol).toBe('v4.base64.channel.k8s.io');
    await eventually(() => messages.length >= 2, 'the port messages');
    expect(messages.slice(0, 2).map((m) => [m.binary, m.data.toString()])).toEqual([
      [false, `0${Buffer.of(0xef, 0xf0).toString('base64')}`],
      [false, `1${Buffer.of(0xef, 0xf0).toString('base64')}`],
    ]);
    ws.send(`0${Buffer.from('GET /v1/eni-configs HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n').toString('base64')}`);
    await closed;
    const data = messages
      .slice(2)
      .filter((m) => m.data.toString()[0] === '0')
      .map((m) => Buffer.from(m.data.toString().slice(1), 'base64').toString())
      .join('');
    expect(data.slice(data.indexOf('\r\n\r\n') + 4)).toBe('"us-east-1a"');
  });

  it('answers SPDY (kubectl), a missing token, a missing port and a pod that is not running with an HTTP error', async () => {
    const path = `/api/v1/namespaces/kube-system/pods/${AWS_NODE[0]}/portforward`;
    // kubectl 1.32: SPDY tunnelled in a websocket (ws refuses '/' in a subprotocol, so set the header), then a SPDY upgrade
    await expect(rawWebSocket(`${path}?ports=1`, [], sim.token, { 'Sec-WebSocket-Protocol': 'SPDY/3.1+portforward.k8s.io' }).opened).rejects.toMatchObject({
      status: 400,
      body: expect.stringContaining('SPDY'),
    });
    const spdy = await new Promise<number>((resolve, reject) => {
      const req = httpsRequest(new URL(path, sim.url), {
        method: 'POST',
        ca: sim.caPem,
        headers: { Authorization: `Bearer ${sim.token}`, Connection: 'Upgrade', Upgrade: 'SPDY/3.1', 'X-Stream-Protocol-Version': 'portforward.k8s.io' },
      });
      req.on('response', (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on('upgrade', () => reject(new Error('upgraded')));
      req.on('error', reject);
      req.end();
    });
    expect(spdy).toBe(400);
    await expect(rawWebSocket(`${path}?ports=1`, ['v4.channel.k8s.io'], null).opened).rejects.toMatchObject({ status: 401 });
    await expect(rawWebSocket(path, ['v4.channel.k8s.io']).opened).rejects.toMatchObject({ status: 400, body: expect.stringContaining('query parameter \\"ports\\" is required') });
    await expect(rawWebSocket('/api/v1/namespaces/shop/pods/starting-1/portforward?ports=80', ['v4.channel.k8s.io']).opened).rejects.toMatchObject({
      status: 400,
      body: expect.stringContaining('is not running'),
    });
    await noOpenTunnels();
  });
});

describe('openPodPortForward / httpGetThroughPortForward', () => {
  it('GET /v1/enis returns the snapshot body of the pod\'s node', async () => {
    const r = await httpGetThroughPortForward(kc, 'kube-system', AWS_NODE[0], IPAMD, '/v1/enis');
    expect(r.status).toBe(200);
    expect(JSON.parse(r.body)).toEqual(ENIS_NODE0);
    await noOpenTunnels();
  });

  it('serves the env settings and the ENIConfig name from the aws-node env and the node', async () => {
    const net = await httpGetThroughPortForward(kc, 'kube-system', AWS_NODE[0], IPAMD, '/v1/networkutils-env-settings');
    expect(JSON.parse(net.body)).toEqual({
      AWS_EXTERNAL_SERVICE_CIDRS: null,
      AWS_VPC_CNI_NODE_PORT_SUPPORT: true,
      AWS_VPC_ENI_MTU: 9001,
      AWS_VPC_K8S_CNI_CONNMARK: 64,
      AWS_VPC_K8S_CNI_EXCLUDE_SNAT_CIDRS: ['192.168.0.0/16'],
      AWS_VPC_K8S_CNI_EXTERNALSNAT: false,
      AWS_VPC_K8S_CNI_RANDOMIZESNAT: 1,
      AWS_VPC_K8S_CNI_VETHPREFIX: 'eni',
    });
    const ipamd = await httpGetThroughPortForward(kc, 'kube-system', AWS_NODE[0], IPAMD, '/v1/ipamd-env-settings');
    expect(JSON.parse(ipamd.body)).toEqual({
      AWS_MANAGE_ENIS_NON_SCHEDULABLE: false,
      AWS_VPC_K8S_CNI_CUSTOM_NETWORK_CFG: true,
      ENABLE_SUBNET_DISCOVERY: true,
      WARM_ENI_TARGET: 2,
      WARM_IP_TARGET: 0,
    });
    const eniConfig = await httpGetThroughPortForward(kc, 'kube-system', AWS_NODE[0], IPAMD, '/v1/eni-configs');
    expect(eniConfig.body).toBe('"us-east-1a"');
    const other = await httpGetThroughPortForward(kc, 'kube-system', AWS_NODE[0], IPAMD, '/v1/pods');
    expect(other).toEqual({ status: 200, body: '{"AvailableCommands":["/v1/eni-configs","/v1/enis","/v1/ipamd-env-settings","/v1/networkutils-env-settings"]}' });
  });

  it('carries two connections in parallel, one websocket each', async () => {
    const forward = await openPodPortForward(kc, 'kube-system', AWS_NODE[0], IPAMD);
    try {
      sim.portForwards.resetPeak();
      const [a, b] = await Promise.all([httpGetOverForward(forward, '/v1/enis'), httpGetOverForward(forward, '/v1/ipamd-env-settings')]);
      expect(JSON.parse(a.body)).toEqual(ENIS_NODE0);
      expect(JSON.parse(b.body)).toMatchObject({ WARM_ENI_TARGET: 2 });
      expect(sim.portForwards.stats().peak).toBe(2);
      expect(forward.errors).toEqual([]);
    } finally {
      await forward.close();
    }
    await noOpenTunnels();
  });

  it('carries a large body intact (6 MB, beyond the websocket high-water mark)', async () => {
    const big = { '0': { TotalIPs: 0, AssignedIPs: 0, ENIs: {}, padding: 'x'.repeat(6 * 1024 * 1024) } };
    sim.portForwards.ipamd.set(NODES[0].name, big);
    try {
      const r = await httpGetThroughPortForward(kc, 'kube-system', AWS_NODE[0], IPAMD, '/v1/enis', { timeoutMs: 20_000 });
      expect(r.body.length).toBe(JSON.stringify(big).length);
      expect(JSON.parse(r.body)).toEqual(big);
    } finally {
      sim.portForwards.ipamd.set(NODES[0].name, ENIS_NODE0);
    }
    await noOpenTunnels();
  });

  it('an unknown pod is a 404 not-found error', async () => {
    const err = await httpGetThroughPortForward(kc, 'kube-system', 'aws-node-nope', IPAMD, '/v1/enis').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PortForwardError);
    expect(err).toMatchObject({ kind: 'not-found', status: 404 });
    expect((err as Error).message).toBe('port-forward to pod kube-system/aws-node-nope port 61679: HTTP 404: pods "aws-node-nope" not found');
  });

  it('RBAC denial (scenario) is a 403 forbidden error with the server message', async () => {
    const err = await httpGetThroughPortForward(kc, 'payments', PODS[3].name, 8080, '/').catch((e: unknown) => e);
    expect(err).toMatchObject({ kind: 'forbidden', status: 403 });
    expect((err as Error).message).toContain(
      `pods "${PODS[3].name}" is forbidden: User "system:serviceaccount:default:cni-lens" cannot create resource "pods/portforward" in API group "" in the namespace "payments"`,
    );
    expect(sim.requests.filter((r) => r.path.endsWith(`${PODS[3].name}/portforward`)).map((r) => r.status)).toEqual([403]);
  });

  it('a refused port (scenario) surfaces the kubelet text written on channel 1', async () => {
    const forward = await openPodPortForward(kc, 'kube-system', AWS_NODE[1], IPAMD);
    try {
      const err = await httpGetOverForward(forward, '/v1/enis').catch((e: unknown) => e);
      expect(err).toMatchObject({ kind: 'refused', namespace: 'kube-system', pod: AWS_NODE[1], port: IPAMD });
      expect((err as Error).message).toContain(`port-forward to pod kube-system/${AWS_NODE[1]} port 61679 failed`);
      expect((err as Error).message).toContain(
        `error forwarding port 61679 to pod ${AWS_NODE[1]}, uid 00000001-aaaa-4bbb-8ccc-dddddddddddd: failed to connect to localhost:61679 inside namespace`,
      );
      expect((err as Error).message).toContain('connect: connection refused');
      expect(forward.errors).toHaveLength(1);
    } finally {
      await forward.close();
    }
    await noOpenTunnels();
  });

  it('a node without ipamd data refuses 61679; a port nothing serves refuses too', async () => {
    sim.portForwards.ipamd.delete(NODES[0].name);
    try {
      await expect(httpGetThroughPortForward(kc, 'kube-system', AWS_NODE[0], IPAMD, '/v1/enis')).rejects.toMatchObject({ kind: 'refused' });
    } finally {
      sim.portForwards.ipamd.set(NODES[0].name, ENIS_NODE0);
    }
    // 61679 of a pod on the pod network is not the node's ipamd
    await expect(httpGetThroughPortForward(kc, 'shop', PODS[0].name, IPAMD, '/v1/enis')).rejects.toMatchObject({ kind: 'refused' });
    await noOpenTunnels();
  });

  it('closing the local socket closes the websocket and the pod-side connection', async () => {
    const forward = await openPodPortForward(kc, 'kube-system', AWS_NODE[0], IPAMD);
    try {
      const socket: Socket = connect(forward.localPort, '127.0.0.1');
      await eventually(() => sim.portForwards.stats().open === 1 && sim.portForwards.ipamd.openConnections === 1, 'the tunnel to open');
      expect(forward.openConnections).toBe(1);
      socket.destroy();
      await noOpenTunnels();
      await eventually(() => forward.openConnections === 0, 'the client websocket to close');
    } finally {
      await forward.close();
    }
  });

  it('the sim closing terminates open tunnels', async () => {
    const other = await startSimCluster({ snapshot: fixtureSnapshot() });
    const kc2 = new k8s.KubeConfig();
    kc2.loadFromString(other.kubeconfig());
    const forward = await openPodPortForward(kc2, 'kube-system', AWS_NODE[0], IPAMD);
    try {
      connect(forward.localPort, '127.0.0.1').on('error', () => {});
      await eventually(() => other.portForwards.stats().open === 1, 'the tunnel to open');
      await other.close();
      expect(other.portForwards.stats()).toMatchObject({ open: 0, openTargets: 0 });
      await eventually(() => forward.openConnections === 0, 'the client websocket to close');
    } finally {
      await forward.close();
    }
  });
});

describe('pod port backends', () => {
  it('a registered backend serves a pod port (the hook Hubble Relay will use)', async () => {
    const echoes: string[] = [];
    const unregister = sim.portForwards.registerPodPort('kube-system', PODS[5].name, 4245, () => {
      const [mine, theirs] = duplexPair();
      mine.on('data', (chunk: Buffer) => {
        echoes.push(chunk.toString());
        mine.end(`echo:${chunk.toString()}`);
      });
      return theirs;
    });
    try {
      const forward = await openPodPortForward(kc, 'kube-system', PODS[5].name, 4245);
      try {
        const socket = connect(forward.localPort, '127.0.0.1');
        socket.write('ping');
        const reply = await new Promise<string>((resolve, reject) => {
          let t = '';
          socket.on('data', (c: Buffer) => (t += c.toString()));
          socket.on('end', () => resolve(t));
          socket.on('error', reject);
        });
        // the backend ended its side → the websocket closed → the local connection ended
        expect(reply).toBe('echo:ping');
      } finally {
        await forward.close();
      }
      expect(echoes).toEqual(['ping']);
    } finally {
      unregister();
    }
    await expect(httpGetThroughPortForward(kc, 'kube-system', PODS[5].name, 4245, '/')).rejects.toMatchObject({ kind: 'refused' });
    await noOpenTunnels();
  });
});

describe('scenario: portForward', () => {
  it('parses refuse and refuseNodes, and rejects unknown fields and bad entries', () => {
    expect(parseSimScenario('portForward:\n  refuse: [kube-system/aws-node-5cn8b]\n  refuseNodes: [n1]\n')).toEqual({
      portForward: { refuse: ['kube-system/aws-node-5cn8b'], refuseNodes: ['n1'] },
    });
    expect(() => parseSimScenario('portForward: {refused: [a/b]}', 'x.yaml')).toThrow('x.yaml: portForward.refused must be one of: refuse, refuseNodes (unknown field)');
    expect(() => parseSimScenario('portForward: {refuse: [aws-node-5cn8b]}', 'x.yaml')).toThrow('portForward.refuse[0] must be "namespace/pod"');
    expect(() => parseSimScenario('portForward: [a]', 'x.yaml')).toThrow(SimScenarioError);
  });

  it('refuseNodes refuses every pod port on the node', async () => {
    const other = await startSimCluster({ snapshot: fixtureSnapshot(), scenario: { portForward: { refuseNodes: [NODES[0].name] } } });
    try {
      const kc2 = new k8s.KubeConfig();
      kc2.loadFromString(other.kubeconfig());
      await expect(httpGetThroughPortForward(kc2, 'kube-system', AWS_NODE[0], IPAMD, '/v1/enis')).rejects.toMatchObject({ kind: 'refused' });
      // the other node has no ipamd file: refused as well, but by the backend, not the scenario
      await expect(httpGetThroughPortForward(kc2, 'kube-system', AWS_NODE[1], IPAMD, '/v1/enis')).rejects.toMatchObject({ kind: 'refused' });
      other.portForwards.ipamd.set(NODES[1].name, ENIS_NODE0);
      expect((await httpGetThroughPortForward(kc2, 'kube-system', AWS_NODE[1], IPAMD, '/v1/enis')).status).toBe(200);
    } finally {
      await other.close();
    }
  });
});
