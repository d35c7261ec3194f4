/**
 * What a progress indicator says while a session loads, from `ClusterSession.loading`:
 * `listing pods, nodes and 3 more · reading EC2 · reading ipamd through aws-node`.
 */
export function describeLoading(loading: readonly string[], maxNamed = 3): string {
  const resources = loading.filter((l) => l.startsWith('kubernetes ')).map((l) => l.slice('kubernetes '.length).replace(/^kube-system\//, ''));
  const parts: string[] = [];
  if (resources.length > 0) {
    const named = resources.slice(0, maxNamed).join(', ');
    parts.push(`listing ${named}${resources.length > maxNamed ? ` and ${resources.length - maxNamed} more` : ''}`);
  }
  if (loading.includes('ec2')) parts.push('reading EC2');
  if (loading.includes('ipamd')) parts.push('reading ipamd through aws-node');
  if (loading.includes('snapshot files')) parts.push('reading the snapshot files');
  for (const other of loading) if (!other.startsWith('kubernetes ') && !['ec2', 'ipamd', 'snapshot files'].includes(other)) parts.push(`reading ${other}`);
  return parts.join(' · ');
}
