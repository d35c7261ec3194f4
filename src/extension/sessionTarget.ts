import * as vscode from 'vscode';
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import type { AwsAccess, SessionTarget } from '../core/sources/clusterSession';
import type { HubbleAccess } from '../core/hubble/hubbleTls';
import { HUBBLE_SETTING_NAMES, hubbleAccessFromSettings } from './hubbleSettings';

/**
 * Settings that choose what CNI Lens connects to and so what runs: a kubeconfig (its exec plugins
 * and servers), a context of it, the AWS profile (its credential_process), the EC2 endpoint and the
 * region the endpoint is built from, where Hubble Relay is and the files and names TLS to it uses.
 * The same list is `restrictedConfigurations` in package.json.
 */
export const RESTRICTED_SETTINGS: readonly string[] = ['kubeconfig', 'context', 'aws.profile', 'aws.endpoint', 'aws.region', ...Object.values(HUBBLE_SETTING_NAMES)];

/**
 * A `cniLens.*` setting. In an untrusted workspace a restricted setting is read from the user (and
 * remote machine) settings only: VS Code already leaves the workspace's value out of `get()` for
 * restricted settings; reading `inspect()` here keeps that true whatever the VS Code version.
 */
export function cniLensSetting(name: string): string | undefined {
  const config = vscode.workspace.getConfiguration('cniLens');
  if (vscode.workspace.isTrusted || !RESTRICTED_SETTINGS.includes(name)) return config.get<string>(name) || undefined;
  const values = config.inspect<string>(name);
  return values?.globalValue || undefined;
}

/** A `cniLens.*` setting of any type, read as `cniLensSetting` reads restricted ones. */
function cniLensValue(name: string): unknown {
  const config = vscode.workspace.getConfiguration('cniLens');
  if (vscode.workspace.isTrusted || !RESTRICTED_SETTINGS.includes(name)) return config.get<unknown>(name);
  return config.inspect<unknown>(name)?.globalValue;
}

/** Where Hubble Relay is and how to speak TLS to it (relative paths from the first workspace folder). */
export function hubbleAccessFromVsCodeSettings(): HubbleAccess {
  return hubbleAccessFromSettings(cniLensValue, vscode.workspace.workspaceFolders?.[0]?.uri.fsPath);
}

const setting = cniLensSetting;

/** AWS access from the settings (in an untrusted workspace, from the user settings only). */
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
  return { kind: 'live', kubeconfigPath, context: setting('context'), aws: awsAccessFromSettings(), hubble: hubbleAccessFromVsCodeSettings() };
}
