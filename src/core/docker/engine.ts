/**
 * One snapshot of what the engine says, from five list calls made at once. The count does not
 * grow with the number of containers: per-container details (layers, diff) are fetched on demand.
 * The first call to fail cancels the others: a dead or hung engine costs one error, not five waits.
 *
 * GET /info and GET /version say who the engine is, and each runs `runc --version` and
 * `docker-init --version` inside Docker (two thirds of a warm refresh's engine time). A caller that
 * knows the same engine process still answers (session.ts: its event stream held since) passes
 * their earlier answers as `kept`, and three calls are made.
 */
import type Dockerode from 'dockerode';
import { allOrAbort } from '../abort';
import { engineGet } from './engineRequest';
import { toEngineError } from './errors';
import {
  PODMAN_API_LIMITS,
  containersWithoutMode,
  libpodPathPrefix,
  libpodPodMembers,
  networkModeOfInspect,
  normaliseContainers,
  normaliseInfo,
  normaliseLibpodBridges,
  normaliseNetworks,
  normaliseVolumes,
  resolveEndpointNetworks,
  withBridgeInterfaces,
  withNetworkMode,
} from './normalise';
import type { DockerContainer, DockerNetwork, EngineEndpoint, EngineFacts, EngineIdentity, EngineInfo } from './types';

const CONTAINER_ID = /^[0-9a-f]{64}$/;

export async function collectEngineFacts(docker: Dockerode, endpoint: EngineEndpoint, signal?: AbortSignal, kept?: EngineIdentity | null): Promise<EngineFacts> {
  const identityCalls: Array<(s: AbortSignal) => Promise<unknown>> = [(s) => engineGet(docker, '/info', {}, s), (s) => engineGet(docker, '/version', {}, s)];
  const calls: Array<(s: AbortSignal) => Promise<unknown>> = [
    ...(kept ? [] : identityCalls),
    (s) => engineGet(docker, '/networks', {}, s),
    (s) => engineGet(docker, '/containers/json', { all: 1 }, s),
    (s) => engineGet(docker, '/volumes', {}, s),
  ];
  const ask = async (asked: Array<(s: AbortSignal) => Promise<unknown>>): Promise<readonly unknown[]> => {
    try {
      return await allOrAbort<unknown[]>(signal, asked);
    } catch (e) {
      throw toEngineError(e, endpoint);
    }
  };
  const raw = await ask(calls);
  let apiCalls = calls.length;
  const [rawNetworks, rawContainers, volumes] = kept ? raw : raw.slice(2);
  let identity = kept ?? { info: raw[0], version: raw[1], at: new Date().toISOString() };
  // who the engine is first: an answer that is no Docker engine's fails there, by name
  let info = normaliseInfo(identity.info, identity.version, endpoint);
  let networks = normaliseNetworks(rawNetworks);
  if (kept && identityHolds(info, networks)) info = { ...info, keptSince: kept.at };
  else if (kept) {
    // the kept answers disagree with the network list (a swarm joined or left): asked again
    const [rawInfo, rawVersion] = await ask(identityCalls);
    identity = { info: rawInfo, version: rawVersion, at: new Date().toISOString() };
    info = normaliseInfo(rawInfo, rawVersion, endpoint);
    apiCalls += identityCalls.length;
  }
  let containers = normaliseContainers(rawContainers);
  if (info.product === 'podman') {
    const podman = await podmanFacts(docker, endpoint, info, networks, containers, rawContainers, signal);
    ({ networks, containers } = podman);
    apiCalls += podman.apiCalls;
  }
  return {
    info: info.product === 'podman' ? { ...info, apiLimits: PODMAN_API_LIMITS } : info,
    networks,
    containers: resolveEndpointNetworks(containers, networks),
    volumes: normaliseVolumes(volumes),
    apiCalls,
    identity,
  };
}

/**
 * Whether kept GET /info and /version answers still hold beside this network list. The swarm state
 * they carry changes without a restart (`docker swarm init`, `leave`), and with it whether the
 * engine lists swarm-scoped networks (ingress, overlays): a list that disagrees asks again.
 * FirewallBackend.Info is firewalld's (`ReloadedAt`), which changes with no event: an answer that
 * carries it is not kept.
 */
export function identityHolds(info: EngineInfo, networks: readonly DockerNetwork[]): boolean {
  if ((info.firewallBackendInfo ?? []).length > 0) return false;
  return networks.some((n) => n.scope === 'swarm') === (info.swarm.state === 'active');
}

/**
 * What Podman's Docker-compatible answers leave out, asked after them (PODMAN_API_LIMITS): each
 * network's bridge and each container's pod from Podman's own API, then the network mode of the
 * containers the list leaves it unsaid for (host or none mode: on no network; pod members: listed
 * with the pod's network as their own), one inspect each. A Docker engine costs none of these calls.
 */
async function podmanFacts(
  docker: Dockerode,
  endpoint: EngineEndpoint,
  info: EngineInfo,
  networks: readonly DockerNetwork[],
  containers: readonly DockerContainer[],
  rawContainers: unknown,
  signal?: AbortSignal,
): Promise<{ networks: DockerNetwork[]; containers: DockerContainer[]; apiCalls: number }> {
  const libpod = libpodPathPrefix(info);
  const ask = async (calls: Array<(s: AbortSignal) => Promise<unknown>>): Promise<readonly unknown[]> => {
    try {
      return await allOrAbort<unknown[]>(signal, calls);
    } catch (e) {
      throw toEngineError(e, endpoint);
    }
  };
  const [libpodNetworks, libpodContainers] = await ask([
    (s) => engineGet(docker, `${libpod}/networks/json`, {}, s),
    (s) => engineGet(docker, `${libpod}/containers/json`, { all: true }, s),
  ]);
  const unsaid = [...new Set([...containersWithoutMode(rawContainers), ...libpodPodMembers(libpodContainers)])].filter((id) => CONTAINER_ID.test(id));
  const inspects = await ask(unsaid.map((id) => (s: AbortSignal) => engineGet(docker, `/containers/${id}/json`, {}, s)));
  const modes = new Map(unsaid.map((id, i) => [id, networkModeOfInspect(inspects[i], id)]));
  return {
    networks: withBridgeInterfaces(networks, normaliseLibpodBridges(libpodNetworks)),
    containers: containers.map((c) => {
      const mode = modes.get(c.id);
      return mode ? withNetworkMode(c, mode) : c;
    }),
    apiCalls: 2 + unsaid.length,
  };
}
