/**
 * Parsed slices of one document's text, kept while the text (or the editor's document version) is
 * the same: a hover parses only the YAML document around the offset (see `manifestSlices.ts`), and
 * hovering again anywhere in that document costs no parse at all. One cache per open document.
 */
import { LineCounter, parseAllDocuments, type Document } from 'yaml';
import { sliceAround, type SliceMemo, type TextSlice } from './manifestSlices';

export interface ParsedSlice extends TextSlice {
  /** The slice text: node ranges are offsets into it (add `start` for offsets into the whole text). */
  text: string;
  /** Every YAML document of the slice (usually one; a `...` line can end one early). */
  documents: Document.Parsed[];
  lineCounter: LineCounter;
}

export interface HoverCacheStats {
  /** Slices parsed. */
  parses: number;
  /** Hovers answered from an already parsed slice. */
  hits: number;
  /** Times the text changed and the cache was emptied. */
  resets: number;
}

export class HoverDocumentCache {
  private text: string | undefined;
  private version: number | undefined;
  private readonly slices = new Map<string, ParsedSlice>();
  private memo: SliceMemo = { shapes: new Map() };
  readonly stats: HoverCacheStats = { parses: 0, hits: 0, resets: 0 };

  constructor(private readonly maxSlices = 64) {}

  /**
   * The document text for `version`, read with `read` only when the version changed (the editor's
   * `getText()` of a large document copies it every time).
   */
  textFor(version: number, read: () => string): string {
    if (this.text !== undefined && this.version === version) return this.text;
    this.use(read(), version);
    return this.text as string;
  }

  /** The parsed slice that holds `offset` in `text`; `version` (the editor's) saves comparing texts. */
  sliceAt(text: string, offset: number, version?: number): ParsedSlice {
    this.use(text, version);
    const slice = sliceAround(text, offset, this.memo);
    const key = `${slice.start}:${slice.end}`;
    const cached = this.slices.get(key);
    if (cached) {
      this.stats.hits++;
      // most recently used last
      this.slices.delete(key);
      this.slices.set(key, cached);
      return cached;
    }
    const parsed = parseSlice(text, slice);
    this.stats.parses++;
    this.slices.set(key, parsed);
    if (this.slices.size > this.maxSlices) {
      const oldest = this.slices.keys().next().value;
      if (oldest !== undefined) this.slices.delete(oldest);
    }
    return parsed;
  }

  private use(text: string, version: number | undefined): void {
    const same = this.text !== undefined && (version !== undefined && this.version === version ? this.text.length === text.length : this.text === text);
    if (same) {
      if (version !== undefined) this.version = version;
      return;
    }
    if (this.text !== undefined) this.stats.resets++;
    this.text = text;
    this.version = version;
    this.slices.clear();
    this.memo = { shapes: new Map() };
  }
}

/** Parses one slice; never throws (YAML errors stay on the documents, which keep a partial tree). */
export function parseSlice(text: string, slice: TextSlice): ParsedSlice {
  const sliceText = text.slice(slice.start, slice.end);
  const lineCounter = new LineCounter();
  let documents: Document.Parsed[] = [];
  try {
    const parsed = parseAllDocuments(sliceText, { lineCounter, prettyErrors: false, uniqueKeys: false });
    documents = Array.isArray(parsed) ? parsed : [];
  } catch {
    documents = [];
  }
  return { ...slice, text: sliceText, documents, lineCounter };
}
