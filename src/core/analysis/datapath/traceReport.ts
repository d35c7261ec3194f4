/**
 * A trace as a Markdown report an SRE reads top to bottom (the `Trace` commands open it as a
 * read-only document). Every string from the cluster goes through `markdownEscape`, so names,
 * labels and policy names stay text: no link, image, HTML or autolink can come out of them. The
 * only links are to the manifest line of a deciding rule, built by the caller from a file path.
 */
import { markdownEscape } from '../../hover/hoverMarkdown';
import type { DatapathTrace, PolicyRuleRef } from './datapathTypes';

/** Long values (a hop's text, a reason) are kept whole: only hostile syntax is neutralised. */
const MAX = 4000;
const md = (text: string | number | undefined): string => markdownEscape(String(text ?? ''), MAX);

/** Only `file:` URIs the caller built from a path may be link targets, and nothing that ends the link. */
const SAFE_LINK = /^file:\/\/[^\s()<>[\]`]*$/;

/**
 * `ruleLink` returns the `file:` URI (with `#L<line>`) of a rule's manifest, when it came from a
 * file; anything else it returns is not used as a link.
 */
export function traceReport(trace: DatapathTrace, sourceDescription: string, ruleLink: (rule: PolicyRuleRef) => string | undefined = () => undefined): string {
  const badge = trace.verdict === 'allow' ? '✅ ALLOW' : trace.verdict === 'deny' ? '⛔ DENY' : '❔ UNKNOWN';
  const lines = [
    `# ${badge}: ${md(trace.source.name ?? trace.source.ip)} → ${trace.service ? `${md(trace.service.name)} → ` : ''}${md(trace.destination.name ?? trace.destination.ip)} ${md(trace.request.protocol)}/${md(trace.destination.port ?? trace.request.port ?? '')}`,
    '',
    `Source: ${md(sourceDescription)}`,
    '',
  ];
  if (trace.service) {
    const svc = trace.service;
    lines.push(
      `Service ${md(svc.name)} ${md(svc.clusterIP)}${svc.port ? `:${md(svc.port)}` : ''} → backend ${md(svc.backend)} (${md(svc.backendIp)}${svc.targetPort ? `:${md(svc.targetPort)}` : ''}), translated by ${md(svc.translatedBy)} ${svc.translatedAt === 'socket' ? 'at connect() (socket LB)' : 'per packet'}; ${svc.backends.length} ready backend${svc.backends.length === 1 ? '' : 's'}`,
      '',
    );
  }
  lines.push(md(trace.verdictReason), '');
  const rules = [...trace.policy.egress.by.map((r) => ['egress', r] as const), ...trace.policy.ingress.by.map((r) => ['ingress', r] as const)];
  if (rules.length) {
    lines.push('## Deciding rules', '');
    for (const [direction, r] of rules) {
      const name = md(`${r.kind} ${r.namespace ? `${r.namespace}/` : ''}${r.name} ${r.rule}`);
      const link = ruleLink(r);
      lines.push(`- ${direction}: ${link !== undefined && SAFE_LINK.test(link) ? `[${name}](${link})` : name}`);
    }
    lines.push('');
  }
  lines.push('## Hops', '');
  trace.hops.forEach((hop, i) => {
    const mark = hop.status === 'ok' ? '' : hop.status === 'drop' ? ' ⛔' : hop.status === 'unknown' ? ' ❔' : ' ∅';
    const reached = hop.reached === false ? ' _(not reached)_' : '';
    lines.push(`${i + 1}. **${md(hop.owner)}**${mark}${reached} — ${md(hop.text)}${hop.reason && hop.status !== 'ok' ? `  \n   _${hop.status === 'absent' ? 'why' : hop.status}: ${md(hop.reason)}_` : ''}`);
    if (hop.dropsPacket) lines.push(`   ⛔ **the packet is dropped here**: ${md(hop.dropsPacket)}; the hops below are where it would have gone`);
  });
  if (trace.notes.length) lines.push('', '## Notes', '', ...trace.notes.map((n) => `- ${md(n)}`));
  return lines.join('\n') + '\n';
}
