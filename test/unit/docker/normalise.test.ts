/**
 * Normalisation of the list answers recorded from the real engine (test/fixtures/docker). Expected
 * values are read from the same recording's inspect answers or stated by the scenario the capture
 * script built — not copied from the normaliser's output.
 */
import { strict as assert } from 'node:assert';
import { NetlensError } from '../../../src/core/errors';
import { normaliseContainers, normaliseInfo, normaliseNetworks, normaliseVolumes } from '../../../src/core/docker/normalise';
import type { DockerContainer, EngineEndpoint } from '../../../src/core/docker/types';
import { fixtureJson } from '../../support/engineReplayServer';

const endpoint: EngineEndpoint = { kind: 'unix', url: 'unix:///var/run/docker.sock', source: 'default', socketPath: '/var/run/docker.sock' };

function byName(list: readonly DockerContainer[], name: string): DockerContainer {
  const c = list.find((x) => x.name === name);
  assert.ok(c, `container ${name} in the recording`);
  return c;
}

function expectParse(fn: () => unknown, match: RegExp): void {
  assert.throws(fn, (e: unknown) => e instanceof NetlensError && e.code === 'PARSE' && match.test(e.message));
}

describe('docker/normalise on recorded Engine 20.10 answers', () => {
  const containers = normaliseContainers(fixtureJson('containers.json'));

  it('reads /info and /version', () => {
    const info = normaliseInfo(fixtureJson('info.json'), fixtureJson('version.json'), endpoint);
    assert.equal(info.version, '20.10.24+dfsg1');
    assert.equal(info.apiVersion, '1.41');
    assert.equal(info.storageDriver, 'overlay2');
    assert.equal(info.firewallBackend, null, 'Engine 20.10 does not report a firewall backend');
    assert.equal(info.containerdImageStore, false);
    assert.equal(info.swarm.state, 'inactive');
    assert.equal(info.swarm.nodeAddr, null);
  });

  it('reports the containerd store where an engine gives it', () => {
    const raw = fixtureJson('info.json') as Record<string, unknown>;
    const newer = { ...raw, DriverStatus: [['driver-type', 'io.containerd.snapshotter.v1']] };
    const info = normaliseInfo(newer, fixtureJson('version.json'), endpoint);
    assert.equal(info.containerdImageStore, true);
  });

  it('reads FirewallBackend as Engine 28.5.2 reports it: a driver and no Info', () => {
    // 20.10's recorded /info with 28.5.2's FirewallBackend member laid over it (fixture README).
    const raw = { ...(fixtureJson('info.json') as Record<string, unknown>), ...(fixtureJson('info-28.5.2-firewall.json') as Record<string, unknown>) };
    const info = normaliseInfo(raw, fixtureJson('version.json'), endpoint);
    assert.equal(info.firewallBackend, 'iptables');
    assert.deepEqual(info.firewallBackendInfo, []);
    assert.deepEqual(normaliseInfo(fixtureJson('info.json'), fixtureJson('version.json'), endpoint).firewallBackendInfo, []);
  });

  it('keeps the FirewallBackend Info pairs, and refuses a pair that is not a label and a value', () => {
    // Not a recording (no Engine 29 runs here): the FirewallInfo shape of moby's api/swagger.yaml —
    // Driver plus [label, value] pairs, which Docker 29 fills with firewalld's ReloadedAt.
    const raw = fixtureJson('info.json') as Record<string, unknown>;
    const withInfo = { ...raw, FirewallBackend: { Driver: 'nftables+firewalld', Info: [['ReloadedAt', '2025-01-01T00:00:00Z']] } };
    const info = normaliseInfo(withInfo, fixtureJson('version.json'), endpoint);
    assert.equal(info.firewallBackend, 'nftables+firewalld');
    assert.deepEqual(info.firewallBackendInfo, [['ReloadedAt', '2025-01-01T00:00:00Z']]);
    const odd = { ...raw, FirewallBackend: { Driver: 'nftables', Info: [['ReloadedAt']] } };
    expectParse(() => normaliseInfo(odd, fixtureJson('version.json'), endpoint), /GET \/info\.FirewallBackend: field Info\[0\] should be a \[label, value\] pair of strings/);
  });

  it('names containers without the slash and ignores link names', () => {
    const names = containers.map((c) => c.name).sort();
    assert.deepEqual(names, [
      'nld-fx-a',
      'nld-fx-b',
      'nld-fx-client',
      'nld-fx-exited',
      'nld-fx-host',
      'nld-fx-mac',
      'nld-fx-mounts',
      'nld-fx-none',
      'nld-fx-shared',
      'nld-fx-web1',
      'nld-fx-web2',
    ]);
    assert.equal(byName(containers, 'nld-fx-exited').state, 'created');
  });

  it('reads published ports with host IP, protocol, and every address family', () => {
    assert.deepEqual(byName(containers, 'nld-fx-web1').ports, [{ hostIp: '127.0.0.1', hostPort: 18471, containerPort: 80, protocol: 'tcp' }]);
    const key = (p: { hostIp: string | null; containerPort: number }) => `${p.hostIp} ${p.containerPort}`;
    const web2 = [...byName(containers, 'nld-fx-web2').ports].sort((a, b) => (key(a) < key(b) ? -1 : 1));
    assert.deepEqual(web2, [
      { hostIp: '0.0.0.0', hostPort: 18472, containerPort: 80, protocol: 'tcp' },
      { hostIp: '127.0.0.1', hostPort: 18473, containerPort: 53, protocol: 'udp' },
      { hostIp: '::', hostPort: 18472, containerPort: 80, protocol: 'tcp' },
    ]);
  });

  it('keeps network mode host, none and container:<id>, and their endpoints', () => {
    const web1 = byName(containers, 'nld-fx-web1');
    assert.equal(byName(containers, 'nld-fx-host').networkMode, 'host');
    assert.equal(byName(containers, 'nld-fx-none').networkMode, 'none');
    const shared = byName(containers, 'nld-fx-shared');
    assert.equal(shared.networkMode, `container:${web1.id}`);
    assert.deepEqual(shared.endpoints, [], 'a container: container has no endpoint of its own');
    const none = byName(containers, 'nld-fx-none').endpoints[0];
    assert.ok(none);
    assert.equal(none.networkName, 'none');
    assert.equal(none.ipv4, null);
    assert.equal(none.ipv4PrefixLen, null);
    assert.equal(none.mac, null);
  });

  it('normalises endpoints: IPs, MACs, gateways, null Aliases/Links → []', () => {
    const inspect = fixtureJson('inspect-container-link.json') as {
      Id: string;
      NetworkSettings: { Networks: Record<string, { IPAddress: string; MacAddress: string; Gateway: string; NetworkID: string }> };
    };
    const b = byName(containers, 'nld-fx-b');
    assert.equal(b.id, inspect.Id);
    const ep = b.endpoints[0];
    const truth = inspect.NetworkSettings.Networks['nld-fx-net'];
    assert.ok(ep && truth);
    assert.equal(ep.networkName, 'nld-fx-net');
    assert.equal(ep.networkId, truth.NetworkID);
    assert.equal(ep.ipv4, truth.IPAddress);
    assert.equal(ep.mac, truth.MacAddress);
    assert.equal(ep.gateway, truth.Gateway);
    assert.equal(ep.ipv6, null);
    assert.deepEqual(ep.aliases, []);
    const mac = byName(containers, 'nld-fx-mac').endpoints[0];
    assert.equal(mac?.ipv4, '192.168.203.10');
    assert.equal(mac?.ipv4PrefixLen, 24);
  });

  it('derives legacy --link from the target container names; user-network links are not in the list', () => {
    const client = byName(containers, 'nld-fx-client');
    assert.deepEqual(client.endpoints.find((e) => e.networkName === 'bridge')?.links, ['nld-fx-web1:webalias']);
    // What the recording's inspect says for the user-network link, and what the list lacks:
    const inspect = fixtureJson('inspect-container-link.json') as { NetworkSettings: { Networks: Record<string, { Links: string[] }> } };
    assert.deepEqual(inspect.NetworkSettings.Networks['nld-fx-net']?.Links, ['nld-fx-a:aa']);
    assert.deepEqual(byName(containers, 'nld-fx-b').endpoints[0]?.links, []);
  });

  it('reads mounts: a volume rw and a bind read-only (the list omits --tmpfs)', () => {
    const mounts = [...byName(containers, 'nld-fx-mounts').mounts].sort((a, b) => a.destination.localeCompare(b.destination));
    assert.deepEqual(mounts, [
      {
        type: 'volume',
        name: 'nld-fx-vol',
        source: '/var/lib/docker/volumes/nld-fx-vol/_data',
        destination: '/data',
        rw: true,
        mode: 'z',
        driver: 'local',
        propagation: '',
      },
      { type: 'bind', name: null, source: '/tmp/nld-fx-bind', destination: '/ro', rw: false, mode: 'ro', driver: null, propagation: 'rprivate' },
    ]);
  });

  it('reads networks with IPAM and options', () => {
    const networks = normaliseNetworks(fixtureJson('networks.json'));
    const bridge = networks.find((n) => n.name === 'bridge');
    assert.equal(bridge?.options['com.docker.network.bridge.name'], 'docker0');
    assert.equal(bridge?.ipam.config[0]?.subnet, '172.17.0.0/16');
    const mac = networks.find((n) => n.name === 'nld-fx-macnet');
    assert.equal(mac?.driver, 'macvlan');
    assert.equal(mac?.options.parent, 'nld-fxp0');
    assert.deepEqual(mac?.ipam.config, [{ subnet: '192.168.203.0/24', gateway: '192.168.203.1', ipRange: null }]);
    const user = networks.find((n) => n.name === 'nld-fx-net');
    assert.deepEqual(user?.labels, { nld: 'fx' });
    assert.equal(user?.internal, false);
    assert.deepEqual(networks.find((n) => n.name === 'none')?.ipam.config, []);
  });

  it('reads volumes (Options: null → {})', () => {
    assert.deepEqual(normaliseVolumes(fixtureJson('volumes.json')), [
      { name: 'nld-fx-vol', driver: 'local', mountpoint: '/var/lib/docker/volumes/nld-fx-vol/_data', scope: 'local', labels: { nld: 'fx' }, options: {} },
    ]);
  });

  it('fails with PARSE naming the object and field on odd shapes', () => {
    const list = fixtureJson('containers.json') as Record<string, unknown>[];
    const first = list[0] as Record<string, unknown>;
    const noId = [{ ...first, Id: undefined }];
    expectParse(() => normaliseContainers(noId), /GET \/containers\/json \[0\] "nld-fx-exited": field Id should be a string, got nothing/);
    const badPort = [{ ...first, Ports: [{ PrivatePort: '80', Type: 'tcp' }] }];
    expectParse(() => normaliseContainers(badPort), /Ports\[0\]: field PrivatePort should be a number/);
    expectParse(() => normaliseContainers({ message: 'x' }), /GET \/containers\/json should be a JSON array/);
    expectParse(() => normaliseNetworks([{ Name: 'n', Id: 'x', Driver: 'bridge', Scope: 'local', Options: { mtu: 1500 } }]), /"n": field Options.mtu should be a string/);
    expectParse(() => normaliseVolumes({ Volumes: [{ Driver: 'local' }] }), /Volumes\[0\]: field Name should be a string/);
  });
});
