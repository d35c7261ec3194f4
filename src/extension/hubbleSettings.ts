/**
 * The `cniLens.hubble.*` settings as the session's `HubbleAccess` (plain options; the core reads the
 * files when it connects and names the setting when one cannot be used). No `vscode` import: the
 * extension passes a reader of its settings.
 */
import { homedir } from 'node:os';
import { isAbsolute, join, resolve } from 'node:path';
import type { HubbleAccess, HubbleAccessInput } from '../core/hubble/hubbleTls';

/** Setting names (under `cniLens.`) for each input. */
export const HUBBLE_SETTING_NAMES: Record<HubbleAccessInput, string> = {
  address: 'hubble.address',
  tls: 'hubble.tls.enabled',
  caFile: 'hubble.tls.caFile',
  certFile: 'hubble.tls.certFile',
  keyFile: 'hubble.tls.keyFile',
  serverName: 'hubble.tls.serverName',
  insecureSkipVerify: 'hubble.tls.insecureSkipVerify',
};

/**
 * Reads the settings with `read(name)` (name under `cniLens.`). Empty strings are unset; paths may
 * start with `~/`, and a relative path is taken from `baseDir` (the workspace folder) when given.
 * Values of the wrong type are passed on as they are, so that connecting fails with a message that
 * names the setting (shown in the Cluster view's hubble row and in the flows panel).
 */
export function hubbleAccessFromSettings(read: (name: string) => unknown, baseDir?: string): HubbleAccess {
  const names = Object.fromEntries(Object.entries(HUBBLE_SETTING_NAMES).map(([k, v]) => [k, `cniLens.${v}`])) as Record<HubbleAccessInput, string>;
  const access: HubbleAccess = { names };
  const text = (input: HubbleAccessInput): string | undefined => {
    const v = read(HUBBLE_SETTING_NAMES[input]);
    if (v === undefined || v === null) return undefined;
    const s = typeof v === 'string' ? v.trim() : JSON.stringify(v);
    return s === '' ? undefined : s;
  };
  const path = (input: 'caFile' | 'certFile' | 'keyFile'): string | undefined => {
    const p = text(input);
    if (p === undefined) return undefined;
    if (p === '~' || p.startsWith('~/')) return join(homedir(), p.slice(1));
    return isAbsolute(p) || !baseDir ? p : resolve(baseDir, p);
  };
  const address = text('address');
  if (address !== undefined) access.address = address;
  const enabled = read(HUBBLE_SETTING_NAMES.tls);
  if (enabled === true || enabled === false || enabled === 'auto') access.tls = enabled;
  else if (enabled === 'true' || enabled === 'false') access.tls = enabled === 'true';
  else if (enabled !== undefined && enabled !== null && enabled !== '') access.tlsInvalid = enabled;
  const caFile = path('caFile');
  const certFile = path('certFile');
  const keyFile = path('keyFile');
  const serverName = text('serverName');
  if (caFile) access.caFile = caFile;
  if (certFile) access.certFile = certFile;
  if (keyFile) access.keyFile = keyFile;
  if (serverName) access.serverName = serverName;
  if (read(HUBBLE_SETTING_NAMES.insecureSkipVerify) === true) access.insecureSkipVerify = true;
  return access;
}
