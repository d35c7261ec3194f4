/**
 * A self-signed serving certificate for the simulated API server, made fresh per start. Go clients
 * (kubectl) check only the subjectAltName: IP 127.0.0.1 and DNS localhost, plus the listen host.
 * The RSA key comes from Node's native (threadpool) generator so the event loop stays free;
 * node-forge, through `selfsigned`, only signs.
 */
import { generateKeyPair } from 'node:crypto';
import { isIP } from 'node:net';
import { promisify } from 'node:util';
import selfsigned from 'selfsigned';

export interface SimCertificate {
  certPem: string;
  keyPem: string;
}

type SelfsignedOptions = NonNullable<Parameters<typeof selfsigned.generate>[1]> & {
  keyPair: { publicKey: string; privateKey: string };
};

export async function generateSimCertificate(host = '127.0.0.1'): Promise<SimCertificate> {
  const { publicKey, privateKey } = await promisify(generateKeyPair)('rsa', {
    modulusLength: 2048,
    publicKeyEncoding: { type: 'spki', format: 'pem' },
    privateKeyEncoding: { type: 'pkcs1', format: 'pem' },
  });
  const altNames: Array<{ type: number; ip?: string; value?: string }> = [
    { type: 7, ip: '127.0.0.1' },
    { type: 2, value: 'localhost' },
  ];
  if (host !== '127.0.0.1' && host !== 'localhost') altNames.push(isIP(host) ? { type: 7, ip: host } : { type: 2, value: host });
  const options: SelfsignedOptions = {
    days: 30,
    algorithm: 'sha256',
    keyPair: { publicKey, privateKey },
    extensions: [
      { name: 'basicConstraints', cA: true },
      { name: 'keyUsage', keyCertSign: true, digitalSignature: true, keyEncipherment: true },
      { name: 'extKeyUsage', serverAuth: true },
      { name: 'subjectAltName', altNames },
    ],
  };
  const pems = selfsigned.generate([{ name: 'commonName', value: 'cni-lens-sim' }], options);
  return { certPem: pems.cert, keyPem: pems.private };
}

export interface SelfSignedOptions {
  commonName: string;
  /** DNS names in subjectAltName (a wildcard like `*.hubble-relay.cilium.io` is fine). */
  dnsNames?: string[];
  /** What the certificate is for: a TLS server or a TLS client (extKeyUsage). */
  usage: 'server' | 'client';
}

/**
 * A self-signed certificate that is its own CA (a client trusts it by putting it in its CA list):
 * the simulated Hubble Relay's server certificate (`*.hubble-relay.cilium.io`, as Cilium's certgen
 * issues it) and the client certificate Relay accepts with mTLS.
 */
export async function generateSelfSignedCertificate(opts: SelfSignedOptions): Promise<SimCertificate> {
  const { publicKey, privateKey } = await promisify(generateKeyPair)('rsa', {
    modulusLength: 2048,
    publicKeyEncoding: { type: 'spki', format: 'pem' },
    privateKeyEncoding: { type: 'pkcs1', format: 'pem' },
  });
  const extensions: NonNullable<SelfsignedOptions['extensions']> = [
    { name: 'basicConstraints', cA: true },
    { name: 'keyUsage', keyCertSign: true, digitalSignature: true, keyEncipherment: true },
    opts.usage === 'server' ? { name: 'extKeyUsage', serverAuth: true } : { name: 'extKeyUsage', clientAuth: true },
  ];
  if (opts.dnsNames?.length) extensions.push({ name: 'subjectAltName', altNames: opts.dnsNames.map((value) => ({ type: 2, value })) });
  const options: SelfsignedOptions = { days: 30, algorithm: 'sha256', keyPair: { publicKey, privateKey }, extensions };
  const pems = selfsigned.generate([{ name: 'commonName', value: opts.commonName }], options);
  return { certPem: pems.cert, keyPem: pems.private };
}
