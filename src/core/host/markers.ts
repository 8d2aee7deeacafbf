/**
 * The markers a host run is framed by, drawn fresh for every run so that nothing a container or a
 * command prints can forge one: the batch's section delimiter (batch.ts) and the guard's end of
 * input (runGuard.ts). Node built-ins only: the CLI's launcher draws them too (src/cli/headStart.ts).
 */
import { randomBytes } from 'node:crypto';

export function newDelimiter(): string {
  return `NLB${randomBytes(16).toString('hex')}`;
}

export function newEndMarker(): string {
  return `NLEND${randomBytes(12).toString('hex')}`;
}
