/**
 * OpenSSH host certificates (PROTOCOL.certkeys), checked the way ssh checks one for a host known
 * through an `@cert-authority` line: signed by that authority, a host (not user) certificate, valid
 * now, for this host name, no critical option we do not understand. ssh2 cannot negotiate a
 * certificate during its handshake, so trust.ts fetches the host's certificate with
 * `ssh-keyscan -c` and checks here that it certifies exactly the plain key the connection saw —
 * where the certificate came from does not matter, its signature does.
 */
import { createPublicKey, verify as cryptoVerify } from 'node:crypto';
import type { KeyObject } from 'node:crypto';

export interface HostCertificate {
  /** e.g. ssh-ed25519-cert-v01@openssh.com */
  readonly type: string;
  /** the certified key as a plain SSH public key blob (what the server signs the handshake with) */
  readonly publicKey: Buffer;
  readonly serial: bigint;
  /** 1 user, 2 host */
  readonly certType: number;
  readonly keyId: string;
  readonly principals: readonly string[];
  /** seconds since the epoch; validBefore 2^64-1 is "forever" */
  readonly validAfter: bigint;
  readonly validBefore: bigint;
  readonly criticalOptions: readonly string[];
  /** the authority's public key blob */
  readonly signatureKey: Buffer;
  readonly signature: Buffer;
  /** the bytes the signature covers */
  readonly signed: Buffer;
}

class Reader {
  private pos = 0;
  constructor(private readonly buf: Buffer) {}
  get offset(): number {
    return this.pos;
  }
  string(): Buffer {
    const len = this.uint32();
    if (this.pos + len > this.buf.length) throw new Error('truncated string');
    const s = this.buf.subarray(this.pos, this.pos + len);
    this.pos += len;
    return s;
  }
  uint32(): number {
    if (this.pos + 4 > this.buf.length) throw new Error('truncated uint32');
    const v = this.buf.readUInt32BE(this.pos);
    this.pos += 4;
    return v;
  }
  uint64(): bigint {
    if (this.pos + 8 > this.buf.length) throw new Error('truncated uint64');
    const v = this.buf.readBigUInt64BE(this.pos);
    this.pos += 8;
    return v;
  }
  done(): boolean {
    return this.pos === this.buf.length;
  }
}

function sshString(b: Buffer | string): Buffer {
  const body = typeof b === 'string' ? Buffer.from(b, 'latin1') : b;
  const len = Buffer.alloc(4);
  len.writeUInt32BE(body.length);
  return Buffer.concat([len, body]);
}

/** How many key fields follow the nonce, per plain key type. */
const KEY_FIELDS: Readonly<Record<string, number>> = {
  'ssh-ed25519': 1,
  'ecdsa-sha2-nistp256': 2,
  'ecdsa-sha2-nistp384': 2,
  'ecdsa-sha2-nistp521': 2,
  'ssh-rsa': 2,
};

const CERT_SUFFIX = '-cert-v01@openssh.com';

/** Parses a certificate blob; throws with the reason when it is not one we can check. */
export function parseHostCertificate(blob: Buffer): HostCertificate {
  const r = new Reader(blob);
  const type = r.string().toString('latin1');
  if (!type.endsWith(CERT_SUFFIX)) throw new Error(`${type} is not an OpenSSH v01 certificate`);
  const plainType = type.slice(0, -CERT_SUFFIX.length);
  const fields = KEY_FIELDS[plainType];
  if (fields === undefined) throw new Error(`certificates of ${plainType} keys are not supported`);
  r.string(); // nonce
  const keyStart = r.offset;
  for (let i = 0; i < fields; i++) r.string();
  const publicKey = Buffer.concat([sshString(plainType), blob.subarray(keyStart, r.offset)]);
  const serial = r.uint64();
  const certType = r.uint32();
  const keyId = r.string().toString('utf8');
  const principals = stringList(r.string());
  const validAfter = r.uint64();
  const validBefore = r.uint64();
  const criticalOptions = namesOf(r.string());
  r.string(); // extensions: none defined for host certificates, and none changes trust
  r.string(); // reserved
  const signatureKey = r.string();
  const signedEnd = r.offset;
  const signature = r.string();
  if (!r.done()) throw new Error('trailing bytes after the signature');
  return { type, publicKey, serial, certType, keyId, principals, validAfter, validBefore, criticalOptions, signatureKey, signature, signed: blob.subarray(0, signedEnd) };
}

function stringList(buf: Buffer): string[] {
  const r = new Reader(buf);
  const out: string[] = [];
  while (!r.done()) out.push(r.string().toString('utf8'));
  return out;
}

/** Critical options are (name, data) pairs; only the names matter here. */
function namesOf(buf: Buffer): string[] {
  const r = new Reader(buf);
  const out: string[] = [];
  while (!r.done()) {
    out.push(r.string().toString('utf8'));
    r.string();
  }
  return out;
}

const b64url = (b: Buffer): string => b.toString('base64url');
/** An SSH mpint as unsigned big-endian bytes. */
const unsigned = (b: Buffer): Buffer => (b.length > 1 && b[0] === 0 ? b.subarray(1) : b);

const CURVES: Readonly<Record<string, { crv: string; size: number; hash: string }>> = {
  nistp256: { crv: 'P-256', size: 32, hash: 'sha256' },
  nistp384: { crv: 'P-384', size: 48, hash: 'sha384' },
  nistp521: { crv: 'P-521', size: 66, hash: 'sha512' },
};

function publicKeyObject(blob: Buffer): { type: string; key: KeyObject; curve?: { size: number; hash: string } } {
  const r = new Reader(blob);
  const type = r.string().toString('latin1');
  if (type === 'ssh-ed25519') {
    return { type, key: createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: b64url(r.string()) }, format: 'jwk' }) };
  }
  if (type === 'ssh-rsa') {
    const e = unsigned(r.string());
    const n = unsigned(r.string());
    return { type, key: createPublicKey({ key: { kty: 'RSA', n: b64url(n), e: b64url(e) }, format: 'jwk' }) };
  }
  const ec = /^ecdsa-sha2-(nistp\d+)$/.exec(type);
  const curve = ec ? CURVES[ec[1] as string] : undefined;
  if (curve) {
    r.string(); // curve name, repeated
    const q = r.string();
    if (q[0] !== 4 || q.length !== 1 + 2 * curve.size) throw new Error('unsupported ECDSA point encoding');
    const x = q.subarray(1, 1 + curve.size);
    const y = q.subarray(1 + curve.size);
    return { type, key: createPublicKey({ key: { kty: 'EC', crv: curve.crv, x: b64url(x), y: b64url(y) }, format: 'jwk' }), curve };
  }
  throw new Error(`authority keys of type ${type} are not supported`);
}

/**
 * Whether `signature` (an SSH signature blob) by the key `keyBlob` covers `data`. ssh-rsa (SHA-1)
 * signatures are refused, as OpenSSH refuses them for certificates by default.
 */
export function verifySshSignature(keyBlob: Buffer, data: Buffer, signature: Buffer): { ok: true } | { ok: false; reason: string } {
  const sig = new Reader(signature);
  const sigType = sig.string().toString('latin1');
  const bytes = sig.string();
  const { type, key, curve } = publicKeyObject(keyBlob);
  let ok: boolean;
  if (type === 'ssh-ed25519') {
    if (sigType !== 'ssh-ed25519') return { ok: false, reason: `signature type ${sigType} for an ed25519 key` };
    ok = cryptoVerify(null, data, key, bytes);
  } else if (type === 'ssh-rsa') {
    const hash = sigType === 'rsa-sha2-256' ? 'sha256' : sigType === 'rsa-sha2-512' ? 'sha512' : null;
    if (!hash) return { ok: false, reason: `signature algorithm ${sigType} is not accepted (only rsa-sha2-256/512)` };
    ok = cryptoVerify(hash, data, key, bytes);
  } else if (curve) {
    if (sigType !== type) return { ok: false, reason: `signature type ${sigType} for an ${type} key` };
    const rs = new Reader(bytes);
    const pad = (b: Buffer): Buffer => {
      const u = unsigned(b);
      if (u.length > curve.size) throw new Error('ECDSA signature value too long');
      return Buffer.concat([Buffer.alloc(curve.size - u.length), u]);
    };
    const p1363 = Buffer.concat([pad(rs.string()), pad(rs.string())]);
    ok = cryptoVerify(curve.hash, data, { key, dsaEncoding: 'ieee-p1363' }, p1363);
  } else {
    return { ok: false, reason: `authority keys of type ${type} are not supported` };
  }
  return ok ? { ok: true } : { ok: false, reason: 'the signature does not verify' };
}

/**
 * Why this certificate does not vouch for `hostName` at `nowSeconds`, or null when it does. The
 * caller has already established that `cert.signatureKey` is an authority trusted for the host.
 */
export function certificateProblem(cert: HostCertificate, hostName: string, nowSeconds: bigint): string | null {
  if (cert.certType !== 2) return `certificate "${cert.keyId}" is a user certificate, not a host certificate`;
  if (nowSeconds < cert.validAfter) return `certificate "${cert.keyId}" is not valid yet`;
  if (nowSeconds >= cert.validBefore) return `certificate "${cert.keyId}" has expired`;
  if (cert.criticalOptions.length > 0) return `certificate "${cert.keyId}" carries critical options ssh does not know for hosts: ${cert.criticalOptions.join(', ')}`;
  // As ssh (9.2, tried): no principals is valid for any host name; a principal is matched exactly,
  // a `*` in it is no wildcard.
  if (cert.principals.length > 0 && !cert.principals.includes(hostName)) {
    return `certificate "${cert.keyId}" is for ${cert.principals.join(', ')}, not ${hostName}`;
  }
  const sig = verifySshSignature(cert.signatureKey, cert.signed, cert.signature);
  if (!sig.ok) return `certificate "${cert.keyId}": ${sig.reason}`;
  return null;
}
