/**
 * netlens on the command line: the same facts the extension shows, as text or --json.
 *   netlens topology [--json] [--listeners]
 *   netlens trace --from <container|host|netns:NAME|IP> --to <container[:port]|host[:port]|IP[:port]|[IPv6]:port> [--proto tcp|udp|icmp] [-4|-6] [--verify] [--probe] [--json]
 *   netlens layers <container> [--json]      overlay2 LowerDir chain, UpperDir, MergedDir, WorkDir
 *   netlens diff <container> [--json]        docker diff (A/C/D)
 * Common options: --docker-host URL, --context NAME, --ssh user@host[:port], --host-shell auto|local|ssh|none|container,
 *   --helper-image IMAGE (the `container` shell's; the flag is the consent to run it, privileged),
 *   --identity FILE, --known-hosts FILE, --request-timeout SECONDS (each Engine API request, default 10),
 *   --batch-timeout SECONDS (the host batch, default 30).
 * Exit codes: 0 on success (whatever a trace's verdict), 1 on errors, 2 on bad usage.
 */
import { parseArgs } from 'node:util';
import { version as NETLENS_VERSION } from '../../package.json';
import { createSession, type SessionOptions } from '../core/session';
import { cliDetailsStore, cliIdentityStore } from './detailsStore';
import { cliHeadStart, takeEarlyRun } from './headStart';
import { parseSshTarget } from './sshTarget';
import { NetlensError, errorMessage } from '../core/errors';
import { composeProjects } from '../core/model/projects';
import { renderTopology } from './renderTopology';
import { runTrace } from './traceCommand';
import { severalHosts, traceSeveralHosts } from './severalHosts';

const USAGE = `usage: netlens <topology|trace|layers|diff> [options]
  topology                         the joined model of engine and host (--listeners: also who listens
                                   on the host and in each container, which the kernel makes costly to read);
                                   --docker-host more than once: every engine with its own host,
                                   and how the hosts reach each other ({"engines": [...], "links": [...]})
  trace --from A --to B[:port]     follow a packet (--proto tcp|udp|icmp|icmpv6, default tcp;
                                   -6 / --family ipv6: names resolve to IPv6 addresses; an IPv6
                                   address, [addr]:port with a port, makes an IPv6 trace by itself;
                                   --verify: ask the kernel, read-only, whether it routes the same
                                   way at every routing step: ip route get in each namespace;
                                   --probe: send one real packet from the source namespace — a TCP
                                   connection attempt, a UDP datagram or one ping — and watch the
                                   counters of the rules on its way: does the kernel agree?);
                                   --docker-host more than once: from a container on one host to
                                   a container (or IPv4 address) on an overlay across the hosts
  layers <container>               where the container's filesystem lives (overlay2)
  diff <container>                 what changed in the container's writable layer
options: --version --json --docker-host URL --context NAME --ssh user@host[:port] --host-shell auto|local|ssh|none|container
         --identity FILE --known-hosts FILE --helper-image IMAGE (for --host-shell container: a short-lived
                                   privileged container on the engine reads the engine's own host)
         --request-timeout SECONDS (each Engine API request, default 10) --batch-timeout SECONDS (the host batch, default 30)`;

async function main(argv: string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        json: { type: 'boolean', default: false },
        listeners: { type: 'boolean', default: false },
        verify: { type: 'boolean', default: false },
        probe: { type: 'boolean', default: false },
        // more than one: several hosts in one model (topology), or a trace across them over an overlay
        'docker-host': { type: 'string', multiple: true },
        context: { type: 'string' },
        ssh: { type: 'string' },
        'host-shell': { type: 'string' },
        'helper-image': { type: 'string' },
        identity: { type: 'string' },
        'known-hosts': { type: 'string' },
        'request-timeout': { type: 'string' },
        'batch-timeout': { type: 'string' },
        from: { type: 'string' },
        to: { type: 'string' },
        proto: { type: 'string', default: 'tcp' },
        port: { type: 'string' },
        family: { type: 'string' },
        ipv4: { type: 'boolean', short: '4', default: false },
        ipv6: { type: 'boolean', short: '6', default: false },
        help: { type: 'boolean', short: 'h', default: false },
        version: { type: 'boolean', short: 'V', default: false },
      },
    });
  } catch (e) {
    process.stderr.write(`netlens: ${errorMessage(e)}\n${USAGE}\n`);
    return 2;
  }
  const { values, positionals } = parsed;
  const [command, arg] = positionals;
  if (values.version) {
    process.stdout.write(`netlens ${NETLENS_VERSION}\n`);
    return 0;
  }
  if (values.help || !command) {
    process.stdout.write(`${USAGE}\n`);
    return command || values.help ? 0 : 2;
  }
  const hostShell = values['host-shell'];
  if (hostShell && !['auto', 'local', 'ssh', 'none', 'container'].includes(hostShell)) {
    process.stderr.write(`netlens: --host-shell must be auto, local, ssh, none or container\n`);
    return 2;
  }
  const seconds = (name: 'request-timeout' | 'batch-timeout'): number | undefined | null => {
    const v = values[name];
    if (v === undefined) return undefined;
    const n = Number(v);
    return Number.isFinite(n) && n > 0 && n <= 3600 ? n * 1000 : null;
  };
  const requestMs = seconds('request-timeout');
  const batchMs = seconds('batch-timeout');
  if (requestMs === null || batchMs === null) {
    process.stderr.write(`netlens: --request-timeout and --batch-timeout take seconds (more than 0, at most 3600)\n`);
    return 2;
  }
  const ssh = values.ssh
    ? { ...parseSshTarget(values.ssh), privateKeyPath: values.identity, knownHostsPath: values['known-hosts'] }
    : undefined;
  const dockerHosts = values['docker-host'] ?? [];
  // the launcher may have started this run's host batch already (headStart.ts)
  const headStart = cliHeadStart(process.env, argv, takeEarlyRun());
  const options: SessionOptions = {
    dockerHost: dockerHosts[0],
    context: values.context,
    hostShell: (hostShell as SessionOptions['hostShell']) ?? (ssh ? 'ssh' : 'auto'),
    ssh,
    ...(values['helper-image'] ? { helper: { configured: values['helper-image'] } } : {}),
    timeouts: { ...(requestMs !== undefined ? { engineRequestMs: requestMs } : {}), ...(batchMs !== undefined ? { hostBatchMs: batchMs } : {}) },
    detailsStore: cliDetailsStore(process.env),
    identityStore: cliIdentityStore(process.env),
    ...(headStart ? { localShell: { headStart } } : {}),
  };
  // Resolves once the text is handed to the OS: process.exit() must not cut a piped --json short.
  // The newline is a write of its own: appended, it would make a copy of the text (675 KB for a
  // topology of 100 containers) before the copy the write makes.
  const print = (text: string): Promise<void> =>
    new Promise((resolve) => {
      if (!text.endsWith('\n')) process.stdout.write(text);
      process.stdout.write(text.endsWith('\n') ? text : '\n', () => resolve());
    });
  if (dockerHosts.length > 1) {
    if (command !== 'topology' && command !== 'trace') {
      process.stderr.write(`netlens: several --docker-host are for topology and trace only\n`);
      return 2;
    }
    if (ssh) {
      process.stderr.write(`netlens: --ssh names one host shell; with several --docker-host each engine uses its own (ssh:// engines their host, unix its machine)\n`);
      return 2;
    }
    if (command === 'trace') {
      if (values.ipv6 || values.family) {
        process.stderr.write(`netlens: a trace across hosts takes no IPv6 yet\n`);
        return 2;
      }
      await print(await traceSeveralHosts(dockerHosts.map((dockerHost) => ({ ...options, dockerHost })), { from: values.from, to: values.to, proto: values.proto, port: values.port, json: values.json, verify: values.verify, probe: values.probe }));
      return 0;
    }
    const { text, noneRead } = await severalHosts(dockerHosts.map((dockerHost) => ({ ...options, dockerHost })), { json: values.json, listeners: values.listeners });
    await print(text);
    return noneRead ? 1 : 0;
  }
  const session = createSession(options);
  try {
    switch (command) {
      case 'topology': {
        const t = await session.snapshot(undefined, { containerListeners: values.listeners });
        // `projects` is derived from the labels in the model (src/core/model/projects.ts), printed beside it
        await print(values.json ? JSON.stringify({ ...t, projects: composeProjects(t) }, null, 2) : renderTopology(t));
        return 0;
      }
      case 'trace': {
        const asked = [values.family, values.ipv4 ? 'ipv4' : undefined, values.ipv6 ? 'ipv6' : undefined].filter((f): f is string => f !== undefined);
        if (new Set(asked.map((f) => f.replace(/^(\d)$/, 'ipv$1').toLowerCase())).size > 1) throw new NetlensError('BAD_INPUT', `conflicting families: ${asked.join(', ')}`);
        await print(await runTrace(session, { from: values.from, to: values.to, proto: values.proto, port: values.port, family: asked[0], json: values.json, verify: values.verify, probe: values.probe }));
        return 0;
      }
      case 'layers': {
        if (!arg) throw new NetlensError('BAD_INPUT', 'layers needs a container name or id');
        const s = await session.storage(arg);
        await print(values.json ? JSON.stringify(s, null, 2) : renderStorage(arg, s));
        return 0;
      }
      case 'diff': {
        if (!arg) throw new NetlensError('BAD_INPUT', 'diff needs a container name or id');
        const changes = await session.diff(arg);
        await print(values.json ? JSON.stringify(changes, null, 2) : changes.map((c) => `${c.kind} ${c.path}`).join('\n') || '(no changes)');
        return 0;
      }
      default:
        process.stderr.write(`netlens: unknown command "${command}"\n${USAGE}\n`);
        return 2;
    }
  } finally {
    await session.dispose();
  }
}

function renderStorage(name: string, s: Awaited<ReturnType<ReturnType<typeof createSession>['storage']>>): string {
  if (s.unavailableReason) return `${name}: ${s.driver}: ${s.unavailableReason}`;
  return [
    `${name} (${s.driver})`,
    `  MergedDir ${s.mergedDir ?? '-'}   (what the container sees)`,
    `  UpperDir  ${s.upperDir ?? '-'}   (its writable layer)`,
    `  WorkDir   ${s.workDir ?? '-'}`,
    '  LowerDir  (read-only image layers, top first)',
    ...s.lowerDirs.map((d) => `    ${d}`),
  ].join('\n');
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (e: unknown) => {
    process.stderr.write(`netlens: ${errorMessage(e)}\n`);
    process.exit(e instanceof NetlensError && e.code === 'BAD_INPUT' ? 2 : 1);
  },
);
