/**
 * The sidebar redraws what a model change touched: the recorded lab, the recorded engine events
 * applied to it, the three views' trees built before and after each event.
 */
import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { parseEventLine } from '../../../src/core/docker/eventLines';
import type { EngineEvent } from '../../../src/core/docker/types';
import type { Topology } from '../../../src/core/model/types';
import type { EngineView } from '../../../src/extension/engines/engineStatus';
import { patchTopology } from '../../../src/extension/engines/eventPatch';
import { engineRoot, flattenNodes } from '../../../src/extension/trees/engineRoots';
import { changedNodes, treeSignatures } from '../../../src/extension/trees/treeChanges';
import type { TreeNode, ViewName } from '../../../src/extension/trees/treeNode';
import { fixturePath, labTopology } from './sidebarFixture';

const events = (): EngineEvent[] =>
  readFileSync(fixturePath('events-sidebar-lab.jsonl'), 'utf8').split('\n').filter(Boolean).map((l) => parseEventLine(l).event);
const view = (topology: Topology, provisional: ReadonlySet<string> = new Set()): EngineView => ({
  key: 'local',
  label: 'local',
  status: { kind: 'connected', since: '2026-11-22T09:51:00Z' },
  topology,
  provisional,
});
const VIEWS: ViewName[] = ['networks', 'host', 'containers'];
const sigs = (v: ViewName, t: Topology, provisional?: ReadonlySet<string>) => treeSignatures([engineRoot(v, view(t, provisional))]);

describe('the sidebar redraws only what a model change touched', function () {
  this.timeout(30_000);
  it('the same model again changes nothing', () => {
    for (const v of VIEWS) assert.deepEqual(changedNodes(sigs(v, labTopology()), sigs(v, labTopology())), [], v);
  });

  it('each recorded event changes only items that show the thing it is about, never the whole tree', () => {
    let topology = labTopology();
    let provisional = new Set<string>();
    let checked = 0;
    for (const e of events()) {
      const p = patchTopology(topology, e);
      if (!p) continue;
      const next = new Set([...provisional, ...p.provisional]);
      for (const v of VIEWS) {
        const beforeRoot = engineRoot(v, view(topology, provisional));
        const afterRoot = engineRoot(v, view(p.topology, next));
        const changed = changedNodes(treeSignatures([beforeRoot]), treeSignatures([afterRoot]));
        assert.notEqual(changed, 'all', `${e.type} ${e.action} in ${v}`);
        const all = flattenNodes([afterRoot]).length;
        const ids = changed as string[];
        // every changed item really differs, and an item shown identically is never among them
        const byId = (root: TreeNode) => new Map(flattenNodes([root]).map(({ node }) => [node.id, node]));
        const [b, a] = [byId(beforeRoot), byId(afterRoot)];
        for (const id of ids) {
          const was = b.get(id);
          const now = a.get(id);
          assert.ok(now, `${id} is in the new tree`);
          assert.ok(!was || JSON.stringify({ ...was, sheet: undefined, children: was.children.map((c) => c.id) }) !== JSON.stringify({ ...now, sheet: undefined, children: now.children.map((c) => c.id) }), `${id} was redrawn though it shows the same`);
        }
        assert.ok(ids.length < all, `${e.type} ${e.action} in ${v}: ${ids.length} of ${all} items redrawn`);
        checked++;
      }
      topology = p.topology;
      provisional = next;
    }
    assert.ok(checked >= 15, `only ${checked} event/view pairs were checked`);
  });

  it('a container that starts redraws its own items and the counts above them, not its neighbours', () => {
    const t = labTopology();
    const victim = t.containers.find((c) => c.state === 'running')!;
    const stopped: Topology = { ...t, containers: t.containers.map((c) => (c.id === victim.id ? { ...c, state: 'exited', status: 'Exited (0)' } : c)) };
    for (const v of ['containers', 'networks'] as const) {
      const changed = changedNodes(sigs(v, stopped), sigs(v, t));
      assert.ok(Array.isArray(changed) && changed.length > 0, `${v}: ${String(changed)}`);
      // only items of that container (its own, its endpoints), never an engine or network item above
      for (const id of changed as string[]) assert.ok(id.includes(victim.id), `${v}: ${id} is not an item of ${victim.name}`);
    }
  });
});
