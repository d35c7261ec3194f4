/**
 * Seeded, deterministic fuzzing helpers: a small PRNG, hostile values, and mutators for JSON-like
 * values and for text. The same seed gives the same inputs on every machine, so a failure names
 * the seed and iteration that reproduce it.
 *
 *   CNI_LENS_FUZZ_ITERATIONS=20000 npx vitest run test/unit/fuzz    (more inputs per target)
 *   CNI_LENS_FUZZ_SEED=1234 npx vitest run test/unit/fuzz           (other inputs)
 */

/** Iterations per target: the target's CI default, or `CNI_LENS_FUZZ_ITERATIONS`. */
export function fuzzIterations(ciDefault: number): number {
  const n = Number(process.env.CNI_LENS_FUZZ_ITERATIONS);
  return Number.isInteger(n) && n > 0 ? n : ciDefault;
}

/** The run's base seed: `CNI_LENS_FUZZ_SEED`, else a fixed one. */
export function fuzzSeed(): number {
  const n = Number(process.env.CNI_LENS_FUZZ_SEED);
  return Number.isInteger(n) ? n >>> 0 : 0x5eed_c11;
}

/** mulberry32: small, fast, good enough to pick mutations. */
export class Rng {
  private state: number;

  constructor(seed: number) {
    this.state = seed >>> 0;
  }

  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** An integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }

  chance(p: number): boolean {
    return this.next() < p;
  }

  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)] as T;
  }
}

/**
 * Runs `body` for each iteration with its own RNG; a failure is rethrown with the seed and
 * iteration, and the input `describe` returns, so that it can be replayed and minimised.
 */
export function fuzzLoop(name: string, iterations: number, body: (rng: Rng, iteration: number) => void): void {
  const seed = fuzzSeed();
  for (let i = 0; i < iterations; i++) {
    const rng = new Rng(seed ^ Math.imul(i + 1, 0x9e3779b1));
    try {
      body(rng, i);
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      const failure = new Error(`${name}: iteration ${i} (CNI_LENS_FUZZ_SEED=${seed}) failed: ${message}`);
      failure.stack = `${failure.message}\n${error instanceof Error ? error.stack ?? '' : ''}`;
      throw failure;
    }
  }
}

export async function fuzzLoopAsync(name: string, iterations: number, body: (rng: Rng, iteration: number) => Promise<void>): Promise<void> {
  const seed = fuzzSeed();
  for (let i = 0; i < iterations; i++) {
    const rng = new Rng(seed ^ Math.imul(i + 1, 0x9e3779b1));
    try {
      await body(rng, i);
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      const failure = new Error(`${name}: iteration ${i} (CNI_LENS_FUZZ_SEED=${seed}) failed: ${message}`);
      failure.stack = `${failure.message}\n${error instanceof Error ? error.stack ?? '' : ''}`;
      throw failure;
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Hostile values

/** Strings that break naive parsers: bad addresses and CIDRs, markup, control characters, huge text. */
export const HOSTILE_STRINGS: readonly string[] = [
  '',
  ' ',
  '0',
  '-1',
  '1e309',
  'NaN',
  'null',
  'true',
  '__proto__',
  'constructor',
  'toString',
  '10.0.0.0/33',
  '10.0.0.0/-1',
  '10.0.0.0/8/8',
  '300.1.1.1/8',
  '10.0.0.256',
  '10.0.0',
  '010.000.000.001',
  '1.2.3.4 ',
  '::1',
  '::/0',
  'fe80::1%eth0',
  '2600:1f14:abc::/56',
  '2600:1f14:abc::5/129',
  '::ffff:10.0.0.1',
  ':::',
  '/',
  '/32',
  '10.0.0.1/',
  'eni-',
  'i-',
  'subnet-',
  '<img src=x onerror=alert(1)>',
  '[x](command:workbench.action.terminal.new)',
  '`code`',
  '\u0000\u0001\u001f\u007f',
  '\ud800',
  'é\u202e\u2028',
  '0'.repeat(400),
  'a'.repeat(70_000),
  '9'.repeat(40),
  'In',
  'in',
  'Gt',
  'Exists',
  'TCP',
  'tcp',
  'ICMP',
  'ANY',
  'http',
];

/** Numbers at and past every boundary a field might have. */
export const HOSTILE_NUMBERS: readonly number[] = [0, -1, 1, 65535, 65536, 70000, -65536, 2 ** 31, 2 ** 32, 2 ** 53, 2 ** 53 + 2, -(2 ** 63), 1e308, 0.5, -0.0, 255, 256, 32, 33, 128, 129];

/** A value of any JSON type, hostile by preference. */
export function hostileValue(rng: Rng): unknown {
  switch (rng.int(10)) {
    case 0:
    case 1:
    case 2:
      return rng.pick(HOSTILE_STRINGS);
    case 3:
    case 4:
      return rng.pick(HOSTILE_NUMBERS);
    case 5:
      return rng.chance(0.5);
    case 6:
      return null;
    case 7:
      return rng.chance(0.5) ? [] : [rng.pick(HOSTILE_STRINGS), rng.pick(HOSTILE_NUMBERS), null];
    case 8:
      return rng.chance(0.5) ? {} : { [rng.pick(HOSTILE_STRINGS)]: rng.pick(HOSTILE_STRINGS) };
    default:
      return deepNesting(rng.pick([50, 500, 5000]), rng.chance(0.5));
  }
}

/** `value` inside `depth` one-element arrays. */
function wrapDeep(value: unknown, depth: number): unknown {
  let v = value;
  for (let i = 0; i < depth; i++) v = [v];
  return v;
}

/** `[[[…]]]` or `{"a":{"a":…}}`, `depth` levels deep. */
export function deepNesting(depth: number, arrays: boolean): unknown {
  let v: unknown = arrays ? [] : {};
  for (let i = 0; i < depth; i++) v = arrays ? [v] : { a: v };
  return v;
}

// ---------------------------------------------------------------------------------------------
// Structural mutation of JSON-like values

type Container = Record<string, unknown> | unknown[];

function isContainer(v: unknown): v is Container {
  return typeof v === 'object' && v !== null;
}

/** Every container in `root` with its keys (depth-limited), to pick a mutation site from. */
function sites(root: unknown, out: Container[] = [], depth = 0): Container[] {
  if (!isContainer(root) || depth > 40 || out.length > 5000) return out;
  out.push(root);
  for (const v of Object.values(root)) sites(v, out, depth + 1);
  return out;
}

/** A deep copy, or the value itself when it is too deep to copy (fresh from `hostileValue`, not shared). */
function copyOf(v: unknown): unknown {
  try {
    return cloneJson(v);
  } catch {
    return v;
  }
}

/** A deep copy of plain JSON data. */
export function cloneJson<T>(v: T): T {
  return JSON.parse(JSON.stringify(v)) as T;
}

/**
 * Applies `count` random mutations in place to a copy of `value` and returns it: a field gets a
 * value of another type, a hostile string or number, the same value nested deep; fields are deleted,
 * renamed or added; arrays are emptied, grown or reordered.
 */
export function mutateJson(rng: Rng, value: unknown, count = 1 + rng.int(4)): unknown {
  let root = cloneJson(value);
  for (let n = 0; n < count; n++) {
    const all = sites(root);
    if (all.length === 0 || rng.chance(0.02)) {
      root = hostileValue(rng);
      continue;
    }
    const site = rng.pick(all);
    const keys = Object.keys(site);
    const key = keys.length > 0 ? rng.pick(keys) : undefined;
    const op = rng.int(9);
    if (Array.isArray(site)) {
      const i = key === undefined ? 0 : Number(key);
      if (op === 0) site.length = 0;
      else if (op === 1 && site.length > 0) site.push(...site.slice(0, 50));
      else if (op === 2) site.splice(i, 1);
      else if (op === 3) site.reverse();
      else site[i] = hostileValue(rng);
      continue;
    }
    if (op === 0 && key !== undefined) delete site[key];
    else if (op === 1 && key !== undefined) {
      const v = site[key];
      delete site[key];
      site[rng.pick(HOSTILE_STRINGS.slice(0, 40))] = v;
    } else if (op === 2) site[rng.pick(HOSTILE_STRINGS.slice(0, 40))] = hostileValue(rng);
    else if (op === 3 && key !== undefined) site[key] = wrapDeep(site[key], rng.pick([2, 64, 3000]));
    else if (key !== undefined) site[key] = hostileValue(rng);
  }
  return root;
}

/** Sets one of `values` (undefined: deletes the field) at a random field whose key matches `keyPattern`, if there is one. */
export function mutateField(rng: Rng, root: unknown, keyPattern: RegExp, values: readonly unknown[]): boolean {
  const candidates: Array<[Container, string]> = [];
  for (const site of sites(root)) for (const k of Object.keys(site)) if (keyPattern.test(k)) candidates.push([site, k]);
  if (candidates.length === 0) return false;
  const [site, key] = rng.pick(candidates);
  const value = rng.pick(values);
  // JSON and YAML have no holes in arrays: a deleted element is removed
  if (value === undefined && Array.isArray(site)) site.splice(Number(key), 1);
  else if (value === undefined) delete (site as Record<string, unknown>)[key];
  else (site as Record<string, unknown>)[key] = copyOf(value);
  return true;
}

// ---------------------------------------------------------------------------------------------
// Text mutation

const YAML_BITS = [': ', '- ', '{', '}', '[', ']', '"', "'", '&a ', '*a', '!!binary ', '!!str ', '<<: *a', '\t', '\n', '\n  ', '#', '|', '>', '? ', '---\n', '...\n', '%YAML 1.2\n', '\\', ',', '\r\n', '\u00a0', '\ufeff'];

/** Random bytes as a string (arbitrary UTF-16 units included). */
export function garbage(rng: Rng, length: number): string {
  let s = '';
  for (let i = 0; i < length; i++) s += String.fromCharCode(rng.chance(0.7) ? rng.int(256) : rng.int(0x10000));
  return s;
}

/**
 * Applies `count` edits to `text`: truncation (half-typed documents), deletions, duplicated
 * ranges, inserted YAML/JSON syntax, hostile strings and binary garbage.
 */
export function mutateText(rng: Rng, text: string, count = 1 + rng.int(3)): string {
  let s = text;
  for (let n = 0; n < count; n++) {
    const at = rng.int(s.length + 1);
    switch (rng.int(8)) {
      case 0:
        s = s.slice(0, at);
        break;
      case 1:
        s = s.slice(0, at) + s.slice(Math.min(s.length, at + 1 + rng.int(40)));
        break;
      case 2: {
        const end = Math.min(s.length, at + 1 + rng.int(200));
        s = s.slice(0, end) + s.slice(at, end) + s.slice(end);
        break;
      }
      case 3:
      case 4:
        s = s.slice(0, at) + rng.pick(YAML_BITS) + s.slice(at);
        break;
      case 5:
        s = s.slice(0, at) + rng.pick(HOSTILE_STRINGS.slice(0, 50)) + s.slice(at);
        break;
      case 6:
        s = s.slice(0, at) + garbage(rng, 1 + rng.int(64)) + s.slice(at);
        break;
      default: {
        // swap a character for its neighbour: typos
        if (at + 1 < s.length) s = s.slice(0, at) + s[at + 1] + s[at] + s.slice(at + 2);
      }
    }
  }
  return s;
}
