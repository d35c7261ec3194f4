/** The list/watch options of a request: which objects it selects and how it wants them printed. */
import { parseFieldSelector } from './fieldSelector';
import { acceptedAs } from './httpAccept';
import { Statuses, StatusError } from './kubeStatus';
import { parseLabelSelector, SelectorSyntaxError } from './labelSelector';
import type { SimResource } from './resourceRegistry';
import type { KubeObject } from './simObjectStore';
import type { IncludeObject } from './toTable';

export interface ObjectFilter {
  /** A label or field selector was given (the server then omits remainingItemCount). */
  hasSelectors: boolean;
  matches(obj: KubeObject): boolean;
}

/** Namespace, `labelSelector`, `fieldSelector` (and a watched name); syntax errors are 400s. */
export function objectFilter(resource: SimResource, namespace: string | undefined, query: URLSearchParams, name?: string): ObjectFilter {
  const labelText = query.get('labelSelector') ?? '';
  const fieldText = query.get('fieldSelector') ?? '';
  try {
    const labels = parseLabelSelector(labelText);
    const fields = parseFieldSelector(fieldText, resource);
    return {
      hasSelectors: labels.requirements.length > 0 || fields.requirements.length > 0,
      matches: (obj) =>
        (namespace === undefined || obj.metadata.namespace === namespace) &&
        (name === undefined || obj.metadata.name === name) &&
        labels.matches(obj.metadata.labels) &&
        fields.matches(obj),
    };
  } catch (err) {
    if (err instanceof SelectorSyntaxError) throw new StatusError(Statuses.badRequest(err.message));
    throw err;
  }
}

export interface OutputFormat {
  /** Set when the client asked for a Table: its apiVersion. */
  tableApiVersion?: string;
  includeObject: IncludeObject;
}

export function outputFormat(accept: string | undefined, query: URLSearchParams): OutputFormat {
  const version = acceptedAs(accept, 'Table', 'meta.k8s.io', ['v1', 'v1beta1']);
  const include = query.get('includeObject') ?? 'Metadata';
  if (include !== 'None' && include !== 'Metadata' && include !== 'Object') {
    throw new StatusError(Statuses.badRequest(`includeObject: Unsupported value: "${include}": supported values: "Metadata", "None", "Object"`));
  }
  return { ...(version ? { tableApiVersion: `meta.k8s.io/${version}` } : {}), includeObject: include };
}
