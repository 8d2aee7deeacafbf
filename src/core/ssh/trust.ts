/**
 * Whether a host key presented by a server is trusted for a resolved target: the one place that
 * decides it for the engine connection, the host shell and capture.
 *
 * Trusted: a key recorded for the host in the user or global known_hosts files (plain or hashed
 * names), not marked `@revoked`; or a key certified by an `@cert-authority` of those files for the
 * host. ssh2 cannot negotiate certificates, so for the second case the host's certificate is
 * fetched with `ssh-keyscan -c` (OpenSSH's) and checked in certificate.ts against the exact key
 * the connection saw. Anything else is refused with the reason; nothing is trusted on first use.
 */
import { execFile } from 'node:child_process';
import { NetlensError } from '../errors';
import { parseHostCertificate, certificateProblem } from './certificate';
import { keyTypeOfBlob, linesForHost, readKnownHostsFiles, sha256Fingerprint } from './knownHosts';
import type { KnownHostsLine } from './knownHosts';
import type { ResolvedSshTarget } from './target';

export type HostKeyVerdict =
  | { readonly result: 'trusted'; readonly how: string; readonly keyType: string; readonly fingerprint: string }
  | {
      readonly result: 'unknown' | 'mismatch' | 'revoked' | 'certificate-refused';
      readonly reason: string;
      readonly keyType: string;
      readonly fingerprint: string;
      /** the presented key, base64, for a known_hosts line the user may choose to add */
      readonly keyBase64: string;
    };

/** ssh2 host-key algorithm names per known_hosts key type. */
const ALGORITHMS_OF_KEY_TYPE: Readonly<Record<string, readonly string[]>> = {
  'ssh-ed25519': ['ssh-ed25519'],
  'ecdsa-sha2-nistp256': ['ecdsa-sha2-nistp256'],
  'ecdsa-sha2-nistp384': ['ecdsa-sha2-nistp384'],
  'ecdsa-sha2-nistp521': ['ecdsa-sha2-nistp521'],
  'ssh-rsa': ['rsa-sha2-512', 'rsa-sha2-256', 'ssh-rsa'],
};

/** ssh-keyscan gets this long to fetch a certificate. */
const KEYSCAN_TIMEOUT_MS = 10_000;
/** Only a plain host name or address goes on ssh-keyscan's command line. */
const SAFE_HOST = /^[A-Za-z0-9_.:]([A-Za-z0-9_.:-]*)$/;

export interface HostTrust {
  /**
   * ssh2's algorithms.serverHostKey: the key types known_hosts holds for the host, so a server (or
   * a man in the middle) cannot side-step a known key by offering another type. Empty where only
   * authorities (or nothing) are known: then any type, to be checked by its certificate.
   */
  readonly serverHostKeyAlgorithms: readonly string[];
  /** every known_hosts file consulted, user files first */
  readonly files: readonly string[];
  verify(key: Buffer): Promise<HostKeyVerdict>;
  /** for ssh2's `hostVerifier` (the asynchronous form: it answers through `accept`) */
  hostVerifier(key: Buffer, accept: (ok: boolean) => void): void;
  /** the last refusal, as the error to report, once the connection failed */
  refusal(tried: string): NetlensError | undefined;
}

export interface TrustOptions {
  /** fetches the host's certificates as `ssh-keyscan -c` prints them (default: runs it) */
  readonly fetchCertificates?: (target: ResolvedSshTarget) => Promise<string>;
  readonly now?: () => Date;
}

export function createHostTrust(target: ResolvedSshTarget, opts: TrustOptions = {}): HostTrust {
  const files = [...target.userKnownHostsFiles, ...target.globalKnownHostsFiles];
  const lookup = (): ReturnType<typeof linesForHost> => linesForHost(readKnownHostsFiles(files), target.knownHostsName);
  const keyTypes = [...new Set(lookup().keys.map((l) => l.keyType))];
  let last: HostKeyVerdict | undefined;

  async function verify(key: Buffer): Promise<HostKeyVerdict> {
    const keyType = keyTypeOfBlob(key);
    const keyBase64 = key.toString('base64');
    const fingerprint = sha256Fingerprint(key);
    const refuse = (result: 'unknown' | 'mismatch' | 'revoked' | 'certificate-refused', reason: string): HostKeyVerdict => ({ result, reason, keyType, fingerprint, keyBase64 });
    // Read afresh on every check: a line the user added since is honoured at once.
    const { keys, authorities, revoked } = lookup();
    const revokedLine = revoked.find((l) => l.keyBase64 === keyBase64);
    if (revokedLine) return refuse('revoked', `it is marked @revoked (${revokedLine.where})`);
    const same = keys.find((l) => l.keyType === keyType && l.keyBase64 === keyBase64);
    if (same) return { result: 'trusted', how: `known_hosts (${same.where})`, keyType, fingerprint };
    const sameType = keys.find((l) => l.keyType === keyType);
    if (sameType) return refuse('mismatch', `it differs from the ${keyType} key recorded in ${sameType.where}: someone may be intercepting the connection, or the host was reinstalled`);
    if (authorities.length === 0) return refuse('unknown', `it is not in ${files.join(', ')}`);
    return verifyByCertificate(key, authorities, revoked, refuse, keyType, fingerprint);
  }

  async function verifyByCertificate(
    key: Buffer,
    authorities: readonly KnownHostsLine[],
    revoked: readonly KnownHostsLine[],
    refuse: (r: 'certificate-refused', reason: string) => HostKeyVerdict,
    keyType: string,
    fingerprint: string,
  ): Promise<HostKeyVerdict> {
    const whereCa = authorities.map((a) => a.where).join(', ');
    let scanned: string;
    try {
      scanned = await (opts.fetchCertificates ?? keyscanCertificates)(target);
    } catch (e) {
      return refuse('certificate-refused', `an @cert-authority (${whereCa}) is trusted for the host, but its certificate could not be fetched: ${(e as Error).message}`);
    }
    const now = BigInt(Math.floor((opts.now?.() ?? new Date()).getTime() / 1000));
    const problems: string[] = [];
    for (const line of scanned.split('\n')) {
      // `ssh-keyscan -c` prints `type base64` (no host name, unlike its plain-key lines); take either shape
      const fields = line.trim().split(/\s+/);
      const at = fields.findIndex((f) => f.endsWith('-cert-v01@openssh.com'));
      const type = at >= 0 ? fields[at] : undefined;
      const b64 = at >= 0 ? fields[at + 1] : undefined;
      if (line.startsWith('#') || !type || !b64) continue;
      let cert;
      try {
        cert = parseHostCertificate(Buffer.from(b64, 'base64'));
      } catch (e) {
        problems.push(`${type}: ${(e as Error).message}`);
        continue;
      }
      if (!cert.publicKey.equals(key)) continue; // a certificate for another of the host's keys
      const ca = cert.signatureKey.toString('base64');
      const authority = authorities.find((a) => a.keyBase64 === ca);
      if (!authority) {
        problems.push(`certificate "${cert.keyId}" is signed by ${sha256Fingerprint(cert.signatureKey)}, which no @cert-authority line trusts for ${target.knownHostsName}`);
        continue;
      }
      const revokedCa = revoked.find((l) => l.keyBase64 === ca);
      if (revokedCa) {
        problems.push(`the authority that signed certificate "${cert.keyId}" is marked @revoked (${revokedCa.where})`);
        continue;
      }
      const problem = certificateProblem(cert, target.hostKeyName, now);
      if (problem) {
        problems.push(problem);
        continue;
      }
      return { result: 'trusted', how: `host certificate "${cert.keyId}" signed by the @cert-authority in ${authority.where}`, keyType, fingerprint };
    }
    const why = problems.length > 0 ? problems.join('; ') : `the host offered no certificate for this key (ssh-keyscan -c found ${scanned.trim() ? 'only certificates for other keys' : 'none'})`;
    return refuse('certificate-refused', `it is not in ${files.join(', ')} and no valid certificate vouches for it: ${why}`);
  }

  return {
    serverHostKeyAlgorithms: keyTypes.flatMap((t) => ALGORITHMS_OF_KEY_TYPE[t] ?? []),
    files,
    verify: async (key) => (last = await verify(key)),
    hostVerifier(key, accept) {
      verify(key).then(
        (v) => {
          last = v;
          accept(v.result === 'trusted');
        },
        () => accept(false),
      );
    },
    refusal(tried) {
      if (!last || last.result === 'trusted') return undefined;
      const v = last;
      const subject = `the host key of ${target.knownHostsName} (${v.keyType} ${v.fingerprint})`;
      if (v.result === 'unknown') {
        return new NetlensError(
          'SSH_HOST_KEY_UNKNOWN',
          `${subject} is not trusted: ${v.reason}. Check the fingerprint with the host's administrator, then add the line ` +
            `"${target.knownHostsName} ${v.keyType} ${v.keyBase64}" to ${target.userKnownHostsFiles[0] ?? 'known_hosts'} (or run ssh -p ${target.port} ${target.username}@${target.hostName} once and accept it)`,
          tried,
        );
      }
      return new NetlensError('SSH_HOST_KEY_MISMATCH', `${subject} is refused: ${v.reason}. Refusing to connect.`, tried);
    },
  };
}

/** `ssh-keyscan -c`: the host's certificates, one `type base64` line each. */
function keyscanCertificates(target: ResolvedSshTarget): Promise<string> {
  if (target.proxyJump) return Promise.reject(new Error(`it is reached through ProxyJump ${target.proxyJump}, and ssh-keyscan cannot go through a jump host`));
  if (!SAFE_HOST.test(target.hostName)) return Promise.reject(new Error(`"${target.hostName}" is not a host name netlens passes to ssh-keyscan`));
  return new Promise((resolve, reject) => {
    execFile(
      'ssh-keyscan',
      ['-c', '-T', String(Math.ceil(KEYSCAN_TIMEOUT_MS / 2000)), '-p', String(target.port), target.hostName],
      { timeout: KEYSCAN_TIMEOUT_MS, killSignal: 'SIGKILL', maxBuffer: 1 << 20 },
      (err, stdout) => {
        if (err && !stdout) reject(new Error((err as NodeJS.ErrnoException).code === 'ENOENT' ? 'ssh-keyscan (OpenSSH) is not installed' : err.message));
        else resolve(stdout);
      },
    );
  });
}
