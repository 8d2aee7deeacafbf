/** The inspect pane's content over the recorded lab: organised for reading, with working links. */
import { strict as assert } from 'node:assert';
import { engineRoot, flattenNodes } from '../../../src/extension/trees/engineRoots';
import { containerSheet } from '../../../src/extension/facts/sheets';
import { nodeLinkOf } from '../../../src/extension/facts/factSheet';
import { valueText } from '../../../src/protocol/facts/sheet';
import { inspectSheetView } from '../../../src/extension/inspect/inspectView';
import { inspectProtocolVersion, isInspectCommand, isInspectSheetNotification } from '../../../src/protocol/inspectProtocol';
import type { ViewName } from '../../../src/extension/trees/treeNode';
import { labLayers, labTopology } from './sidebarFixture';

const topology = labTopology();
const view = { key: 'local', label: 'local', status: { kind: 'connected' as const, since: topology.collectedAt }, topology };
const view0 = view;
const VIEWS: ViewName[] = ['networks', 'host', 'containers'];

describe('inspect pane', () => {
  const web = topology.containers.find((c) => c.name === 'nle-web')!;
  const sheet = containerSheet('local', topology, web, labLayers());
  const section = (heading: string) => {
    const s = sheet.sections.find((x) => x.heading.startsWith(heading));
    assert.ok(s, `no section ${heading}: ${sheet.sections.map((x) => x.heading).join(', ')}`);
    return s;
  };

  it("a container's pane shows its interface with the veth peer and bridge, its routes and gateway", () => {
    const eth0 = section('Interfaces').rows.find((r) => r.label === 'eth0');
    assert.equal(eth0 && valueText(eth0.value), '172.17.0.8/16, MAC 02:42:ac:11:00:08, host peer veth7f24172, on bridge docker0');
    assert.deepEqual(eth0?.ref && nodeLinkOf('local', eth0.ref), { view: 'host', id: 'local/host/if/veth7f24172' });
    assert.equal(valueText(section('Routes').rows[0]!.value), 'default via 172.17.0.1 dev eth0');
    const gw = section('Container').rows.find((r) => r.label === 'Default gateway');
    assert.equal(gw && valueText(gw.value), '172.17.0.1');
  });

  it('follows each publish through DNAT and docker-proxy, and lists mounts with host paths and the layers', () => {
    const rows = section('Published ports').rows.map((r) => `${r.label} | ${valueText(r.value)}`);
    assert.ok(rows.includes('0.0.0.0:28380 → 172.17.0.8:80/tcp | DNAT nat/DOCKER #16: -A DOCKER ! -i docker0 -p tcp -m tcp --dport 28380 -j DNAT --to-destination 172.17.0.8:80'), rows.join('\n'));
    assert.ok(rows.some((r) => r.startsWith('  docker-proxy | pid 3773: /usr/sbin/docker-proxy -proto tcp -host-ip 0.0.0.0 -host-port 28380')));
    const srv = section('Mounts').rows.find((r) => r.label === '/srv');
    assert.equal(srv && valueText(srv.value), 'bind · ro · host /tmp/nle-bind');
    assert.equal(section('Layers').rows.filter((r) => r.label.startsWith('LowerDir')).length, 2);
  });

  it('every link of every pane points at an item that is in its view', () => {
    const ids = Object.fromEntries(VIEWS.map((v) => [v, new Set(flattenNodes([engineRoot(v, view)]).map((x) => x.node.id))])) as Record<ViewName, Set<string>>;
    let links = 0;
    for (const v of VIEWS) {
      for (const { node } of flattenNodes([engineRoot(v, view)])) {
        for (const s of node.sheet?.().sections ?? []) {
          for (const r of s.rows) {
            if (!r.ref) continue;
            const link = nodeLinkOf('local', r.ref);
            links++;
            assert.ok(ids[link.view].has(link.id), `${node.id} → ${link.view} ${link.id} is not in the tree`);
          }
        }
      }
    }
    assert.ok(links > 100, `only ${links} links checked`);
  });

  it('offers raw JSON and the topology, and keeps the item for a reload', () => {
    const view = inspectSheetView(sheet, { canShowTopology: true, item: { view: 'containers', id: 'local/ctr/x' } });
    assert.equal(view.canOpenRaw, true);
    assert.equal(view.canOpenTopology, true);
    assert.deepEqual(view.item, { view: 'containers', id: 'local/ctr/x' });
    assert.equal(inspectSheetView(sheet, { canShowTopology: false }).canOpenTopology, false);
    const host = engineRoot('host', view0).children.find((c) => c.sheet)!;
    assert.equal(inspectSheetView(host.sheet!(), { canShowTopology: true }).canOpenRaw, false, 'the host has no inspect JSON');
  });

  it('posts the sheet with its links resolved to tree items, and the guard accepts it', () => {
    const view = inspectSheetView(sheet, { canShowTopology: true });
    const eth0 = view.sections.find((s) => s.heading === 'Interfaces')?.rows.find((r) => r.label === 'eth0');
    assert.deepEqual(eth0?.link, { view: 'host', id: 'local/host/if/veth7f24172' });
    const message = { type: 'sheet', protocolVersion: inspectProtocolVersion, sheet: view };
    assert.ok(isInspectSheetNotification(JSON.parse(JSON.stringify(message))));
    assert.equal(isInspectSheetNotification({ ...message, sheet: { ...view, sections: [{ heading: 'x', rows: [{ label: 'a', value: { kind: 'html', text: '<b>' } }] }] } }), false);
    assert.ok(isInspectCommand({ type: 'ready', protocolVersion: inspectProtocolVersion }));
    assert.ok(isInspectCommand({ type: 'reveal', view: 'host', id: 'local/host/if/eth0' }));
    for (const bad of [null, { type: 'reveal', view: 'elsewhere', id: 'x' }, { type: 'reveal', view: 'host', id: '' }, { type: 'ready' }, { type: 'raw' }]) assert.equal(isInspectCommand(bad), false, JSON.stringify(bad));
  });
});
