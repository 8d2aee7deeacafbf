/**
 * Parsing the docker-netns batch section as the real shell returned it (test/fixtures/overlay/,
 * recorded by test/support/recordOverlayFixture.ts during a single-node swarm, and right after
 * `docker swarm leave`). The section's script run for real: test/integration/host/dockerNetnsShell.test.ts.
 */
import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseDockerNetns, withHostNetnsIds, dockerNetnsCommand } from '../../../src/core/host/commands/dockerNetns';
import type { BatchSection } from '../../../src/core/host/batch';
import type { HostFacts } from '../../../src/core/host/types';
import { HOST_COMMANDS } from '../../../src/core/host/collect';

const dir = join(__dirname, '../../../../test/fixtures/overlay');
const rec = JSON.parse(readFileSync(join(dir, 'swarm-overlay.json'), 'utf8')) as { host: HostFacts; dockerNetnsSection: BatchSection };
const afterLeave = (JSON.parse(readFileSync(join(dir, 'after-leave.docker-netns-section.json'), 'utf8')) as { section: BatchSection }).section;
const hostIfaces = rec.host.interfaces.known ? rec.host.interfaces.value : [];

describe('host: Docker namespaces (/var/run/docker/netns)', () => {
  it('reads overlay, ingress_sbox and lb_ namespaces, skipping `default` and container sandboxes', () => {
    const ns = parseDockerNetns(rec.dockerNetnsSection);
    const names = ns.map((n) => n.name);
    assert.ok(names.includes('ingress_sbox'));
    assert.ok(names.some((n) => /^1-[a-z0-9]{10}$/.test(n)) && names.some((n) => /^lb_[a-z0-9]{9}$/.test(n)));
    assert.ok(!names.includes('default') && !names.some((n) => /^[0-9a-f]{12}$/.test(n)));
    for (const n of ns) {
      assert.equal(n.path, `/var/run/docker/netns/${n.name}`);
      assert.ok(n.interfaces.known && n.routes.known && n.neighbours.known, `${n.name} read in full`);
    }
    const overlay = ns.find((n) => n.name.startsWith('1-') && n.interfaces.known && n.interfaces.value.some((i) => i.kind === 'vxlan'));
    assert.ok(overlay, 'an overlay namespace holds a vxlan device');
  });

  it('gives ingress_sbox the netnsid the host uses for it (docker_gwbridge port) and null where no host veth leads in', () => {
    const ns = withHostNetnsIds(parseDockerNetns(rec.dockerNetnsSection), hostIfaces);
    const sbox = ns.find((n) => n.name === 'ingress_sbox')!;
    const hostPort = hostIfaces.find((h) => h.master === 'docker_gwbridge' && sbox.interfaces.known && sbox.interfaces.value.some((i) => i.index === h.linkIndex && i.linkIndex === h.index));
    assert.ok(hostPort && hostPort.linkNetnsId !== null);
    assert.equal(sbox.id, hostPort.linkNetnsId);
    for (const n of ns.filter((x) => x.name.startsWith('1-'))) assert.equal(n.id, null, `${n.name}: no host veth leads into it`);
    assert.deepEqual(ns, rec.host.dockerNetns && rec.host.dockerNetns.known ? rec.host.dockerNetns.value : null, 'the collect path gives the same');
  });

  it('a namespace nsenter refuses (after swarm leave) is unknown with nsenter’s own words, the others still listed', () => {
    const ns = parseDockerNetns(afterLeave);
    assert.ok(ns.length >= 1);
    for (const n of ns) {
      assert.ok(!n.interfaces.known && !n.routes.known && !n.neighbours.known);
      assert.match(n.interfaces.reason, new RegExp(`^nsenter --net=/var/run/docker/netns/${n.name} .*reassociate to namespace`));
    }
  });

  it('refuses part names the script would never emit', () => {
    const ns = parseDockerNetns({ stdout: '', code: 0, parts: [{ name: 'ns:../../etc', text: '' }, { name: 'ns:a b', text: '' }] });
    assert.deepEqual(ns, []);
  });

  it('is a section of the one host batch', () => {
    assert.ok(HOST_COMMANDS.includes(dockerNetnsCommand));
  });
});
