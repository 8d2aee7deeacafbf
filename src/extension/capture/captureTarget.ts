/**
 * Where "Capture packets here" runs tcpdump: where the engine's host shell runs, since that is
 * where the interfaces in the model are. A string is the reason it cannot run anywhere.
 */
import type { Topology } from '../../core/model/types';
import type { EngineSpec } from '../engines/engineSpecs';
import type { CaptureTarget } from './captureCommand';

export function captureTarget(conn: { readonly spec: EngineSpec; readonly topology: Topology | undefined }): CaptureTarget | string {
  const { spec } = conn;
  const endpoint = conn.topology?.engine.endpoint;
  const shell = spec.hostShell;
  if (shell === 'none') return 'this engine has no host shell (netlens.hostShell is "none"), so netlens cannot reach its interfaces';
  if (shell === 'container') return 'capturing through the helper container (netlens.hostShell is "container") is not supported yet';
  const sshHost = spec.ssh.host || (endpoint?.kind === 'ssh' ? endpoint.host : undefined);
  const useSsh = shell === 'ssh' || (shell === 'auto' && (Boolean(spec.options.ssh) || endpoint?.kind === 'ssh'));
  if (useSsh) {
    if (!sshHost) return 'no SSH host is known for this engine (netlens.ssh.host)';
    const user = spec.ssh.user || endpoint?.username;
    // What the host shell gets; port and user left out here are ~/.ssh/config's (or 22 and the local user).
    const port = spec.ssh.port ?? (endpoint?.kind === 'ssh' ? endpoint.port : undefined);
    return {
      kind: 'ssh',
      ssh: {
        host: sshHost,
        ...(port !== undefined ? { port } : {}),
        ...(user ? { username: user } : {}),
        ...(spec.ssh.privateKeyPath ? { privateKeyPath: spec.ssh.privateKeyPath } : {}),
        ...(spec.ssh.knownHostsPath ? { knownHostsPath: spec.ssh.knownHostsPath } : {}),
      },
    };
  }
  if (shell === 'auto' && endpoint && endpoint.kind !== 'unix' && !(endpoint.kind === 'tcp' && (endpoint.host === '127.0.0.1' || endpoint.host === 'localhost'))) {
    return `the engine ${endpoint.url} is remote and no SSH host shell is set (netlens.hostShell / netlens.ssh.*)`;
  }
  const enter = conn.topology?.host?.enter;
  return { kind: 'local', root: process.getuid?.() === 0, ...(enter?.length ? { enter } : {}) };
}

