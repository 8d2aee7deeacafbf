/**
 * The CLI keeps what it learnt of an engine in its cache directory between runs
 * (src/cli/detailsStore.ts): container details (network aliases, links, tmpfs mounts: one inspect
 * per container) and the engine's /info and /version answers, under the fingerprint of the engine
 * process. A second run makes no inspect and asks neither, and shows the same; a `network connect`
 * is read again; a file that others could have written or that holds what it should not is as
 * none, and answers kept under another fingerprint are asked again. Real engine; each case has a
 * cache directory of its own.
 */
import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { IMAGE, docker, removeLab, requireRealEngine } from '../../support/lab';

const P = 'nlds-';
const CLI = join(__dirname, '../../../../dist/cli.js');

interface Run {
  readonly apiCalls: number;
  /** the engine block, without keptSince; and keptSince */
  readonly engine: Record<string, unknown>;
  readonly keptSince: string | undefined;
  readonly containers: number;
  /** our container's endpoints (network → aliases, links) and tmpfs mounts */
  readonly ours: { readonly endpoints: Record<string, { aliases: string[]; links: string[] }>; readonly tmpfs: string[] };
}

describe('CLI: container details kept between runs (dist/cli.js)', function () {
  this.timeout(120_000);
  let home: string;
  const run = (extra: NodeJS.ProcessEnv = {}): Run => {
    const r = spawnSync('node', [CLI, 'topology', '--json'], { encoding: 'utf8', env: { ...process.env, XDG_CACHE_HOME: home, ...extra }, timeout: 60_000, maxBuffer: 256 << 20 });
    assert.equal(r.status, 0, r.stderr);
    const t = JSON.parse(r.stdout) as {
      stats: { apiCalls: number };
      engine: Record<string, unknown> & { keptSince?: string };
      containers: { id: string; name: string; mounts: { type: string; destination: string }[] }[];
      networks: { name: string; endpoints: { containerName: string; aliases: string[]; links: string[] }[] }[];
    };
    const c = t.containers.find((x) => x.name === `${P}a`);
    assert.ok(c, `${P}a is in the topology`);
    const endpoints: Run['ours']['endpoints'] = {};
    for (const n of t.networks) for (const e of n.endpoints) if (e.containerName === `${P}a`) endpoints[n.name] = { aliases: [...e.aliases].sort(), links: [...e.links] };
    const { keptSince, ...engine } = t.engine;
    return { apiCalls: t.stats.apiCalls, engine, keptSince, containers: t.containers.length, ours: { endpoints, tmpfs: c.mounts.filter((m) => m.type === 'tmpfs').map((m) => m.destination) } };
  };
  const files = (kind = 'details'): string[] => (existsSync(join(home, 'netlens')) ? readdirSync(join(home, 'netlens')).filter((f) => new RegExp(`^${kind}-[0-9a-f]{32}\\.json$`).test(f)) : []);
  /** whether the engine's /info and /version are kept: an engine in a swarm, or behind firewalld, is asked every time */
  const keepsFor = (r: Run): boolean => (r.engine['swarm'] as { state: string }).state !== 'active' && (r.engine['firewallBackendInfo'] as unknown[]).length === 0;
  let keeps = false;
  /** calls of a run that inspects nothing: networks, containers, volumes, and /info and /version unless kept */
  const listCalls = (kept: boolean): number => 3 + (kept ? 0 : 2);

  before(() => {
    assert.ok(existsSync(CLI), `${CLI} exists (npm run build)`);
    requireRealEngine();
    removeLab(P);
    docker('network', 'create', `${P}one`);
    docker('network', 'create', `${P}two`);
    docker('run', '-d', '--name', `${P}a`, '--network', `${P}one`, '--network-alias', `${P}alias`, '--tmpfs', '/scratch:size=1m', IMAGE, 'sleep', '3600');
  });
  after(() => removeLab(P));
  beforeEach(() => (home = mkdtempSync(join(tmpdir(), 'nlds-'))));
  afterEach(() => rmSync(home, { recursive: true, force: true }));

  it('a second run makes no inspect, asks no /info or /version, and shows the same aliases, tmpfs and engine; a network connect is read again', () => {
    const first = run();
    keeps = keepsFor(first);
    assert.ok(first.ours.endpoints[`${P}one`]?.aliases.includes(`${P}alias`), JSON.stringify(first.ours));
    assert.deepEqual(first.ours.tmpfs, ['/scratch']);
    assert.equal(first.apiCalls, listCalls(false) + first.containers, 'the first run asks everything and inspects every container');
    assert.equal(first.keptSince, undefined);
    assert.equal(files().length, 1, 'one details file for this engine');
    assert.equal(statSync(join(home, 'netlens', files()[0]!)).mode & 0o777, 0o600);
    assert.equal(files('identity').length, keeps ? 1 : 0, 'one identity file for this engine, where it is kept');

    const second = run();
    assert.deepEqual(second.ours, first.ours);
    assert.equal(second.apiCalls, listCalls(keeps), 'the second run inspects none');
    assert.deepEqual(second.engine, first.engine, 'the same engine, kept or asked');
    if (keeps) assert.match(second.keptSince ?? '', /^\d{4}-\d\d-\d\dT/, 'kept answers say since when');

    docker('network', 'connect', '--alias', `${P}second`, `${P}two`, `${P}a`);
    try {
      const third = run();
      assert.equal(third.apiCalls - second.apiCalls, 1, 'only the container whose endpoints changed is inspected again');
      assert.ok(third.ours.endpoints[`${P}two`]?.aliases.includes(`${P}second`), JSON.stringify(third.ours));
      assert.deepEqual(third.ours.endpoints[`${P}one`], first.ours.endpoints[`${P}one`]);
    } finally {
      docker('network', 'disconnect', `${P}two`, `${P}a`);
    }
  });

  it('a file others could write is not read, one of the wrong shape loses only its entries, and NETLENS_DETAILS_CACHE=0 keeps none', () => {
    const first = run();
    keeps = keepsFor(first);
    const file = join(home, 'netlens', files()[0]!);
    chmodSync(file, 0o666);
    assert.equal(run().apiCalls, listCalls(keeps) + first.containers, 'not read: every container inspected again');

    // the file is written again, private; now our entry damaged (aliases not strings), the rest intact
    assert.equal(statSync(file).mode & 0o777, 0o600);
    const records = JSON.parse(readFileSync(file, 'utf8')) as Record<string, { aliases: unknown }>;
    const id = docker('inspect', '--format', '{{.Id}}', `${P}a`).trim();
    assert.ok(records[id], 'our container has an entry');
    records[id]!.aliases = { [`${P}one`]: [42] };
    writeFileSync(file, JSON.stringify(records), { mode: 0o600 });
    const damaged = run();
    assert.equal(damaged.apiCalls, listCalls(keeps) + 1, 'only the damaged entry is inspected again');
    assert.deepEqual(damaged.ours, first.ours);

    writeFileSync(file, 'not json', { mode: 0o600 });
    assert.deepEqual(run().ours, first.ours);

    rmSync(join(home, 'netlens'), { recursive: true });
    assert.equal(run({ NETLENS_DETAILS_CACHE: '0' }).apiCalls, first.apiCalls);
    assert.equal(files().length, 0, 'no details file written');
    assert.equal(files('identity').length, 0, 'no identity file written');
  });

  it("answers kept under another process's fingerprint are asked again and kept anew; a file others could write is not read", () => {
    assert.ok(keepsFor(run()), "this suite's engines are in no swarm and behind no firewalld: their answers are kept");
    const file = join(home, 'netlens', files('identity')[0]!);
    const kept = JSON.parse(readFileSync(file, 'utf8')) as { fingerprint: string; identity: { at: string } };
    assert.match(kept.fingerprint, /^boot \S+ dockerd \d+ started \d+ socket \d+ host \S+$/);
    writeFileSync(file, JSON.stringify({ ...kept, fingerprint: kept.fingerprint.replace(/ started \d+/, ' started 1') }), { mode: 0o600 });
    const restarted = run();
    assert.equal(restarted.apiCalls, listCalls(false), 'another process: asked again');
    assert.equal(restarted.keptSince, undefined);
    assert.equal((JSON.parse(readFileSync(file, 'utf8')) as { fingerprint: string }).fingerprint, kept.fingerprint, 'kept anew under the real fingerprint');
    chmodSync(file, 0o666);
    assert.equal(run().apiCalls, listCalls(false), 'not read');
    assert.equal(statSync(file).mode & 0o777, 0o600, 'written again, private');
    assert.equal(run().apiCalls, listCalls(true));
  });
});
