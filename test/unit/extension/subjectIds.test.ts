/**
 * One id scheme: a model subject names a thing; its key is the graph's id, its tree node is found
 * from it (nodeIds.subjectNode) without walking the tree. Checked over the recorded sidebar lab,
 * whose trees and graph are built from the same topology.
 */
import { strict as assert } from 'node:assert';
import { parseSubjectKey, subjectKey } from '../../../src/protocol/subject';
import { engineRoot, flattenNodes } from '../../../src/extension/trees/engineRoots';
import { subjectNode } from '../../../src/extension/trees/nodeIds';
import type { TreeNode, ViewName } from '../../../src/extension/trees/treeNode';
import { subjectOfItem } from '../../../src/protocol/topologyIds';
import { layoutTopology } from '../../../webview/layout';
import { resolveTarget } from '../../../webview/resolveTarget';
import { labTopology } from './sidebarFixture';

const topology = labTopology();
const view = { key: 'local', label: 'local', status: { kind: 'connected' as const, since: topology.collectedAt }, topology };
const VIEWS: ViewName[] = ['networks', 'host', 'containers'];
const trees = Object.fromEntries(VIEWS.map((v) => [v, new Map(flattenNodes([engineRoot(v, view)]).map((x) => [x.node.id, x.node]))])) as Record<ViewName, Map<string, TreeNode>>;
const layout = layoutTopology(topology);

describe('one id scheme: subjects for the trees, the graph and the panes', () => {
  it('every tree node that shows a subject is the node its subject names, or leads there', () => {
    let n = 0;
    for (const v of VIEWS) {
      for (const node of trees[v].values()) {
        const s = node.targets?.subject;
        if (!s) continue;
        n++;
        const target = subjectNode('local', s);
        assert.ok(trees[target.view].get(target.id)?.sheet, `${node.id} (${subjectKey(s)}) → ${target.view} ${target.id} is an inspectable node`);
        assert.deepEqual(parseSubjectKey(subjectKey(s)), s, 'the key reads back as the subject');
      }
    }
    assert.ok(n > 50, `only ${n} nodes carry a subject`);
  });

  it('every drawn model item opens a tree node in the inspect pane, and every key the trees focus is drawn', () => {
    let opened = 0;
    for (const item of layout.nodes) {
      const s = subjectOfItem(item.id);
      if (!s) continue;
      const target = subjectNode('local', s);
      assert.ok(trees[target.view].get(target.id)?.sheet, `${item.id} → ${target.view} ${target.id}`);
      opened++;
    }
    assert.ok(opened > 20, `only ${opened} drawn items checked`);
    const focused = new Set<string>();
    for (const v of VIEWS) for (const node of trees[v].values()) if (node.targets?.subject && node.targets.subject.kind !== 'host') focused.add(subjectKey(node.targets.subject));
    // what the graph does not draw: host interfaces it has no place for (lo …) and the host and
    // none networks, which have no device of their own (an endpoint without an item of its own
    // focuses its container)
    const stackless = new Set(topology.networks.filter((n) => n.driver === 'host' || n.driver === 'null').map((n) => n.id));
    const undrawn = [...focused].filter((k) => resolveTarget(topology, layout, k) === null);
    for (const k of undrawn) {
      const s = parseSubjectKey(k)!;
      const allowed = s.kind === 'hostInterface' || (s.kind === 'network' && stackless.has(s.id));
      assert.ok(allowed, `${k} is not drawn`);
    }
    assert.ok(undrawn.length < focused.size / 2, `${undrawn.length} of ${focused.size} not drawn`);
  });
});
