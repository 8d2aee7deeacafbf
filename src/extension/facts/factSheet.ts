/**
 * A presentation sheet (src/protocol/facts) as the extension shows it: tree tooltips render the first
 * sections as markdown, the inspect pane renders all of it as HTML. Both read the same sheet, and so
 * do the CLI and the topology's drill-down pane. This adds only what the editor acts on: which
 * engine, what raw JSON to open and what to focus in the topology.
 */
import type { FactSheet as PresentedSheet } from '../../protocol/facts/sheet';
import { subjectKey, type Subject } from '../../protocol/subject';
import { subjectNode } from '../trees/nodeIds';

/** A tree item a row can jump to. */
export type NodeLink = ReturnType<typeof subjectNode>;

export interface FactSheet extends PresentedSheet {
  readonly engine: string;
  /** what `session.inspectRaw` can fetch for the "raw JSON" link */
  readonly raw?: { readonly kind: 'container' | 'network' | 'volume'; readonly id: string };
  /** what "Open in topology" focuses: the subject's key (src/core/model/subject.ts) */
  readonly topologyId?: string;
}

/** The tree item a row's subject links to. */
export const nodeLinkOf = subjectNode;

function rawOf(s: Subject | null): FactSheet['raw'] {
  if (!s) return undefined;
  if (s.kind === 'container' || s.kind === 'network') return { kind: s.kind, id: s.id };
  if (s.kind === 'endpoint' || s.kind === 'publish') return { kind: 'container', id: s.containerId };
  return undefined;
}

/** What "Open in topology" focuses: the subject's key, as the graph draws it (not the host as a whole). */
function topologyTargetOf(s: Subject | null): string | undefined {
  return s && s.kind !== 'host' ? subjectKey(s) : undefined;
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
