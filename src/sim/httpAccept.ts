/** Reading the parts of an `Accept` header the Kubernetes API negotiates on. */

export interface MediaRange {
  type: string;
  params: Record<string, string>;
}

export function parseAccept(accept: string | undefined): MediaRange[] {
  if (!accept) return [];
  return accept.split(',').map((range) => {
    const [type = '', ...rest] = range.split(';').map((p) => p.trim());
    const params: Record<string, string> = {};
    for (const p of rest) {
      const eq = p.indexOf('=');
      if (eq > 0) params[p.slice(0, eq).trim()] = p.slice(eq + 1).trim();
    }
    return { type: type.toLowerCase(), params };
  });
}

/** The first range asking for `as=<kind>` in group `g`, among the accepted versions. */
export function acceptedAs(accept: string | undefined, kind: string, group: string, versions: string[]): string | undefined {
  const range = parseAccept(accept).find((r) => r.params.as === kind && r.params.g === group && versions.includes(r.params.v ?? ''));
  return range?.params.v;
}
