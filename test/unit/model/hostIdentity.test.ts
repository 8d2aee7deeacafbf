import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { EngineFacts } from '../../../src/core/docker/types';
import type { HostFacts } from '../../../src/core/host/types';
import { known } from '../../../src/core/known';
import { matchEngineHost } from '../../../src/core/model/hostIdentity';

// Two real recordings of this machine (test/fixtures/model, test/fixtures/overlay): each one's
// engine and host facts were read together; the other's host facts stand for a shell that reached
// another host than the engine's (its containers, bridges and veths are not that engine's).
const FIX = join(__dirname, '../../../../test/fixtures');
const seed = JSON.parse(readFileSync(join(FIX, 'model', 'seed-lab.json'), 'utf8')) as { engine: EngineFacts; host: HostFacts };
const swarm = JSON.parse(readFileSync(join(FIX, 'overlay', 'swarm-overlay.json'), 'utf8')) as { engine: EngineFacts; host: HostFacts };

describe('the host shell reached the engine\'s own host', () => {
  it('accepts a shell whose host has the engine\'s containers\' veth peers', () => {
    assert.deepEqual(matchEngineHost(seed.engine, seed.host), { same: true });
    assert.deepEqual(matchEngineHost(swarm.engine, swarm.host), { same: true });
  });

  it('refuses a shell on which none of the engine\'s container veths has its peer', () => {
    // the engine's containers found through their processes (as on a machine sharing the PID
    // namespace), but the interfaces are another namespace's
    const m = matchEngineHost(seed.engine, { ...seed.host, interfaces: swarm.host.interfaces });
    assert.equal(m.same, false);
    assert.match(!m.same ? m.reason : '', /^none of the \d+ container veth\(s\) has its peer among this shell/);
    const other = matchEngineHost(seed.engine, swarm.host);
    assert.equal(other.same, false, 'nor does a host that has neither its containers nor its bridges');
  });

  it('refuses another kernel or another host name before anything else', () => {
    const kernel = matchEngineHost(seed.engine, { ...seed.host, kernelRelease: known('6.10.14-linuxkit') });
    assert.match(!kernel.same ? kernel.reason : '', new RegExp(`^the engine runs on kernel ${seed.engine.info.kernelVersion.replace(/\./g, '\\.')} .* on kernel 6\\.10\\.14-linuxkit: the engine may run in a VM`));
    const name = matchEngineHost({ ...seed.engine, info: { ...seed.engine.info, name: 'docker-desktop' } }, seed.host);
    assert.match(!name.same ? name.reason : '', /^the engine's host is "docker-desktop", this shell \(local, host "vm"\) is on "vm"/);
  });

  it('without containers, the engine\'s bridges decide', () => {
    const noContainers = { ...seed.engine, containers: [] };
    assert.deepEqual(matchEngineHost(noContainers, seed.host), { same: true });
    const other = matchEngineHost({ ...swarm.engine, containers: [] }, seed.host);
    assert.equal(other.same, false, 'the swarm lab\'s user networks have bridges the seed lab\'s host never had');
    assert.match(!other.same ? other.reason : '', /has bridge (br-[0-9a-f]{12}|docker_gwbridge), which this shell/);
  });
});
