import { strict as assert } from 'node:assert';
import { composeBatch, parseBatch } from '../../../src/core/host/batch';
import { newDelimiter } from '../../../src/core/host/markers';
import { HOST_COMMANDS } from '../../../src/core/host/collect';
import { parseContainerNetns } from '../../../src/core/host/commands/containerNetns';
import { NetlensError } from '../../../src/core/errors';
import { hostFixture, hostLab } from '../../support/hostFixtures';

describe('host: batch script names', () => {
  it('refuses section and program names that would need quoting', () => {
    assert.throws(() => composeBatch([{ name: "a'; rm -rf /", requires: [], script: '' }], newDelimiter()), (e: unknown) => e instanceof NetlensError && e.code === 'BAD_INPUT');
    assert.throws(() => composeBatch([{ name: 'a', requires: ['ip;reboot'], script: '' }], newDelimiter()), (e: unknown) => e instanceof NetlensError && e.code === 'BAD_INPUT');
  });
});

describe('host: a recorded run of the whole host script', () => {
  const delimiter = hostFixture('batch-delimiter.txt').trim();
  const names = HOST_COMMANDS.map((c) => c.name);
  const lab = hostLab();

  it('every section of the real run came back with exit 0', () => {
    const sections = parseBatch(hostFixture('batch-full.txt'), delimiter, names);
    for (const name of names) assert.equal(sections.get(name)?.code, 0, `${name}: ${sections.get(name)?.stderr}`);
  });

  for (const [file, via] of [['batch-full.txt', 'nsenter'], ['batch-no-nsenter.txt', '/proc']] as const) {
    it(`${file}: finds each lab container by its full id and shim child PID, eth0 on the host veth (${via})`, () => {
      const sections = parseBatch(hostFixture(file), delimiter, names);
      const netns = parseContainerNetns(sections.get('container-netns')?.parts ?? []);
      for (const c of Object.values(lab.containers)) {
        const n = netns[c.id];
        assert.ok(n, `container ${c.id} missing`);
        assert.equal(n.pid, c.pid);
        assert.ok(n.interfaces.known, !n.interfaces.known ? n.interfaces.reason : '');
        const eth0 = n.interfaces.value.find((i) => i.name === 'eth0');
        assert.equal(eth0?.addresses.find((a) => a.family === 'inet')?.address, c.ip);
        if (c !== lab.containers['nlh-mac']) assert.equal(eth0?.linkIndex, c.hostVethIfindex);
        assert.equal(eth0?.details.source === undefined, via === 'nsenter');
      }
    });
  }

  it('batch-no-nsenter.txt: bridge ports came from the brctl fallback part', () => {
    const sections = parseBatch(hostFixture('batch-no-nsenter.txt'), delimiter, names);
    assert.ok(sections.get('bridge-link')?.parts.some((p) => p.name === 'text' && p.text.startsWith('bridge name')));
  });
});
