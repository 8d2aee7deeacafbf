/**
 * One snapshot of what the engine says, from five list calls made at once. The count does not
 * grow with the number of containers: per-container details (layers, diff) are fetched on demand.
 * The first call to fail cancels the others: a dead or hung engine costs one error, not five waits.
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
import type { DockerContainer, DockerNetwork, EngineEndpoint, EngineFacts, EngineInfo } from './types';

const CONTAINER_ID = /^[0-9a-f]{64}$/;

export async function collectEngineFacts(docker: Dockerode, endpoint: EngineEndpoint, signal?: AbortSignal): Promise<EngineFacts> {
  const calls: Array<(s: AbortSignal) => Promise<unknown>> = [
    (s) => engineGet(docker, '/info', {}, s),
    (s) => engineGet(docker, '/version', {}, s),
    (s) => engineGet(docker, '/networks', {}, s),
    (s) => engineGet(docker, '/containers/json', { all: 1 }, s),
    (s) => engineGet(docker, '/volumes', {}, s),
  ];
  let raw: readonly unknown[];
  try {
    raw = await allOrAbort<unknown[]>(signal, calls);
  } catch (e) {
    throw toEngineError(e, endpoint);
  }
  const [rawInfo, version, rawNetworks, rawContainers, volumes] = raw;
  const info = normaliseInfo(rawInfo, version, endpoint);
  let networks = normaliseNetworks(rawNetworks);
  let containers = normaliseContainers(rawContainers);
  let apiCalls = calls.length;
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
  };
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
