/**
 * The CLI keeps container details (network aliases, links, tmpfs mounts: one inspect per container)
 * in its cache directory between runs (src/cli/detailsStore.ts): a second run makes no inspect and
 * shows the same, a `network connect` is read again, and a file that others could have written or
 * that holds what it should not is as none. Real engine; each case has a cache directory of its own.
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
      containers: { id: string; name: string; mounts: { type: string; destination: string }[] }[];
      networks: { name: string; endpoints: { containerName: string; aliases: string[]; links: string[] }[] }[];
    };
    const c = t.containers.find((x) => x.name === `${P}a`);
    assert.ok(c, `${P}a is in the topology`);
    const endpoints: Run['ours']['endpoints'] = {};
    for (const n of t.networks) for (const e of n.endpoints) if (e.containerName === `${P}a`) endpoints[n.name] = { aliases: [...e.aliases].sort(), links: [...e.links] };
    return { apiCalls: t.stats.apiCalls, containers: t.containers.length, ours: { endpoints, tmpfs: c.mounts.filter((m) => m.type === 'tmpfs').map((m) => m.destination) } };
  };
  const files = (): string[] => (existsSync(join(home, 'netlens')) ? readdirSync(join(home, 'netlens')).filter((f) => /^details-[0-9a-f]{32}\.json$/.test(f)) : []);

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

  it('a second run makes no inspect and shows the same aliases and tmpfs; a network connect is read again', () => {
    const first = run();
    assert.ok(first.ours.endpoints[`${P}one`]?.aliases.includes(`${P}alias`), JSON.stringify(first.ours));
    assert.deepEqual(first.ours.tmpfs, ['/scratch']);
    assert.equal(files().length, 1, 'one details file for this engine');
    assert.equal(statSync(join(home, 'netlens', files()[0]!)).mode & 0o777, 0o600);

    const second = run();
    assert.deepEqual(second.ours, first.ours);
    assert.equal(first.apiCalls - second.apiCalls, second.containers, 'the first run inspected every container, the second none');

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
    const file = join(home, 'netlens', files()[0]!);
    chmodSync(file, 0o666);
    assert.equal(run().apiCalls, first.apiCalls, 'not read: every container inspected again');

    // the file is written again, private; now our entry damaged (aliases not strings), the rest intact
    assert.equal(statSync(file).mode & 0o777, 0o600);
    const records = JSON.parse(readFileSync(file, 'utf8')) as Record<string, { aliases: unknown }>;
    const id = docker('inspect', '--format', '{{.Id}}', `${P}a`).trim();
    assert.ok(records[id], 'our container has an entry');
    records[id]!.aliases = { [`${P}one`]: [42] };
    writeFileSync(file, JSON.stringify(records), { mode: 0o600 });
    const damaged = run();
    assert.equal(damaged.apiCalls - (first.apiCalls - first.containers), 1, 'only the damaged entry is inspected again');
    assert.deepEqual(damaged.ours, first.ours);

    writeFileSync(file, 'not json', { mode: 0o600 });
    assert.deepEqual(run().ours, first.ours);

    rmSync(join(home, 'netlens'), { recursive: true });
    assert.equal(run({ NETLENS_DETAILS_CACHE: '0' }).apiCalls, first.apiCalls);
    assert.equal(files().length, 0, 'no details file written');
  });
});
