/**
 * Label selectors as the API server parses them (`k8s.io/apimachinery/pkg/labels/selector.go`):
 * `k=v`, `k==v`, `k!=v`, `k in (a,b)`, `k notin (a)`, `k`, `!k`, `k>1`, `k<1`; commas AND.
 */

export type LabelRequirement =
  | { key: string; op: 'exists' | 'notexists' }
  | { key: string; op: 'in' | 'notin'; values: string[] }
  | { key: string; op: 'gt' | 'lt'; value: number };

export interface LabelSelector {
  requirements: LabelRequirement[];
  matches(labels: Record<string, string> | undefined): boolean;
}

export class SelectorSyntaxError extends Error {}

type Token = { kind: 'op'; text: string } | { kind: 'id'; text: string } | { kind: 'end' };

const OPERATORS = ['!=', '==', '=', '!', '(', ')', ',', '<', '>'];
const KEY_NAME = /^([A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?)$/;
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

export function parseLabelSelector(text: string): LabelSelector {
  const tokens = tokenize(text);
  let pos = 0;
  const peek = (): Token => tokens[pos]!;
  const next = (): Token => tokens[pos++]!;
  const describe = (t: Token): string => (t.kind === 'end' ? 'end of string' : t.text);
  const fail = (t: Token, expected: string): never => {
    throw new SelectorSyntaxError(`unable to parse requirement: found '${describe(t)}', expected: ${expected}`);
  };
  const identifier = (expected: string): string => {
    const t = next();
    return t.kind === 'id' ? t.text : fail(t, expected);
  };
  const isOp = (t: Token, text: string): boolean => t.kind === 'op' && t.text === text;

  const requirement = (): LabelRequirement => {
    if (isOp(peek(), '!')) {
      next();
      return { key: checkKey(identifier('identifier')), op: 'notexists' };
    }
    const key = checkKey(identifier("!, identifier, or 'end of string'"));
    const t = peek();
    if (t.kind === 'end' || isOp(t, ',')) return { key, op: 'exists' };
    next();
    if (t.kind === 'op' && (t.text === '=' || t.text === '==' || t.text === '!=')) {
      const v = peek();
      const value = v.kind === 'id' ? (next(), v.text) : v.kind === 'end' || isOp(v, ',') ? '' : fail(v, 'identifier');
      return { key, op: t.text === '!=' ? 'notin' : 'in', values: [checkValue(value)] };
    }
    if (t.kind === 'op' && (t.text === '<' || t.text === '>')) {
      const raw = identifier('integer');
      const value = Number(raw);
      if (!/^-?\d+$/.test(raw)) throw new SelectorSyntaxError(`unable to parse requirement: for 'Gt', 'Lt' operators, the value must be an integer`);
      return { key, op: t.text === '>' ? 'gt' : 'lt', value };
    }
    if (t.kind === 'id' && (t.text === 'in' || t.text === 'notin')) {
      if (!isOp(next(), '(')) fail(tokens[pos - 1]!, "'('");
      const values: string[] = [];
      while (!isOp(peek(), ')')) {
        if (values.length > 0 && !isOp(next(), ',')) fail(tokens[pos - 1]!, "',' or ')'");
        const v = peek();
        values.push(checkValue(v.kind === 'id' ? (next(), v.text) : ''));
      }
      next();
      return { key, op: t.text, values };
    }
    return fail(t, "'=', '!=', '==', 'in', 'notin'");
  };

  const requirements: LabelRequirement[] = [];
  if (peek().kind !== 'end') {
    for (;;) {
      requirements.push(requirement());
      const t = next();
      if (t.kind === 'end') break;
      if (!isOp(t, ',')) fail(t, "',' or 'end of string'");
    }
  }
  return { requirements, matches: (labels) => requirements.every((r) => matchesRequirement(r, labels ?? {})) };
}

function matchesRequirement(r: LabelRequirement, labels: Record<string, string>): boolean {
  const has = Object.prototype.hasOwnProperty.call(labels, r.key);
  const value = labels[r.key];
  switch (r.op) {
    case 'exists':
      return has;
    case 'notexists':
      return !has;
    case 'in':
      return has && r.values.includes(value!);
    case 'notin':
      return !has || !r.values.includes(value!);
    case 'gt':
    case 'lt': {
      if (!has || !/^-?\d+$/.test(value!)) return false;
      return r.op === 'gt' ? Number(value) > r.value : Number(value) < r.value;
    }
  }
}

function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const c = text[i]!;
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    const op = OPERATORS.find((o) => text.startsWith(o, i));
    if (op) {
      tokens.push({ kind: 'op', text: op });
      i += op.length;
      continue;
    }
    let j = i;
    while (j < text.length && !/\s/.test(text[j]!) && !'!=(),<>'.includes(text[j]!)) j++;
    tokens.push({ kind: 'id', text: text.slice(i, j) });
    i = j;
  }
  tokens.push({ kind: 'end' });
  return tokens;
}

function checkKey(key: string): string {
  const slash = key.indexOf('/');
  const [prefix, name] = slash >= 0 ? [key.slice(0, slash), key.slice(slash + 1)] : [undefined, key];
  const prefixOk = prefix === undefined || (prefix.length <= 253 && DNS_SUBDOMAIN.test(prefix));
  if (!prefixOk || name.length > 63 || !KEY_NAME.test(name)) {
    throw new SelectorSyntaxError(`unable to parse requirement: key: Invalid value: "${key}": name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character`);
  }
  return key;
}

function checkValue(value: string): string {
  if (value !== '' && (value.length > 63 || !KEY_NAME.test(value))) {
    throw new SelectorSyntaxError(`unable to parse requirement: values[0][value]: Invalid value: "${value}": a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character`);
  }
  return value;
}
