/**
 * A real Compose project on the real engine, brought up by Debian 12's docker-compose (1.29, which
 * writes the same com.docker.compose.* labels as Compose v2), or by another docker-compose binary
 * (Compose v2 from scripts/lab/compose-v2.sh, which also writes com.docker.compose.depends_on): services `web` (published on
 * 127.0.0.1:<free port>), `api` (depends_on db) and `db`; networks `front`, `back` (internal) and an
 * external network the lab creates beforehand. Everything is named under the project name, so
 * removeLab(project) also removes what a crashed run left.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { IMAGE, docker, freePort, removeLab } from './lab';

export interface ComposeLab {
  readonly project: string;
  readonly externalNetwork: string;
  readonly webPort: number;
  readonly dir: string;
  /** the docker-compose that brought it up (and takes it down) */
  readonly compose: string;
  /** docker-compose's own output of `up` */
  readonly upOutput: string;
  remove(): void;
}

/** Compose project names: lowercase letters, digits, dashes and underscores (checked before it reaches a command line). */
const PROJECT = /^[a-z0-9][a-z0-9_-]*$/;

function composeFile(externalNetwork: string, webPort: number): string {
  return `version: "3.7"
services:
  web:
    image: ${IMAGE}
    command: ["httpd", "-f", "-p", "8080"]
    ports: ["127.0.0.1:${webPort}:8080"]
    networks: [front, shared]
  api:
    image: ${IMAGE}
    command: ["sleep", "3600"]
    depends_on: [db]
    networks: [front, back]
  db:
    image: ${IMAGE}
    command: ["sleep", "3600"]
    networks: [back]
networks:
  front: {}
  back:
    internal: true
  shared:
    external: true
    name: ${externalNetwork}
`;
}

/** Debian 12's docker-compose, found on PATH. */
export const COMPOSE_V1 = 'docker-compose';

/** Runs docker-compose (on PATH, or the binary given) for the lab's project with a time limit; throws with its output on failure. */
export function dockerCompose(dir: string, project: string, args: readonly string[], timeoutMs = 90_000, compose = COMPOSE_V1): string {
  if (!PROJECT.test(project)) throw new Error(`not a Compose project name: ${project}`);
  try {
    return execFileSync(compose, ['--ansi', 'never', '-p', project, ...args], {
      cwd: dir,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
      timeout: timeoutMs,
      killSignal: 'SIGKILL',
    });
  } catch (e) {
    const err = e as { stderr?: string; stdout?: string; message: string };
    throw new Error(`docker-compose -p ${project} ${args.join(' ')} failed: ${err.stderr?.trim() || err.stdout?.trim() || err.message}`);
  }
}

export function requireDockerCompose(): void {
  try {
    execFileSync('docker-compose', ['version', '--short'], { stdio: 'ignore', timeout: 30_000 });
  } catch (e) {
    throw new Error(`the Compose tests need docker-compose (apt-get install docker-compose): ${(e as Error).message}`);
  }
}

export async function createComposeLab(project: string, compose = COMPOSE_V1): Promise<ComposeLab> {
  if (!PROJECT.test(project)) throw new Error(`not a Compose project name: ${project}`);
  removeLab(project);
  const dir = mkdtempSync(join(tmpdir(), `${project}-`));
  const externalNetwork = `${project}-ext`;
  const webPort = await freePort();
  const remove = (): void => {
    try {
      dockerCompose(dir, project, ['down', '--remove-orphans', '--timeout', '1'], 60_000, compose);
    } catch {
      // a half-made project: removeLab below takes what is left by name
    }
    removeLab(project);
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    writeFileSync(join(dir, 'docker-compose.yml'), composeFile(externalNetwork, webPort));
    docker('network', 'create', externalNetwork);
    const upOutput = dockerCompose(dir, project, ['up', '-d'], 90_000, compose);
    return { project, externalNetwork, webPort, dir, compose, upOutput, remove };
  } catch (e) {
    remove();
    throw e;
  }
}
