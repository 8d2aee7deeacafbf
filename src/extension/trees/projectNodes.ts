/**
 * Compose projects in the trees: a project node holds its own networks (Networks view) or its
 * containers (Containers view), each container shown by its service name with the container name
 * beside it; an external network the project uses is listed under it, marked external, and stays
 * where it is. What belongs to no project stays where it was before projects were shown.
 */
import type { ComposeProject, Topology } from '../../core/model/types';
import { projectSheet } from '../facts/sheets';
import { sheetMarkdown } from '../facts/sheetMarkdown';
import { subjects } from '../../protocol/subject';
import { markdownText } from '../text/markdownText';
import { nodeIds } from './nodeIds';
import { contextValueFor, type NodeTargets, type TreeNode, type ViewName } from './treeNode';

/** What the trees show of the projects: all of them, or one (`netlens.trees.project`). */
export interface ProjectFilter {
  /** show only this project; undefined or '' shows everything */
  readonly project?: string;
}

export function projectNode(engine: string, topology: Topology, view: ViewName, p: ComposeProject, children: TreeNode[]): TreeNode {
  const sheet = () => projectSheet(engine, topology, p);
  const targets: NodeTargets = { subject: subjects.project(p.name) };
  const own = p.networks.filter((n) => !n.external).length;
  const count = (n: number, what: string): string => `${n} ${what}${n === 1 ? '' : 's'}`;
  return {
    id: nodeIds.project(engine, p.name),
    label: p.name,
    description: view === 'networks' ? `compose · ${count(own, 'network')}` : `compose · ${count(p.services.length, 'service')}`,
    tooltip: sheetMarkdown(sheet()),
    icon: { id: 'package', color: 'charts.orange' },
    contextValue: contextValueFor('project', targets, ['inspect']),
    children,
    expanded: true,
    targets,
    sheet,
    engineKey: engine,
  };
}

/** An external network under the project that uses it: a reference; the network's own node stays where it is. */
export function externalNetworkNode(engine: string, p: ComposeProject, networkId: string, name: string, services: readonly string[]): TreeNode {
  const targets: NodeTargets = { subject: subjects.network(networkId) };
  return {
    id: nodeIds.projectExternal(engine, p.name, networkId),
    label: name,
    description: `external · ${services.join(', ')}`,
    tooltip: `**External network** ${markdownText(name)}\n\nUsed by ${services.map(markdownText).join(', ')} of ${markdownText(p.name)}; Compose did not create it for this project.`,
    icon: { id: 'link-external', color: 'charts.blue' },
    contextValue: contextValueFor('externalNetwork', targets),
    children: [],
    targets,
    engineKey: engine,
  };
}

/**
 * The project nodes first, then what is in no project; with a filter, the chosen project alone (or
 * a note that the engine has no such project).
 */
export function withProjects(engine: string, projectNodes: readonly { readonly project: ComposeProject; readonly node: TreeNode }[], rest: readonly TreeNode[], filter: ProjectFilter): TreeNode[] {
  if (!filter.project) return [...projectNodes.map((x) => x.node), ...rest];
  const chosen = projectNodes.filter((x) => x.project.name === filter.project).map((x) => x.node);
  if (chosen.length) return chosen;
  return [
    {
      id: `${nodeIds.project(engine, filter.project)}/none`,
      label: `No Compose project ${filter.project}`,
      description: 'netlens.trees.project',
      tooltip: `This engine has no Compose project named ${markdownText(filter.project)}. *Show All Projects* clears the filter.`,
      icon: { id: 'filter', color: 'disabledForeground' },
      contextValue: ';info;projectFilter;',
      children: [],
      engineKey: engine,
    },
  ];
}
