/**
 * One snapshot of what the engine says, from five list calls made at once. The count does not
 * grow with the number of containers: per-container details (layers, diff) are fetched on demand.
 * The first call to fail cancels the others: a dead or hung engine costs one error, not five waits.
 */
import type Dockerode from 'dockerode';
import { allOrAbort } from '../abort';
import { engineGet } from './engineRequest';
import { toEngineError } from './errors';
import { normaliseContainers, normaliseInfo, normaliseNetworks, normaliseVolumes } from './normalise';
import type { EngineEndpoint, EngineFacts } from './types';

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
  const [info, version, networks, containers, volumes] = raw;
  return {
    info: normaliseInfo(info, version, endpoint),
    networks: normaliseNetworks(networks),
    containers: normaliseContainers(containers),
    volumes: normaliseVolumes(volumes),
    apiCalls: calls.length,
  };
}
