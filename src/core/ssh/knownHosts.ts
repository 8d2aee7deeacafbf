/**
 * OpenSSH known_hosts matching: plain and hashed names, `[host]:port`, wildcards with negation,
 * `@revoked` and `@cert-authority`. ssh2 leaves host-key checking to its caller, so this (through
 * trust.ts) is what stands between every SSH connection netlens makes and a man in the middle.
 */
import { createHash, createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';

export type HostKeyCheck = 'match' | 'mismatch' | 'unknown' | 'revoked';

export interface KnownHostsLine {
  readonly marker: 'revoked' | 'cert-authority' | null;
  readonly patterns: string;
  readonly keyType: string;
  readonly keyBase64: string;
  /** `file:line`, for messages that say which line decided */
  readonly where: string;
}

export function parseKnownHosts(text: string, file = 'known_hosts'): KnownHostsLine[] {
  const lines: KnownHostsLine[] = [];
  const raws = text.split('\n');
  for (let i = 0; i < raws.length; i++) {
    const line = (raws[i] ?? '').trim();
    if (!line || line.startsWith('#')) continue;
    const fields = line.split(/\s+/);
    let marker: KnownHostsLine['marker'] = null;
    if (fields[0]?.startsWith('@')) {
      const m = fields.shift();
      if (m === '@revoked') marker = 'revoked';
      else if (m === '@cert-authority') marker = 'cert-authority';
      else continue; // an unknown marker: OpenSSH skips the line, so do we
    }
    const [patterns, keyType, keyBase64] = fields;
    if (!patterns || !keyType || !keyBase64) continue; // malformed lines are skipped, as ssh does
    lines.push({ marker, patterns, keyType, keyBase64, where: `${file}:${i + 1}` });
  }
  return lines;
}

/** The name known_hosts stores for a host: bare for port 22, `[host]:port` otherwise. */
export function knownHostsName(host: string, port: number): string {
  return port === 22 ? host : `[${host}]:${port}`;
}

function globMatch(pattern: string, name: string): boolean {
  const re = new RegExp(`^${pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.')}$`, 'i');
  return re.test(name);
}

function hashedMatch(entry: string, name: string): boolean {
  const [, magic, salt, hash] = entry.split('|');
  if (magic !== '1' || !salt || !hash) return false;
  const digest = createHmac('sha1', Buffer.from(salt, 'base64')).update(name).digest('base64');
  return digest === hash;
}

/** OpenSSH semantics: any negated pattern that matches excludes the line; else any positive match. */
export function hostMatches(patterns: string, name: string): boolean {
  if (patterns.startsWith('|')) return hashedMatch(patterns, name);
  let positive = false;
  for (const p of patterns.split(',')) {
    if (p.startsWith('!')) {
      if (globMatch(p.slice(1), name)) return false;
    } else if (globMatch(p, name)) positive = true;
  }
  return positive;
}

export function checkHostKey(knownHostsText: string, host: string, port: number, keyType: string, keyBase64: string): HostKeyCheck {
  const name = knownHostsName(host, port);
  const lines = parseKnownHosts(knownHostsText).filter((l) => hostMatches(l.patterns, name));
  if (lines.some((l) => l.marker === 'revoked' && l.keyBase64 === keyBase64)) return 'revoked';
  const plain = lines.filter((l) => l.marker === null);
  if (plain.some((l) => l.keyType === keyType && l.keyBase64 === keyBase64)) return 'match';
  if (plain.some((l) => l.keyType === keyType)) return 'mismatch';
  return 'unknown';
}

/** Key types known_hosts holds for this host (so the connection can ask for exactly those). */
export function knownKeyTypes(knownHostsText: string, host: string, port: number): string[] {
  const name = knownHostsName(host, port);
  const types = parseKnownHosts(knownHostsText)
    .filter((l) => l.marker === null && hostMatches(l.patterns, name))
    .map((l) => l.keyType);
  return [...new Set(types)];
}

/** The key type is the first string of an SSH wire-format public key blob (RFC 4253 §6.6). */
export function keyTypeOfBlob(key: Buffer): string {
  if (key.length < 4) return 'unknown';
  const len = key.readUInt32BE(0);
  if (len <= 0 || len > 64 || 4 + len > key.length) return 'unknown';
  return key.subarray(4, 4 + len).toString('latin1');
}

/** `SHA256:…` exactly as `ssh-keygen -lf` prints it. */
export function sha256Fingerprint(key: Buffer): string {
  return `SHA256:${createHash('sha256').update(key).digest('base64').replace(/=+$/, '')}`;
}

/** Every line of these files, in order; a file that does not exist holds no lines (as for ssh). */
export function readKnownHostsFiles(paths: readonly string[]): KnownHostsLine[] {
  return paths.flatMap((path) => {
    let text: string;
    try {
      text = readFileSync(path, 'utf8');
    } catch {
      return [];
    }
    return parseKnownHosts(text, path);
  });
}

/** The lines whose host patterns name this host (`host` or `[host]:port`), by kind. */
export function linesForHost(lines: readonly KnownHostsLine[], name: string): { keys: KnownHostsLine[]; authorities: KnownHostsLine[]; revoked: KnownHostsLine[] } {
  const named = lines.filter((l) => hostMatches(l.patterns, name));
  return {
    keys: named.filter((l) => l.marker === null),
    authorities: named.filter((l) => l.marker === 'cert-authority'),
    revoked: named.filter((l) => l.marker === 'revoked'),
  };
}
