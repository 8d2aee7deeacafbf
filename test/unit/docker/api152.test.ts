/**
 * Engine 29 (API 1.52) no longer returns the top-level address fields of a container's
 * NetworkSettings in `GET /containers/{id}/json` (moby api/docs/CHANGELOG.md, v1.52; they were
 * deprecated since API 1.21). netlens must read addresses from the per-network entries only.
 *
 * No Engine 29 runs here, so each answer "as API 1.52 returns it" is the recorded Engine 20.10 answer
 * (test/fixtures/docker) with exactly those fields deleted — in this file, nowhere else. The model
 * built from those copies must be the one built from the full recording.
 */
import { strict as assert } from 'node:assert';
import { normaliseContainers } from '../../../src/core/docker/normalise';
import { createSession } from '../../../src/core/session';
import type { Endpoint, Topology } from '../../../src/core/model/types';
import { fixtureJson, fixtureText, startEngineReplay } from '../../support/engineReplayServer';
import type { EngineReplay } from '../../support/engineReplayServer';

/** The NetworkSettings fields API 1.52 drops; SandboxID, SandboxKey, Ports and Networks stay. */
const DROPPED_IN_1_52 = [
  'Bridge',
  'HairpinMode',
  'LinkLocalIPv6Address',
  'LinkLocalIPv6PrefixLen',
  'SecondaryIPAddresses',
  'SecondaryIPv6Addresses',
  'EndpointID',
  'Gateway',
  'GlobalIPv6Address',
  'GlobalIPv6PrefixLen',
  'IPAddress',
  'IPPrefixLen',
  'IPv6Gateway',
  'MacAddress',
] as const;

type Raw = Record<string, unknown> & { NetworkSettings?: Record<string, unknown> };

/** A recorded container answer (list entry or inspect) as API 1.52 returns it. */
function asApi152(recorded: unknown): Raw {
  const copy = structuredClone(recorded) as Raw;
  for (const field of DROPPED_IN_1_52) delete copy.NetworkSettings?.[field];
  return copy;
}

interface Inspect {
  Id: string;
  NetworkSettings: Record<string, unknown> & {
    IPAddress: string;
    IPPrefixLen: number;
    MacAddress: string;
    Gateway: string;
    SandboxKey: string;
    Networks: Record<string, { IPAddress: string; Aliases: string[] | null; Links: string[] | null }>;
  };
}

const INSPECTED = ['inspect-container-mounts.json', 'inspect-container-link.json'] as const;

describe('docker: Engine 29 (API 1.52) answers without the top-level NetworkSettings addresses', () => {
  let replay: EngineReplay | null = null;
  afterEach(async () => {
    await replay?.close();
    replay = null;
  });

  /** A snapshot through the real session (no host shell) against the recorded answers, full or as 1.52 gives them. */
  async function snapshot(shape: 'recorded' | '1.52'): Promise<Topology> {
    const convert = shape === 'recorded' ? (x: unknown) => x : asApi152;
    const list = (fixtureJson('containers.json') as unknown[]).map(convert);
    const routes: Record<string, { body: string }> = {
      '/info': { body: fixtureText('info.json') },
      '/version': { body: fixtureText('version.json') },
      '/networks': { body: fixtureText('networks.json') },
      '/containers/json': { body: JSON.stringify(list) },
      '/volumes': { body: fixtureText('volumes.json') },
    };
    for (const file of INSPECTED) {
      const inspect = fixtureJson(file) as Inspect;
      routes[`/containers/${inspect.Id}/json`] = { body: JSON.stringify(convert(inspect)) };
    }
    await replay?.close();
    replay = await startEngineReplay(routes);
    const session = createSession({ dockerHost: `unix://${replay.socketPath}`, hostShell: 'none', env: {} });
    try {
      return await session.snapshot();
    } finally {
      await session.dispose();
    }
  }

  const endpointsOf = (t: Topology, container: string): Endpoint[] => t.networks.flatMap((n) => n.endpoints.filter((e) => e.containerName === container));

  it('derives the 1.52 inspect by deleting fields the recording really has, keeping the sandbox', () => {
    for (const file of INSPECTED) {
      const recorded = fixtureJson(file) as Inspect;
      const derived = asApi152(recorded).NetworkSettings!;
      assert.ok(DROPPED_IN_1_52.every((f) => f in recorded.NetworkSettings), `${file} carries every field 1.52 drops`);
      assert.deepEqual(Object.keys(derived).sort(), ['Networks', 'Ports', 'SandboxID', 'SandboxKey']);
    }
  });

  it('reads the same containers from a list answer in either shape: the list carries addresses per network only', () => {
    const list = fixtureJson('containers.json') as Raw[];
    for (const c of list) assert.deepEqual(Object.keys(c.NetworkSettings ?? {}), ['Networks'], `list entry ${String(c.Id).slice(0, 12)}`);
    assert.deepEqual(normaliseContainers(list.map(asApi152)), normaliseContainers(list));
  });

  it('builds the same model — endpoints, containers, publishes — from 1.52 answers as from the full recording', async () => {
    const full = await snapshot('recorded');
    const v152 = await snapshot('1.52');
    assert.deepEqual(
      v152.networks.map((n) => ({ name: n.name, endpoints: n.endpoints })),
      full.networks.map((n) => ({ name: n.name, endpoints: n.endpoints })),
    );
    assert.deepEqual(v152.containers, full.containers);
    assert.deepEqual(v152.publishes, full.publishes);
    assert.deepEqual(v152.gaps, full.gaps);
  });

  it('takes each address from the per-network entry: what 20.10 also repeated at the top level', async () => {
    const t = await snapshot('1.52');
    const mounts = fixtureJson('inspect-container-mounts.json') as Inspect;
    const [ep] = endpointsOf(t, 'nld-fx-mounts');
    assert.ok(ep);
    assert.equal(ep.networkName, 'bridge');
    // The full recording's top-level fields, which 1.52 no longer sends, are the truth here.
    assert.equal(ep.ipv4, mounts.NetworkSettings.IPAddress);
    assert.equal(ep.ipv4PrefixLen, mounts.NetworkSettings.IPPrefixLen);
    assert.equal(ep.mac, mounts.NetworkSettings.MacAddress);
    assert.equal(ep.gateway, mounts.NetworkSettings.Gateway);
    assert.ok(t.containers.find((c) => c.name === 'nld-fx-mounts')?.mounts.some((m) => m.type === 'tmpfs' && m.destination === '/scratch'), 'the inspect was read');
  });

  it('still reads aliases and user-network links from a 1.52 inspect', async () => {
    const t = await snapshot('1.52');
    const link = fixtureJson('inspect-container-link.json') as Inspect;
    const truth = link.NetworkSettings.Networks['nld-fx-net'];
    assert.ok(truth);
    const [ep] = endpointsOf(t, 'nld-fx-b');
    assert.ok(ep);
    assert.equal(ep.ipv4, truth.IPAddress);
    assert.deepEqual(ep.aliases, truth.Aliases);
    assert.deepEqual(ep.links, truth.Links);
  });

  it('finds the sandbox and pid in a 1.52 inspect (SandboxKey stays)', async () => {
    const recorded = fixtureJson('inspect-container-mounts.json') as Inspect & { State: { Pid: number } };
    replay = await startEngineReplay({ '/containers/nld-fx-mounts/json': { body: JSON.stringify(asApi152(recorded)) } });
    const session = createSession({ dockerHost: `unix://${replay.socketPath}`, hostShell: 'none', env: {} });
    try {
      const s = await session.storage('nld-fx-mounts');
      assert.equal(s.sandboxKey, recorded.NetworkSettings.SandboxKey);
      assert.equal(s.pid, recorded.State.Pid);
    } finally {
      await session.dispose();
    }
  });

  it('keeps --network host, none and container:<id> containers as they are', async () => {
    const t = await snapshot('1.52');
    const byName = (name: string) => {
      const c = t.containers.find((x) => x.name === name);
      assert.ok(c, name);
      return c;
    };
    const web1 = byName('nld-fx-web1');

    const host = byName('nld-fx-host');
    assert.equal(host.networkMode, 'host');
    assert.deepEqual(host.networks, ['host']);
    const [hostEp] = endpointsOf(t, 'nld-fx-host');
    assert.equal(hostEp?.networkName, 'host');
    assert.equal(hostEp?.ipv4, null);
    assert.equal(hostEp?.mac, null);

    const none = byName('nld-fx-none');
    assert.equal(none.networkMode, 'none');
    assert.deepEqual(none.networks, ['none']);
    const [noneEp] = endpointsOf(t, 'nld-fx-none');
    assert.equal(noneEp?.networkName, 'none');
    assert.equal(noneEp?.ipv4, null);
    assert.equal(noneEp?.ipv6, null);

    const shared = byName('nld-fx-shared');
    assert.equal(shared.networkMode, `container:${web1.id}`);
    assert.equal(shared.sharesNetnsWith, web1.id);
    assert.deepEqual(shared.networks, []);
    assert.deepEqual(endpointsOf(t, 'nld-fx-shared'), []);
  });
});
