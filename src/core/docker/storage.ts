/**
 * Per container, on demand: where its filesystem lives (GraphDriver) and what changed in it
 * (`docker diff`), plus the raw inspect JSON for the "raw" view. Ids and names are checked before
 * they go into a request path.
 */
import type Dockerode from 'dockerode';
import { NetlensError } from '../errors';
import { endpointOfClient } from './client';
import { engineGet } from './engineRequest';
import { toEngineError } from './errors';
import { RawReader, asArray } from './rawFields';
import type { ContainerChange, ContainerStorage, EngineEndpoint } from './types';

/** A full or short hex id, or a name as Docker allows it: [a-zA-Z0-9][a-zA-Z0-9_.-]* (optional leading /). */
const HEX_ID = /^[0-9a-f]{1,64}$/;
const DOCKER_NAME = /^\/?[a-zA-Z0-9][a-zA-Z0-9_.-]{0,254}$/;

export function validateObjectRef(ref: string, what = 'container'): string {
  if (typeof ref !== 'string' || !(HEX_ID.test(ref) || DOCKER_NAME.test(ref))) {
    throw new NetlensError('BAD_INPUT', `Not a valid ${what} id or name: ${JSON.stringify(ref)}`, String(ref));
  }
  return ref.replace(/^\//, '');
}

/** For error messages: the endpoint the client was made for, else what its modem points at. */
function endpointOf(docker: Dockerode): EngineEndpoint {
  const known = endpointOfClient(docker);
  if (known) return known;
  const m = docker.modem as unknown as { socketPath?: unknown; host?: unknown; port?: unknown };
  if (typeof m.socketPath === 'string') return { kind: 'unix', url: `unix://${m.socketPath}`, source: 'client', socketPath: m.socketPath };
  return { kind: 'tcp', url: `tcp://${String(m.host)}:${String(m.port)}`, source: 'client', host: String(m.host) };
}

async function get(docker: Dockerode, path: string, what: string, signal?: AbortSignal): Promise<unknown> {
  try {
    return await engineGet(docker, path, {}, signal);
  } catch (e) {
    if ((e as { statusCode?: unknown }).statusCode === 404) {
      throw new NetlensError('NOT_FOUND', `No such ${what}`, path, { cause: e });
    }
    throw toEngineError(e, endpointOf(docker));
  }
}

export async function getContainerStorage(docker: Dockerode, id: string, signal?: AbortSignal): Promise<ContainerStorage> {
  const ref = validateObjectRef(id);
  const c = RawReader.of(await get(docker, `/containers/${ref}/json`, `container ${ref}`, signal), `GET /containers/${ref}/json`);
  const graph = c.optObj('GraphDriver');
  const driver = graph?.optStr('Name') ?? '';
  const data = graph?.optObj('Data') ?? null;
  const lower = data?.optStr('LowerDir') ?? null;
  const upperDir = data?.optStr('UpperDir') ?? null;
  const mergedDir = data?.optStr('MergedDir') ?? null;
  const workDir = data?.optStr('WorkDir') ?? null;
  const nothing = lower === null && upperDir === null && mergedDir === null && workDir === null;
  const state = c.optObj('State');
  const pid = state?.optNum('Pid') ?? null;
  return {
    containerId: c.str('Id'),
    driver,
    lowerDirs: lower === null ? [] : lower.split(':').filter((d) => d !== ''),
    upperDir,
    mergedDir,
    workDir,
    unavailableReason: nothing ? noLayersReason(driver) : null,
    // Pid 0 is how the engine says "not running".
    pid: pid === null || pid === 0 ? null : pid,
    sandboxKey: c.optObj('NetworkSettings')?.optStr('SandboxKey') ?? null,
  };
}

function noLayersReason(driver: string): string {
  if (driver === '') {
    return 'The engine reports no storage driver data for this container (the containerd image store keeps layers in containerd snapshots, which the API does not show)';
  }
  if (driver.startsWith('overlayfs') || driver.includes('snapshotter')) {
    return `The engine uses the containerd image store (${driver}); it does not report layer directories`;
  }
  return `The storage driver "${driver}" reports no layer directories`;
}

const CHANGE_KINDS: Record<number, ContainerChange['kind']> = { 0: 'C', 1: 'A', 2: 'D' };

export async function getContainerDiff(docker: Dockerode, id: string, signal?: AbortSignal): Promise<ContainerChange[]> {
  const ref = validateObjectRef(id);
  const what = `GET /containers/${ref}/changes`;
  const raw = await get(docker, `/containers/${ref}/changes`, `container ${ref}`, signal);
  // No changes at all comes back as null.
  if (raw === null) return [];
  return asArray(raw, what).map((x, i) => {
    const r = RawReader.of(x, `${what} [${i}]`);
    const kindNum = r.num('Kind');
    const kind = CHANGE_KINDS[kindNum];
    if (!kind) throw new NetlensError('PARSE', `${r.what}: field Kind should be 0, 1 or 2, got ${kindNum}`, what);
    return { kind, path: r.str('Path') };
  });
}

export async function inspectRaw(docker: Dockerode, kind: 'container' | 'network' | 'volume', id: string, signal?: AbortSignal): Promise<unknown> {
  const ref = validateObjectRef(id, kind);
  const path = kind === 'container' ? `/containers/${ref}/json` : kind === 'network' ? `/networks/${ref}` : `/volumes/${ref}`;
  return get(docker, path, `${kind} ${ref}`, signal);
}
