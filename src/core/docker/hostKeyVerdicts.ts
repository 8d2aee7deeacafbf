/**
 * ssh2 reports a refused host key only as "Host denied (verification failed)". The verifier knows
 * why (unknown host or a changed key, and the fingerprint); this keeps its last refusal per endpoint
 * so the error mapping can tell the user which of the two happened.
 */
import type { EngineEndpoint } from './types';

export interface HostKeyRefusal {
  readonly result: string;
  readonly fingerprint: string;
  readonly keyType: string;
}

const refusals = new WeakMap<EngineEndpoint, HostKeyRefusal>();

export function recordHostKeyRefusal(endpoint: EngineEndpoint, refusal: HostKeyRefusal): void {
  refusals.set(endpoint, refusal);
}

export function lastHostKeyRefusal(endpoint: EngineEndpoint): HostKeyRefusal | undefined {
  return refusals.get(endpoint);
}
