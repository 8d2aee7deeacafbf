/**
 * collectEngineFacts, getContainerStorage and getContainerDiff through the real dockerode stack,
 * against the recorded answers served on a local socket: how many requests a snapshot makes, and
 * that storage/diff read the recorded inspect and changes.
 */
import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { NetlensError } from '../../../src/core/errors';
import { createDockerClient } from '../../../src/core/docker/client';
import { collectEngineFacts, identityHolds } from '../../../src/core/docker/engine';
import { getContainerDiff, getContainerStorage, inspectRaw, validateObjectRef } from '../../../src/core/docker/storage';
import type { EngineEndpoint } from '../../../src/core/docker/types';
import { DOCKER_FIXTURES, fixtureJson, fixtureText, startEngineReplay } from '../../support/engineReplayServer';
import type { EngineReplay } from '../../support/engineReplayServer';

function routes(containersBody: string) {
  return {
    '/info': { body: fixtureText('info.json') },
    '/version': { body: fixtureText('version.json') },
    '/networks': { body: fixtureText('networks.json') },
    '/containers/json': { body: containersBody },
    '/volumes': { body: fixtureText('volumes.json') },
    '/containers/nld-fx-mounts/json': { body: fixtureText('inspect-container-mounts.json') },
    '/containers/nld-fx-mounts/changes': { body: fixtureText('changes-mounts.json') },
    '/containers/nld-fx-clean/changes': { body: 'null' },
    '/containers/nld-fx-nodata/json': {
      body: JSON.stringify({ ...(fixtureJson('inspect-container-mounts.json') as object), GraphDriver: { Name: 'overlayfs', Data: null } }),
    },
  };
}

describe('docker/engine + storage against recorded answers', () => {
  let replay: EngineReplay | null = null;
  let endpoint: EngineEndpoint;
  const requests = (): string[] => {
    assert.ok(replay, 'a replay server is running');
    return replay.requests;
  };
  afterEach(async () => {
    await replay?.close();
    replay = null;
  });

  async function start(containersBody = fixtureText('containers.json')) {
    await replay?.close();
    replay = await startEngineReplay(routes(containersBody));
    endpoint = { kind: 'unix', url: `unix://${replay.socketPath}`, source: 'option', socketPath: replay.socketPath };
    return createDockerClient(endpoint);
  }

  it('makes five list calls whatever the number of containers', async () => {
    const recorded = fixtureJson('containers.json') as { Id: string; Names: string[] }[];
    // 20 times the recorded list, each copy with its own ids and names.
    const many = Array.from({ length: 20 }, (_, k) =>
      recorded.map((c) => ({ ...c, Id: `${k.toString(16).padStart(2, '0')}${c.Id.slice(2)}`, Names: c.Names.map((n) => `${n}-${k}`) })),
    ).flat();
    for (const body of [fixtureText('containers.json'), JSON.stringify(many)]) {
      const docker = await start(body);
      const facts = await collectEngineFacts(docker, endpoint);
      assert.equal(facts.apiCalls, 5);
      assert.equal(requests().length, 5);
      assert.deepEqual(
        requests().map((r) => r.split('?')[0]).sort(),
        ['/containers/json', '/info', '/networks', '/version', '/volumes'],
      );
      assert.ok(requests().some((r) => /^\/containers\/json\?all=1$/.test(r)), requests().join(' '));
      assert.equal(facts.containers.length, JSON.parse(body).length);
      assert.equal(facts.info.endpoint, endpoint);
    }
  });

  it("kept GET /info and /version answers: three list calls, and the engine's facts as before", async () => {
    const docker = await start();
    const first = await collectEngineFacts(docker, endpoint);
    assert.ok(first.identity, 'the answers are given back to keep');
    assert.equal(first.info.keptSince, undefined, 'read now');
    replay!.requests.length = 0;
    const again = await collectEngineFacts(docker, endpoint, undefined, first.identity);
    assert.deepEqual(requests().map((r) => r.split('?')[0]).sort(), ['/containers/json', '/networks', '/volumes']);
    assert.equal(again.apiCalls, 3);
    assert.equal(again.info.keptSince, first.identity.at);
    assert.deepEqual({ ...again.info, keptSince: undefined }, { ...first.info, keptSince: undefined });
    assert.equal(again.identity, first.identity);
  });

  it('asks /info and /version again when the kept ones disagree with the network list (a swarm joined since)', async () => {
    const docker = await start();
    const first = await collectEngineFacts(docker, endpoint);
    assert.equal(first.info.swarm.state, 'inactive', 'recorded outside a swarm');
    // the network list of a swarm member: the recorded one with a recorded swarm-scoped overlay
    const overlay = (JSON.parse(readFileSync(join(DOCKER_FIXTURES, '../overlay/swarm-overlay.json'), 'utf8')) as { networkInspect: unknown[] }).networkInspect;
    await replay!.close();
    replay = await startEngineReplay({ ...routes(fixtureText('containers.json')), '/networks': { body: JSON.stringify([...(fixtureJson('networks.json') as unknown[]), ...overlay]) } });
    endpoint = { kind: 'unix', url: `unix://${replay.socketPath}`, source: 'option', socketPath: replay.socketPath };
    const again = await collectEngineFacts(createDockerClient(endpoint), endpoint, undefined, first.identity);
    assert.deepEqual(requests().map((r) => r.split('?')[0]).sort(), ['/containers/json', '/info', '/networks', '/version', '/volumes']);
    assert.equal(again.apiCalls, 5);
    assert.equal(again.info.keptSince, undefined, 'read again, not kept');
    assert.notEqual(again.identity, first.identity);
    // and answers that still disagree (this replay's /info says inactive) are not worth keeping
    assert.equal(identityHolds(again.info, again.networks), false);
    assert.equal(identityHolds(first.info, first.networks), true);
  });

  it('reads GraphDriver layers, pid and sandbox key from one inspect', async () => {
    const docker = await start();
    const raw = fixtureJson('inspect-container-mounts.json') as {
      Id: string;
      State: { Pid: number };
      NetworkSettings: { SandboxKey: string };
      GraphDriver: { Data: { LowerDir: string; UpperDir: string } };
    };
    const s = await getContainerStorage(docker, 'nld-fx-mounts');
    assert.equal(requests().length, 1);
    assert.equal(s.containerId, raw.Id);
    assert.equal(s.driver, 'overlay2');
    assert.equal(s.lowerDirs.length, 2);
    assert.equal(s.lowerDirs.join(':'), raw.GraphDriver.Data.LowerDir);
    assert.match(s.lowerDirs[0] ?? '', /-init\/diff$/, 'the init layer is listed first, as the engine gives it');
    assert.equal(s.upperDir, raw.GraphDriver.Data.UpperDir);
    assert.equal(s.pid, raw.State.Pid);
    assert.equal(s.sandboxKey, raw.NetworkSettings.SandboxKey);
    assert.equal(s.unavailableReason, null);
  });

  it('says plainly when the engine gives no layer paths', async () => {
    const docker = await start();
    const s = await getContainerStorage(docker, 'nld-fx-nodata');
    assert.deepEqual(s.lowerDirs, []);
    assert.equal(s.upperDir, null);
    assert.match(s.unavailableReason ?? '', /containerd image store/);
  });

  it('maps changes Kind 0/1/2 to C/A/D, and null to no changes', async () => {
    const docker = await start();
    const changes = await getContainerDiff(docker, 'nld-fx-mounts');
    assert.deepEqual(
      changes.filter((c) => ['/newfile', '/bin/ls', '/www/index.html'].includes(c.path)),
      [
        { kind: 'A', path: '/newfile' },
        { kind: 'C', path: '/www/index.html' },
        { kind: 'D', path: '/bin/ls' },
      ],
    );
    assert.deepEqual(await getContainerDiff(docker, 'nld-fx-clean'), []);
  });

  it('refuses ids that are neither hex nor a Docker name, before any request', async () => {
    const docker = await start();
    for (const bad of ['../../info', 'a b', '', '-rm', 'x;reboot', 'web?all=1']) {
      await assert.rejects(getContainerStorage(docker, bad), (e: unknown) => e instanceof NetlensError && e.code === 'BAD_INPUT');
      await assert.rejects(inspectRaw(docker, 'network', bad), (e: unknown) => e instanceof NetlensError && e.code === 'BAD_INPUT');
    }
    assert.equal(requests().length, 0);
    assert.equal(validateObjectRef('/nld-fx-web1'), 'nld-fx-web1');
    assert.equal(validateObjectRef('3d49691ea394'), '3d49691ea394');
  });

  it('gives NOT_FOUND for an unknown container', async () => {
    const docker = await start();
    await assert.rejects(getContainerDiff(docker, 'nld-fx-nope'), (e: unknown) => e instanceof NetlensError && e.code === 'NOT_FOUND');
  });
});
