/**
 * Which image the helper runs. Anything with a POSIX `sh` and busybox's `nsenter` (or `chroot`)
 * will do: the batch itself runs on the host's own tools. An image already on the engine is used
 * before anything is pulled — the configured one if present, else a busybox image the engine has
 * (by name) — and only then the configured one is pulled (with a limit). The choice says which.
 */
import type Dockerode from 'dockerode';
import { engineGet } from '../../docker/engineRequest';
import { NetlensError } from '../../errors';
import { checkImageRef } from './helperSpec';

export const DEFAULT_HELPER_IMAGE = 'busybox:stable';

export interface HelperImageChoice {
  readonly image: string;
  /** `configured` (present), `present` (found on the engine by name), `pulled` */
  readonly how: 'configured' | 'present' | 'pulled';
}

interface ImageSummary {
  readonly RepoTags?: readonly string[] | null;
}

/** busybox by name: `busybox:TAG`, `REPO/busybox:TAG`, or a local build such as `netlens-busybox:1`. */
export function busyboxTags(images: readonly ImageSummary[]): string[] {
  const tags = images.flatMap((i) => (Array.isArray(i.RepoTags) ? i.RepoTags : [])).filter((t): t is string => typeof t === 'string' && t !== '<none>:<none>');
  const name = (t: string): string => t.slice(0, t.lastIndexOf(':')).split('/').pop() ?? '';
  // the official name first, then anything that says busybox; stable order for the same engine
  const rank = (t: string): number => (name(t) === 'busybox' ? 0 : 1);
  return tags.filter((t) => /busybox/.test(name(t))).sort((a, b) => rank(a) - rank(b) || a.localeCompare(b));
}

export interface ChooseImageOptions {
  /** netlens.helperImage; empty: DEFAULT_HELPER_IMAGE, preferring a busybox already present */
  readonly configured?: string;
  /** may the engine pull when nothing fits is present (default true) */
  readonly allowPull?: boolean;
  readonly pullTimeoutMs?: number;
  readonly signal?: AbortSignal;
}

export async function chooseHelperImage(docker: Dockerode, options: ChooseImageOptions = {}): Promise<HelperImageChoice> {
  const configured = options.configured?.trim() ? checkImageRef(options.configured.trim()) : null;
  if (configured && (await imagePresent(docker, configured, options.signal))) return { image: configured, how: 'configured' };
  if (!configured) {
    const list = await engineGet(docker, '/images/json', {}, options.signal);
    const found = busyboxTags(Array.isArray(list) ? (list as ImageSummary[]) : []);
    if (found[0]) return { image: found[0], how: 'present' };
  }
  const image = configured ?? DEFAULT_HELPER_IMAGE;
  if (options.allowPull === false) {
    throw new NetlensError('SHELL', `no helper image on the engine: ${image} is not present and pulling is off`, `GET /images/${image}/json`);
  }
  await pull(docker, image, options.pullTimeoutMs ?? 120_000, options.signal);
  return { image, how: 'pulled' };
}

async function imagePresent(docker: Dockerode, image: string, signal?: AbortSignal): Promise<boolean> {
  try {
    await engineGet(docker, `/images/${encodeURIComponent(image)}/json`, {}, signal);
    return true;
  } catch (e) {
    if ((e as { statusCode?: number }).statusCode === 404) return false;
    throw e;
  }
}

async function pull(docker: Dockerode, image: string, timeoutMs: number, signal?: AbortSignal): Promise<void> {
  const limit = AbortSignal.any([AbortSignal.timeout(timeoutMs), ...(signal ? [signal] : [])]);
  try {
    const stream = (await docker.pull(image, { abortSignal: limit })) as NodeJS.ReadableStream;
    await new Promise<void>((resolve, reject) => {
      docker.modem.followProgress(stream, (err: Error | null, events: Array<{ error?: string }>) => {
        const failed = events?.find((e) => e.error);
        if (err || failed) reject(err ?? new Error(failed!.error));
        else resolve();
      });
      limit.addEventListener('abort', () => reject(new Error(`not done within ${timeoutMs / 1000} s`)), { once: true });
    });
  } catch (e) {
    throw new NetlensError('SHELL', `cannot pull the helper image ${image}: ${(e as Error).message}`, `POST /images/create?fromImage=${image}`, { cause: e });
  }
}
