/** The tree item for a published port, the same under a network endpoint and under a container. */
import type { Publish } from '../../core/model/types';
import { publishText } from '../../protocol/facts/format';
import { markdownText } from '../text/markdownText';
import { publishKey } from './nodeIds';
import { subjects } from '../../protocol/subject';
import { contextValueFor, type NodeTargets, type TreeNode } from './treeNode';

export function publishNode(
  p: Publish,
  nodeId: (kind: string, key: string) => string,
  engine: string,
  description: string,
): TreeNode {
  const targets: NodeTargets = { publish: { hostIp: p.hostIp, hostPort: p.hostPort, protocol: p.protocol }, subject: subjects.publish(p) };
  return {
    id: nodeId('pub', publishKey(p)),
    label: publishText(p),
    description,
    tooltip: p.dnatRule ? `DNAT: ${markdownText(p.dnatRule.raw)}` : 'No DNAT rule found for this publish',
    icon: { id: 'plug', color: p.dnatRule ? 'charts.green' : 'charts.yellow' },
    contextValue: contextValueFor('publish', targets),
    children: [],
    targets,
    engineKey: engine,
  };
}
