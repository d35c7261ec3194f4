/**
 * Selectors in words, escaped for Markdown: the label part (the policy engine's
 * `describeSelector`) and, for Cilium endpoint selectors, the namespace part that Cilium scopes
 * them with (`k8s:io.kubernetes.pod.namespace`).
 */
import { describeSelector, NAMESPACE_LABEL, type Requirement, type Selector } from '../analysis/policy/labelSelector';
import { markdownEscape } from './hoverMarkdown';

/** The selector's labels, `app=web,tier in (a,b)`; empty for a selector that requires nothing. */
export function labelsText(selector: Selector): string {
  if (selector.matchesNothing) return markdownEscape(describeSelector(selector));
  return selector.requirements.length === 0 ? '' : markdownEscape(describeSelector(selector));
}

/** `pods labelled app=web in namespace shop`, `every pod in namespace shop`, `pods labelled x in any namespace`. */
export function podsPhrase(selector: Selector, where: string): string {
  const labels = labelsText(selector);
  return labels === '' ? `every pod ${where}` : `pods labelled ${labels} ${where}`;
}

/**
 * A Cilium endpoint selector split into its labels and its namespace scope: `in namespace shop`,
 * `outside namespace kube-system`, `in any namespace`.
 */
export function splitNamespace(selector: Selector): { labels: Selector; where: string } {
  const ns = selector.requirements.filter((r) => r.key === NAMESPACE_LABEL && (r.source === undefined || r.source === 'k8s'));
  const rest = selector.requirements.filter((r) => !ns.includes(r));
  const labels: Selector = { ...selector, requirements: rest };
  if (ns.length === 0) return { labels, where: 'in any namespace' };
  return { labels, where: ns.map(namespaceWords).join(' and ') };
}

function namespaceWords(r: Requirement): string {
  const values = [...r.values].sort().map((v) => markdownEscape(v));
  switch (r.op) {
    case 'In':
      return values.length === 1 ? `in namespace ${values[0]}` : `in namespaces ${values.join(', ')}`;
    case 'NotIn':
      return values.length === 1 ? `outside namespace ${values[0]}` : `outside namespaces ${values.join(', ')}`;
    case 'Exists':
      return 'in any namespace';
    case 'DoesNotExist':
      return 'outside every namespace';
  }
}

/** A Cilium endpoint selector in words: `pods labelled app=frontend in namespace shop`. */
export function ciliumPodsPhrase(selector: Selector): string {
  const { labels, where } = splitNamespace(selector);
  return podsPhrase(labels, where);
}

/** A Kubernetes namespaceSelector in words: `namespaces labelled team=a`, `every namespace`. */
export function namespacesPhrase(selector: Selector): string {
  const labels = labelsText(selector);
  return labels === '' ? 'every namespace' : `namespaces labelled ${labels}`;
}
