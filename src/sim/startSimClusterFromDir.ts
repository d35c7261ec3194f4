/**
 * Starts a simulated cluster from a snapshot directory: its Kubernetes objects (`loadSnapshot`) and,
 * when present, the scenario in `DIR/sim-scenario.yaml`. Options given here win over the file.
 */
import { loadSnapshot } from '../core/snapshot/loadSnapshot';
import { loadSimScenario } from './simScenario';
import { startSimCluster, type SimCluster, type SimClusterOptions } from './startSimCluster';

export async function startSimClusterFromDir(dir: string, opts: Omit<SimClusterOptions, 'snapshot'> & { signal?: AbortSignal } = {}): Promise<SimCluster> {
  const { signal, ...rest } = opts;
  const [snapshot, scenario] = await Promise.all([loadSnapshot(dir, { signal }), loadSimScenario(dir)]);
  return startSimCluster({ ...rest, snapshot, scenario: rest.scenario ?? scenario });
}
