/** The state of one engine connection as every view shows it. */
import type { NetlensErrorCode } from '../../core/errors';
import type { Topology } from '../../core/model/types';

export type EngineStatus =
  | { readonly kind: 'connecting' }
  | { readonly kind: 'connected'; readonly since: string }
  /** the model is the last one collected; the engine has been unreachable since `since` */
  | { readonly kind: 'stale'; readonly since: string; readonly error: string }
  /** no model at all: the first snapshot failed */
  | { readonly kind: 'error'; readonly since: string; readonly error: string; readonly code?: NetlensErrorCode };

/** One engine as the trees see it. */
export interface EngineView {
  readonly key: string;
  readonly label: string;
  readonly status: EngineStatus;
  readonly topology: Topology | undefined;
  /** nodes made from an engine event alone, shown as "updating…" until the next snapshot */
  readonly provisional?: ReadonlySet<string>;
}

export function statusText(status: EngineStatus): string {
  switch (status.kind) {
    case 'connecting':
      return 'connecting…';
    case 'connected':
      return 'connected';
    case 'stale':
      return `stale — engine unreachable since ${clock(status.since)}`;
    case 'error':
      return `unreachable: ${status.error}`;
  }
}

/** HH:MM:SS of an ISO time, in local time: what a user compares with the clock. */
export function clock(iso: string): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  const p = (n: number): string => String(n).padStart(2, '0');
  return `${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`;
}
