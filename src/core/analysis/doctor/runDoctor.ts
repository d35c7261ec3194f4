/**
 * `runDoctor`: the chaining configuration checks, pods not managed by Cilium, IP collisions and
 * capacity, as a list of findings with the evidence (and its origin) each was decided from. Pure:
 * reads the store, never writes, never throws. Every check gives exactly one finding, `ok` when
 * fine, so a view can show the whole checklist; a check that does not apply to the detected mode
 * gives an `info` finding that says why.
 *
 * `runDoctorAsync` gives the same report without holding the event loop: each check runs on a turn
 * of its own, and the checks that walk every pod, ENI or node (`steps`) pause when their slice of a
 * turn is used up.
 */
import type { ClusterModeInfo } from '../../model';
import { nextTurn } from '../../sources/eventLoopTurns';
import type { ClusterStore } from '../../store/clusterStore';
import { clusterSettings } from '../clusterSettings';
import { CHAINING_CHECKS } from './chainingChecks';
import { MODE_NAMES, buildContext, ev, plural, type CheckResult, type DoctorCheck, type DoctorContext } from './context';
import { finish } from './steps';
import { SEVERITY_ORDER, type DoctorOptions, type DoctorReport, type Finding, type Severity } from './types';
import { VPC_CNI_CHECKS, doublePolicyEngineCheck } from './vpcCniChecks';
import { WORKLOAD_CHECKS } from './workloadChecks';

export const modeCheck: DoctorCheck = {
  id: 'cluster.mode',
  name: 'Detected mode',
  group: 'mode',
  applies: () => true,
  run(ctx): CheckResult {
    const m = ctx.settings.mode;
    const c = ctx.settings.cilium;
    const v = ctx.settings.vpcCni;
    const evidence = [ev('mode', m.mode, { source: 'inferred', detail: m.reasons.join('; ') })];
    if (c.present) evidence.push(ev('cilium-config cni-chaining-mode', c.chainingMode.value, c.chainingMode.origin));
    if (ctx.awsNode) evidence.push(ev('DaemonSet kube-system/aws-node', v.version ?? 'present', ctx.awsNode.origin));
    const skipped =
      m.mode === 'aws-cni-chaining'
        ? ''
        : m.mode === 'vpc-cni-only'
          ? ' The Cilium checks are skipped.'
          : m.mode === 'cilium-only'
            ? ' The chaining and VPC CNI checks are skipped.'
            : ' Most checks are skipped.';
    return {
      severity: 'info',
      title: `Mode: ${MODE_NAMES[m.mode]}`,
      detail: `${m.reasons.join('\n')}${skipped ? `\n${skipped.trim()}` : ''}`,
      fix: 'Nothing to change.',
      evidence,
    };
  },
};

export const ec2SourceCheck: DoctorCheck = {
  id: 'sources.ec2',
  name: 'EC2 data',
  group: 'sources',
  applies: () => true,
  run(ctx): CheckResult {
    const s = ctx.ec2;
    const evidence = [ev('EC2', s.available ? 'available' : 'missing', { ...s.origin, detail: s.detail })];
    if (s.available) return { severity: 'ok', title: 'EC2 data available', detail: s.detail, fix: 'Nothing to change.', evidence };
    return {
      severity: 'info',
      title: 'No EC2 data: subnet and security-group checks did not run',
      detail:
        `${s.detail}. Without EC2 (DescribeSubnets, DescribeNetworkInterfaces, DescribeSecurityGroups), these checks are partial: ` +
        'custom networking (does each ENIConfig subnet exist, is it in the node\'s AZ, do its security groups exist), IPs on two ENIs (ipamd data only), VPC CIDRs and routed networks in the SNAT summary, ENI counts in capacity (ipamd data only).',
      fix: 'Snapshot: add aws/describe-{subnets,network-interfaces,security-groups,vpcs,route-tables}.json (aws ec2 describe-... --output json). Live: give CNI Lens AWS credentials with ec2:Describe* (AWS_PROFILE or the cniLens.aws.profile setting), and do not pass --no-aws.',
      evidence,
    };
  },
};

export const ipamdSourceCheck: DoctorCheck = {
  id: 'sources.ipamd',
  name: 'ipamd data',
  group: 'sources',
  applies: (ctx) => (ctx.mode === 'cilium-only' ? 'the VPC CNI was not detected: there is no ipamd' : true),
  run(ctx): CheckResult {
    const s = ctx.ipamd;
    const evidence = [ev('ipamd /v1/enis', s.available ? 'available' : 'missing', { ...s.origin, detail: s.detail })];
    if (s.coverage) {
      return {
        severity: 'info',
        title: `ipamd read for ${s.coverage.read} of ${s.coverage.of} nodes`,
        detail: `${s.detail}. A large cluster's ipamd is read per node when a node is looked at: for the other nodes, which pod holds each ENI IP comes from the pod list, and their cooling-down IPs are not known. The IP and capacity checks cover ipamd facts of the nodes read only.`,
        fix: 'Expand the nodes of interest in the Nodes view, or run "CNI Lens: Read ipamd of every node" (CLI: --ipamd all), then run the checks again.',
        evidence,
      };
    }
    if (s.available) return { severity: 'ok', title: 'ipamd data available', detail: s.detail, fix: 'Nothing to change.', evidence };
    return {
      severity: 'info',
      title: 'No ipamd data: IP assignment per ENI is taken from pods only',
      detail: `${s.detail}. Without ipamd /v1/enis, which pod holds each ENI IP, cooling-down IPs and the warm pool come from the pod list only; a duplicated pod IP cannot be attributed to the pod ipamd assigned it to.`,
      fix: 'Snapshot: add ipamd/<node>.json (curl -s http://127.0.0.1:61679/v1/enis on each node). Live: allow port-forward to the aws-node pods (pods/portforward in kube-system).',
      evidence,
    };
  },
};

export const kubernetesSourceCheck: DoctorCheck = {
  id: 'sources.kubernetes',
  name: 'Kubernetes resources listed',
  group: 'sources',
  applies: () => true,
  run(ctx): CheckResult {
    const problems = ctx.kubernetesProblems;
    if (problems.length === 0) {
      return {
        severity: 'ok',
        title: 'Every Kubernetes resource was read',
        detail: ctx.options.sources ? 'Every resource listed.' : 'Objects from the input; no listing problems reported.',
        fix: 'Nothing to change.',
        evidence: [ev('kubernetes', 'ok', { source: 'inferred', detail: ctx.options.sources ? 'source status reported by the loader' : 'no source status given' })],
      };
    }
    const effects: Record<string, string> = {
      'kubernetes ciliumendpoints': 'pods not managed by Cilium',
      'kubernetes ciliumnodes': 'cilium_host IP collisions',
      'kubernetes eniconfigs': 'custom networking',
      'kubernetes cninodes': 'custom networking (ENIConfig per node)',
      'kubernetes kube-system/configmaps/cilium-config': 'every Cilium setting (cilium-config)',
      'kubernetes kube-system/configmaps/amazon-vpc-cni': 'the VPC CNI network policy controller setting (amazon-vpc-cni)',
      'kubernetes kube-system/daemonsets': 'every VPC CNI setting (aws-node) and the mode',
      'kubernetes pods': 'unmanaged pods, IP collisions, capacity',
      'kubernetes nodes': 'custom networking, capacity',
      'kubernetes ciliumnetworkpolicies': 'L7 policy',
      'kubernetes ciliumclusterwidenetworkpolicies': 'L7 policy',
    };
    return {
      severity: 'info',
      title: `${plural(problems.length, 'Kubernetes resource was', 'Kubernetes resources were')} not read: some checks are partial`,
      detail: problems.map((p) => `${p.name}: ${p.state}${p.detail ? ` (${p.detail})` : ''}${effects[p.name] ? `; affects: ${effects[p.name]}` : ''}`).join('\n'),
      fix: 'Grant list/watch on those resources to the identity CNI Lens uses (kubectl auth can-i list <resource> -A); "missing" means the CRD is not installed.',
      evidence: problems.map((p) => ev(p.name, p.state, { source: 'kubernetes-api', detail: p.detail ?? p.state })),
    };
  },
};

/** Every check, in report order. */
export const DOCTOR_CHECKS: readonly DoctorCheck[] = [
  modeCheck,
  ...CHAINING_CHECKS,
  ...VPC_CNI_CHECKS,
  doublePolicyEngineCheck,
  ...WORKLOAD_CHECKS,
  ec2SourceCheck,
  ipamdSourceCheck,
  kubernetesSourceCheck,
];

/** The ids and names of the checks, in report order (for a checklist view). */
export function doctorCheckList(): Array<{ id: string; name: string; group: string }> {
  return DOCTOR_CHECKS.map((c) => ({ id: c.id, name: c.name, group: c.group }));
}

function runCheck(check: DoctorCheck, ctx: DoctorContext): Finding {
  try {
    const applies = check.applies(ctx);
    if (applies !== true) return notChecked(check, ctx, applies);
    return toFinding(check, check.steps ? finish(check.steps(ctx)) : check.run(ctx));
  } catch (err) {
    return checkFailed(check, err);
  }
}

function notChecked(check: DoctorCheck, ctx: DoctorContext, why: string): Finding {
  return {
    id: check.id,
    severity: 'info',
    title: `${check.name}: not checked`,
    detail: `Not checked: ${why}.`,
    fix: 'Nothing to change.',
    evidence: [ev('mode', ctx.mode, { source: 'inferred', detail: ctx.settings.mode.reasons.join('; ') })],
    ...(check.docs ? { docs: check.docs } : {}),
  };
}

function toFinding(check: DoctorCheck, r: CheckResult): Finding {
  const finding: Finding = { id: check.id, severity: r.severity, title: r.title, detail: r.detail, fix: r.fix, evidence: r.evidence };
  if (r.objects && r.objects.length > 0) finding.objects = r.objects;
  const docs = r.docs ?? check.docs;
  if (docs) finding.docs = docs;
  return finding;
}

function checkFailed(check: DoctorCheck, err: unknown): Finding {
  return {
    id: check.id,
    severity: 'warning',
    title: `${check.name}: the check failed`,
    detail: `The check stopped with an error: ${errorText(err)}. Its result is unknown.`,
    fix: 'Nothing to change in the cluster for this; report the error with the input that caused it.',
    evidence: [],
  };
}

function errorText(err: unknown): string {
  try {
    return err instanceof Error ? err.message : String(err);
  } catch {
    return 'unknown error';
  }
}

export function countFindings(findings: readonly Finding[]): Record<Severity, number> {
  const counts: Record<Severity, number> = { error: 0, warning: 0, info: 0, ok: 0 };
  for (const f of findings) counts[f.severity]++;
  return counts;
}

/** Runs every check on what the store holds now. Never throws. */
export function runDoctor(store: ClusterStore, opts: DoctorOptions = {}): DoctorReport {
  let mode: ClusterModeInfo = { mode: 'unknown', reasons: [] };
  try {
    const settings = clusterSettings(store);
    mode = settings.mode;
    const ctx = buildContext(store, settings, opts);
    const findings = DOCTOR_CHECKS.map((c) => runCheck(c, ctx));
    return { mode, findings, counts: countFindings(findings) };
  } catch (err) {
    return settingsFailed(mode, err);
  }
}

function settingsFailed(mode: ClusterModeInfo, err: unknown): DoctorReport {
  const findings: Finding[] = [
    {
      id: 'doctor',
      severity: 'warning',
      title: 'The doctor could not read the cluster settings',
      detail: `Reading the settings failed: ${errorText(err)}. No check ran.`,
      fix: 'Nothing to change in the cluster for this; report the error with the input that caused it.',
      evidence: [],
    },
  ];
  return { mode, findings, counts: countFindings(findings) };
}

export interface DoctorRunControl {
  /** Stops the run at its next pause: the promise rejects with the signal's reason. */
  signal?: AbortSignal;
  /** Milliseconds of work after which the run waits for a later turn (default 6). */
  sliceMs?: number;
  /** Filled as the run goes: milliseconds spent in the doctor (the turns it waited not counted), turns taken, the longest turn. */
  work?: { ms: number; turns: number; longestMs?: number };
}

/**
 * The report `runDoctor` gives, computed a slice of a turn at a time: nothing runs on the caller's
 * turn, and no turn spends much more than `sliceMs` in the doctor. Each check reads the store when it
 * runs, and the lists it walks are copied when it starts. Rejects only when `signal` aborts.
 */
export async function runDoctorAsync(store: ClusterStore, opts: DoctorOptions = {}, control: DoctorRunControl = {}): Promise<DoctorReport> {
  const { signal } = control;
  const sliceMs = control.sliceMs ?? 6;
  const work = control.work ?? { ms: 0, turns: 0 };
  let turnStarted: number | undefined;
  const worked = (): void => {
    if (turnStarted === undefined) return;
    const ms = performance.now() - turnStarted;
    work.ms += ms;
    work.longestMs = Math.max(work.longestMs ?? 0, ms);
    turnStarted = undefined;
  };
  const pause = async (): Promise<void> => {
    worked();
    await nextTurn();
    signal?.throwIfAborted();
    turnStarted = performance.now();
    work.turns++;
  };
  const due = (): boolean => turnStarted === undefined || performance.now() - turnStarted >= sliceMs;
  try {
    return await runChecks(store, opts, signal, due, pause);
  } finally {
    worked();
  }
}

async function runChecks(store: ClusterStore, opts: DoctorOptions, signal: AbortSignal | undefined, due: () => boolean, pause: () => Promise<void>): Promise<DoctorReport> {
  await pause();

  let mode: ClusterModeInfo = { mode: 'unknown', reasons: [] };
  let ctx: DoctorContext;
  try {
    const settings = clusterSettings(store);
    mode = settings.mode;
    ctx = buildContext(store, settings, opts);
  } catch (err) {
    return settingsFailed(mode, err);
  }
  const findings: Finding[] = [];
  for (const check of DOCTOR_CHECKS) {
    if (due()) await pause();
    try {
      const applies = check.applies(ctx);
      if (applies !== true) {
        findings.push(notChecked(check, ctx, applies));
        continue;
      }
      if (!check.steps) {
        findings.push(toFinding(check, check.run(ctx)));
        continue;
      }
      const steps = check.steps(ctx);
      let next = steps.next();
      while (!next.done) {
        if (due()) await pause();
        next = steps.next();
      }
      findings.push(toFinding(check, next.value));
    } catch (err) {
      if (signal?.aborted) throw err;
      findings.push(checkFailed(check, err));
    }
  }
  return { mode, findings, counts: countFindings(findings) };
}

/** Findings most severe first, in check order within a severity. */
export function sortFindings(findings: readonly Finding[]): Finding[] {
  return [...findings].sort((a, b) => SEVERITY_ORDER.indexOf(a.severity) - SEVERITY_ORDER.indexOf(b.severity));
}
