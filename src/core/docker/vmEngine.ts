/**
 * Engines whose host is a VM the user's machine does not see into (Docker Desktop, Colima,
 * OrbStack, Rancher Desktop, Podman machine): a local shell reads the laptop, not the engine's
 * host, and only the helper container (hostShell `container`) reaches it. Told from what the
 * engine says of itself (/info OperatingSystem and Name) and how it is reached (the Docker context,
 * the socket path), each a well-known mark of one of them. null: nothing marks it as one.
 */
import type { EngineEndpoint } from './types';

const MARKS: ReadonlyArray<readonly [name: string, test: (e: { os: string; name: string; context: string; socket: string }) => boolean]> = [
  ['Docker Desktop', (e) => e.os === 'docker desktop' || e.name === 'docker-desktop' || e.context === 'desktop-linux' || /\/\.docker\/(run|desktop)\//.test(e.socket)],
  ['Colima', (e) => e.name === 'colima' || /^colima(-|$)/.test(e.context) || e.socket.includes('/.colima/')],
  ['OrbStack', (e) => e.os.includes('orbstack') || e.name === 'orbstack' || e.context === 'orbstack' || e.socket.includes('/.orbstack/')],
  ['Rancher Desktop', (e) => e.name === 'lima-rancher-desktop' || e.context === 'rancher-desktop' || e.socket.includes('/.rd/')],
  ['Podman machine', (e) => /^podman-machine/.test(e.context) || /podman-machine|\/podman\/.*\.sock$/.test(e.socket)],
];

export function vmEngineName(endpoint: EngineEndpoint, info: { readonly os: string; readonly name: string }): string | null {
  const facts = { os: info.os.toLowerCase(), name: info.name.toLowerCase(), context: (endpoint.contextName ?? '').toLowerCase(), socket: endpoint.socketPath ?? '' };
  return MARKS.find(([, test]) => test(facts))?.[0] ?? null;
}
