/**
 * Server-side printing: objects → a `meta.k8s.io/v1` Table, as kube-apiserver answers an Accept with
 * `as=Table`. Built-ins use their printers; CRDs print Name then their printer columns.
 */
import { BUILT_IN_PRINTERS, NAME_COLUMN, type TableCell, type TableColumnDefinition, type TablePrinter } from './builtinPrinters';
import { ageSince } from './humanDuration';
import type { PrinterColumnDef } from './knownResources';
import { evalJsonPath } from './objectPath';
import type { SimResource } from './resourceRegistry';
import type { KubeObject } from './simObjectStore';

/** `includeObject` of the request: what each row's `object` carries. */
export type IncludeObject = 'None' | 'Metadata' | 'Object';

export interface ListMeta {
  resourceVersion?: string;
  continue?: string;
  remainingItemCount?: number;
}

export interface KubeTableRow {
  cells: TableCell[];
  object?: Record<string, unknown>;
}

export interface KubeTable {
  kind: 'Table';
  apiVersion: string;
  metadata: ListMeta;
  columnDefinitions: TableColumnDefinition[];
  rows: KubeTableRow[];
}

export interface TableOptions {
  includeObject: IncludeObject;
  /** `meta.k8s.io/v1` unless the client only accepts v1beta1. */
  apiVersion?: string;
  now?: number;
}

const DEFAULT_CRD_COLUMNS: PrinterColumnDef[] = [{ name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp' }];
const printers = new WeakMap<SimResource, TablePrinter>();

export function toTable(resource: SimResource, objects: KubeObject[], metadata: ListMeta, opts: TableOptions): KubeTable {
  const printer = printerFor(resource);
  const now = opts.now ?? Date.now();
  return {
    kind: 'Table',
    apiVersion: opts.apiVersion ?? 'meta.k8s.io/v1',
    metadata,
    columnDefinitions: printer.columns,
    rows: objects.map((obj) => {
      const row: KubeTableRow = { cells: printer.cells(obj, now) };
      if (opts.includeObject === 'Object') row.object = obj;
      else if (opts.includeObject === 'Metadata') row.object = { kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: obj.metadata };
      return row;
    }),
  };
}

function printerFor(resource: SimResource): TablePrinter {
  let printer = printers.get(resource);
  if (!printer) {
    printer = (!resource.crd && BUILT_IN_PRINTERS[resource.qualifiedName]) || columnPrinter(resource.printerColumns ?? DEFAULT_CRD_COLUMNS);
    printers.set(resource, printer);
  }
  return printer;
}

/** Name then JSONPath columns, as the API server prints custom resources. */
function columnPrinter(defs: PrinterColumnDef[]): TablePrinter {
  return {
    columns: [
      NAME_COLUMN,
      ...defs.map((d) => ({ name: d.name, type: d.type, format: '', description: d.description ?? 'Custom resource definition column (in JSONPath format): ' + d.jsonPath, priority: d.priority ?? 0 })),
    ],
    cells: (obj, now) => [obj.metadata.name, ...defs.map((d) => cellFor(d.type, evalJsonPath(obj, d.jsonPath), now))],
  };
}

function cellFor(type: PrinterColumnDef['type'], value: unknown, now: number): TableCell {
  if (value === undefined || value === null) return null;
  switch (type) {
    case 'string':
      return typeof value === 'object' ? JSON.stringify(value) : String(value);
    case 'integer':
      return typeof value === 'number' ? Math.trunc(value) : null;
    case 'number':
      return typeof value === 'number' ? value : null;
    case 'boolean':
      return typeof value === 'boolean' ? value : null;
    case 'date':
      return typeof value === 'string' ? ageSince(value, now) : null;
  }
}
