/**
 * Simulated EC2 Query API: the seven Describe* calls CNI Lens makes, served over plain HTTP on
 * 127.0.0.1 from AWS CLI JSON (`RawAws`). The real `@aws-sdk/client-ec2` talks to it unchanged
 * (`endpoint: sim.endpoint`). Requests and responses are read and written through the SDK's own
 * shape schemas (see `ec2/schemaXml.ts`), so element names are never hard-coded here.
 *
 * What it does like EC2: form-encoded `Action=…&Version=2016-11-15`; ID lists (`NetworkInterfaceId.N`,
 * …) with `…NotFound` errors for unknown IDs; `Filter.N.Name` / `Filter.N.Value.M` with wildcards;
 * `MaxResults` / `NextToken` paging (opaque token, bound to the query); `DryRun`; errors as
 * `<Response><Errors><Error>…` with `UnauthorizedOperation`, `InvalidParameterValue`, `InvalidAction`,
 * `UnknownParameter`. What it does not: signatures (only the access key id is read, to pick
 * per-caller faults), the 5–1000 range of MaxResults (any value ≥ 1 is accepted so tests can page by 1).
 */
import { createHash, randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { RawAws } from '../core/snapshot/rawSnapshot';
import { compileFilters, DESCRIBE_ACTIONS, type AwsItem, type DescribeAction } from './ec2/describeActions';
import { escapeXml, readQueryInput, writeStructMembers } from './ec2/schemaXml';

const EC2_XMLNS = 'http://ec2.amazonaws.com/doc/2016-11-15/';
const MAX_BODY_BYTES = 1024 * 1024;

/** One request as the sim saw it. */
export interface SimEc2Request {
  action: string;
  /** The form parameters, `Action` and `Version` included. */
  params: Record<string, string>;
  /** From the SigV4 `Authorization` header's `Credential=<AKID>/…`. */
  accessKeyId?: string;
  status: number;
}

/** An error to answer instead of the normal response. */
export interface SimEc2Fault {
  status: number;
  code: string;
  message: string;
}

export interface SimEc2Options {
  aws: RawAws;
  host?: string;
  port?: number;
  /**
   * Deny actions per access key id with `UnauthorizedOperation` (403), as IAM would:
   * `{ AKIDDENIED: '*' }` or `{ AKIDNOSG: ['DescribeSecurityGroups'] }`.
   */
  deny?: Record<string, '*' | string[]>;
  /**
   * Hook to inject any other failure (throttling, 5xx, …). Called before the action runs; return a
   * fault to answer with it, or undefined to go on. `status` is not set yet.
   */
  faults?: (req: Omit<SimEc2Request, 'status'>) => SimEc2Fault | undefined;
}

export interface SimEc2 {
  /** `http://127.0.0.1:PORT` */
  endpoint: string;
  requests: SimEc2Request[];
  /** Replaces the `faults` hook from now on (undefined: none), e.g. with `ec2Throttling()` from faults/. */
  setFaults(faults: SimEc2Options['faults']): void;
  close(): Promise<void>;
}

class Ec2Error extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export async function startSimEc2(opts: SimEc2Options): Promise<SimEc2> {
  const host = opts.host ?? '127.0.0.1';
  const requests: SimEc2Request[] = [];
  let faults = opts.faults;

  const server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      // Only reached if writing the response itself failed.
      if (!res.headersSent) sendError(res, randomUUID(), new Ec2Error(500, 'InternalError', 'An internal error has occurred'));
      else res.destroy(err instanceof Error ? err : undefined);
    });
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const requestId = randomUUID();
    let params: URLSearchParams;
    try {
      params = await readParams(req);
    } catch (err) {
      const e = err instanceof Ec2Error ? err : new Ec2Error(400, 'MalformedQueryString', 'The request could not be read');
      requests.push({ action: '', params: {}, status: e.status });
      sendError(res, requestId, e);
      return;
    }
    const action = params.get('Action') ?? '';
    const record: Omit<SimEc2Request, 'status'> = { action, params: Object.fromEntries(params), accessKeyId: accessKeyIdOf(req) };
    let status = 200;
    try {
      const body = respond(record, params, requestId);
      res.writeHead(200, { 'Content-Type': 'text/xml;charset=UTF-8', 'x-amzn-requestid': requestId, 'Content-Length': Buffer.byteLength(body) });
      res.end(body);
    } catch (err) {
      const e = err instanceof Ec2Error ? err : new Ec2Error(500, 'InternalError', 'An internal error has occurred');
      status = e.status;
      sendError(res, requestId, e);
    }
    requests.push({ ...record, status });
  }

  function respond(record: Omit<SimEc2Request, 'status'>, params: URLSearchParams, requestId: string): string {
    const spec = Object.prototype.hasOwnProperty.call(DESCRIBE_ACTIONS, record.action) ? DESCRIBE_ACTIONS[record.action] : undefined;
    if (!spec) {
      throw new Ec2Error(400, 'InvalidAction', `The action ${record.action || '(none)'} is not valid for this web service.`);
    }
    const denied = record.accessKeyId !== undefined ? opts.deny?.[record.accessKeyId] : undefined;
    if (denied === '*' || denied?.includes(record.action)) {
      throw new Ec2Error(
        403,
        'UnauthorizedOperation',
        `You are not authorized to perform this operation. User: arn:aws:iam::000000000000:user/sim is not authorized to perform: ec2:${record.action} because no identity-based policy allows the ec2:${record.action} action`,
      );
    }
    const fault = faults?.(record);
    if (fault) throw new Ec2Error(fault.status, fault.code, fault.message);

    const parsed = readQueryInput(spec.request, params, new Set(['Action', 'Version']));
    if (parsed.unknown.length > 0) throw new Ec2Error(400, 'UnknownParameter', `The parameter ${parsed.unknown[0]} is not recognized`);
    const input = parsed.input;
    if (input.DryRun === true) throw new Ec2Error(412, 'DryRunOperation', 'Request would have succeeded, but DryRun flag is set.');
    return describe(spec, input, record, requestId);
  }

  function describe(spec: DescribeAction, input: Record<string, unknown>, record: Omit<SimEc2Request, 'status'>, requestId: string): string {
    let items: AwsItem[] = spec.items(opts.aws);
    let usedIds = false;
    for (const ids of spec.idLists) {
      const wanted = input[ids.member];
      if (!Array.isArray(wanted) || wanted.length === 0) continue;
      usedIds = true;
      const set = new Set(wanted.map(String));
      const present = new Set(items.map((i) => String(i[ids.field])));
      const missing = [...set].filter((id) => !present.has(id));
      if (missing.length > 0) {
        const nf = ids.notFound(missing);
        throw new Ec2Error(400, nf.code, nf.message);
      }
      items = items.filter((i) => set.has(String(i[ids.field])));
    }

    const maxResults = input.MaxResults as number | undefined;
    if (maxResults !== undefined) {
      if (usedIds && spec.idsExcludeMaxResults) {
        throw new Ec2Error(400, 'InvalidParameterCombination', `The parameter MaxResults cannot be used with the ID list parameter of ${spec.action}`);
      }
      if (!Number.isInteger(maxResults) || maxResults < 1) {
        throw new Ec2Error(400, 'InvalidParameterValue', `Value ( ${record.params.MaxResults} ) for parameter maxResults is invalid. Expecting a value greater than 0.`);
      }
    }

    const filters = (input[spec.filterMember] as Array<{ Name?: string; Values?: string[] }> | undefined) ?? [];
    const check = compileFilters(spec, filters);
    if (!check.ok) throw new Ec2Error(400, check.code, check.message);
    items = items.filter(check.match);

    // Paging: the token carries the offset and a digest of the query, so a token is only valid
    // for the query that produced it.
    const query = queryDigest(record.params);
    let offset = 0;
    const token = input.NextToken as string | undefined;
    if (token) {
      const decoded = decodeToken(token);
      if (!decoded || decoded.q !== query || decoded.o > items.length) {
        throw new Ec2Error(400, 'InvalidPaginationToken', `The token '${token}' is invalid`);
      }
      offset = decoded.o;
    }
    const end = maxResults !== undefined ? Math.min(items.length, offset + maxResults) : items.length;
    const page = items.slice(offset, end);
    const result: Record<string, unknown> = { [spec.resultMember]: spec.wrapPage ? spec.wrapPage(page) : page };
    if (end < items.length) result.NextToken = encodeToken({ o: end, q: query });

    const out: string[] = [`<?xml version="1.0" encoding="UTF-8"?>\n<${spec.action}Response xmlns="${EC2_XMLNS}">`, `<requestId>${escapeXml(requestId)}</requestId>`];
    writeStructMembers(spec.result, result, out);
    out.push(`</${spec.action}Response>`);
    return out.join('');
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  const urlHost = host.includes(':') ? `[${host}]` : host;

  return {
    endpoint: `http://${urlHost}:${port}`,
    requests,
    setFaults: (next) => {
      faults = next;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

function sendError(res: ServerResponse, requestId: string, e: Ec2Error): void {
  const body =
    `<?xml version="1.0" encoding="UTF-8"?>\n<Response><Errors><Error><Code>${escapeXml(e.code)}</Code><Message>${escapeXml(e.message)}</Message></Error></Errors>` +
    `<RequestID>${escapeXml(requestId)}</RequestID></Response>`;
  res.writeHead(e.status, { 'Content-Type': 'text/xml;charset=UTF-8', 'x-amzn-requestid': requestId, 'Content-Length': Buffer.byteLength(body) });
  res.end(body);
}

async function readParams(req: IncomingMessage): Promise<URLSearchParams> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) throw new Ec2Error(413, 'RequestEntityTooLarge', 'The request body is too large');
    chunks.push(chunk as Buffer);
  }
  const params = new URLSearchParams(new URL(req.url ?? '/', 'http://sim').search);
  for (const [k, v] of new URLSearchParams(Buffer.concat(chunks).toString('utf8'))) params.set(k, v);
  return params;
}

function accessKeyIdOf(req: IncomingMessage): string | undefined {
  const auth = req.headers.authorization;
  const m = auth ? /Credential=([^/,\s]+)\//.exec(auth) : null;
  return m ? m[1] : undefined;
}

function queryDigest(params: Record<string, string>): string {
  const stable = Object.entries(params)
    .filter(([k]) => k !== 'NextToken' && k !== 'MaxResults')
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return createHash('sha1').update(JSON.stringify(stable)).digest('hex').slice(0, 16);
}

function encodeToken(t: { o: number; q: string }): string {
  return Buffer.from(JSON.stringify(t)).toString('base64url');
}

function decodeToken(token: string): { o: number; q: string } | undefined {
  try {
    const t = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as { o?: unknown; q?: unknown };
    return typeof t.o === 'number' && Number.isInteger(t.o) && t.o >= 0 && typeof t.q === 'string' ? { o: t.o, q: t.q } : undefined;
  } catch {
    return undefined;
  }
}
