/**
 * A presentation sheet (src/core/present) as the extension shows it: tree tooltips render the first
 * sections as markdown, the inspect pane renders all of it as HTML. Both read the same sheet, and so
 * do the CLI and the topology's drill-down pane. This adds only what the editor acts on: which
 * engine, what raw JSON to open and what to focus in the topology.
 */
import type { FactSheet as PresentedSheet } from '../../core/present/sheet';
import type { Subject } from '../../core/model/subject';
import { nodeIds } from '../trees/nodeIds';

/** A tree item a row can jump to. */
export interface NodeLink {
  readonly view: 'networks' | 'host' | 'containers';
  readonly id: string;
}

export interface FactSheet extends PresentedSheet {
  readonly engine: string;
  /** what `session.inspectRaw` can fetch for the "raw JSON" link */
  readonly raw?: { readonly kind: 'container' | 'network' | 'volume'; readonly id: string };
  /** the id the topology webview knows this thing by */
  readonly topologyId?: string;
}

/** The tree item that shows a subject; publishes are shown under their container. */
export function nodeLinkOf(engine: string, s: Subject): NodeLink {
  switch (s.kind) {
    case 'host':
      return { view: 'host', id: nodeIds.engine(engine) };
    case 'network':
      return { view: 'networks', id: nodeIds.network(engine, s.id) };
    case 'endpoint':
      return { view: 'networks', id: nodeIds.endpoint(engine, s.networkId, s.containerId) };
    case 'container':
      return { view: 'containers', id: nodeIds.container(engine, s.id) };
    case 'publish':
      return { view: 'containers', id: nodeIds.container(engine, s.containerId) };
    case 'hostInterface':
      return { view: 'host', id: nodeIds.hostInterface(engine, s.name) };
    case 'netns':
      return { view: 'host', id: nodeIds.netns(engine, s.name) };
  }
}

function rawOf(s: Subject | null): FactSheet['raw'] {
  if (!s) return undefined;
  if (s.kind === 'container' || s.kind === 'network') return { kind: s.kind, id: s.id };
  if (s.kind === 'endpoint' || s.kind === 'publish') return { kind: 'container', id: s.containerId };
  return undefined;
}

/** What the topology panel's focus understands for a subject (see webview/resolveTarget.ts). */
function topologyTargetOf(s: Subject | null): string | undefined {
  if (!s) return undefined;
  switch (s.kind) {
    case 'container':
    case 'network':
      return s.id;
    case 'endpoint':
    case 'publish':
      return s.containerId;
    case 'hostInterface':
      return `if:${s.name}`;
    case 'netns':
      return `netns:${s.name}`;
    case 'host':
      return undefined;
  }
}

export function editorSheet(engine: string, sheet: PresentedSheet): FactSheet {
  const raw = rawOf(sheet.subject);
  const topologyId = topologyTargetOf(sheet.subject);
  return { ...sheet, engine, ...(raw ? { raw } : {}), ...(topologyId ? { topologyId } : {}) };
}

/** A sheet of nothing in the model: waiting for the engine, an item that went away. */
export function placeholderSheet(kind: string, title: string): FactSheet {
  return { subject: null, kind, title, badges: [], sections: [], engine: '' };
}
