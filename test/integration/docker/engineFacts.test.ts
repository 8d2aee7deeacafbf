/**
 * collectEngineFacts against the real engine, on the seeds' scenarios, held against the engine's
 * own answers: `docker inspect`, `docker port`, `docker network inspect`, `docker volume inspect`.
 */
import { strict as assert } from 'node:assert';
import { createDockerClient } from '../../../src/core/docker/client';
import { resolveEngineEndpoint } from '../../../src/core/docker/connection';
import { collectEngineFacts } from '../../../src/core/docker/engine';
import type { DockerContainer, EngineEndpoint, EngineFacts } from '../../../src/core/docker/types';
import { docker, requireRealEngine } from '../../support/lab';
import { MACVLAN_PARENT, MACVLAN_SUBNET, PREFIX, WEB1_PORT, WEB2_PORT, buildEngineLab, inspect, removeEngineLab } from './engineLab';

interface InspectedContainer {
  Id: string;
  Name: string;
  State: { Status: string };
  HostConfig: { NetworkMode: string; Links: string[] | null; Tmpfs?: Record<string, string> };
  NetworkSettings: {
    Networks: Record<string, { NetworkID: string; EndpointID: string; IPAddress: string; IPPrefixLen: number; MacAddress: string; Gateway: string; Aliases: string[] | null }>;
  };
  Mounts: { Type: string; Source: string; Destination: string; RW: boolean; Name?: string }[];
}

interface InspectedNetwork {
  Id: string;
  Driver: string;
  Internal: boolean;
  IPAM: { Config: { Subnet: string; Gateway?: string }[] };
  Options: Record<string, string>;
}

describe('docker/engine: facts from list calls agree with the engine', function () {
  this.timeout(120_000);
  let endpoint: EngineEndpoint;
  let facts: EngineFacts;
  const mine = () => facts.containers.filter((c) => c.name.startsWith(PREFIX));
  const named = (s: string): DockerContainer => {
    const c = facts.containers.find((x) => x.name === `${PREFIX}${s}`);
    assert.ok(c, `${PREFIX}${s} is in the facts`);
    return c;
  };

  before(async () => {
    requireRealEngine();
    buildEngineLab();
    endpoint = resolveEngineEndpoint({ env: { HOME: '/nonexistent-nld-home' } });
    facts = await collectEngineFacts(createDockerClient(endpoint), endpoint);
  });
  after(() => removeEngineLab());

  it('lists every container of the lab, with id, state and network mode as docker inspect says', () => {
    const expected = docker('ps', '-a', '--filter', `name=^/${PREFIX}`, '--format', '{{.Names}}').split('\n').filter(Boolean).sort();
    assert.deepEqual(mine().map((c) => c.name).sort(), expected);
    for (const c of mine()) {
      const truth = inspect<InspectedContainer>('inspect', c.name);
      assert.equal(c.id, truth.Id, c.name);
      assert.equal(`/${c.name}`, truth.Name);
      assert.equal(c.state, truth.State.Status, c.name);
      assert.equal(c.networkMode, truth.HostConfig.NetworkMode, c.name);
    }
    assert.equal(named('host').networkMode, 'host');
    assert.equal(named('none').networkMode, 'none');
    assert.equal(named('shared').networkMode, `container:${named('web1').id}`);
    assert.equal(named('stopped').state, 'created');
    assert.equal(facts.apiCalls, 5);
  });

  it('gives each endpoint the IP, prefix, MAC, gateway and ids of docker inspect', () => {
    for (const c of mine()) {
      const truth = inspect<InspectedContainer>('inspect', c.name).NetworkSettings.Networks;
      assert.deepEqual(c.endpoints.map((e) => e.networkName).sort(), Object.keys(truth).sort(), c.name);
      for (const e of c.endpoints) {
        const t = truth[e.networkName];
        assert.ok(t);
        assert.equal(e.networkId, t.NetworkID);
        assert.equal(e.endpointId, t.EndpointID);
        assert.equal(e.ipv4, t.IPAddress === '' ? null : t.IPAddress, `${c.name} ${e.networkName}`);
        assert.equal(e.ipv4PrefixLen, t.IPAddress === '' ? null : t.IPPrefixLen);
        assert.equal(e.mac, t.MacAddress === '' ? null : t.MacAddress);
        assert.equal(e.gateway, t.Gateway === '' ? null : t.Gateway);
      }
    }
    const mac = named('macc').endpoints[0];
    assert.ok(mac?.ipv4);
    assert.ok(mac.ipv4.startsWith('192.168.204.'), 'the macvlan container has an address in the macvlan subnet');
  });

  it('publishes exactly what docker port reports, with the host IP', () => {
    for (const [name, port] of [
      ['web1', WEB1_PORT],
      ['web2', WEB2_PORT],
    ] as const) {
      const c = named(name);
      // `docker port` prints "80/tcp -> 127.0.0.1:18480", one line per binding and family.
      const truth = docker('port', c.name).split('\n').filter(Boolean).map((l) => {
        const m = /^(\d+)\/(\w+) -> (.*):(\d+)$/.exec(l.trim());
        assert.ok(m, `docker port line ${l}`);
        return `${m[3]?.replace(/^\[|\]$/g, '')} ${m[4]} ${m[1]} ${m[2]}`;
      });
      const ours = c.ports.map((p) => `${p.hostIp} ${p.hostPort} ${p.containerPort} ${p.protocol}`);
      assert.deepEqual(ours.sort(), truth.sort(), name);
      assert.ok(c.ports.every((p) => p.hostPort === port));
    }
    assert.ok(named('web1').ports.every((p) => p.hostIp === '127.0.0.1'));
  });

  it('reads the legacy --link alias from the list (the engine keeps it in HostConfig.Links)', () => {
    const links = inspect<InspectedContainer>('inspect', `${PREFIX}client`).HostConfig.Links ?? [];
    // "/nld-it-web1:/nld-it-client/webalias" → "nld-it-web1:webalias"
    const expected = links.map((l) => {
      const [target, as] = l.split(':');
      return `${target?.replace(/^\//, '')}:${as?.split('/').pop()}`;
    });
    assert.deepEqual(expected, [`${PREFIX}web1:webalias`]);
    assert.deepEqual(named('client').endpoints.find((e) => e.networkName === 'bridge')?.links, expected);
  });

  it('finding: the list answer carries no --network-alias on this engine (inspect does)', () => {
    const aliases = inspect<InspectedContainer>('inspect', `${PREFIX}a`).NetworkSettings.Networks[`${PREFIX}net`]?.Aliases ?? [];
    assert.ok(aliases.includes(`${PREFIX}alias-a`), 'inspect has the alias');
    assert.deepEqual(named('a').endpoints[0]?.aliases, [], 'GET /containers/json gave Aliases: null');
  });

  it('reads mounts as docker inspect lists them: volume rw, bind read-only (--tmpfs is in neither list)', () => {
    const truth = inspect<InspectedContainer>('inspect', `${PREFIX}mounts`);
    const ours = named('mounts').mounts.map((m) => `${m.type} ${m.source} ${m.destination} ${m.rw}`).sort();
    assert.deepEqual(ours, truth.Mounts.map((m) => `${m.Type} ${m.Source} ${m.Destination} ${m.RW}`).sort());
    assert.deepEqual(
      named('mounts').mounts.map((m) => [m.type, m.destination, m.rw]).sort(),
      [
        ['bind', '/ro', false],
        ['volume', '/data', true],
      ],
    );
    assert.deepEqual(Object.keys(truth.HostConfig.Tmpfs ?? {}), ['/scratch'], '--tmpfs shows only in inspect HostConfig.Tmpfs');
  });

  it('reads networks as docker network inspect does, macvlan parent included', () => {
    for (const n of facts.networks.filter((x) => x.name.startsWith(PREFIX) || x.name === 'bridge')) {
      const truth = inspect<InspectedNetwork>('network', 'inspect', n.name);
      assert.equal(n.id, truth.Id);
      assert.equal(n.driver, truth.Driver);
      assert.equal(n.internal, truth.Internal);
      assert.deepEqual(n.options, truth.Options ?? {});
      assert.deepEqual(
        n.ipam.config.map((c) => [c.subnet, c.gateway]),
        truth.IPAM.Config.map((c) => [c.Subnet, c.Gateway ?? null]),
      );
    }
    const mac = facts.networks.find((n) => n.name === `${PREFIX}mac`);
    assert.equal(mac?.options.parent, MACVLAN_PARENT);
    assert.equal(mac?.ipam.config[0]?.subnet, MACVLAN_SUBNET);
  });

  it('lists the lab volume with the mountpoint docker volume inspect gives', () => {
    const v = facts.volumes.find((x) => x.name === `${PREFIX}vol`);
    const truth = inspect<{ Mountpoint: string; Driver: string }>('volume', 'inspect', `${PREFIX}vol`);
    assert.equal(v?.mountpoint, truth.Mountpoint);
    assert.equal(v?.driver, truth.Driver);
  });

  it('reads info as docker version/info report it', () => {
    assert.equal(facts.info.version, docker('version', '--format', '{{.Server.Version}}'));
    assert.equal(facts.info.apiVersion, docker('version', '--format', '{{.Server.APIVersion}}'));
    assert.equal(facts.info.storageDriver, docker('info', '--format', '{{.Driver}}'));
    assert.equal(facts.info.endpoint.url, 'unix:///var/run/docker.sock');
  });
});
