/** Messages the inspect pane's script sends to the extension. */
export type InspectMessage =
  | { readonly type: 'reveal'; readonly view: 'networks' | 'host' | 'containers'; readonly id: string }
  | { readonly type: 'raw' }
  | { readonly type: 'topology' };

const VIEWS = new Set(['networks', 'host', 'containers']);

/** The pane is a sandbox we fill, but its messages are still checked before acting on them. */
export function parseInspectMessage(m: unknown): InspectMessage | undefined {
  if (typeof m !== 'object' || m === null) return undefined;
  const r = m as Record<string, unknown>;
  if (r.type === 'raw' || r.type === 'topology') return { type: r.type };
  if (r.type === 'reveal' && typeof r.view === 'string' && VIEWS.has(r.view) && typeof r.id === 'string' && r.id.length < 2000) {
    return { type: 'reveal', view: r.view as 'networks' | 'host' | 'containers', id: r.id };
  }
  return undefined;
}
