/** Helpers of the error-mapping tests (unit: test/unit/docker/errors.test.ts; TLS: test/integration/docker/engineTls.test.ts). */
import { strict as assert } from 'node:assert';
import type { Server as HttpsServer } from 'node:https';
import type { AddressInfo, Server } from 'node:net';
import { NetlensError } from '../../src/core/errors';
import { createDockerClient } from '../../src/core/docker/client';
import { collectEngineFacts } from '../../src/core/docker/engine';
import type { EngineEndpoint } from '../../src/core/docker/types';

/** The NetlensError a snapshot of the engine's facts fails with; fails the test if it succeeds. */
export async function factsError(endpoint: EngineEndpoint, signal?: AbortSignal): Promise<NetlensError> {
  try {
    await collectEngineFacts(createDockerClient(endpoint), endpoint, signal);
  } catch (e) {
    assert.ok(e instanceof NetlensError, `expected a NetlensError, got ${String(e)}`);
    return e;
  }
  return assert.fail('expected the call to fail');
}

/** Listens on a free port of 127.0.0.1 and returns it. */
export function listen(server: Server | HttpsServer): Promise<number> {
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port)));
}
