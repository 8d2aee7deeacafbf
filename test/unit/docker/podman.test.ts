/**
 * Podman 4.3.1's Docker-compatible answers, recorded from `podman system service` (see
 * test/fixtures/podman/README.md): what they leave out and how netlens fills it in. Expected values
 * come from the same recording's libpod answers, inspects and `podman inspect` (lab.txt), and from
 * the live iptables-save taken beside them.
 */
import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createDockerClient } from '../../../src/core/docker/client';
import { collectEngineFacts } from '../../../src/core/docker/engine';
import {
  containersWithoutMode,
  libpodPodMembers,
  networkModeOfInspect,
  normaliseContainers,
  normaliseInfo,
  normaliseLibpodBridges,
  normaliseNetworks,
  resolveEndpointNetworks,
} from '../../../src/core/docker/normalise';
import type { EngineEndpoint } from '../../../src/core/docker/types';
import { NetlensError } from '../../../src/core/errors';
import { findDnatRule, findNatRules } from '../../../src/core/model/firewallJoins';
import { bridgeNameOf } from '../../../src/core/model/build';
import { parseIptablesSave } from '../../../src/core/netfilter/iptablesSave';
import { DOCKER_FIXTURES, fixtureJson, startEngineReplay, type EngineReplay } from '../../support/engineReplayServer';

const PODMAN = join(DOCKER_FIXTURES, '..', 'podman');
const text = (name: string): string => readFileSync(join(PODMAN, name), 'utf8');
const json = (name: string): unknown => JSON.parse(text(name)) as unknown;
const endpoint: EngineEndpoint = { kind: 'unix', url: 'unix:///tmp/nlpod-x/api.sock', source: 'option', socketPath: '/tmp/nlpod-x/api.sock' };

/** `podman inspect` of the recorded lab: name → id, init PID, network mode, pod id. */
const lab = new Map(
  text('lab.txt')
    .trim()
    .split('\n')
    .map((l) => l.split(' '))
    .map(([name, id, pid, mode, pod]) => [name!.endsWith('-infra') ? 'infra' : name!, { id: id!, pid: Number(pid), mode: mode!, pod: pod ?? '' }]),
);

describe('docker/normalise on recorded Podman 4.3.1 answers', () => {
  it('knows Podman from the "Podman Engine" component of GET /version, and Docker from its own', () => {
    const podman = normaliseInfo(json('info.json'), json('version.json'), endpoint);
    assert.equal(podman.product, 'podman');
    assert.equal(podman.version, '4.3.1');
    assert.equal(podman.apiVersion, '1.41');
    const docker = normaliseInfo(fixtureJson('info.json'), fixtureJson('version.json'), endpoint);
    assert.equal(docker.product, 'docker');
  });

  it("reads each network's bridge from Podman's own API, by id; the compatible list names none", () => {
    const networks = normaliseNetworks(json('networks.json'));
    const libpod = json('libpod-networks.json') as { id: string; name: string; network_interface: string }[];
    const bridges = normaliseLibpodBridges(libpod);
    for (const n of networks) {
      assert.equal(n.options['com.docker.network.bridge.name'], undefined, `the compatible API names no bridge for ${n.name}`);
      const own = libpod.find((l) => l.id === n.id);
      assert.ok(own, `libpod lists ${n.name} under the same id`);
      assert.equal(bridges.get(n.id), own.network_interface);
      assert.equal(bridgeNameOf({ ...n, bridgeInterface: bridges.get(n.id)! }), own.network_interface);
    }
    // the compatible API calls Podman's default network "bridge": without libpod it would pass for docker0
    const dflt = networks.find((n) => n.name === 'bridge')!;
    assert.equal(bridgeNameOf(dflt), 'docker0');
    assert.equal(bridgeNameOf({ ...dflt, bridgeInterface: bridges.get(dflt.id)! }), 'podman0');
  });

  it('refuses a network_interface that is no interface name', () => {
    const bad = [{ id: 'x', name: 'n', network_interface: 'br0; reboot' }];
    assert.throws(() => normaliseLibpodBridges(bad), (e: unknown) => e instanceof NetlensError && e.code === 'PARSE');
  });

  it("turns an endpoint's NetworkID that names a network into that network's id", () => {
    const networks = normaliseNetworks(json('networks.json'));
    const net = networks.find((n) => n.name === 'nlpod-net')!;
    const raw = normaliseContainers(json('containers.json'));
    const a = raw.find((c) => c.name === 'nlpod-a')!;
    assert.equal(a.endpoints[0]?.networkId, 'nlpod-net', 'Podman puts the name where Docker puts the id');
    const resolved = resolveEndpointNetworks(raw, networks);
    for (const name of ['nlpod-a', 'nlpod-b']) {
      const c = resolved.find((x) => x.name === name)!;
      assert.equal(c.id, lab.get(name)!.id);
      assert.deepEqual(c.endpoints.map((e) => [e.networkName, e.networkId]), [['nlpod-net', net.id]]);
    }
  });

  it('inspects exactly the containers the list shows on no network, and reads host/none there', () => {
    const unmoded = containersWithoutMode(json('containers.json')).sort();
    assert.deepEqual(unmoded, [lab.get('nlpod-h')!.id, lab.get('nlpod-n')!.id].sort());
    assert.equal(networkModeOfInspect(json('inspect-nlpod-h.json'), lab.get('nlpod-h')!.id), lab.get('nlpod-h')!.mode);
    assert.equal(networkModeOfInspect(json('inspect-nlpod-n.json'), lab.get('nlpod-n')!.id), lab.get('nlpod-n')!.mode);
    assert.equal(networkModeOfInspect(json('inspect-nlpod-b.json'), lab.get('nlpod-b')!.id), lab.get('nlpod-b')!.mode);
  });

  it("lists a pod's members with the pod's endpoint and ports as their own; Podman's own list names them", () => {
    const infra = lab.get('infra')!;
    const listed = normaliseContainers(json('containers.json'));
    const members = ['nlpod-p1', 'nlpod-p2'].map((n) => lab.get(n)!);
    for (const m of members) {
      assert.equal(m.mode, `container:${infra.id}`, 'podman inspect: the member joined the infra container');
      const c = listed.find((x) => x.id === m.id)!;
      assert.equal(c.endpoints.length, 1, 'yet the compatible list gives it an endpoint');
      assert.equal(c.ports.length, 1, 'and the pod\'s published port');
    }
    assert.deepEqual(libpodPodMembers(json('libpod-containers.json')).sort(), members.map((m) => m.id).sort());
    assert.equal(networkModeOfInspect(json('inspect-nlpod-p1.json'), members[0]!.id), members[0]!.mode);
  });
});

describe('docker/engine against the recorded Podman socket', () => {
  let replay: EngineReplay | null = null;
  afterEach(async () => {
    await replay?.close();
    replay = null;
  });

  it('asks Podman for its bridges, its pods and the modes the list leaves out (host, none, pod members)', async () => {
    const h = lab.get('nlpod-h')!;
    const n = lab.get('nlpod-n')!;
    replay = await startEngineReplay({
      '/info': { body: text('info.json') },
      '/version': { body: text('version.json') },
      '/networks': { body: text('networks.json') },
      '/containers/json': { body: text('containers.json') },
      '/volumes': { body: JSON.stringify({ Volumes: [], Warnings: [] }) },
      '/libpod/networks/json': { body: text('libpod-networks.json') },
      '/libpod/containers/json': { body: text('libpod-containers.json') },
      [`/containers/${h.id}/json`]: { body: text('inspect-nlpod-h.json') },
      [`/containers/${n.id}/json`]: { body: text('inspect-nlpod-n.json') },
      [`/containers/${lab.get('nlpod-p1')!.id}/json`]: { body: text('inspect-nlpod-p1.json') },
      [`/containers/${lab.get('nlpod-p2')!.id}/json`]: { body: text('inspect-nlpod-p2.json') },
    });
    const ep: EngineEndpoint = { kind: 'unix', url: `unix://${replay.socketPath}`, source: 'option', socketPath: replay.socketPath };
    const facts = await collectEngineFacts(createDockerClient(ep), ep);
    // five list calls, Podman's two own lists, four inspects (host, none, two pod members)
    assert.equal(facts.apiCalls, 11);
    assert.equal(replay.requests.length, 11);
    assert.ok(replay.requests.includes('/v4.3.1/libpod/networks/json'), replay.requests.join(' '));
    assert.ok(replay.requests.includes('/v4.3.1/libpod/containers/json?all=true'), replay.requests.join(' '));
    assert.equal(facts.info.product, 'podman');
    assert.ok((facts.info.apiLimits ?? []).length > 0);
    assert.equal(facts.networks.find((x) => x.name === 'nlpod-net')?.bridgeInterface, 'podman1');
    const mode = (name: string) => facts.containers.find((c) => c.name === name)?.networkMode;
    assert.equal(mode('nlpod-h'), 'host');
    assert.equal(mode('nlpod-n'), 'none');
    const net = facts.networks.find((x) => x.name === 'nlpod-net')!;
    assert.equal(facts.containers.find((c) => c.name === 'nlpod-a')?.endpoints[0]?.networkId, net.id);
    const infra = facts.containers.find((c) => c.id === lab.get('infra')!.id)!;
    assert.equal(infra.endpoints.length, 1);
    assert.equal(infra.ports.length, 1);
    for (const name of ['nlpod-p1', 'nlpod-p2']) {
      const m = facts.containers.find((c) => c.name === name)!;
      assert.equal(m.networkMode, `container:${infra.id}`);
      assert.deepEqual([m.endpoints, m.ports], [[], []], `${name}: the infra container holds the pod's endpoint and ports`);
    }
  });
});

describe("model/firewallJoins on netavark's recorded rules", () => {
  it('joins the 127.0.0.1 publish to the DNAT rule in NETAVARK-DN-<hash>', () => {
    const rules = parseIptablesSave(text('iptables-save.txt'), 'ipv4', 'iptables-save');
    const b = normaliseContainers(json('containers.json')).find((c) => c.name === 'nlpod-b')!;
    const port = b.ports[0]!;
    const ip = b.endpoints[0]!.ipv4!;
    const rule = findDnatRule(rules, { hostIp: port.hostIp!, hostPort: port.hostPort!, containerIp: ip, containerPort: port.containerPort, protocol: port.protocol });
    assert.ok(rule, 'a DNAT rule');
    assert.match(rule.chain, /^NETAVARK-DN-[0-9A-F]+$/);
    const line = text('iptables-save.txt').split('\n').find((l) => l.startsWith(`-A ${rule.chain} `) && l.includes('-j DNAT'));
    assert.equal(rule.raw, line);
    // bound to 127.0.0.1 only: asked for every address, there is no such rule
    assert.equal(findDnatRule(rules, { hostIp: '0.0.0.0', hostPort: port.hostPort!, containerIp: ip, containerPort: port.containerPort, protocol: port.protocol }), null);
  });

  it("finds the network's MASQUERADE behind netavark's jump from POSTROUTING for its subnet", () => {
    const dump = text('iptables-save.txt');
    const rules = parseIptablesSave(dump, 'ipv4', 'iptables-save');
    const subnet = normaliseNetworks(json('networks.json')).find((n) => n.name === 'nlpod-net')!.ipam.config[0]!.subnet;
    const jump = dump.split('\n').find((l) => l.startsWith(`-A POSTROUTING -s ${subnet} -j NETAVARK-`));
    assert.ok(jump, 'netavark jumps from POSTROUTING for the subnet');
    const chain = jump.split(' -j ')[1]!;
    const found = findNatRules(rules, [subnet]);
    assert.deepEqual(found.map((r) => r.raw), dump.split('\n').filter((l) => l.startsWith(`-A ${chain} `) && l.endsWith('-j MASQUERADE')));
    assert.equal(found.length, 1);
  });
});
