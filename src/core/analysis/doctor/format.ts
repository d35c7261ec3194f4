import type { Provenance } from '../../model';
import { MODE_NAMES } from './context';
import { sortFindings } from './runDoctor';
import type { DoctorReport, Finding, Severity } from './types';

export const SEVERITY_MARK: Record<Severity, string> = { error: '✖', warning: '⚠', info: 'ℹ', ok: '✔' };

export interface FormatDoctorOptions {
  /** Show `ok` findings too (one line each). */
  all?: boolean;
  /** Evidence lines shown per finding (default 8). */
  maxEvidence?: number;
}

/** Where a fact came from, short: `kubernetes/workloads.yaml:1783`, `EC2`, `default: ...`. */
export function formatOrigin(o: Provenance): string {
  switch (o.source) {
    case 'snapshot':
      return o.file ? `${o.file}${o.line ? `:${o.line}` : ''}` : `snapshot${o.detail ? `: ${o.detail}` : ''}`;
    case 'kubernetes-api':
      return 'Kubernetes API';
    case 'ec2':
      return `EC2${o.detail ? ` (${o.detail})` : ''}`;
    case 'ipamd':
      return `ipamd${o.file ? ` ${o.file}` : ''}`;
    case 'default':
      return `default${o.detail ? `: ${o.detail}` : ''}`;
    case 'inferred':
      return `inferred${o.detail ? `: ${o.detail}` : ''}`;
    default:
      return String(o.source);
  }
}

function indent(text: string, prefix: string): string {
  return text
    .split('\n')
    .map((l) => `${prefix}${l}`)
    .join('\n');
}

function formatFinding(f: Finding, maxEvidence: number): string {
  const head = `${SEVERITY_MARK[f.severity]} ${f.id}  ${f.title}`;
  if (f.severity === 'ok') return head;
  const lines = [head, indent(f.detail, '    ')];
  const fix = f.fix.split('\n');
  lines.push(`    fix: ${fix[0]}`, ...fix.slice(1).map((l) => `         ${l}`));
  if (f.evidence.length > 0) {
    lines.push('    evidence:');
    for (const e of f.evidence.slice(0, maxEvidence)) lines.push(`      ${e.fact} = ${e.value}  (${formatOrigin(e.origin)})`);
    if (f.evidence.length > maxEvidence) lines.push(`      … and ${f.evidence.length - maxEvidence} more (--json shows all)`);
  }
  if (f.docs) lines.push(`    docs: ${f.docs}`);
  return lines.join('\n');
}

/** The report as linter-like text: errors first, then warnings and info; `ok` only with `all`. */
export function formatDoctorReport(report: DoctorReport, opts: FormatDoctorOptions = {}): string {
  const maxEvidence = opts.maxEvidence ?? 8;
  const shown = sortFindings(report.findings).filter((f) => opts.all || f.severity !== 'ok');
  const c = report.counts;
  const n = (k: number, one: string, many: string): string => `${k} ${k === 1 ? one : many}`;
  const out = [`cni-lens doctor: ${MODE_NAMES[report.mode.mode]}`, ''];
  for (const f of shown) {
    // a block per finding; the one-line ok findings stay together
    if (f.severity !== 'ok' || out[out.length - 1] === '') out.push(formatFinding(f, maxEvidence));
    else out[out.length - 1] += `\n${formatFinding(f, maxEvidence)}`;
    if (f.severity !== 'ok') out.push('');
  }
  if (out[out.length - 1] !== '') out.push('');
  out.push(`${n(c.error, 'error', 'errors')}, ${n(c.warning, 'warning', 'warnings')}, ${c.info} info, ${c.ok} ok${!opts.all && c.ok > 0 ? ' (--all shows the ok checks)' : ''}`);
  return out.join('\n') + '\n';
}
