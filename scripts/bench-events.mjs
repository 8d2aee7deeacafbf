// Event → view latency, as the extension sees it: the extension's own EngineConnection and
// RefreshQueue (they know nothing of vscode) over a real session on the real engine, at whatever
// number of containers the engine holds. Two events a user makes all day:
//   `docker start` of a stopped container, and `docker network connect` of it to a second network.
// For each: from the command being issued, (1) when the event reached the connection, (2) when the
// model the trees and the graph draw from first showed the change (the event applied at once, the
// node marked provisional), (3) when a full snapshot confirmed it (provisional cleared, the new
// endpoint with its IP). Also how many containers of the model were new objects after the
// provisional change, against the model drawn just before it (the views redraw what changed; an
// unchanged container keeps its object).
// Prints figures; asserts nothing. Used by scripts/bench.mjs at each count.
import { execFile } from 'node:child_process';
import path from 'node:path';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const now = () => Number(process.hrtime.bigint()) / 1e6;
const run = (args) => new Promise((resolve, reject) => execFile('docker', args, (e, out) => (e ? reject(e) : resolve(out.trim()))));

/**
 * `outDir`: the tsc output holding src/; `name`: a stopped container to start (created here);
 * `network`: the network to connect it to afterwards. Returns the figures in ms.
 */
export async function eventLatency(outDir, { name, firstNetwork, network, image }) {
  const { EngineConnection } = require(path.join(outDir, 'src/extension/engines/engineConnection.js'));
  const { RefreshQueue } = require(path.join(outDir, 'src/extension/engines/refreshQueue.js'));
  const { createSession } = require(path.join(outDir, 'src/core/session.js'));
  await run(['rm', '-f', name]).catch(() => undefined);
  await run(['create', '--name', name, '--network', firstNetwork, image, 'httpd', '-f', '-p', '80', '-h', '/www']);

  /** predicates waited on, checked after every change of the model and every finished refresh */
  const waiters = [];
  // the model as the views last drew it, before the change being waited for: what "objects new" counts against
  let drawn;
  let previous;
  const check = () => {
    if (conn?.topology !== drawn) {
      previous = drawn;
      drawn = conn?.topology;
    }
    for (const w of [...waiters]) {
      if (w.test()) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve(now());
      }
    }
  };
  const until = (test, what, ms = 15_000) =>
    new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`bench-events: ${what} not seen within ${ms} ms`)), ms);
      waiters.push({ test, resolve: (t) => (clearTimeout(timer), resolve(t)) });
      check();
    });

  let queue;
  let conn;
  conn = new EngineConnection(
    { key: 'bench', label: 'bench', options: { hostShell: 'local' }, hostShell: 'local', ssh: {} },
    { createSession, log: () => undefined, changed: check, wantsRefresh: (why, automatic) => void queue.request('bench', why, automatic) },
  );
  let refreshes = 0;
  queue = new RefreshQueue(() => ({ key: 'bench', label: 'bench', refresh: async (o) => { await conn.refresh(o); refreshes++; check(); } }), () => undefined);
  const eventsSeen = [];
  const stopWatch = conn.session().onEvent((e) => {
    eventsSeen.push({ e, at: now() });
    check();
  });
  conn.start();
  await queue.request('bench', 'start', false);
  const me = () => conn.topology?.containers.find((c) => c.name === name);
  const running = () => me()?.state === 'running';
  const provisional = () => conn.provisional.size > 0;
  const endpointIn = (net) => conn.topology?.networks.find((n) => n.name === net)?.endpoints.find((e) => e.containerName === name);
  const eventAfter = (t0, type, action) => () => eventsSeen.some((s) => s.at >= t0 && s.e.type === type && s.e.action.startsWith(action));

  const figures = {};
  try {
    // 1. docker start
    let t0 = now();
    const started = run(['start', name]);
    const [evStart, shownStart] = await Promise.all([until(eventAfter(t0, 'container', 'start'), 'the start event'), until(running, 'the container running in the model')]);
    const changedObjects = conn.topology.containers.filter((c) => !previous.containers.includes(c)).length;
    const refreshesBefore = refreshes;
    const confirmedStart = await until(() => refreshes > refreshesBefore && running() && !provisional(), 'a snapshot confirming the start');
    await started;
    figures.start = { event: evStart - t0, shown: shownStart - t0, confirmed: confirmedStart - t0, changedContainers: changedObjects, containers: conn.topology.containers.length };

    // 2. docker network connect
    t0 = now();
    const connected = run(['network', 'connect', network, name]);
    const [evConnect, shownConnect] = await Promise.all([until(eventAfter(t0, 'network', 'connect'), 'the connect event'), until(() => endpointIn(network) !== undefined, 'the new endpoint in the model')]);
    const changedNets = conn.topology.networks.filter((n) => !previous.networks.includes(n)).length;
    const r2 = refreshes;
    const confirmedConnect = await until(() => refreshes > r2 && endpointIn(network)?.ipv4 && !provisional(), 'a snapshot confirming the endpoint');
    await connected;
    figures.connect = { event: evConnect - t0, shown: shownConnect - t0, confirmed: confirmedConnect - t0, changedNetworks: changedNets, networks: conn.topology.networks.length };
  } finally {
    stopWatch();
    queue.dispose();
    await conn.dispose?.();
    await run(['rm', '-f', name]).catch(() => undefined);
  }
  return figures;
}

export function printEventLatency(label, f) {
  const r = (x) => `${x.toFixed(0)} ms`;
  console.log(`  event → view (the extension's EngineConnection + RefreshQueue, real engine; from the command issued):`);
  console.log(`    docker start: event in ${r(f.start.event)}, model shows it ${r(f.start.shown)} (${r(Math.max(0, f.start.shown - f.start.event))} after the event) (${f.start.changedContainers} of ${f.start.containers} container objects new), confirmed by a snapshot ${r(f.start.confirmed)}`);
  console.log(`    docker network connect: event in ${r(f.connect.event)}, model shows it ${r(f.connect.shown)} (${r(Math.max(0, f.connect.shown - f.connect.event))} after the event) (${f.connect.changedNetworks} of ${f.connect.networks} network objects new), confirmed with its IP ${r(f.connect.confirmed)}`);
}
