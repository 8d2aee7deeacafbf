import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { containerSheet } from '../../../src/extension/facts/sheets';
import { valueText } from '../../../src/protocol/facts/sheet';
import type { Topology } from '../../../src/core/model/types';
import { FIXTURES } from '../../support/netfilterFixtures';

// The recorded listener lab (test/fixtures/trace/README.md).
const LAB: Topology = JSON.parse(readFileSync(join(FIXTURES, 'trace', 'listeners-lab.topology.json'), 'utf8'));
const listening = (name: string) =>
  containerSheet('local', LAB, LAB.containers.find((c) => c.name === name)!)
    .sections.find((s) => s.heading === 'Listening')
    ?.rows.map((r) => `${r.label} ${valueText(r.value)}`);

describe('extension: the container pane says who listens', () => {
  it('lists the sockets of its namespace', () => {
    assert.deepEqual(listening('nlk-web'), ['tcp/80 any address', 'Docker DNS 127.0.0.11', 'udp/5353 any address']);
    assert.deepEqual(listening('nlk-hostnet'), ["sockets the host's (--network host)"]);
  });

  it('leaves the section out for a model without listener facts', () => {
    const web = LAB.containers.find((c) => c.name === 'nlk-web')!;
    const { listeners: _gone, ...older } = web;
    assert.equal(containerSheet('local', LAB, older).sections.some((s) => s.heading === 'Listening'), false);
  });
});
