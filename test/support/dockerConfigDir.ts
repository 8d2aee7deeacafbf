/** A fresh HOME-like directory with an empty Docker config folder per test, removed after it (docker/connection tests). */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface DockerConfigDir {
  /** the test's own directory (use it as HOME) */
  readonly dir: string;
  /** an empty DOCKER_CONFIG folder inside it */
  readonly config: string;
}

/** Registers beforeEach/afterEach in the calling describe; read the fields inside the tests. */
export function useDockerConfigDir(): DockerConfigDir {
  const state = { dir: '', config: '' };
  beforeEach(() => {
    state.dir = mkdtempSync(join(tmpdir(), 'nld-conn-'));
    state.config = join(state.dir, 'dockercfg');
    mkdirSync(state.config);
  });
  afterEach(() => rmSync(state.dir, { recursive: true, force: true }));
  return state;
}
