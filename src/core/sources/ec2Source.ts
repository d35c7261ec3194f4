/**
 * EC2 source: reads a cluster's ENIs, subnets, route tables, NAT gateways, instances, VPCs and
 * security groups with the AWS SDK (default credential chain) and returns them grouped like
 * `RawAws`, so the projection that serves AWS CLI files serves live data too (items are SDK output
 * objects: PascalCase, timestamps as `Date`).
 *
 * Calls and scoping:
 * - DescribeInstances filtered by `instance-id` (the cluster's nodes, 200 values per filter — EC2's
 *   limit). A filter, not `InstanceIds`, because EC2 fails the whole call with
 *   `InvalidInstanceID.NotFound` when one listed node has just been terminated, and rejects
 *   `MaxResults` together with an ID list. This gives the VPC id(s) when `vpcId` is not given.
 * - Everything else is scoped by `vpc-id`, all concurrently: DescribeNetworkInterfaces,
 *   DescribeSubnets, DescribeRouteTables, DescribeNatGateways, DescribeSecurityGroups and
 *   DescribeVpcs. ENIs by VPC rather than by `attachment.instance-id`: the datapath also needs the
 *   ENIs no node owns (NLB `network_load_balancer`, `nat_gateway`, VPC endpoints, RDS, MSK — the
 *   far end of a trace), and one VPC-wide listing is cheaper than per-instance filters (5,000 nodes ×
 *   3 ENIs ≈ 15k items ≈ 15 pages of 1,000). Node ENIs attached from another VPC (multi-VPC
 *   attachment) are then fetched by `network-interface-id`.
 * - With neither `instanceIds` nor `vpcId`, every call describes the whole region.
 * - If DescribeInstances is denied and no `vpcId` is given, ENIs are described by
 *   `attachment.instance-id` and the VPC is taken from them.
 * All calls go through the SDK paginators; `pageSize` (default 1000, 100 for route tables, as EC2
 * allows) becomes `MaxResults`.
 *
 * Errors are typed and say what to do; a call that fails does not hide the ones that worked
 * (`partialErrors`). Messages never carry credentials.
 */
import { setMaxListeners } from 'node:events';
import {
  EC2Client,
  paginateDescribeInstances,
  paginateDescribeNatGateways,
  paginateDescribeNetworkInterfaces,
  paginateDescribeRouteTables,
  paginateDescribeSecurityGroups,
  paginateDescribeSubnets,
  paginateDescribeVpcs,
  type EC2ClientConfig,
  type Filter,
} from '@aws-sdk/client-ec2';
import type { RawAws } from '../snapshot/rawSnapshot';

export type Ec2Credentials = NonNullable<EC2ClientConfig['credentials']>;

export interface Ec2SourceOptions {
  /** AWS region; empty means the SDK's own resolution (AWS_REGION, the profile's region). */
  region: string;
  /** EC2 endpoint URL; else the SDK reads AWS_ENDPOINT_URL_EC2 / AWS_ENDPOINT_URL itself. */
  endpoint?: string;
  /** Shared-config profile; else the default chain (AWS_PROFILE, env keys, SSO, roles). */
  profile?: string;
  credentials?: Ec2Credentials;
  signal?: AbortSignal;
  /** The cluster's node instance ids (from Node `spec.providerID`). */
  instanceIds?: string[];
  vpcId?: string;
  /** MaxResults per page for every call. EC2 accepts 5–1000 (5–100 for route tables). */
  pageSize?: number;
  /** SDK attempts per request (default 3, the SDK's). */
  maxAttempts?: number;
  /** Calls in flight at once when a call is split into chunks of filter values (default 4). */
  chunkConcurrency?: number;
  /** How long to wait for the credential chain before giving up (default 15 s). */
  credentialsTimeoutMs?: number;
}

/** SDK output items grouped like `RawAws` (`files` stays empty: the data came from the API). */
export interface Ec2Data extends RawAws {
  region: string;
  /** The VPCs the VPC-scoped calls were limited to; empty when the whole region was described. */
  vpcIds: string[];
}

export type Ec2SourceErrorKind = 'no-credentials' | 'no-region' | 'unauthorized' | 'throttled' | 'network' | 'aborted' | 'other';

export interface Ec2SourceError {
  kind: Ec2SourceErrorKind;
  /** IAM action name, e.g. `ec2:DescribeNetworkInterfaces`. */
  action?: string;
  /** The AWS error code when there is one (`UnauthorizedOperation`, `RequestLimitExceeded`, …). */
  code?: string;
  message: string;
}

export type Ec2Result = { ok: true; data: Ec2Data; partialErrors: Ec2SourceError[] } | { ok: false; error: Ec2SourceError };

type Item = Record<string, unknown>;

const FILTER_VALUES_MAX = 200;

/** What the user loses when a call fails, for the error message. */
const MISSING_WITHOUT: Record<string, string> = {
  DescribeNetworkInterfaces: 'ENIs come from ipamd where it can be read',
  DescribeSubnets: 'subnets are shown as unknown',
  DescribeRouteTables: 'routes are shown as unknown',
  DescribeNatGateways: 'NAT gateways are shown as unknown',
  DescribeInstances: 'instance types and VPC come from Kubernetes only',
  DescribeVpcs: 'VPC CIDRs are shown as unknown',
  DescribeSecurityGroups: 'security groups are shown by id only',
};

const THROTTLING_CODES = new Set([
  'RequestLimitExceeded',
  'Throttling',
  'ThrottlingException',
  'ThrottledException',
  'RequestThrottled',
  'RequestThrottledException',
  'TooManyRequestsException',
  'EC2ThrottledException',
  'BandwidthLimitExceeded',
  'SlowDown',
]);
const CREDENTIAL_REJECTED_CODES = new Set(['AuthFailure', 'InvalidClientTokenId', 'SignatureDoesNotMatch', 'ExpiredToken', 'ExpiredTokenException', 'UnrecognizedClientException']);
const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ENOTFOUND', 'EAI_AGAIN', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'EPIPE', 'ECONNABORTED', 'CERT_HAS_EXPIRED', 'UNABLE_TO_VERIFY_LEAF_SIGNATURE', 'SELF_SIGNED_CERT_IN_CHAIN', 'DEPTH_ZERO_SELF_SIGNED_CERT']);

export async function fetchEc2(opts: Ec2SourceOptions): Promise<Ec2Result> {
  const signal = opts.signal;
  if (signal?.aborted) return { ok: false, error: abortedError() };

  const config: EC2ClientConfig = {};
  if (opts.region) config.region = opts.region;
  if (opts.endpoint) config.endpoint = opts.endpoint;
  if (opts.profile) config.profile = opts.profile;
  if (opts.credentials) config.credentials = opts.credentials;
  if (opts.maxAttempts) config.maxAttempts = opts.maxAttempts;

  let client: EC2Client;
  try {
    client = new EC2Client(config);
  } catch (err) {
    return { ok: false, error: classifyEc2Error(err, { signal }) };
  }
  const secrets = knownSecrets(opts.credentials);
  try {
    // Region and credentials first, once: one clear error instead of seven identical ones.
    let region: string;
    try {
      region = await client.config.region();
    } catch {
      return { ok: false, error: noRegionError() };
    }
    if (!region) return { ok: false, error: noRegionError() };
    try {
      const creds = await withTimeout(client.config.credentials(), opts.credentialsTimeoutMs ?? 15_000, signal);
      for (const s of [creds.secretAccessKey, creds.sessionToken]) if (s) secrets.push(s);
    } catch (err) {
      if (signal?.aborted) return { ok: false, error: abortedError() };
      return { ok: false, error: noCredentialsError(err, opts.profile, secrets) };
    }

    // The calls run in parallel, up to `concurrency` chunks each, and the SDK holds two abort
    // listeners per request in flight: a signal of this read's own, with a limit that fits, keeps
    // Node's listener-leak warning for real leaks (the caller's signal holds one listener).
    const callSignal = signal ? AbortSignal.any([signal]) : undefined;
    if (callSignal) setMaxListeners(7 * 2 * Math.max(1, opts.chunkConcurrency ?? 4) + 8, callSignal);
    const ctx: CallContext = {
      client,
      signal: callSignal,
      pageSize: opts.pageSize,
      concurrency: Math.max(1, opts.chunkConcurrency ?? 4),
      endpoint: opts.endpoint ?? process.env.AWS_ENDPOINT_URL_EC2 ?? process.env.AWS_ENDPOINT_URL,
      region,
      secrets,
      errors: [],
      succeeded: 0,
    };
    const data = await collectAll(ctx, opts);
    if (signal?.aborted) return { ok: false, error: abortedError() };
    if (ctx.succeeded === 0 && ctx.errors.length > 0) return { ok: false, error: combine(ctx.errors) };
    return { ok: true, data, partialErrors: ctx.errors };
  } finally {
    client.destroy();
  }
}

interface CallContext {
  client: EC2Client;
  signal?: AbortSignal;
  pageSize?: number;
  concurrency: number;
  endpoint?: string;
  region: string;
  secrets: string[];
  errors: Ec2SourceError[];
  succeeded: number;
}

async function collectAll(ctx: CallContext, opts: Ec2SourceOptions): Promise<Ec2Data> {
  const instanceIds = unique(opts.instanceIds ?? []);
  let vpcIds = opts.vpcId ? [opts.vpcId] : [];
  const scoped = instanceIds.length > 0 || vpcIds.length > 0;

  // Instances: by id when the cluster's nodes are known, else by VPC (or the whole region).
  let instancesPromise: Promise<Item[] | undefined>;
  if (instanceIds.length > 0) instancesPromise = describeInstances(ctx, 'instance-id', instanceIds);
  else if (vpcIds.length > 0) instancesPromise = describeInstances(ctx, 'vpc-id', vpcIds);
  else instancesPromise = describeInstances(ctx);

  let fallbackEnis: Item[] | undefined;
  if (vpcIds.length === 0 && instanceIds.length > 0) {
    const instances = await instancesPromise;
    if (instances) {
      vpcIds = unique(instances.flatMap((i) => [str(i.VpcId), ...asItems(i.NetworkInterfaces).map((n) => str(n.VpcId))]).filter(isString));
    } else {
      // DescribeInstances failed: find the VPC through the nodes' ENIs.
      fallbackEnis = await describeNetworkInterfaces(ctx, 'attachment.instance-id', instanceIds);
      if (fallbackEnis) vpcIds = unique(fallbackEnis.map((e) => str(e.VpcId)).filter(isString));
    }
  }
  // Scoped but no VPC found (nodes unknown to EC2 and no vpcId): nothing VPC-wide to describe.
  const describeVpcWide = !scoped || vpcIds.length > 0;
  const byVpc = (fn: (name?: string, values?: string[]) => Promise<Item[] | undefined>) =>
    describeVpcWide ? (vpcIds.length > 0 ? fn('vpc-id', vpcIds) : fn()) : Promise.resolve(undefined);

  const [instances, enis, subnets, routeTables, natGateways, securityGroups, vpcs] = await Promise.all([
    instancesPromise,
    byVpc((n, v) => describeNetworkInterfaces(ctx, n, v)),
    byVpc((n, v) => describeSubnets(ctx, n, v)),
    byVpc((n, v) => describeRouteTables(ctx, n, v)),
    byVpc((n, v) => describeNatGateways(ctx, n, v)),
    byVpc((n, v) => describeSecurityGroups(ctx, n, v)),
    byVpc((n, v) => describeVpcs(ctx, n, v)),
  ]);

  let networkInterfaces = enis ?? fallbackEnis ?? [];
  if (enis && instances && vpcIds.length > 0) {
    // Node ENIs attached from another VPC are not in the VPC-wide listing.
    const have = new Set(networkInterfaces.map((e) => str(e.NetworkInterfaceId)));
    const missing = unique(instances.flatMap((i) => asItems(i.NetworkInterfaces).map((n) => str(n.NetworkInterfaceId))).filter(isString)).filter((id) => !have.has(id));
    if (missing.length > 0) {
      const more = await describeNetworkInterfaces(ctx, 'network-interface-id', missing);
      if (more) networkInterfaces = networkInterfaces.concat(more);
    }
  }

  return {
    networkInterfaces: dedupe(networkInterfaces, 'NetworkInterfaceId'),
    subnets: dedupe(subnets ?? [], 'SubnetId'),
    routeTables: dedupe(routeTables ?? [], 'RouteTableId'),
    natGateways: dedupe(natGateways ?? [], 'NatGatewayId'),
    instances: dedupe(instances ?? [], 'InstanceId'),
    vpcs: dedupe(vpcs ?? [], 'VpcId'),
    securityGroups: dedupe(securityGroups ?? [], 'GroupId'),
    files: [],
    region: ctx.region,
    vpcIds,
  };
}

// ---------------------------------------------------------------------------------------------
// One function per call: filter values split into chunks of 200, each chunk paginated.
// ---------------------------------------------------------------------------------------------

type PageSource = (filters: Filter[] | undefined, pageSize: number | undefined, signal: AbortSignal | undefined) => AsyncIterable<Item[] | undefined>;

function describeInstances(ctx: CallContext, filterName?: string, values?: string[]) {
  return runCall(ctx, 'DescribeInstances', 1000, filterName, values, async function* (Filters, MaxResults, abortSignal) {
    for await (const page of paginateDescribeInstances({ client: ctx.client, pageSize: MaxResults }, { Filters }, { abortSignal })) {
      yield (page.Reservations ?? []).flatMap((r) => (r.Instances ?? []) as Item[]);
    }
  });
}

function describeNetworkInterfaces(ctx: CallContext, filterName?: string, values?: string[]) {
  return runCall(ctx, 'DescribeNetworkInterfaces', 1000, filterName, values, async function* (Filters, MaxResults, abortSignal) {
    for await (const page of paginateDescribeNetworkInterfaces({ client: ctx.client, pageSize: MaxResults }, { Filters }, { abortSignal })) {
      yield page.NetworkInterfaces as Item[] | undefined;
    }
  });
}

function describeSubnets(ctx: CallContext, filterName?: string, values?: string[]) {
  return runCall(ctx, 'DescribeSubnets', 1000, filterName, values, async function* (Filters, MaxResults, abortSignal) {
    for await (const page of paginateDescribeSubnets({ client: ctx.client, pageSize: MaxResults }, { Filters }, { abortSignal })) {
      yield page.Subnets as Item[] | undefined;
    }
  });
}

function describeRouteTables(ctx: CallContext, filterName?: string, values?: string[]) {
  return runCall(ctx, 'DescribeRouteTables', 100, filterName, values, async function* (Filters, MaxResults, abortSignal) {
    for await (const page of paginateDescribeRouteTables({ client: ctx.client, pageSize: MaxResults }, { Filters }, { abortSignal })) {
      yield page.RouteTables as Item[] | undefined;
    }
  });
}

function describeNatGateways(ctx: CallContext, filterName?: string, values?: string[]) {
  return runCall(ctx, 'DescribeNatGateways', 1000, filterName, values, async function* (Filter, MaxResults, abortSignal) {
    // DescribeNatGateways names its filter list `Filter`, not `Filters`.
    for await (const page of paginateDescribeNatGateways({ client: ctx.client, pageSize: MaxResults }, { Filter }, { abortSignal })) {
      yield page.NatGateways as Item[] | undefined;
    }
  });
}

function describeSecurityGroups(ctx: CallContext, filterName?: string, values?: string[]) {
  return runCall(ctx, 'DescribeSecurityGroups', 1000, filterName, values, async function* (Filters, MaxResults, abortSignal) {
    for await (const page of paginateDescribeSecurityGroups({ client: ctx.client, pageSize: MaxResults }, { Filters }, { abortSignal })) {
      yield page.SecurityGroups as Item[] | undefined;
    }
  });
}

function describeVpcs(ctx: CallContext, filterName?: string, values?: string[]) {
  return runCall(ctx, 'DescribeVpcs', 1000, filterName, values, async function* (Filters, MaxResults, abortSignal) {
    for await (const page of paginateDescribeVpcs({ client: ctx.client, pageSize: MaxResults }, { Filters }, { abortSignal })) {
      yield page.Vpcs as Item[] | undefined;
    }
  });
}

/** Runs one call over all chunks; on failure records one error for the action and returns undefined. */
async function runCall(
  ctx: CallContext,
  action: string,
  defaultPageSize: number,
  filterName: string | undefined,
  values: string[] | undefined,
  pages: PageSource,
): Promise<Item[] | undefined> {
  const chunks: Array<Filter[] | undefined> = filterName && values ? chunk(values, FILTER_VALUES_MAX).map((v) => [{ Name: filterName, Values: v }]) : [undefined];
  const pageSize = ctx.pageSize ?? defaultPageSize;
  try {
    const results = await mapLimit(chunks, ctx.concurrency, async (filters) => {
      const items: Item[] = [];
      for await (const page of pages(filters, pageSize, ctx.signal)) {
        if (page) for (const item of page) items.push(item);
      }
      return items;
    });
    ctx.succeeded++;
    return results.flat();
  } catch (err) {
    if (!ctx.signal?.aborted) ctx.errors.push(classifyEc2Error(err, { action, endpoint: ctx.endpoint, region: ctx.region, signal: ctx.signal, secrets: ctx.secrets }));
    return undefined;
  }
}

// ---------------------------------------------------------------------------------------------
// Errors
// ---------------------------------------------------------------------------------------------

export interface ClassifyContext {
  /** The EC2 operation, e.g. `DescribeNetworkInterfaces`. */
  action?: string;
  endpoint?: string;
  region?: string;
  signal?: AbortSignal;
  /** Values to redact from messages (secret keys, session tokens). */
  secrets?: string[];
}

/** Turns an SDK or network error into an `Ec2SourceError` whose message says what to do. */
export function classifyEc2Error(err: unknown, ctx: ClassifyContext = {}): Ec2SourceError {
  const e = (err ?? {}) as { name?: string; Code?: string; code?: string; message?: string; $retryable?: { throttling?: boolean } };
  const code = e.Code ?? (typeof e.name === 'string' && e.name !== 'Error' ? e.name : undefined);
  const iamAction = ctx.action ? `ec2:${ctx.action}` : undefined;
  const withAction = <T extends Ec2SourceError>(x: T): T => (iamAction ? { ...x, action: iamAction } : x);
  const detail = sanitize(e.message ?? String(err), ctx.secrets);
  const missing = ctx.action && MISSING_WITHOUT[ctx.action] ? ` Until then ${MISSING_WITHOUT[ctx.action]}.` : '';

  if (ctx.signal?.aborted || e.name === 'AbortError' || code === 'AbortError') {
    return withAction(abortedError());
  }
  if (e.name === 'CredentialsProviderError' || e.name === 'TokenProviderError') {
    return withAction(noCredentialsError(err, undefined, ctx.secrets));
  }
  if (typeof e.message === 'string' && /Region is missing/i.test(e.message)) return withAction(noRegionError());
  if (code === 'UnauthorizedOperation' || code === 'AccessDenied' || code === 'AccessDeniedException') {
    const what = iamAction ?? 'this EC2 call';
    return withAction({
      kind: 'unauthorized',
      code,
      message: `Not authorized to call ${what}. Allow ${what} for the IAM identity in use (for example with the AmazonEC2ReadOnlyAccess policy).${missing}`,
    });
  }
  if (code && CREDENTIAL_REJECTED_CODES.has(code)) {
    return withAction({
      kind: 'unauthorized',
      code,
      message: `AWS rejected the credentials (${code}${iamAction ? ` on ${iamAction}` : ''}): they are invalid, expired or for another partition. Refresh them (aws sso login, new keys) or pick another profile with the cniLens.aws.profile setting.${missing}`,
    });
  }
  if ((code && THROTTLING_CODES.has(code)) || e.$retryable?.throttling) {
    return withAction({
      kind: 'throttled',
      code,
      message: `EC2 throttled ${iamAction ?? 'the request'} (${code ?? 'throttling'}) after the SDK's retries. The account's EC2 API rate is shared with other tools; try again in a minute.${missing}`,
    });
  }
  const netCode = e.code && NETWORK_CODES.has(e.code) ? e.code : code && ['TimeoutError', 'RequestTimeout', 'RequestTimeoutException'].includes(code) ? code : undefined;
  if (netCode) {
    const where = ctx.endpoint ? safeUrl(ctx.endpoint) : ctx.region ? `ec2.${ctx.region}.amazonaws.com` : 'the EC2 endpoint';
    return withAction({
      kind: 'network',
      code: netCode,
      message: `Could not reach EC2 at ${where} (${netCode}). Check the network, proxy or VPN, or the endpoint setting (AWS_ENDPOINT_URL_EC2).${missing}`,
    });
  }
  return withAction({
    kind: 'other',
    ...(code ? { code } : {}),
    message: `${iamAction ?? 'EC2'} failed${code ? ` (${code})` : ''}: ${detail}${missing}`,
  });
}

function noRegionError(): Ec2SourceError {
  return {
    kind: 'no-region',
    message: 'No AWS region set. Set AWS_REGION or a region in the AWS profile. ENIs come from ipamd where it can be read.',
  };
}

function noCredentialsError(err: unknown, profile: string | undefined, secrets: string[] | undefined): Ec2SourceError {
  const raw = err instanceof Error ? err.message : String(err);
  const generic = /Could not load credentials from any providers|timed out/i.test(raw);
  const detail = !generic && raw ? ` (${sanitize(raw, secrets)})` : '';
  const profileHint = profile ? ` The profile '${profile}' gave no credentials${detail}; for SSO run \`aws sso login --profile ${profile}\`.` : detail ? ` Detail${detail}.` : '';
  return {
    kind: 'no-credentials',
    message:
      'No AWS credentials found (AWS_PROFILE, AWS_ACCESS_KEY_ID, SSO or an instance role). ENIs come from ipamd where it can be read. ' +
      'Set a profile with the cniLens.aws.profile setting or export AWS credentials.' +
      profileHint,
  };
}

function abortedError(): Ec2SourceError {
  return { kind: 'aborted', message: 'Reading EC2 was cancelled.' };
}

/** All calls failed: one error. Permission errors name every action; others keep the first. */
function combine(errors: Ec2SourceError[]): Ec2SourceError {
  const first = errors[0];
  const actions = unique(errors.map((e) => e.action).filter(isString));
  if (errors.length === 1 || !errors.every((e) => e.kind === first.kind && e.code === first.code)) return first;
  if (first.code === 'UnauthorizedOperation') {
    return {
      kind: 'unauthorized',
      code: first.code,
      action: actions[0],
      message: `Not authorized to call ${actions.join(', ')}. Allow them for the IAM identity in use (for example with the AmazonEC2ReadOnlyAccess policy). ENIs come from ipamd where it can be read.`,
    };
  }
  // The same failure everywhere (network down, credentials rejected): say it once, for EC2 as a whole.
  const { action: _action, ...rest } = first;
  return { ...rest, message: `${first.message.replace(/ Until then [^.]*\.$/, '')} ENIs come from ipamd where it can be read.` };
}

const KEY_ID = /\b(?:AKIA|ASIA|AIDA|AROA|AIPA|ANPA|ANVA|AGPA|A3T[A-Z0-9])[A-Z0-9]{12,}\b/g;

/** Drops credentials from a message: known secret values and anything shaped like an access key id. */
function sanitize(message: string, secrets: string[] | undefined): string {
  let out = message;
  for (const s of secrets ?? []) if (s && s.length >= 8) out = out.split(s).join('[redacted]');
  out = out.replace(KEY_ID, '[redacted]');
  return out.length > 500 ? `${out.slice(0, 500)}…` : out;
}

function knownSecrets(credentials: Ec2Credentials | undefined): string[] {
  if (!credentials || typeof credentials === 'function') return [];
  return [credentials.secretAccessKey, credentials.sessionToken].filter(isString);
}

function safeUrl(url: string): string {
  try {
    const u = new URL(url);
    u.username = '';
    u.password = '';
    u.search = '';
    return u.toString().replace(/\/$/, '');
  } catch {
    return 'the configured endpoint';
  }
}

// ---------------------------------------------------------------------------------------------
// Small helpers
// ---------------------------------------------------------------------------------------------

function withTimeout<T>(promise: Promise<T>, ms: number, signal?: AbortSignal): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`Loading AWS credentials timed out after ${ms} ms`)), ms);
    const onAbort = () => reject(Object.assign(new Error('aborted'), { name: 'AbortError' }));
    signal?.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (v) => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        resolve(v);
      },
      (err: unknown) => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        reject(err);
      },
    );
  });
}

async function mapLimit<T, R>(items: T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const workers = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await fn(items[i]);
    }
  });
  await Promise.all(workers);
  return results;
}

function chunk<T>(items: T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

function unique<T>(items: T[]): T[] {
  return [...new Set(items)];
}

function dedupe(items: Item[], key: string): Item[] {
  const seen = new Set<unknown>();
  return items.filter((i) => {
    const k = i[key];
    if (k === undefined) return true;
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}

function asItems(v: unknown): Item[] {
  return Array.isArray(v) ? (v.filter((x) => x && typeof x === 'object') as Item[]) : [];
}

function str(v: unknown): string | undefined {
  return typeof v === 'string' && v ? v : undefined;
}

function isString(v: unknown): v is string {
  return typeof v === 'string' && v.length > 0;
}
