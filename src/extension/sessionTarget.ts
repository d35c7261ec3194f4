import * as vscode from 'vscode';
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import type { AwsAccess, SessionTarget } from '../core/sources/clusterSession';

function setting(name: string): string | undefined {
  const value = vscode.workspace.getConfiguration('cniLens').get<string>(name);
  return value ? value : undefined;
}

/** AWS access from the settings (restricted settings are ignored by VS Code in untrusted workspaces). */
export function awsAccessFromSettings(): AwsAccess {
  return { endpoint: setting('aws.endpoint'), profile: setting('aws.profile'), region: setting('aws.region') };
}

/**
 * The live target the settings and the environment point at, as kubectl would find it:
 * `cniLens.kubeconfig`, else `KUBECONFIG`, else `~/.kube/config`. Undefined when none exists.
 */
export function liveTargetFromSettings(): SessionTarget | undefined {
  const kubeconfigPath = setting('kubeconfig');
  const exists = kubeconfigPath
    ? existsSync(kubeconfigPath)
    : (process.env.KUBECONFIG ?? '').split(':').some((p) => p && existsSync(p)) || existsSync(join(homedir(), '.kube', 'config'));
  if (!exists) return undefined;
  return { kind: 'live', kubeconfigPath, context: setting('context'), aws: awsAccessFromSettings() };
}
