/**
 * Field selectors as the API server supports them: `=`, `==`, `!=` on `metadata.name`,
 * `metadata.namespace` and the few fields each built-in kind indexes.
 */
import { SelectorSyntaxError } from './labelSelector';
import type { KubeObject } from './simObjectStore';
import type { SimResource } from './resourceRegistry';
import { valueAt } from './objectPath';

export interface FieldRequirement {
  field: string;
  op: '=' | '!=';
  value: string;
}

export interface FieldSelector {
  requirements: FieldRequirement[];
  matches(obj: KubeObject): boolean;
}

type FieldGetter = (obj: KubeObject) => string;

const str = (v: unknown): string => (v === undefined || v === null ? '' : String(v));
const at = valueAt;
const field = (...path: string[]): FieldGetter => (obj) => str(at(obj, ...path));

/** Per `plural.group` (or plural for core): the fields its field selector accepts besides metadata. */
const KIND_FIELDS: Record<string, Record<string, FieldGetter>> = {
  pods: {
    'spec.nodeName': field('spec', 'nodeName'),
    'spec.restartPolicy': field('spec', 'restartPolicy'),
    'spec.schedulerName': field('spec', 'schedulerName'),
    'spec.serviceAccountName': field('spec', 'serviceAccountName'),
    'spec.hostNetwork': (obj) => str(at(obj, 'spec', 'hostNetwork') ?? false),
    'status.phase': field('status', 'phase'),
    'status.podIP': field('status', 'podIP'),
    'status.nominatedNodeName': field('status', 'nominatedNodeName'),
  },
  nodes: { 'spec.unschedulable': (obj) => str(at(obj, 'spec', 'unschedulable') ?? false) },
  namespaces: { 'status.phase': field('status', 'phase') },
  events: {
    'involvedObject.kind': field('involvedObject', 'kind'),
    'involvedObject.namespace': field('involvedObject', 'namespace'),
    'involvedObject.name': field('involvedObject', 'name'),
    'involvedObject.uid': field('involvedObject', 'uid'),
    'involvedObject.apiVersion': field('involvedObject', 'apiVersion'),
    'involvedObject.resourceVersion': field('involvedObject', 'resourceVersion'),
    'involvedObject.fieldPath': field('involvedObject', 'fieldPath'),
    reason: field('reason'),
    reportingComponent: field('reportingComponent'),
    source: field('source', 'component'),
    type: field('type'),
  },
  'replicasets.apps': { 'status.replicas': field('status', 'replicas') },
  'jobs.batch': { 'status.successful': field('status', 'succeeded') },
};

/** Parses `text` for `resource`. Throws `SelectorSyntaxError` with the API server's message. */
export function parseFieldSelector(text: string, resource: SimResource): FieldSelector {
  const fields: Record<string, FieldGetter> = {
    'metadata.name': field('metadata', 'name'),
    'metadata.namespace': field('metadata', 'namespace'),
    ...KIND_FIELDS[resource.qualifiedName],
  };
  const requirements: FieldRequirement[] = [];
  for (const term of splitUnescaped(text, ',')) {
    if (term.trim() === '') continue;
    const parsed = splitTerm(term);
    if (!parsed) throw new SelectorSyntaxError(`invalid selector: '${text}'; can't understand '${term}'`);
    if (!fields[parsed.field]) {
      throw new SelectorSyntaxError(
        resource.crd || resource.generic
          ? `"${parsed.field}" is not a known field selector: only "metadata.name", "metadata.namespace"`
          : `field label not supported: ${parsed.field}`,
      );
    }
    requirements.push(parsed);
  }
  return {
    requirements,
    matches: (obj) => requirements.every((r) => (fields[r.field]!(obj) === r.value) === (r.op === '=')),
  };
}

function splitTerm(term: string): FieldRequirement | undefined {
  for (let i = 0; i < term.length; i++) {
    if (term[i] === '\\') {
      i++;
      continue;
    }
    for (const op of ['!=', '==', '='] as const) {
      if (term.startsWith(op, i)) {
        return { field: term.slice(0, i), op: op === '!=' ? '!=' : '=', value: unescape(term.slice(i + op.length)) };
      }
    }
  }
  return undefined;
}

function splitUnescaped(text: string, sep: string): string[] {
  const parts: string[] = [];
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    if (text[i] === '\\') i++;
    else if (text[i] === sep) {
      parts.push(text.slice(start, i));
      start = i + 1;
    }
  }
  parts.push(text.slice(start));
  return parts;
}

function unescape(value: string): string {
  return value.replace(/\\(.)/g, '$1');
}
