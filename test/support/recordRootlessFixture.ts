/**
 * Records test/fixtures/host/rootless/: real output of the engine search and the `rootlesskit`
 * batch section with the rootless lab up (rootlessLab.ts), and a real snapshot of it. Run as root
 * after compiling the tests:  node <outDir>/test/support/recordRootlessFixture.js
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { composeBatch } from '../../src/core/host/batch';
import { readEngineProcess } from '../../src/core/host/engineNamespace';
import { rootlessKitCommand } from '../../src/core/host/commands/rootlessKit';
import { createSession } from '../../src/core/session';
import { IMAGE, freePort } from './lab';
import { ROOTLESS_USER, startRootlessEngine, type RootlessEngine } from './rootlessLab';

const DELIMITER = 'NLBfixture0123456789abcdef';

function sh(argv: readonly string[], script: string): string {
  const r = spawnSync(argv[0]!, [...argv.slice(1), 'sh', '-s'], { input: script, encoding: 'utf8', timeout: 30_000, cwd: '/' });
  if (r.status !== 0) throw new Error(`${argv.join(' ')} sh -s: ${r.stderr}`);
  return r.stdout;
}

async function main(): Promise<void> {
  const dir = join(__dirname, '../../../test/fixtures/host/rootless');
  mkdirSync(dir, { recursive: true });
  let engine: RootlessEngine | undefined;
  try {
    engine = await startRootlessEngine();
    const port = await freePort();
    const netId = engine.docker('network', 'create', 'nlrl-net');
    engine.docker('run', '-d', '--name', 'nlrl-web', '--network', 'nlrl-net', '-p', `127.0.0.1:${port}:80`, IMAGE, 'sh', '-c', 'mkdir -p /www && echo netlens rootless page > /www/index.html && exec httpd -f -p 80 -h /www');
    engine.docker('run', '-d', '--name', 'nlrl-client', '--network', 'nlrl-net', IMAGE, 'sleep', '100000');
    // the lookup as another user makes it: this compiled module, run by that user's node
    const asUser = (user: string, socket: string) => {
      const js = `process.stdout.write(require(${JSON.stringify(require.resolve('../../src/core/host/engineNamespace'))}).readEngineProcess(${JSON.stringify(socket)}))`;
      const r = spawnSync('runuser', ['-u', user, '--', process.execPath, '-e', js], { encoding: 'utf8', timeout: 30_000, cwd: '/' });
      if (r.status !== 0) throw new Error(`lookup as ${user}: ${r.stderr}`);
      return r.stdout;
    };
    writeFileSync(join(dir, 'engine-process-root.txt'), readEngineProcess(engine.socketPath));
    writeFileSync(join(dir, 'engine-process-user.txt'), asUser(ROOTLESS_USER, engine.socketPath));
    writeFileSync(join(dir, 'engine-process-nobody.txt'), asUser('nobody', engine.socketPath));
    writeFileSync(join(dir, 'engine-process-rootful.txt'), readEngineProcess('/var/run/docker.sock'));
    const kit = composeBatch([rootlessKitCommand], DELIMITER);
    writeFileSync(join(dir, 'rootlesskit-inside.txt'), sh(['nsenter', `--net=/proc/${engine.dockerdPid}/ns/net`], kit));
    writeFileSync(join(dir, 'rootlesskit-inside-user.txt'), sh(['runuser', '-u', ROOTLESS_USER, '--', 'nsenter', `--target=${engine.dockerdPid}`, '--user', '--net', '--preserve-credentials'], kit));
    writeFileSync(join(dir, 'rootlesskit-outside.txt'), sh(['env'], kit));
    const session = createSession({ dockerHost: engine.url, env: {} });
    try {
      const topo = await session.snapshot();
      writeFileSync(join(dir, 'rootless.topology.json'), `${JSON.stringify(topo, null, 1)}\n`);
    } finally {
      await session.dispose();
    }
    const lab = { socketPath: engine.socketPath, uid: engine.uid, dockerdPid: engine.dockerdPid, publishedPort: port, bridge: `br-${netId.slice(0, 12)}`, delimiter: DELIMITER };
    writeFileSync(join(dir, 'lab.json'), `${JSON.stringify(lab, null, 1)}\n`);
    console.log(`wrote ${dir}: ${JSON.stringify(lab)}`);
  } finally {
    engine?.stop();
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
