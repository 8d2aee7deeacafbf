/**
 * The few facts the container list does not carry — network aliases (`--network-alias`, the names
 * Docker's DNS answers for), `--link` on user-defined networks and `--tmpfs` mounts — read by
 * inspect and cached. The cache key is the
 * container id plus its endpoint ids and state, so a `network connect`/`disconnect` or a restart
 * (which change them) refetches, and a steady refresh makes no inspect call at all. The cache can
 * be handed from one run to the next (`records`, and the constructor's `seed`): what the CLI keeps
 * in its cache directory (src/cli/detailsStore.ts), so that its next run makes no inspect either.
 */
import type Dockerode from 'dockerode';
import { NetlensError } from '../errors';
import { engineGet } from './engineRequest';
import { RawReader } from './rawFields';
import type { DockerContainer, DockerMount } from './types';

interface Details {
  readonly aliases: ReadonlyMap<string, readonly string[]>;
  readonly links: ReadonlyMap<string, readonly string[]>;
  /** HostConfig.Tmpfs: destination → mount options */
  readonly tmpfs: Readonly<Record<string, string>>;
}

/** The cache as JSON, container id → the key it was read under and its details. */
export type DetailsRecords = Record<string, { key: string; aliases: Record<string, string[]>; links: Record<string, string[]>; tmpfs: Record<string, string> }>;

// dockerd answers inspects in parallel: 32 at a time took 100 of them in ~25 ms here, 8 in ~50 ms
const CONCURRENCY = 32;

function cacheKey(c: DockerContainer): string {
  return [c.id, c.state, ...c.endpoints.map((e) => `${e.networkId}/${e.endpointId}`)].join('|');
}

function readDetails(raw: unknown, what: string): Details {
  const r = RawReader.of(raw, what);
  const aliases = new Map<string, readonly string[]>();
  const links = new Map<string, readonly string[]>();
  for (const [net, e] of r.optObj('NetworkSettings')?.entries('Networks') ?? []) {
    aliases.set(net, e.strArr('Aliases'));
    links.set(net, e.strArr('Links'));
  }
  return { aliases, links, tmpfs: r.optObj('HostConfig')?.strMap('Tmpfs') ?? {} };
}

function tmpfsMounts(tmpfs: Readonly<Record<string, string>>): DockerMount[] {
  return Object.entries(tmpfs).map(([destination, options]) => ({
    type: 'tmpfs',
    name: null,
    source: '',
    destination,
    rw: !options.split(',').includes('ro'),
    mode: options,
    driver: null,
    propagation: '',
  }));
}

const isStrings = (v: unknown): v is string[] => Array.isArray(v) && v.every((x) => typeof x === 'string');
const isRecordOf = <T>(v: unknown, each: (x: unknown) => x is T): v is Record<string, T> =>
  typeof v === 'object' && v !== null && !Array.isArray(v) && Object.values(v).every(each);

/** The entries of an earlier run's `records` that have the shape they should; anything else is dropped. */
function fromRecords(seed: unknown): Map<string, { key: string; details: Details }> {
  const out = new Map<string, { key: string; details: Details }>();
  if (!isRecordOf(seed, (x): x is Record<string, unknown> => typeof x === 'object' && x !== null)) return out;
  for (const [id, r] of Object.entries(seed)) {
    if (!/^[0-9a-f]{64}$/.test(id) || typeof r['key'] !== 'string' || !isRecordOf(r['aliases'], isStrings) || !isRecordOf(r['links'], isStrings)) continue;
    if (!isRecordOf(r['tmpfs'], (x): x is string => typeof x === 'string')) continue;
    out.set(id, { key: r['key'], details: { aliases: new Map(Object.entries(r['aliases'])), links: new Map(Object.entries(r['links'])), tmpfs: r['tmpfs'] } });
  }
  return out;
}

export class ContainerDetailsCache {
  private readonly cache: Map<string, { key: string; details: Details }>;
  private changed = false;

  /** `seed`: an earlier run's `records()`, read from outside and so checked entry by entry */
  constructor(
    private readonly docker: Dockerode,
    seed?: unknown,
  ) {
    this.cache = fromRecords(seed);
  }

  /** The cache as JSON, for the next run's seed. */
  records(): DetailsRecords {
    const out: DetailsRecords = {};
    for (const [id, { key, details }] of this.cache) {
      out[id] = { key, aliases: Object.fromEntries(details.aliases) as Record<string, string[]>, links: Object.fromEntries(details.links) as Record<string, string[]>, tmpfs: { ...details.tmpfs } };
    }
    return out;
  }

  /** Whether the cache changed since the last call (an inspect made, a container gone). */
  takeChanged(): boolean {
    const c = this.changed;
    this.changed = false;
    return c;
  }

  /**
   * Returns the containers with aliases and tmpfs mounts filled in, and how many inspect calls that
   * took. A container that vanished between the list and its inspect keeps its list facts.
   */
  async enrich(containers: readonly DockerContainer[], signal?: AbortSignal): Promise<{ containers: DockerContainer[]; apiCalls: number }> {
    const stale = containers.filter((c) => this.cache.get(c.id)?.key !== cacheKey(c));
    let apiCalls = 0;
    for (let i = 0; i < stale.length; i += CONCURRENCY) {
      await Promise.all(
        stale.slice(i, i + CONCURRENCY).map(async (c) => {
          apiCalls++;
          this.changed = true;
          try {
            const raw = await engineGet(this.docker, `/containers/${c.id}/json`, {}, signal);
            this.cache.set(c.id, { key: cacheKey(c), details: readDetails(raw, `GET /containers/${c.id.slice(0, 12)}/json`) });
          } catch (e) {
            this.cache.delete(c.id);
            // The engine answered (404: the container went between the list and its inspect): keep
            // its list facts. No answer at all (timeout, reset, cancelled) fails the snapshot at once
            // instead of waiting out the same limit once per container.
            if (typeof (e as { statusCode?: unknown }).statusCode !== 'number' && !(e instanceof NetlensError && e.code === 'PARSE')) throw e;
          }
        }),
      );
    }
    const live = new Set(containers.map((c) => c.id));
    for (const id of this.cache.keys()) {
      if (live.has(id)) continue;
      this.cache.delete(id);
      this.changed = true;
    }
    return { containers: containers.map((c) => this.apply(c)), apiCalls };
  }

  private apply(c: DockerContainer): DockerContainer {
    const details = this.cache.get(c.id)?.details;
    if (!details) return c;
    const mounted = new Set(c.mounts.map((m) => m.destination));
    return {
      ...c,
      endpoints: c.endpoints.map((e) => ({
        ...e,
        aliases: e.aliases.length ? e.aliases : details.aliases.get(e.networkName) ?? [],
        links: e.links.length ? e.links : details.links.get(e.networkName) ?? [],
      })),
      mounts: [...c.mounts, ...tmpfsMounts(details.tmpfs).filter((m) => !mounted.has(m.destination))],
    };
  }
}
