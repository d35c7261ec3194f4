/**
 * `SelfSubjectAccessReview` (what `kubectl auth can-i` sends): "may I do this?" answered with the
 * same authorization the simulated API server applies to real requests (RBAC of the scenario, and
 * its `forbidden` rules). Every authenticated user may ask, as the `system:basic-user` role allows
 * on a real cluster.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { sendJson } from './httpResponse';
import { Statuses, StatusError } from './kubeStatus';
import type { RbacAttributes } from './simRbac';

export const ACCESS_REVIEW_PATH = '/apis/authorization.k8s.io/v1/selfsubjectaccessreviews';

interface ReviewSpec {
  resourceAttributes?: { namespace?: string; verb?: string; group?: string; resource?: string; subresource?: string; name?: string };
  nonResourceAttributes?: { path?: string; verb?: string };
}

async function readBodyBytes(req: IncomingMessage, limit = 1024 * 1024): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > limit) throw new StatusError(Statuses.badRequest(`request body larger than ${limit} bytes`));
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

/** Non-resource paths every authenticated user may GET (system:discovery, system:public-info-viewer). */
const PUBLIC_NON_RESOURCE = [/^\/api(\/.*)?$/, /^\/apis(\/.*)?$/, /^\/version\/?$/, /^\/healthz$/, /^\/livez$/, /^\/readyz$/, /^\/openapi\/.*$/];

export async function serveAccessReview(
  req: IncomingMessage,
  res: ServerResponse,
  allowed: (attrs: RbacAttributes) => { allowed: boolean; reason?: string },
): Promise<void> {
  if (req.method !== 'POST') throw new StatusError(Statuses.methodNotAllowed());
  const body = await readBodyBytes(req);
  let spec: ReviewSpec;
  try {
    spec = (req.headers['content-type'] ?? '').startsWith('application/vnd.kubernetes.protobuf')
      ? decodeAccessReviewProtobuf(body)
      : ((JSON.parse(body.toString('utf8')) as { spec?: ReviewSpec })?.spec ?? {});
  } catch (err) {
    throw new StatusError(Statuses.badRequest(`cannot read the SelfSubjectAccessReview: ${(err as Error).message}`));
  }
  let status: { allowed: boolean; reason?: string };
  if (spec.resourceAttributes) {
    const a = spec.resourceAttributes;
    if (!a.verb || !a.resource) throw new StatusError(Statuses.badRequest('spec.resourceAttributes needs verb and resource'));
    status = allowed({
      verb: a.verb,
      apiGroup: a.group ?? '',
      resource: a.resource,
      ...(a.subresource ? { subresource: a.subresource } : {}),
      ...(a.namespace ? { namespace: a.namespace } : {}),
      ...(a.name ? { name: a.name } : {}),
    });
  } else if (spec.nonResourceAttributes) {
    const { path = '', verb = '' } = spec.nonResourceAttributes;
    status = { allowed: verb === 'get' && PUBLIC_NON_RESOURCE.some((p) => p.test(path)) };
  } else {
    throw new StatusError(Statuses.badRequest('exactly one of spec.resourceAttributes, spec.nonResourceAttributes must be set'));
  }
  sendJson(res, 201, {
    kind: 'SelfSubjectAccessReview',
    apiVersion: 'authorization.k8s.io/v1',
    metadata: { creationTimestamp: null },
    spec,
    status: { allowed: status.allowed, ...(status.reason ? { reason: status.reason } : {}) },
  });
}

/** Reads the fields of one protobuf message: field number → the length-delimited values (strings, sub-messages). */
function protoFields(buf: Buffer): Map<number, Buffer[]> {
  const fields = new Map<number, Buffer[]>();
  let i = 0;
  const varint = (): number => {
    let value = 0;
    let shift = 0;
    for (;;) {
      if (i >= buf.length) throw new Error('truncated varint');
      const b = buf[i++]!;
      value += (b & 0x7f) * 2 ** shift;
      if (b < 0x80) return value;
      shift += 7;
    }
  };
  while (i < buf.length) {
    const key = varint();
    const field = Math.floor(key / 8);
    switch (key & 7) {
      case 0:
        varint();
        break;
      case 1:
        i += 8;
        break;
      case 5:
        i += 4;
        break;
      case 2: {
        const length = varint();
        if (i + length > buf.length) throw new Error('truncated field');
        fields.set(field, [...(fields.get(field) ?? []), buf.subarray(i, i + length)]);
        i += length;
        break;
      }
      default:
        throw new Error(`unsupported wire type ${key & 7}`);
    }
  }
  return fields;
}

/**
 * A SelfSubjectAccessReview in the Kubernetes protobuf encoding (what kubectl sends): the `k8s\0`
 * magic, a `runtime.Unknown` whose `raw` (field 2) is the review; spec is field 2 with
 * resourceAttributes (1: namespace 1, verb 2, group 3, version 4, resource 5, subresource 6, name 7)
 * and nonResourceAttributes (2: path 1, verb 2).
 */
export function decodeAccessReviewProtobuf(body: Buffer): ReviewSpec {
  if (body.subarray(0, 4).toString('latin1') !== 'k8s\0') throw new Error('no k8s protobuf magic');
  const raw = protoFields(body.subarray(4)).get(2)?.[0];
  if (!raw) throw new Error('no object in the protobuf envelope');
  const spec = protoFields(raw).get(2)?.[0];
  if (!spec) return {};
  const parts = protoFields(spec);
  const text = (m: Map<number, Buffer[]>, n: number): string | undefined => m.get(n)?.[0]?.toString('utf8');
  const out: ReviewSpec = {};
  const ra = parts.get(1)?.[0];
  if (ra) {
    const f = protoFields(ra);
    out.resourceAttributes = {};
    const keys = ['namespace', 'verb', 'group', 'version', 'resource', 'subresource', 'name'] as const;
    keys.forEach((key, idx) => {
      const v = text(f, idx + 1);
      if (v !== undefined && key !== 'version') out.resourceAttributes![key] = v;
    });
  }
  const nra = parts.get(2)?.[0];
  if (nra) {
    const f = protoFields(nra);
    out.nonResourceAttributes = { path: text(f, 1) ?? '', verb: text(f, 2) ?? '' };
  }
  return out;
}
