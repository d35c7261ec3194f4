/**
 * The Hubble Relay options `cni-lens flows` and `cni-lens trace` share: where Relay is and how to
 * speak TLS to it, named after the hubble CLI's (`--tls`, `--tls-ca-cert-files`,
 * `--tls-client-cert-file`, `--tls-client-key-file`, `--tls-server-name`, `--tls-allow-insecure`).
 */
import type { HubbleAccess, HubbleAccessInput } from '../core/hubble/hubbleTls';
import { checkHubbleAccess, HubbleConfigError } from '../core/hubble/hubbleTls';
import { UsageError, type CliOptions } from './cliCommand';

export const HUBBLE_ACCESS_OPTIONS: CliOptions = {
  'hubble-address': { type: 'string' },
  'hubble-tls': { type: 'boolean' },
  'hubble-tls-ca': { type: 'string' },
  'hubble-tls-cert': { type: 'string' },
  'hubble-tls-key': { type: 'string' },
  'hubble-tls-server-name': { type: 'string' },
  'hubble-tls-insecure': { type: 'boolean' },
};

export const HUBBLE_ACCESS_USAGE: readonly string[] = [
  '  --hubble-address H:P       Hubble Relay address instead of a port-forward (tls://H:P for TLS)',
  '  --hubble-tls               speak TLS to Relay (default: TLS when the hubble-relay Service port is 443,',
  '                             or with --hubble-address when a CA or client certificate is given)',
  '  --hubble-tls-ca FILE       PEM CA that signed Relay\'s certificate (ca.crt of the hubble-relay-client-certs',
  '                             Secret or Cilium\'s CA; default: the CAs Node.js trusts)',
  '  --hubble-tls-cert FILE     PEM client certificate, when Relay requires mTLS (with --hubble-tls-key)',
  '  --hubble-tls-key FILE      PEM private key of --hubble-tls-cert (unencrypted)',
  '  --hubble-tls-server-name N name to check Relay\'s certificate against (default: the --hubble-address host,',
  '                             else ui.hubble-relay.cilium.io: Relay\'s certificate is for *.hubble-relay.cilium.io)',
  '  --hubble-tls-insecure      accept any certificate from Relay (still encrypted; like --tls-allow-insecure)',
];

const FLAG: Record<HubbleAccessInput, string> = {
  address: '--hubble-address',
  tls: '--hubble-tls',
  caFile: '--hubble-tls-ca',
  certFile: '--hubble-tls-cert',
  keyFile: '--hubble-tls-key',
  serverName: '--hubble-tls-server-name',
  insecureSkipVerify: '--hubble-tls-insecure',
};

type Values = Record<string, string | boolean | string[] | undefined>;

/** The options as `HubbleAccess` (errors name the flag); a flag that cannot be right is a UsageError. */
export function hubbleAccessFromArgs(values: Values): HubbleAccess {
  const str = (name: string): string | undefined => (typeof values[name] === 'string' && values[name] !== '' ? (values[name] as string) : undefined);
  const access: HubbleAccess = { names: FLAG };
  const address = str('hubble-address');
  if (address !== undefined) access.address = address;
  if (values['hubble-tls'] === true) access.tls = true;
  const ca = str('hubble-tls-ca');
  const cert = str('hubble-tls-cert');
  const key = str('hubble-tls-key');
  const serverName = str('hubble-tls-server-name');
  if (ca) access.caFile = ca;
  if (cert) access.certFile = cert;
  if (key) access.keyFile = key;
  if (serverName) access.serverName = serverName;
  if (values['hubble-tls-insecure'] === true) access.insecureSkipVerify = true;
  try {
    checkHubbleAccess(access);
  } catch (err) {
    if (err instanceof HubbleConfigError) throw new UsageError(err.message);
    throw err;
  }
  return access;
}

/** Whether any TLS flag was given (they need a live Relay). */
export function hasHubbleTlsArgs(values: Values): boolean {
  return ['hubble-tls', 'hubble-tls-ca', 'hubble-tls-cert', 'hubble-tls-key', 'hubble-tls-server-name', 'hubble-tls-insecure'].some((k) => values[k] !== undefined);
}
