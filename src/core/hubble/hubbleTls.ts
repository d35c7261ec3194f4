/**
 * TLS to Hubble Relay (`hubble.relay.tls.server.enabled=true`): the settings as files, read into the
 * PEM the gRPC client takes, and what a failed handshake means.
 *
 * Relay's server certificate is issued for `*.hubble-relay.cilium.io` (Cilium's certgen, cert-manager
 * or Helm), signed by the CA in the `hubble-relay-client-certs` Secret (`ca.crt`) or `cilium-ca`.
 * Through a port-forward the address is 127.0.0.1, which no Relay certificate holds, so the name
 * checked is `ui.hubble-relay.cilium.io` unless another is given (the name Hubble UI uses; Helm
 * `hubble.relay.tls.server.relayName`). The hubble CLI's flags are the model: `--tls`,
 * `--tls-ca-cert-files`, `--tls-client-cert-file`, `--tls-client-key-file`, `--tls-server-name`,
 * `--tls-allow-insecure`.
 *
 * Errors name the input (a setting or a flag) and the path, never a file's content.
 */
import { createPrivateKey, X509Certificate } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { isIP } from 'node:net';
import * as tls from 'node:tls';

/** The name checked against Relay's certificate when none is given and the address is an IP. */
export const DEFAULT_RELAY_SERVER_NAME = 'ui.hubble-relay.cilium.io';

/** How to reach Relay and whether to speak TLS, as settings or flags give it (paths, not PEM). */
export interface HubbleAccess {
  /** `host:port` of Relay (an existing port-forward, a LoadBalancer); else a port-forward to the Relay pod. A `tls://` prefix turns TLS on. */
  address?: string;
  /** `auto`: TLS when the hubble-relay Service port is 443 or named like TLS (port-forward), or when `tls://` or a CA or client certificate is given (address). Default `auto`. */
  tls?: boolean | 'auto';
  /** A value given for `tls` that is none of those (a setting of the wrong type): rejected when connecting, naming the input. */
  tlsInvalid?: unknown;
  caFile?: string;
  certFile?: string;
  keyFile?: string;
  serverName?: string;
  insecureSkipVerify?: boolean;
  /** What to call each input in errors: a setting (`cniLens.hubble.tls.caFile`) or a flag (`--hubble-tls-ca`). */
  names?: Partial<Record<HubbleAccessInput, string>>;
}

export type HubbleAccessInput = 'address' | 'tls' | 'caFile' | 'certFile' | 'keyFile' | 'serverName' | 'insecureSkipVerify';

/** A setting or flag that cannot be used: which one, what is wrong. */
export class HubbleConfigError extends Error {
  constructor(
    readonly input: string,
    message: string,
  ) {
    super(message);
    this.name = 'HubbleConfigError';
  }
}

export interface LoadedHubbleTls {
  ca?: Buffer;
  cert?: Buffer;
  key?: Buffer;
  serverName?: string;
  insecureSkipVerify?: boolean;
}

const DEFAULT_NAMES: Record<HubbleAccessInput, string> = {
  address: 'Hubble address',
  tls: 'Hubble TLS',
  caFile: 'Hubble TLS CA file',
  certFile: 'Hubble TLS client certificate file',
  keyFile: 'Hubble TLS client key file',
  serverName: 'Hubble TLS server name',
  insecureSkipVerify: 'Hubble TLS insecure skip verify',
};

export function accessInputName(access: HubbleAccess, input: HubbleAccessInput): string {
  return access.names?.[input] ?? DEFAULT_NAMES[input];
}

/**
 * Checks what can be checked without reading files (an address of the form host:port, a key with a
 * certificate); throws `HubbleConfigError`.
 */
export function checkHubbleAccess(access: HubbleAccess): void {
  const name = (input: HubbleAccessInput): string => accessInputName(access, input);
  if (access.address !== undefined) {
    const address = access.address.replace(/^tls:\/\//, '');
    if (!/^(\[[0-9a-fA-F:.]+\]|[^\s:/[\]]+):\d{1,5}$/.test(address) || Number(address.slice(address.lastIndexOf(':') + 1)) > 65535) {
      throw new HubbleConfigError(name('address'), `${name('address')} must be HOST:PORT (e.g. 127.0.0.1:4245 or hubble-relay.example.com:443), got "${access.address}"`);
    }
  }
  if (access.tlsInvalid !== undefined) {
    throw new HubbleConfigError(name('tls'), `${name('tls')} must be "auto", true or false, got ${JSON.stringify(access.tlsInvalid)}`);
  }
  if (Boolean(access.certFile) !== Boolean(access.keyFile)) {
    const given = access.certFile ? 'certFile' : 'keyFile';
    const missing = access.certFile ? 'keyFile' : 'certFile';
    throw new HubbleConfigError(name(missing), `${name(given)} is set but ${name(missing)} is not: a client certificate needs both the certificate and its key`);
  }
  if (access.serverName !== undefined && !/^[A-Za-z0-9*]([A-Za-z0-9.*-]*[A-Za-z0-9])?$/.test(access.serverName)) {
    throw new HubbleConfigError(name('serverName'), `${name('serverName')} must be a DNS name like ${DEFAULT_RELAY_SERVER_NAME}, got "${access.serverName}"`);
  }
}

/** Whether the settings ask for TLS whatever the Service says (`true`), never (`false`), or leave it to the Service (`auto`). */
export function tlsWanted(access: HubbleAccess): boolean | 'auto' {
  if (access.tls === true || access.tls === false) return access.tls;
  if (access.address !== undefined) return access.address.startsWith('tls://') || Boolean(access.caFile || access.certFile);
  return 'auto';
}

/** Reads and checks the PEM files; throws `HubbleConfigError` naming the input and the path. */
export async function loadHubbleTls(access: HubbleAccess): Promise<LoadedHubbleTls> {
  checkHubbleAccess(access);
  const name = (input: HubbleAccessInput): string => accessInputName(access, input);
  const loaded: LoadedHubbleTls = {};
  if (access.caFile) {
    const pem = await readPem(name('caFile'), access.caFile, 'CERTIFICATE');
    certificateOf(name('caFile'), access.caFile, pem);
    loaded.ca = pem;
  }
  if (access.certFile && access.keyFile) {
    const cert = await readPem(name('certFile'), access.certFile, 'CERTIFICATE');
    certificateOf(name('certFile'), access.certFile, cert);
    const key = await readPem(name('keyFile'), access.keyFile, 'PRIVATE KEY');
    try {
      createPrivateKey(key);
    } catch {
      throw new HubbleConfigError(name('keyFile'), `${name('keyFile')}: ${access.keyFile} holds no private key that can be read (PEM, unencrypted)`);
    }
    try {
      tls.createSecureContext({ cert, key });
    } catch {
      throw new HubbleConfigError(name('keyFile'), `${name('keyFile')}: the key in ${access.keyFile} does not belong to the certificate in ${access.certFile} (${name('certFile')})`);
    }
    loaded.cert = cert;
    loaded.key = key;
  }
  if (access.serverName) loaded.serverName = access.serverName;
  if (access.insecureSkipVerify) loaded.insecureSkipVerify = true;
  return loaded;
}

async function readPem(input: string, path: string, kind: 'CERTIFICATE' | 'PRIVATE KEY'): Promise<Buffer> {
  let data: Buffer;
  try {
    data = await readFile(path);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'no such file' : code === 'EACCES' || code === 'EPERM' ? 'permission denied' : code === 'EISDIR' ? 'it is a directory' : (code ?? 'unreadable');
    throw new HubbleConfigError(input, `${input}: cannot read ${path} (${why})`);
  }
  const text = data.toString('latin1');
  const marker = kind === 'CERTIFICATE' ? /-----BEGIN CERTIFICATE-----/ : /-----BEGIN ((RSA|EC|ENCRYPTED) )?PRIVATE KEY-----/;
  if (!marker.test(text)) {
    const what = kind === 'CERTIFICATE' ? 'a PEM certificate (-----BEGIN CERTIFICATE-----)' : 'a PEM private key (-----BEGIN PRIVATE KEY----- or RSA/EC PRIVATE KEY)';
    throw new HubbleConfigError(input, `${input}: ${path} is not ${what}${data.length === 0 ? ': the file is empty' : ''}`);
  }
  if (kind === 'PRIVATE KEY' && /-----BEGIN ENCRYPTED PRIVATE KEY-----/.test(text)) {
    throw new HubbleConfigError(input, `${input}: ${path} holds an encrypted private key; give an unencrypted one`);
  }
  return data;
}

function certificateOf(input: string, path: string, pem: Buffer): X509Certificate {
  try {
    return new X509Certificate(pem);
  } catch {
    throw new HubbleConfigError(input, `${input}: ${path} holds a PEM block that is not a readable X.509 certificate`);
  }
}

/** The name to check Relay's certificate against: the one given, else the address's host name, else Relay's usual name. */
export function relayServerName(given: string | undefined, address: string | undefined): string {
  if (given) return given;
  const host = address?.replace(/^tls:\/\//, '').replace(/:\d+$/, '').replace(/^\[|\]$/g, '');
  return host && !isIP(host) && host !== 'localhost' ? host : DEFAULT_RELAY_SERVER_NAME;
}

/** Whether a Service port looks like Relay's TLS port (443, or a name like `tls`, `https`, `grpcs`). */
export function isTlsServicePort(port: { port?: number; name?: string } | undefined): boolean {
  if (!port) return false;
  return port.port === 443 || /(^|-)(tls|https|grpcs|grpc-tls|mtls)($|-)/i.test(port.name ?? '');
}

export type TlsFailure = 'unknown-ca' | 'server-name' | 'not-tls' | 'tls-only' | 'client-cert-required' | 'client-cert-rejected';

/** What a gRPC connection error's text says about the TLS handshake; undefined when it says nothing about TLS. */
export function tlsFailureOf(details: string): TlsFailure | undefined {
  if (/ERR_TLS_CERT_ALTNAME_INVALID|does not match certificate's altnames/i.test(details)) return 'server-name';
  if (/self[- ]signed certificate|unable to (get local issuer|verify the first)|certificate (has expired|is not yet valid)|UNABLE_TO_VERIFY|CERT_UNTRUSTED/i.test(details)) return 'unknown-ca';
  if (/wrong version number|packet length too long|record layer failure|unknown protocol|http request/i.test(details)) return 'not-tls';
  if (/certificate required|alert number 116/i.test(details)) return 'client-cert-required';
  if (/alert (bad certificate|unknown ca|certificate unknown|decrypt error)|alert number (42|48|46|51)\b/i.test(details)) return 'client-cert-rejected';
  return undefined;
}

export interface TlsProbe {
  /** The TLS handshake completed (something speaks TLS there). */
  handshake: boolean;
  /** What went wrong, when the text or the server's behaviour says. */
  failure?: TlsFailure;
}

/**
 * Opens one TLS connection to `host:port`, sends the HTTP/2 preface and says how it went. Used when
 * gRPC reports only "failed to connect": plaintext gRPC to a TLS Relay, or a client certificate Relay
 * refused (with TLS 1.3 the server closes the connection after the handshake, without an alert).
 */
export function probeTls(host: string, port: number, options: LoadedHubbleTls & { servername: string }, timeoutMs = 2_000): Promise<TlsProbe> {
  return new Promise((resolve) => {
    let settled = false;
    let handshake = false;
    let answered = false;
    const done = (failure?: TlsFailure): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      resolve(failure ? { handshake, failure } : { handshake });
    };
    const clientCert = Boolean(options.cert && options.key);
    const socket = tls.connect({
      host,
      port,
      servername: options.servername,
      ALPNProtocols: ['h2'],
      ...(options.ca ? { ca: options.ca } : {}),
      ...(options.cert && options.key ? { cert: options.cert, key: options.key } : {}),
      rejectUnauthorized: !options.insecureSkipVerify,
    });
    // a Relay that accepted the client answers at once; silence after the handshake is a refusal too
    // (through a port-forward the server's close may not reach this end)
    const timer = setTimeout(() => (handshake && !answered ? closed() : done()), timeoutMs);
    socket.on('secureConnect', () => {
      handshake = true;
      socket.write(Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n'));
    });
    // a server that accepted the client answers the preface with its SETTINGS
    socket.on('data', () => {
      answered = true;
      done();
    });
    socket.on('error', (err: Error) => done(tlsFailureOf(err.message)));
    const closed = (): void => done(handshake && !answered ? (clientCert ? 'client-cert-rejected' : 'client-cert-required') : undefined);
    socket.on('end', closed);
    socket.on('close', closed);
  });
}
