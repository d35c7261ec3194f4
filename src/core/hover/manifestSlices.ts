/**
 * Cheap slicing of a manifest around an offset, before any YAML parsing: the YAML document that
 * holds the offset (documents are separated by `---` lines; a `---` at the start of a line followed
 * by a space, a tab or the line end is always a document marker, even after a block scalar), and
 * for a very large document that is a `kind: List` (`kubectl get -A -o yaml`), only the item of
 * `items` that holds the offset. Only the slice is parsed, so a hover costs the size of one object.
 */

export interface TextSlice {
  start: number;
  end: number;
  /** The slice is one item of the `items` sequence of a large List, not a whole document. */
  listItem: boolean;
}

/** Documents larger than this are sliced further when they are a List. */
export const LARGE_DOCUMENT = 64 * 1024;

/** What slicing learns about one text, kept by the document cache while the text is the same. */
export interface SliceMemo {
  /** Starts of the `---` marker lines, ascending (computed on first use). */
  markers?: number[];
  /** The List shape of large documents, by their start. */
  shapes: Map<number, ListShape | null>;
}

/** The slice of `text` to parse for a hover at `offset`. */
export function sliceAround(text: string, offset: number, memo?: SliceMemo): TextSlice {
  const at = Math.max(0, Math.min(offset, text.length));
  let bounds: { start: number; end: number };
  if (memo) {
    memo.markers ??= markerLines(text);
    bounds = boundsFromMarkers(memo.markers, lineStartOf(text, at), text.length);
  } else {
    bounds = documentBounds(text, at);
  }
  const { start, end } = bounds;
  if (end - start > LARGE_DOCUMENT) {
    let shape = memo?.shapes.get(start);
    if (shape === undefined) {
      shape = listShape(text, start, end) ?? null;
      memo?.shapes.set(start, shape);
    }
    if (shape) return { ...listItemBounds(text, end, shape, at), listItem: true };
  }
  return { start, end, listItem: false };
}

/** Starts of every `---` document marker line. */
function markerLines(text: string): number[] {
  const out: number[] = [];
  if (isMarkerAt(text, 0)) out.push(0);
  for (let nl = text.indexOf('\n---'); nl >= 0; nl = text.indexOf('\n---', nl + 1)) if (isMarkerAt(text, nl + 1)) out.push(nl + 1);
  return out;
}

/** The document of a line, from the marker lines: from the last marker at or before it to the next one. */
function boundsFromMarkers(markers: readonly number[], lineStart: number, length: number): { start: number; end: number } {
  let lo = 0;
  let hi = markers.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if ((markers[mid] as number) <= lineStart) lo = mid + 1;
    else hi = mid;
  }
  return { start: lo > 0 ? (markers[lo - 1] as number) : 0, end: lo < markers.length ? (markers[lo] as number) : length };
}

/** The document (from its `---` line, if any, to the next `---` line) that holds `offset`. */
function documentBounds(text: string, offset: number): { start: number; end: number } {
  const lineStart = lineStartOf(text, offset);
  let start = 0;
  if (isMarkerAt(text, lineStart)) {
    start = lineStart;
  } else {
    let from = lineStart - 1;
    while (from > 0) {
      const nl = text.lastIndexOf('\n---', from - 1);
      if (nl < 0) break;
      if (isMarkerAt(text, nl + 1)) {
        start = nl + 1;
        break;
      }
      from = nl;
    }
  }
  let end = text.length;
  let from = lineStart;
  for (;;) {
    const nl = text.indexOf('\n---', from);
    if (nl < 0) break;
    if (isMarkerAt(text, nl + 1)) {
      end = nl + 1;
      break;
    }
    from = nl + 1;
  }
  return { start, end };
}

function lineStartOf(text: string, offset: number): number {
  return offset === 0 ? 0 : text.lastIndexOf('\n', offset - 1) + 1;
}

function lineEndOf(text: string, lineStart: number, limit: number): number {
  const nl = text.indexOf('\n', lineStart);
  return nl < 0 || nl >= limit ? limit : nl + 1;
}

function isMarkerAt(text: string, i: number): boolean {
  if (i !== 0 && text.charCodeAt(i - 1) !== 10) return false;
  if (!text.startsWith('---', i)) return false;
  const c = text.charCodeAt(i + 3);
  return Number.isNaN(c) || c === 32 || c === 9 || c === 10 || c === 13;
}

interface LineInfo {
  /** Leading spaces. */
  indent: number;
  /** Blank or a comment: does not end a block. */
  blank: boolean;
  /** `-` followed by a space or the line end after the indentation. */
  dash: boolean;
}

function lineInfo(text: string, lineStart: number, lineEnd: number): LineInfo {
  let i = lineStart;
  while (i < lineEnd && text.charCodeAt(i) === 32) i++;
  const c = text.charCodeAt(i);
  const blank = i >= lineEnd || c === 10 || c === 13 || c === 35 /* # */;
  const next = text.charCodeAt(i + 1);
  const dash = c === 45 /* - */ && (i + 1 >= lineEnd || next === 32 || next === 10 || next === 13);
  return { indent: i - lineStart, blank, dash };
}

/** Where the items of a List document start, and their indentation. */
export interface ListShape {
  firstItem: number;
  indent: number;
}

/**
 * The shape of a List document: a top-level `items:` line followed by items at one indentation.
 * Undefined when the document does not have that shape.
 */
function listShape(text: string, start: number, end: number): ListShape | undefined {
  let itemsLine = -1;
  let pos = start;
  while (pos < end) {
    if (text.startsWith('items:', pos)) {
      const c = text.charCodeAt(pos + 6);
      if (Number.isNaN(c) || c === 32 || c === 10 || c === 13) {
        itemsLine = pos;
        break;
      }
    }
    const nl = text.indexOf('\nitems:', pos);
    if (nl < 0 || nl + 1 >= end) break;
    pos = nl + 1;
  }
  if (itemsLine < 0) return undefined;
  for (let ls = lineEndOf(text, itemsLine, end); ls < end; ls = lineEndOf(text, ls, end)) {
    const info = lineInfo(text, ls, lineEndOf(text, ls, end));
    if (info.blank) continue;
    return info.dash ? { firstItem: ls, indent: info.indent } : undefined;
  }
  return undefined;
}

/**
 * The lines of the List item that holds `offset`; the single header or trailer line when the
 * offset is outside the items.
 */
function listItemBounds(text: string, end: number, shape: ListShape, offset: number): { start: number; end: number } {
  const { firstItem, indent } = shape;
  const lineStart = lineStartOf(text, offset);
  const lineOnly = { start: lineStart, end: lineEndOf(text, lineStart, end) };
  if (lineStart < firstItem) return lineOnly;
  // back to the line that starts the item
  let itemStart = -1;
  for (let ls = lineStart; ls >= firstItem; ls = lineStartOf(text, ls - 1)) {
    const info = lineInfo(text, ls, lineEndOf(text, ls, end));
    if (!info.blank && info.indent === indent && info.dash) {
      itemStart = ls;
      break;
    }
    // a line at the items' indentation or less that starts no item: after the items (the trailer)
    if (!info.blank && (info.indent < indent || (info.indent === indent && !info.dash))) return lineOnly;
    if (ls === 0) break;
  }
  if (itemStart < 0) return lineOnly;
  // forward to the first line at the items' indentation or less
  let itemEnd = end;
  for (let ls = lineEndOf(text, itemStart, end); ls < end; ls = lineEndOf(text, ls, end)) {
    const info = lineInfo(text, ls, lineEndOf(text, ls, end));
    if (!info.blank && info.indent <= indent) {
      itemEnd = ls;
      break;
    }
  }
  return { start: itemStart, end: itemEnd };
}
