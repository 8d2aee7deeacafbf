/**
 * The Containers view below one engine: container → its networks, publishes, mounts, and on
 * expansion its overlay2 layers and `docker diff` (fetched from the engine only when asked).
 */
import type { ContainerChange, ContainerStorage } from '../../core/docker/types';
import type { ContainerNode, Topology } from '../../core/model/types';
import { containerSheet } from '../facts/sheets';
import { portBindingText } from '../../protocol/facts/format';
import { sheetMarkdown } from '../facts/sheetMarkdown';
import { markdownText } from '../text/markdownText';
import { nodeIds, publishKey } from './nodeIds';
import { subjects } from '../../protocol/subject';
import { publishNode } from './publishNode';
import { provisionalKey } from '../engines/eventPatch';
import { UPDATING } from './networkNodes';
import { composeMembership, composeProjects } from '../../core/model/projects';
import { projectNode, withProjects, type ProjectFilter } from './projectNodes';
import { contextValueFor, type NodeTargets, type TreeNode } from './treeNode';

/** Above this a `docker diff` is cut short in the tree; the inspect pane is the place for more. */
const DIFF_LIMIT = 500;

function stateIcon(state: string): { id: string; color?: string } {
  if (state === 'running') return { id: 'vm-running', color: 'charts.green' };
  if (state === 'paused') return { id: 'debug-pause', color: 'charts.yellow' };
  if (state === 'restarting') return { id: 'sync', color: 'charts.yellow' };
  if (state === 'dead') return { id: 'error', color: 'charts.red' };
  return { id: 'vm-outline', color: 'disabledForeground' };
}

export function containerNodes(engine: string, topology: Topology, provisional: ReadonlySet<string> = new Set(), filter: ProjectFilter = {}): TreeNode[] {
  const containers = [...topology.containers].sort((a, b) => a.name.localeCompare(b.name));
  if (!containers.length) {
    return [{ id: nodeIds.containerGroup(engine, '-', 'none'), label: 'No containers', description: 'the engine lists none, running or stopped', icon: { id: 'info' }, contextValue: ';info;', children: [], engineKey: engine }];
  }
  const projects = composeProjects(topology);
  const projectNodes = projects.map((p) => {
    const children = p.services.flatMap((s) => containers.filter((c) => s.containerIds.includes(c.id)).map((c) => containerNode(engine, topology, c, provisional, s.name)));
    return { project: p, node: projectNode(engine, topology, 'containers', p, children) };
  });
  const rest = containers.filter((c) => !composeMembership(projects, c.id)).map((c) => containerNode(engine, topology, c, provisional, null));
  return withProjects(engine, projectNodes, rest, filter);
}

function containerNode(engine: string, topology: Topology, c: ContainerNode, provisional: ReadonlySet<string>, service: string | null): TreeNode {
  const primary = topology.networks.flatMap((n) => n.endpoints.filter((e) => e.containerId === c.id).map((e) => ({ n, e })));
  const first = primary.find((x) => x.e.ipv4) ?? primary[0];
  const targets: NodeTargets = {
    subject: subjects.container(c.id),
    traceEndpoint: c.name,
    containerId: c.id,
    ...(first?.e.ipv4 ? { ip: first.e.ipv4 } : {}),
    ...(first?.e.mac ? { mac: first.e.mac } : {}),
    ...(first?.e.hostVeth ? { veth: first.e.hostVeth, captureInterface: first.e.hostVeth } : {}),
  };
  const sheet = () => containerSheet(engine, topology, c);
  const id = (group: string, key: string | number) => nodeIds.containerDetail(engine, c.id, group, key);
  const children: TreeNode[] = [];
  for (const { n, e } of primary) {
    const ef: NodeTargets = {
      subject: subjects.endpoint(n.id, c.id),
      traceEndpoint: c.name,
      ...(e.ipv4 ? { ip: e.ipv4 } : {}),
      ...(e.mac ? { mac: e.mac } : {}),
      ...(e.hostVeth ? { veth: e.hostVeth, captureInterface: e.hostVeth } : {}),
    };
    children.push({
      id: id('net', n.id),
      label: n.name,
      // `eth0 ↔ vethXXXX`: the two ends of the container's cable
      description: provisional.has(provisionalKey.endpoint(n.id, c.id)) ? UPDATING : [e.ipv4 ?? e.ipv6, e.containerInterface && e.hostVeth ? `${e.containerInterface} ↔ ${e.hostVeth}` : e.containerInterface ?? e.hostVeth].filter(Boolean).join(' · ') || n.driver,
      tooltip: [`**Network** ${markdownText(n.name)} (${markdownText(n.driver)})`, e.mac ? `- MAC: ${markdownText(e.mac)}` : '', e.hostVeth ? `- host veth: ${markdownText(e.hostVeth)}` : '', n.bridge ? `- bridge: ${markdownText(n.bridge)}` : '']
        .filter(Boolean)
        .join('\n'),
      icon: { id: 'type-hierarchy', color: 'charts.blue' },
      contextValue: contextValueFor('containerNetwork', ef),
      children: [],
      targets: ef,
      engineKey: engine,
    });
  }
  const publishes = topology.publishes.filter((p) => p.containerId === c.id);
  if (publishes.length) {
    for (const p of publishes) {
      const description = p.proxy ? `docker-proxy ${p.proxy.pid}` : p.dnatRule ? 'DNAT' : 'no DNAT rule found';
      children.push(publishNode(p, (kind, key) => id(kind, key), engine, description));
    }
  } else {
    // Ports only exposed, or published while the model could not match a DNAT rule.
    for (const p of c.ports) {
      children.push({
        id: id('port', publishKey(p)),
        label: portBindingText(p),
        icon: { id: 'plug', color: 'disabledForeground' },
        contextValue: ';port;',
        children: [],
        engineKey: engine,
      });
    }
  }
  if (c.mounts.length) {
    children.push({
      id: nodeIds.containerGroup(engine, c.id, 'mounts'),
      label: 'Mounts',
      description: String(c.mounts.length),
      icon: { id: 'database' },
      contextValue: ';group;mounts;',
      children: c.mounts.map((m): TreeNode => ({
        id: id('mount', m.destination),
        label: m.destination,
        description: `${m.type}${m.type === 'volume' && m.name ? ` ${m.name.length > 16 ? `${m.name.slice(0, 12)}…` : m.name}` : ''} · ${m.rw ? 'rw' : 'ro'}`,
        tooltip: [`**${markdownText(m.type)}** → ${markdownText(m.destination)}`, '', `- host path: ${markdownText(m.source || '(none)')}`, `- ${m.rw ? 'read-write' : 'read-only'}`, m.name ? `- name: ${markdownText(m.name)}` : '']
          .filter(Boolean)
          .join('\n'),
        icon: { id: m.type === 'volume' ? 'database' : m.type === 'bind' ? 'folder' : 'file-binary' },
        contextValue: ';mount;',
        children: [],
        engineKey: engine,
      })),
      engineKey: engine,
    });
  }
  children.push({
    id: nodeIds.containerGroup(engine, c.id, 'storage'),
    label: 'Layers',
    description: topology.engine.storageDriver,
    tooltip: 'LowerDir chain, UpperDir, MergedDir and WorkDir, read from the engine when expanded',
    icon: { id: 'layers' },
    contextValue: ';storage;',
    children: [],
    lazy: { kind: 'storage', containerId: c.id },
    engineKey: engine,
  });
  children.push({
    id: nodeIds.containerGroup(engine, c.id, 'diff'),
    label: 'Changes (docker diff)',
    tooltip: 'Files added, changed or deleted since the container was created, read from the engine when expanded',
    icon: { id: 'diff' },
    contextValue: ';diff;',
    children: [],
    lazy: { kind: 'diff', containerId: c.id },
    engineKey: engine,
  });
  return {
    id: nodeIds.container(engine, c.id),
    // a project's container by its service name, the container's name beside it
    label: service ?? c.name,
    description: provisional.has(provisionalKey.container(c.id)) ? `${c.image} · ${UPDATING}` : [service ? c.name : null, c.state === 'running' ? null : c.state, targets.ip, c.image].filter(Boolean).join(' · '),
    tooltip: sheetMarkdown(sheet()),
    icon: stateIcon(c.state),
    contextValue: contextValueFor('container', targets, ['inspect', 'raw']),
    children,
    expanded: false,
    targets,
    sheet,
    engineKey: engine,
  };
}

export function storageNodes(engine: string, containerId: string, s: ContainerStorage): TreeNode[] {
  const id = (key: string | number) => nodeIds.containerDetail(engine, containerId, 'storage', key);
  const leaf = (key: string, label: string, path: string | null, icon: string): TreeNode[] =>
    path ? [{ id: id(key), label, description: path, tooltip: markdownText(path), icon: { id: icon }, contextValue: ';layer;', children: [], engineKey: engine }] : [];
  if (s.unavailableReason) {
    return [{ id: id('unavailable'), label: 'Layer paths not available', description: s.unavailableReason, tooltip: markdownText(s.unavailableReason), icon: { id: 'info' }, contextValue: ';info;', children: [], engineKey: engine }];
  }
  return [
    ...leaf('merged', 'MergedDir', s.mergedDir, 'folder-opened'),
    ...leaf('upper', 'UpperDir', s.upperDir, 'edit'),
    ...leaf('work', 'WorkDir', s.workDir, 'tools'),
    ...s.lowerDirs.flatMap((d, i) => leaf(`lower-${i}`, `LowerDir ${i + 1}`, d, 'layers')),
  ];
}

const CHANGE_ICON = { A: { id: 'diff-added', color: 'gitDecoration.addedResourceForeground' }, C: { id: 'diff-modified', color: 'gitDecoration.modifiedResourceForeground' }, D: { id: 'diff-removed', color: 'gitDecoration.deletedResourceForeground' } } as const;
const CHANGE_WORD = { A: 'added', C: 'changed', D: 'deleted' } as const;

export function diffNodes(engine: string, containerId: string, changes: readonly ContainerChange[]): TreeNode[] {
  const id = (key: string) => nodeIds.containerDetail(engine, containerId, 'diff', key);
  if (changes.length === 0) return [{ id: id('none'), label: 'No changes', icon: { id: 'check' }, contextValue: ';info;', children: [], engineKey: engine }];
  const shown = changes.slice(0, DIFF_LIMIT).map((ch): TreeNode => ({
    id: id(`${ch.kind}:${ch.path}`),
    label: ch.path,
    description: CHANGE_WORD[ch.kind],
    icon: CHANGE_ICON[ch.kind],
    contextValue: ';change;',
    children: [],
    engineKey: engine,
  }));
  if (changes.length > DIFF_LIMIT) shown.push({ id: id('more'), label: `… ${changes.length - DIFF_LIMIT} more`, icon: { id: 'ellipsis' }, contextValue: ';info;', children: [], engineKey: engine });
  return shown;
}
