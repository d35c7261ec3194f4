/**
 * Fuzzes the YAML manifest hover with half-typed and invalid manifests (truncated, mangled
 * indentation, stray flow syntax, anchors, binary garbage, hostile names) at random offsets, with
 * and without the per-document cache, against the demo snapshot's store. Contract: no exception
 * and nothing reported through `onError` (the safety net for bugs), and whatever Markdown comes
 * back has no HTML and no link other than CNI Lens's own commands.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { HoverDocumentCache } from '../../../src/core/hover/hoverDocumentCache';
import { manifestHover } from '../../../src/core/hover/manifestHover';
import { loadSnapshotStore } from '../../../src/core/sources/snapshotStore';
import type { ClusterStore } from '../../../src/core/store/clusterStore';
import { fuzzIterations, fuzzLoop, mutateText } from './fuzzKit';

const ROOT = join(__dirname, '..', '..', '..');
const DEMO = join(ROOT, 'demo', 'snapshot');

const SEEDS: readonly string[] = [
  readFileSync(join(ROOT, 'test', 'fixtures', 'hover', 'shop.yaml'), 'utf8'),
  readFileSync(join(DEMO, 'kubernetes', 'networkpolicies.yaml'), 'utf8'),
  readFileSync(join(DEMO, 'kubernetes', 'services.yaml'), 'utf8').slice(0, 3000),
  `apiVersion: cilium.io/v2
kind: CiliumNetworkPolicy
metadata:
  name: api
  namespace: payments
spec:
  endpointSelector:
    matchLabels:
      app: api
  ingress:
  - fromEndpoints:
    - matchExpressions:
      - key: io.kubernetes.pod.namespace
        operator: In
        values: [shop]
    fromCIDRSet:
    - cidr: 10.0.0.0/16
      except: [10.0.32.0/20]
    fromEntities: [cluster, world]
    toPorts:
    - ports:
      - port: "8443"
        endPort: 8450
        protocol: TCP
  egressDeny:
  - toCIDR: [169.254.169.254/32, "fd00:ec2::254/128"]
`,
  // deep nesting next to a normal object
  `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: deep\ndata:\n  a: ${'['.repeat(3000)}\n---\napiVersion: v1\nkind: Service\nmetadata:\n  name: frontend\n  namespace: shop\nspec:\n  clusterIP: 172.20.0.10\n`,
];

/** An unescaped HTML tag, or a Markdown link to anything but a `cniLens.` command. */
const RAW_HTML = /(?<!\\)<\/?[a-z!]/i;
const FOREIGN_LINK = /\]\(\s*<?\s*(?!command:cniLens\.)[a-z][a-z0-9+.-]*:/i;

let store: ClusterStore;

beforeAll(async () => {
  store = (await loadSnapshotStore(DEMO)).store;
});

describe('fuzz: manifest hover', () => {
  it(`never fails on half-typed or invalid YAML, and its Markdown stays safe (${fuzzIterations(80)} documents × 6 offsets)`, () => {
    const errors: unknown[] = [];
    let hovers = 0;
    const cache = new HoverDocumentCache();
    fuzzLoop('hover', fuzzIterations(80), (rng, i) => {
      const text = mutateText(rng, rng.pick(SEEDS), 1 + rng.int(4));
      for (let n = 0; n < 6; n++) {
        const offset = rng.int(text.length + 1);
        const result = manifestHover(text, offset, {
          store,
          sourceLabel: 'snapshot demo/snapshot',
          ...(rng.chance(0.5) ? { cache, version: i } : {}),
          onError: (error) => errors.push({ error, text, offset }),
        });
        if (errors.length > 0) {
          const first = errors[0] as { error: Error; offset: number };
          throw new Error(`hover failed at offset ${first.offset}: ${first.error?.stack ?? String(first.error)}\n--- text ---\n${text.slice(0, 2000)}`);
        }
        if (!result) continue;
        hovers++;
        if (RAW_HTML.test(result.markdown)) throw new Error(`raw HTML in hover: ${result.markdown.slice(0, 500)}`);
        if (FOREIGN_LINK.test(result.markdown)) throw new Error(`foreign link in hover: ${result.markdown.slice(0, 500)}`);
        if (!(result.range.start <= offset && offset <= result.range.end)) throw new Error(`hover range ${JSON.stringify(result.range)} does not hold offset ${offset}: ${JSON.stringify(text.slice(result.range.start, result.range.end))}\n--- text around the offset ---\n${JSON.stringify(text.slice(Math.max(0, offset - 300), offset + 100))}\n--- markdown ---\n${result.markdown.slice(0, 300)}`);
      }
    });
    expect(errors).toEqual([]);
    // the damaged documents still give hovers: the fuzzer reaches the hover kinds, not only the parser
    expect(hovers).toBeGreaterThan(20);
  }, 120_000);
});
