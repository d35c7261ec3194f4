/**
 * The little of the DOM the diagram renderer needs, so one renderer draws both into the webview's
 * document (cluster strings go in through `textContent`, never parsed) and into a string for the
 * CLI's standalone SVG (`StringSvgDocument`, which escapes every text and attribute).
 */

export const SVG_NS = 'http://www.w3.org/2000/svg';

export interface SvgElementLike {
  setAttribute(name: string, value: string): void;
  /** Takes an element of the same document (typed `never` so DOM elements fit; callers cast). */
  appendChild(child: never): unknown;
  textContent: string | null;
}

export interface SvgDocumentLike<E extends SvgElementLike> {
  createElementNS(namespace: string, qualifiedName: string): E;
}

/** An element of `StringSvgDocument`. */
export class StringSvgElement implements SvgElementLike {
  readonly attributes = new Map<string, string>();
  readonly children: StringSvgElement[] = [];
  private text: string | null = null;

  constructor(readonly tagName: string) {}

  setAttribute(name: string, value: string): void {
    if (!/^[A-Za-z_][\w:.-]*$/.test(name)) throw new Error(`invalid attribute name ${JSON.stringify(name)}`);
    this.attributes.set(name, String(value));
  }

  getAttribute(name: string): string | null {
    return this.attributes.get(name) ?? null;
  }

  appendChild(child: StringSvgElement): StringSvgElement {
    this.text = null;
    this.children.push(child);
    return child;
  }

  get textContent(): string | null {
    return this.text ?? this.children.map((c) => c.textContent ?? '').join('');
  }

  /** Like the DOM: replaces the children with one text. */
  set textContent(value: string | null) {
    this.children.length = 0;
    this.text = value ?? '';
  }

  /** The element as XML, every text and attribute escaped. */
  serialize(): string {
    const attrs = [...this.attributes].map(([k, v]) => ` ${k}="${escapeXml(v)}"`).join('');
    if (this.text !== null) return `<${this.tagName}${attrs}>${escapeXml(this.text)}</${this.tagName}>`;
    if (this.children.length === 0) return `<${this.tagName}${attrs}/>`;
    return `<${this.tagName}${attrs}>${this.children.map((c) => c.serialize()).join('')}</${this.tagName}>`;
  }
}

/** A document that builds SVG as a string, for Node (the CLI) and for exports. */
export class StringSvgDocument implements SvgDocumentLike<StringSvgElement> {
  createElementNS(namespace: string, qualifiedName: string): StringSvgElement {
    if (namespace !== SVG_NS) throw new Error(`only SVG elements, not ${namespace}`);
    if (!/^[a-zA-Z][\w-]*$/.test(qualifiedName)) throw new Error(`invalid element name ${JSON.stringify(qualifiedName)}`);
    return new StringSvgElement(qualifiedName);
  }
}

const XML_ESCAPES: Readonly<Record<string, string>> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' };

/** Escapes text for XML content and attribute values; drops characters XML 1.0 cannot carry. */
export function escapeXml(text: string): string {
  return text.replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]/g, '').replace(/[&<>"']/g, (c) => XML_ESCAPES[c] ?? c);
}
