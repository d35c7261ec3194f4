/**
 * Connects to Hubble Relay as settings or flags say (`HubbleAccess`): at an address or through a
 * port-forward, plaintext or TLS (files read here, `auto` decided by the Service port).
 */
import type { KubeConfig } from '@kubernetes/client-node';
import { connectHubble, HubbleError, type HubbleClient, type HubbleTarget, type HubbleTlsOptions } from './hubbleClient';
import { accessInputName, HubbleConfigError, loadHubbleTls, tlsWanted, type HubbleAccess, type HubbleAccessInput } from './hubbleTls';

/**
 * Reads the TLS files and connects; throws `HubbleError` (`config` naming the setting or flag and the
 * path when an input cannot be used; without `kc` and without an address, `config` too).
 */
export async function connectRelay(access: HubbleAccess, opts: { kc?: KubeConfig; signal?: AbortSignal; timeoutMs?: number }): Promise<HubbleClient> {
  const wanted = tlsWanted(access);
  let tls: HubbleTlsOptions | undefined;
  const name = (input: HubbleAccessInput): string => accessInputName(access, input);
  const names = { tls: name('tls'), caFile: name('caFile'), certFile: name('certFile'), keyFile: name('keyFile'), serverName: name('serverName'), insecureSkipVerify: name('insecureSkipVerify') };
  try {
    if (wanted !== false) {
      const loaded = await loadHubbleTls(access);
      tls = {
        ...loaded,
        when: wanted === 'auto' ? 'auto' : 'always',
        names,
        files: { ...(access.caFile ? { caFile: access.caFile } : {}), ...(access.certFile ? { certFile: access.certFile } : {}) },
      };
    } else {
      // plaintext: the files are not read, the rest is still checked
      await loadHubbleTls({ ...access, caFile: undefined, certFile: undefined, keyFile: undefined });
    }
  } catch (err) {
    if (err instanceof HubbleConfigError) throw new HubbleError('config', err.message, undefined, { cause: err });
    throw err;
  }
  let target: HubbleTarget;
  if (access.address) target = { address: access.address };
  else if (opts.kc) target = { kc: opts.kc, via: 'port-forward' };
  else throw new HubbleError('config', 'no Hubble Relay to connect to: give an address or a kubeconfig');
  return connectHubble(target, { names, ...(opts.signal ? { signal: opts.signal } : {}), ...(opts.timeoutMs ? { timeoutMs: opts.timeoutMs } : {}), ...(tls ? { tls } : {}) });
}
