/**
 * One snapshot of what the engine says, from five list calls made at once. The count does not
 * grow with the number of containers: per-container details (layers, diff) are fetched on demand.
 */
import type Dockerode from 'dockerode';
import { engineGet } from './engineRequest';
import { toEngineError } from './errors';
import { normaliseContainers, normaliseInfo, normaliseNetworks, normaliseVolumes } from './normalise';
import type { EngineEndpoint, EngineFacts } from './types';

export async function collectEngineFacts(docker: Dockerode, endpoint: EngineEndpoint, signal?: AbortSignal): Promise<EngineFacts> {
  const calls: Promise<unknown>[] = [
    engineGet(docker, '/info', {}, signal),
    engineGet(docker, '/version', {}, signal),
    engineGet(docker, '/networks', {}, signal),
    engineGet(docker, '/containers/json', { all: 1 }, signal),
    engineGet(docker, '/volumes', {}, signal),
  ];
  let raw: unknown[];
  try {
    raw = await Promise.all(calls);
  } catch (e) {
    throw toEngineError(e, endpoint);
  }
  const [info, version, networks, containers, volumes] = raw;
  return {
    info: normaliseInfo(info, version, endpoint),
    networks: normaliseNetworks(networks),
    containers: normaliseContainers(containers),
    volumes: normaliseVolumes(volumes),
    apiCalls: calls.length,
  };
}
