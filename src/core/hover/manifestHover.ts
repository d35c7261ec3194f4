/**
 * Hover information for Kubernetes manifests, as a pure function of the document text, the offset
 * and a cluster store (the live cluster when connected, the workspace's manifests or an opened
 * snapshot when not): Markdown and the range it describes, or undefined when there is nothing to
 * say. The VS Code hover provider only adapts it.
 *
 * Only the YAML document around the offset is parsed (`manifestSlices.ts`), with the `yaml`
 * package's parse tree and ranges; a document with errors yields its partial tree. Every string
 * from the cluster or the manifest is escaped; the only links are command links to `cniLens.*`.
 */
import type { ClusterStore } from '../store/clusterStore';
import { cidrHover } from './cidrHover';
import { WorkSlices } from '../sources/eventLoopTurns';
import { clusterFactsFor } from './clusterFacts';
import { entityHover } from './entityHover';
import { parseSlice, type HoverDocumentCache, type ParsedSlice } from './hoverDocumentCache';
import { markdownEscape } from './hoverMarkdown';
import type { HoverKind, HoverRequest } from './hoverRequest';
import { ipHover } from './ipHover';
import { sliceAround } from './manifestSlices';
import { findHoverTarget, type HoverTarget } from './manifestTarget';
import { portHover } from './portHover';
import { policyNameHover, ruleHover } from './ruleHover';
import { selectorHover } from './selectorHover';
import { serviceHover } from './serviceHover';
import { workloadHover } from './workloadHover';

export interface ManifestHoverContext {
  store: ClusterStore;
  /** Where the facts come from, shown in every hover: `live cluster shop-prod`, `snapshot demo/snapshot`, `workspace manifests`. */
  sourceLabel: string;
  /** One per open document: parsed slices are reused while the text is the same. */
  cache?: HoverDocumentCache;
  /** The editor's document version: with a cache, saves comparing the whole text on every hover. */
  version?: number;
  /** Receives an unexpected failure (a bug, for the log); the hover then says nothing. */
  onError?: (error: unknown) => void;
}

export interface ManifestHover {
  markdown: string;
  /** Offsets into the text of what the hover describes (the word under the cursor). */
  range: { start: number; end: number };
}

/** The hover kinds, most specific first: the first that has something to say answers. */
const KINDS: readonly HoverKind[] = [cidrHover, entityHover, ipHover, portHover, selectorHover, ruleHover, workloadHover, serviceHover, policyNameHover];

export function manifestHover(text: string, offset: number, ctx: ManifestHoverContext): ManifestHover | undefined {
  if (typeof text !== 'string' || !Number.isInteger(offset) || offset < 0 || offset > text.length) return undefined;
  try {
    // without a cache: slice around the offset by scanning from it, parse that slice only
    const slice = ctx.cache ? ctx.cache.sliceAt(text, offset, ctx.version) : parseSlice(text, sliceAround(text, offset));
    const target = findHoverTarget(slice, offset);
    if (!target) return undefined;
    const req: HoverRequest = { target, store: ctx.store, facts: clusterFactsFor(ctx.store), sourceLabel: ctx.sourceLabel };
    for (const kind of KINDS) {
      const body = kind(req);
      if (body === undefined) continue;
      return { markdown: [body, ...footer(text, slice, target, ctx.sourceLabel)].join('\n'), range: target.range };
    }
    return undefined;
  } catch (error) {
    // a hover never breaks the editor: an unexpected failure is reported and says nothing
    ctx.onError?.(error);
    return undefined;
  }
}

/**
 * Builds what hovers read from a store (policy index, address index, pod census) ahead of the
 * first hover — for example when a cluster or snapshot has loaded; otherwise the first hover of
 * each kind builds it. CPU only, no I/O.
 */
export function prepareManifestHover(store: ClusterStore): void {
  clusterFactsFor(store).prepare();
}

/** `prepareManifestHover` in steps, each on a turn of the event loop of its own (see `nextTurn`). */
export async function prepareManifestHoverInSteps(store: ClusterStore, signal?: AbortSignal): Promise<void> {
  await clusterFactsFor(store).prepareInSteps(new WorkSlices(), signal);
}

function footer(text: string, slice: ParsedSlice, target: HoverTarget, sourceLabel: string): string[] {
  const lines = ['', '---', ''];
  const errors = target.document.errors;
  if (errors.length > 0) {
    const first = errors[0];
    const at = first ? lineOf(text, slice, first.pos[0]) : undefined;
    const message = first ? markdownEscape(first.message.split('\n')[0] ?? '', 120) : '';
    lines.push(`⚠ This YAML document has ${errors.length === 1 ? 'an error' : `${errors.length} errors`}${at !== undefined ? ` (line ${at}: ${message})` : ''}: shown from what could be parsed.`, '');
  }
  lines.push(`*From ${markdownEscape(sourceLabel)}*`);
  return lines;
}

/** 1-based line in the whole text of an offset into the slice. */
function lineOf(text: string, slice: ParsedSlice, local: number): number {
  let line = 1;
  for (let i = text.indexOf('\n'); i >= 0 && i < slice.start; i = text.indexOf('\n', i + 1)) line++;
  return line + slice.lineCounter.linePos(Math.min(local, slice.text.length)).line - 1;
}
