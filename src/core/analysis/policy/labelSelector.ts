/**
 * Label selectors (Kubernetes `matchLabels` + `matchExpressions`) compiled once, and the label
 * sets they are matched against. Cilium label keys carry a source prefix (`k8s:app`,
 * `reserved:host`, `any:app`); a key without a prefix matches a label of any source, as in Cilium.
 * Kubernetes selectors have no sources: their keys match labels of any source.
 */
import { asArray, asRecord, type JsonRecord } from '../../project/jsonFields';

export type SelectorOperator = 'In' | 'NotIn' | 'Exists' | 'DoesNotExist';

export interface Requirement {
  /** Label key without the source. */
  key: string;
  /** `k8s`, `reserved`, ...; undefined matches any source. */
  source?: string;
  op: SelectorOperator;
  values: ReadonlySet<string>;
}

export interface Selector {
  requirements: readonly Requirement[];
  /** The selector can never match (a malformed requirement). */
  matchesNothing: boolean;
  /** Why it is malformed. */
  problem?: string;
  /** One `key=value` every match must carry (for the selector index); undefined when there is none. */
  anchor?: { key: string; value: string };
}

/** The empty selector: matches every label set. */
export const SELECT_ALL: Selector = { requirements: [], matchesNothing: false };

const SOURCES_WITH_PREFIX = new Set(['k8s', 'reserved', 'any', 'container', 'unspec', 'cidr', 'fqdn', 'cni', 'kvstore', 'node']);

/** Splits a Cilium selector key into source and key: `k8s:app` → k8s/app; `app` → any/app. */
export function splitSourceKey(text: string, defaultSource: string | undefined): { source: string | undefined; key: string } {
  const colon = text.indexOf(':');
  if (colon > 0) {
    const source = text.slice(0, colon);
    if (SOURCES_WITH_PREFIX.has(source)) return { source: source === 'any' ? undefined : source, key: text.slice(colon + 1) };
  }
  if (text.startsWith('$')) return { source: 'reserved', key: text.slice(1) };
  return { source: defaultSource, key: text };
}

export interface ParseSelectorOptions {
  /** Keys may carry a Cilium source prefix. */
  cilium: boolean;
}

/**
 * Compiles a Kubernetes LabelSelector object. A selector that is not a mapping matches nothing
 * (a Kubernetes API server would have rejected it).
 */
export function parseSelector(value: unknown, opts: ParseSelectorOptions): Selector {
  const rec = asRecord(value);
  if (!rec) return { requirements: [], matchesNothing: true, problem: 'selector is not a mapping' };
  const requirements: Requirement[] = [];
  const problems: string[] = [];
  const matchLabels = asRecord(rec.matchLabels);
  if (rec.matchLabels !== undefined && rec.matchLabels !== null && !matchLabels) problems.push('matchLabels is not a mapping');
  for (const [k, v] of Object.entries(matchLabels ?? {})) {
    const { source, key } = opts.cilium ? splitSourceKey(k, undefined) : { source: undefined, key: k };
    const text = v === null || v === undefined ? '' : typeof v === 'string' ? v : typeof v === 'number' || typeof v === 'boolean' ? String(v) : undefined;
    if (text === undefined) {
      problems.push(`matchLabels.${k} is not a string`);
      continue;
    }
    requirements.push({ key, source, op: 'In', values: new Set([text]) });
  }
  for (const e of asArray(rec.matchExpressions)) {
    const expr = asRecord(e) as JsonRecord | undefined;
    const rawKey = typeof expr?.key === 'string' ? expr.key : undefined;
    const op = typeof expr?.operator === 'string' ? expr.operator : undefined;
    if (!expr || rawKey === undefined || op === undefined) {
      problems.push('matchExpressions entry without key or operator');
      continue;
    }
    if (op !== 'In' && op !== 'NotIn' && op !== 'Exists' && op !== 'DoesNotExist') {
      problems.push(`matchExpressions operator ${op} is not one of In, NotIn, Exists, DoesNotExist`);
      continue;
    }
    const values = asArray(expr.values).map((x) => (typeof x === 'string' ? x : String(x)));
    if ((op === 'In' || op === 'NotIn') && values.length === 0) {
      problems.push(`matchExpressions ${rawKey} ${op} has no values`);
      continue;
    }
    if ((op === 'Exists' || op === 'DoesNotExist') && values.length > 0) {
      problems.push(`matchExpressions ${rawKey} ${op} must not have values`);
      continue;
    }
    const { source, key } = opts.cilium ? splitSourceKey(rawKey, undefined) : { source: undefined, key: rawKey };
    requirements.push({ key, source, op, values: new Set(values) });
  }
  if (problems.length > 0) return { requirements, matchesNothing: true, problem: problems.join('; ') };
  return withAnchor({ requirements, matchesNothing: false });
}

/** A selector with one more requirement (Cilium adds the namespace to namespaced selectors). */
export function addRequirement(selector: Selector, requirement: Requirement): Selector {
  return withAnchor({ ...selector, requirements: [...selector.requirements, requirement] });
}

export function hasKey(selector: Selector, key: string): boolean {
  return selector.requirements.some((r) => r.key === key);
}

export function hasSource(selector: Selector, source: string): boolean {
  return selector.requirements.some((r) => r.source === source);
}

function withAnchor(selector: Selector): Selector {
  const { anchor: _old, ...rest } = selector;
  // prefer a user label over the namespace label that Cilium adds: it splits candidates finer
  let anchor: Selector['anchor'];
  for (const r of selector.requirements) {
    if (r.op !== 'In' || r.values.size !== 1) continue;
    const value = r.values.values().next().value as string;
    if (anchor === undefined || anchor.key === NAMESPACE_LABEL) anchor = { key: r.key, value };
  }
  return anchor ? { ...rest, anchor } : rest;
}

/** Cilium's label of an endpoint's namespace (source `k8s`). */
export const NAMESPACE_LABEL = 'io.kubernetes.pod.namespace';

export interface SourcedValue {
  source: string;
  value: string;
}

/** Labels with sources, as Cilium sees an endpoint; plain Kubernetes labels have the source `k8s`. */
export class LabelSet {
  private readonly byKey = new Map<string, SourcedValue[]>();

  static fromLabels(labels: Readonly<Record<string, string>>, source = 'k8s'): LabelSet {
    const set = new LabelSet();
    for (const [k, v] of Object.entries(labels)) set.add(source, k, v);
    return set;
  }

  /** From Cilium identity label strings, `source:key=value`. */
  static fromCiliumStrings(labels: readonly string[]): LabelSet {
    const set = new LabelSet();
    for (const text of labels) {
      const eq = text.indexOf('=');
      const keyPart = eq < 0 ? text : text.slice(0, eq);
      const value = eq < 0 ? '' : text.slice(eq + 1);
      const { source, key } = splitSourceKey(keyPart, 'unspec');
      set.add(source ?? 'unspec', key, value);
    }
    return set;
  }

  add(source: string, key: string, value: string): this {
    const list = this.byKey.get(key);
    if (list) list.push({ source, value });
    else this.byKey.set(key, [{ source, value }]);
    return this;
  }

  has(key: string, source?: string): boolean {
    const list = this.byKey.get(key);
    if (!list) return false;
    if (source === undefined) return true;
    for (const l of list) if (l.source === source) return true;
    return false;
  }

  /** Some label `key` (from `source`, any when undefined) has one of `values`. */
  hasValueIn(key: string, source: string | undefined, values: ReadonlySet<string>): boolean {
    const list = this.byKey.get(key);
    if (!list) return false;
    for (const l of list) if ((source === undefined || l.source === source) && values.has(l.value)) return true;
    return false;
  }

  /** Keys and their sourced values (no copy: do not modify). */
  entries(): IterableIterator<[string, readonly SourcedValue[]]> {
    return this.byKey.entries();
  }

  /** `source:key=value` strings, sorted. */
  toStrings(): string[] {
    const out: string[] = [];
    for (const [key, list] of this.byKey) for (const l of list) out.push(`${l.source}:${key}${l.value === '' ? '' : `=${l.value}`}`);
    return out.sort();
  }
}

export function matchesSelector(selector: Selector, labels: LabelSet): boolean {
  if (selector.matchesNothing) return false;
  for (const r of selector.requirements) if (!matchesRequirement(r, labels)) return false;
  return true;
}

function matchesRequirement(r: Requirement, labels: LabelSet): boolean {
  switch (r.op) {
    case 'Exists':
      return labels.has(r.key, r.source);
    case 'DoesNotExist':
      return !labels.has(r.key, r.source);
    case 'In':
      return labels.hasValueIn(r.key, r.source, r.values);
    case 'NotIn':
      return !labels.hasValueIn(r.key, r.source, r.values);
  }
}

/** Short text of a selector, `app=api,tier in (a,b)`; `{}` for the empty one. */
export function describeSelector(selector: Selector): string {
  if (selector.matchesNothing) return `(invalid: ${selector.problem ?? 'malformed'})`;
  if (selector.requirements.length === 0) return '{}';
  return selector.requirements
    .map((r) => {
      const key = r.source ? `${r.source}:${r.key}` : r.key;
      const values = [...r.values];
      switch (r.op) {
        case 'In':
          return values.length === 1 ? `${key}=${values[0]}` : `${key} in (${values.join(',')})`;
        case 'NotIn':
          return `${key} notin (${values.join(',')})`;
        case 'Exists':
          return key;
        case 'DoesNotExist':
          return `!${key}`;
      }
    })
    .join(',');
}
