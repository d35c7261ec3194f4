/**
 * A trace as the report an SRE reads top to bottom: the verdict, predicted next to observed (the
 * Hubble flows of this traffic, the hop where they were dropped, the policies Hubble names resolved
 * to rules), the deciding rules (each a link to the rule's line in its YAML), then the hops with what
 * was predicted and observed at each. Pure: no editor code; the links are returned for the host.
 */
import type { DatapathTrace, PolicyRuleRef } from '../../core/analysis/datapath/datapathTypes';
import type { ObservedPolicy, TraceObserved } from '../../core/analysis/traceObservation';
import type { ReportBlock, ReportItem, ReportModel, ReportSpan } from '../../shared/reportProtocol';

/** What a link opens: the YAML of a policy at a rule's line. */
export interface RuleLink {
  kind: 'rule';
  rule: PolicyRuleRef;
}

const STATUS_MARK: Record<string, string> = { ok: '', drop: ' ⛔ drop', unknown: ' ❔ unknown', absent: ' ∅ absent' };

export function traceReportModel(trace: DatapathTrace, sessionLabel: string, observed?: TraceObserved): { report: ReportModel; links: RuleLink[] } {
  const links: RuleLink[] = [];
  const ruleSpans = (r: PolicyRuleRef): ReportSpan[] => {
    links.push({ kind: 'rule', rule: r });
    const name = `${r.kind} ${r.namespace ? `${r.namespace}/` : ''}${r.name} ${r.rule}`;
    const where = r.file ? `${r.file}${r.line ? `:${r.line}` : ''}` : 'open the policy at this rule';
    return [{ text: name, link: links.length - 1, title: where }, ...(r.file ? [{ text: ` ${where}`, tone: 'muted' as const }] : [])];
  };
  const blocks: ReportBlock[] = [];
  const verdictText = trace.verdict === 'allow' ? 'ALLOW' : trace.verdict === 'deny' ? 'DENY' : 'UNKNOWN';
  const tone = trace.verdict === 'allow' ? 'allow' : trace.verdict === 'deny' ? 'deny' : 'muted';
  const dest = `${trace.service ? `${trace.service.name} → ` : ''}${trace.destination.name ?? trace.destination.ip} ${trace.request.protocol}/${trace.destination.port ?? trace.request.port ?? ''}`;
  const title = `${trace.source.name ?? trace.source.ip} → ${dest}`;
  blocks.push({ kind: 'heading', spans: [{ text: `${verdictText}`, tone, strong: true }, { text: `: ${title}` }] });
  blocks.push({ kind: 'paragraph', spans: [{ text: `Source: ${sessionLabel}`, tone: 'muted' }] });
  if (trace.service) {
    const s = trace.service;
    blocks.push({
      kind: 'paragraph',
      spans: [{ text: `Service ${s.name} ${s.clusterIP}${s.port ? `:${s.port}` : ''} → backend ${s.backend} (${s.backendIp}${s.targetPort ? `:${s.targetPort}` : ''}), translated by ${s.translatedBy} ${s.translatedAt === 'socket' ? 'at connect() (socket LB)' : 'per packet'}; ${s.backends.length} ready backend${s.backends.length === 1 ? '' : 's'}` }],
    });
  }
  blocks.push({ kind: 'paragraph', spans: [{ text: trace.verdictReason }] });

  // predicted next to observed
  if (observed) {
    blocks.push({ kind: 'subheading', spans: [{ text: 'Predicted and observed' }] });
    const predictedAt = observed.available && observed.predictedHop !== null ? ` at hop ${observed.predictedHop + 1} (${trace.hops[observed.predictedHop]?.kind ?? '?'})` : '';
    if (!observed.available) {
      blocks.push({ kind: 'paragraph', spans: [{ text: `Predicted ${trace.verdict.toUpperCase()}. ` }, { text: `Observed: unavailable (${observed.from}): ${observed.detail}`, tone: 'muted' }] });
    } else {
      const obsTone = observed.verdict === 'allow' ? 'allow' : observed.verdict === 'deny' ? 'deny' : 'muted';
      const obsText = observed.verdict === 'deny' ? 'DROPPED' : observed.verdict === 'allow' ? 'DELIVERED' : 'no decisive flow';
      const obsHop = observed.verdict === 'deny' && observed.drops[0]?.hop !== null && observed.drops[0] ? ` at hop ${observed.drops[0].hop! + 1} (${observed.drops[0].hopKind})` : '';
      blocks.push({
        kind: 'list',
        items: [
          { spans: [{ text: 'Predicted: ', strong: true }, { text: `${trace.verdict.toUpperCase()}${predictedAt}`, tone }] },
          { spans: [{ text: `Observed (${observed.from}): `, strong: true }, { text: `${obsText}${obsHop}`, tone: obsTone }, { text: ` — ${observed.matched} flows (${observed.forwarded} forwarded, ${observed.dropped} dropped)`, tone: 'muted' }] },
        ],
      });
      if (observed.mismatch) {
        blocks.push({ kind: 'paragraph', tone: 'warn', spans: [{ text: '⚠ MISMATCH: ', strong: true, tone: 'warn' }, { text: observed.mismatch.explanation }] });
      } else if (observed.sameHop === true) {
        blocks.push({ kind: 'paragraph', spans: [{ text: '✓ The observed drop is on the hop the trace predicts.', tone: 'allow' }] });
      } else if (observed.sameHop === false) {
        blocks.push({ kind: 'paragraph', tone: 'warn', spans: [{ text: 'The observed drop is on another hop than the trace predicts.', tone: 'warn' }] });
      } else if (observed.matched === 0) {
        blocks.push({ kind: 'paragraph', spans: [{ text: observed.summary, tone: 'muted' }] });
      }
      const items: ReportItem[] = observed.drops.map((d) => ({
        tone: 'deny',
        spans: [{ text: `×${d.count} ${d.reason}`, strong: true, tone: 'deny' }, { text: ` — ${d.explanation}; last ${d.last}` }],
        sub: d.policies.map((p) => policySpans(p, ruleSpans)),
      }));
      for (const p of observed.allowedBy) items.push({ spans: policySpans(p, ruleSpans) });
      if (items.length) blocks.push({ kind: 'list', items });
    }
  }

  const rules = [...trace.policy.egress.by.map((r) => ['egress', r] as const), ...trace.policy.ingress.by.map((r) => ['ingress', r] as const)];
  if (rules.length) {
    blocks.push({ kind: 'subheading', spans: [{ text: 'Deciding rules' }] });
    blocks.push({ kind: 'list', items: rules.map(([direction, r]) => ({ spans: [{ text: `${direction}: ` }, ...ruleSpans(r)] })) });
  }

  blocks.push({ kind: 'subheading', spans: [{ text: 'Hops' }] });
  const hopItems: ReportItem[] = trace.hops.map((hop, i) => {
    const sub: ReportSpan[][] = [];
    if (hop.dropsPacket) sub.push([{ text: `the packet stops here: ${hop.dropsPacket}`, tone: 'deny' }]);
    if (hop.reached === false) sub.push([{ text: 'not reached: the packet stops before this hop', tone: 'muted' }]);
    if (hop.reason && hop.status !== 'ok') sub.push([{ text: `${hop.status === 'absent' ? 'why' : hop.status}: ${hop.reason}`, tone: 'muted' }]);
    if (observed?.available) {
      if (observed.predictedHop === i && !hop.dropsPacket) sub.push([{ text: `predicted: ${trace.verdict === 'deny' ? 'the packet is denied here' : 'the packet stops here'}`, tone: 'deny' }]);
      for (const d of observed.drops.filter((x) => x.hop === i)) sub.push([{ text: `observed: ${d.count} × DROPPED ${d.reason}${d.node ? ` on ${d.node}` : ''}`, tone: 'deny', strong: true }]);
      const seen = observed.flows.filter((f) => f.hop === i && f.verdict !== 'DROPPED').length;
      if (seen) sub.push([{ text: `observed: ${seen} forwarded flow event${seen === 1 ? '' : 's'} here`, tone: 'muted' }]);
    }
    const hasDrop = observed?.available && observed.drops.some((x) => x.hop === i);
    return {
      ...(hop.status === 'drop' || hasDrop ? { tone: 'deny' as const } : {}),
      spans: [{ text: hop.owner, strong: true }, { text: `${STATUS_MARK[hop.status] ?? ''} — ${hop.text}` }],
      ...(sub.length ? { sub } : {}),
    };
  });
  blocks.push({ kind: 'numbered', items: hopItems });
  if (trace.notes.length) {
    blocks.push({ kind: 'subheading', spans: [{ text: 'Notes' }] });
    blocks.push({ kind: 'list', items: trace.notes.map((n) => ({ spans: [{ text: n, tone: 'muted' }] })) });
  }
  return { report: { title: `${verdictText}: ${title}`, blocks }, links };
}

function policySpans(p: ObservedPolicy, ruleSpans: (r: PolicyRuleRef) => ReportSpan[]): ReportSpan[] {
  const head: ReportSpan = { text: `${p.direction} ${p.effect} by ${p.kind ? `${p.kind} ` : ''}${p.namespace ? `${p.namespace}/` : ''}${p.name}` };
  const rules = p.rules.flatMap((r, i) => [...(i ? [{ text: ', ' }] : [{ text: ': ' }]), ...ruleSpans(r)]);
  return [head, ...rules, ...(p.note ? [{ text: ` — ${p.note}`, tone: 'muted' as const }] : [])];
}
