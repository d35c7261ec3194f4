/**
 * Markdown for hovers: every string that comes from the cluster or the manifest goes through
 * `markdownEscape` (no link, image, HTML or autolink can come out of a name or a label), and the
 * only links are `commandLink`s to our own `cniLens.` commands with JSON-encoded arguments.
 */

/**
 * Characters escaped with a backslash: CommonMark/GFM syntax (links, images, emphasis, code, HTML,
 * tables, list and heading markers) and what GFM autolinks need (`:` of `https://`, `.` of `www.`,
 * `@` of an e-mail address).
 */
const MARKDOWN_SPECIAL = /[\\`*_{}[\]()#+\-.!|<>~&:@]/g;
const MAX_TEXT = 160;

/**
 * Text shown literally in Markdown: every syntax character escaped, line breaks and control
 * characters made spaces, and long strings cut (`…`) so that one hostile value cannot flood a hover.
 */
export function markdownEscape(text: string, max = MAX_TEXT): string {
  let s = String(text).replace(/[\u0000-\u001f\u007f\u2028\u2029]+/g, ' ');
  if (s.length > max) s = `${s.slice(0, max)}…`;
  return s.replace(MARKDOWN_SPECIAL, (c) => `\\${c}`);
}

/** Our command ids: `cniLens.` then dotted identifiers. */
const COMMAND_ID = /^cniLens(\.[A-Za-z][A-Za-z0-9]*)+$/;

/** Argument values a command link may carry: plain JSON data. */
export type CommandArg = string | number | boolean | null | CommandArg[] | { [key: string]: CommandArg };

/**
 * A `command:` URI for one of our commands, with `args` JSON-encoded (the command receives them as
 * its arguments, VS Code's convention for an array). Throws for a foreign command id or arguments
 * that are not plain JSON data: a hover must never link to anything else.
 */
export function commandLink(command: string, args: readonly CommandArg[]): string {
  if (!COMMAND_ID.test(command)) throw new Error(`not a CNI Lens command: ${command}`);
  if (!isPlainJson(args, 0)) throw new Error('command arguments must be plain JSON data');
  // encodeURIComponent leaves ( ) ' ! * unencoded: a `)` would end the Markdown link
  const encoded = encodeURIComponent(JSON.stringify(args)).replace(/[()'!*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
  return `command:${command}?${encoded}`;
}

/** A Markdown link `[label](command:cniLens.x?args)`; the label is escaped. */
export function markdownCommandLink(label: string, command: string, args: readonly CommandArg[]): string {
  return `[${markdownEscape(label)}](${commandLink(command, args)})`;
}

function isPlainJson(value: unknown, depth: number): boolean {
  if (depth > 8) return false;
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return true;
  if (typeof value === 'number') return Number.isFinite(value);
  if (Array.isArray(value)) return value.every((v) => isPlainJson(v, depth + 1));
  if (typeof value === 'object') {
    if (Object.getPrototypeOf(value) !== Object.prototype) return false;
    return Object.values(value as Record<string, unknown>).every((v) => isPlainJson(v, depth + 1));
  }
  return false;
}

/** `1 pod`, `3 pods`. */
export function plural(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}

/** The first `max` items escaped and joined, then `… and N more`. */
export function firstNames(names: readonly string[], max = 5): string {
  const shown = names.slice(0, max).map((n) => markdownEscape(n));
  const rest = names.length - shown.length;
  return rest > 0 ? `${shown.join(', ')} … and ${rest} more` : shown.join(', ');
}
