/**
 * IPv6 traces, judged by the kernel as the IPv4 ones are: for each case netlens traces on a fresh
 * snapshot, then a real bounded probe runs between the same endpoints, and the verdicts must agree.
 * The Docker host is this suite's own (ipv6Lab.ts: a dockerd in netns nl6-host), on Engine 20.10
 * (ip6tables experimental: `--experimental --ip6tables`) and then on Engine 28 (ip6tables on by
 * default), one daemon after the other — never the machine's own engine.
 */
import { strict as assert } from 'node:assert';
import { spawn, spawnSync } from 'node:child_process';
import type { Topology } from '../../../src/core/model/types';
import { formatTrace, tracePacket, type TraceRequest, type TraceResult } from '../../../src/core/trace';
import { HOST6, HOST_NS, NETS, OUT6, OUT_NS, OUT_PAGE, PAGE, PUBLISHED, PUBLISHED_V4ONLY, attempt, dockerAttempt, down, inNs, up, type Engine, type Lab } from './ipv6Lab';
import type { Verdict } from '../../support/kernelProbe';


interface Case {
  readonly name: string;
  readonly req: TraceRequest;
  /** what the kernel does, learned by the probe; true = it got through */
  readonly probe: () => Promise<boolean>;
  /** what the kernel is expected to do on this engine: a probe that says otherwise means the lab broke */
  readonly expect: Verdict;
  /** what the trace must name as the decider: agreeing for the wrong reason is not agreeing */
  readonly why?: RegExp;
  /** the trace must have walked through these (e.g. the ruleset it read) */
  readonly hops?: (r: TraceResult) => void;
  readonly around?: { readonly setup: () => void; readonly teardown: () => void };
  /** runs before the snapshot: a receiver that must already be listening when the trace looks */
  readonly prepare?: () => Promise<void>;
}

const url = (ip: string, port = 80) => `http://[${ip}]:${port}/`;
const wget = (u: string) => ['timeout', '3', 'wget', '-qO-', u];
const ping6 = (ip: string) => ['timeout', '3', 'ping', '-6', '-c1', '-W1', ip];
const pageOk = (r: { ok: boolean; out: string }, argv: readonly string[], page: string) => r.ok && (!argv.includes('wget') || r.out.includes(page));

/** A probe from inside a container of the lab (busybox applets of the image). */
const fromContainer = (name: string, argv: string[], page = PAGE) => async () => pageOk(dockerAttempt(['exec', name, ...argv]), argv, page);
/** A probe from the outside netns: the machine's busybox, its applets called through it (`timeout 3 busybox wget …`). */
const fromOut = (argv: string[], page = PAGE) => async () => {
  const full = argv[0] === 'timeout' ? ['timeout', argv[1]!, 'busybox', ...argv.slice(2)] : ['busybox', ...argv];
  const [cmd, args] = inNs(OUT_NS, full);
  return pageOk(attempt(cmd, args, 15_000), argv, page);
};

/** A TCP connection the kernel must refuse (RST): anything else (a timeout, a page) means the lab broke. */
const refused = (probe: () => { ok: boolean; out: string }, what: string) => async () => {
  const r = probe();
  if (r.ok) return true;
  if (!/refused/i.test(r.out)) throw new Error(`expected "connection refused" from ${what}, got: ${r.out.trim()}`);
  return false;
};

/**
 * UDP over IPv6 has no handshake either: a receiver on [::]:port in the destination's namespace says
 * whether a datagram came. Started before the snapshot, so the trace sees its socket as the kernel does.
 */
function udpProbe(lab: () => Lab, dst: string, port: number, sender: string, dstIp: () => string): Pick<Case, 'prepare' | 'probe'> {
  let got = '';
  let recv: ReturnType<typeof spawn> | null = null;
  return {
    prepare: async () => {
      got = '';
      recv = spawn('nsenter', ['-t', String(lab().pid(dst)), '-n', 'timeout', '60', 'python3', '-c',
        `import socket;s=socket.socket(socket.AF_INET6,socket.SOCK_DGRAM);s.bind(('::',${port}));print('ready',flush=True);print(s.recvfrom(100)[0].decode(),flush=True)`]);
      recv.stdout!.on('data', (d: Buffer) => (got += d.toString()));
      for (let i = 0; i < 50 && !got.includes('ready'); i++) await new Promise((r) => setTimeout(r, 100));
      if (!got.includes('ready')) throw new Error(`the UDP receiver in ${dst} did not start`);
    },
    probe: async () => {
      const py = `import socket,time\ns=socket.socket(socket.AF_INET6,socket.SOCK_DGRAM)\nfor i in range(3):\n  s.sendto(b'nl6-udp',('${dstIp()}',${port}));time.sleep(0.3)`;
      attempt('nsenter', ['-t', String(lab().pid(sender)), '-n', 'python3', '-c', py], 10_000);
      for (let i = 0; i < 30 && !got.includes('nl6-udp'); i++) await new Promise((r) => setTimeout(r, 100));
      recv?.kill();
      return got.includes('nl6-udp');
    },
  };
}

const FORWARDING = '/proc/sys/net/ipv6/conf/all/forwarding';
const setForwarding = (v: '0' | '1') => {
  const [cmd, args] = inNs(HOST_NS, ['sh', '-c', `echo ${v} > ${FORWARDING}`]);
  const r = attempt(cmd, args);
  if (!r.ok) throw new Error(`cannot write ${FORWARDING} in ${HOST_NS}: ${r.out}`);
};

const V6 = { family: 'ipv6' } as const;

/** An ip6tables rule of the suite's own at the top of FORWARD (both engines have the chain), removed by its own spec. */
function forwardRule(spec: readonly string[]): NonNullable<Case['around']> {
  const ip6t = (op: '-I' | '-D', ...rest: string[]) => {
    const [cmd, args] = inNs(HOST_NS, ['ip6tables', op, 'FORWARD', ...rest, ...spec]);
    return attempt(cmd, args);
  };
  return {
    setup: () => {
      const r = ip6t('-I', '1');
      if (!r.ok) throw new Error(`ip6tables -I FORWARD 1 ${spec.join(' ')}: ${r.out}`);
    },
    teardown: () => {
      for (let i = 0; i < 5 && ip6t('-D').ok; i++);
    },
  };
}
/**
 * A native nftables table of the suite's own beside iptables-nft's (as firewalld's or the user's
 * would be): its forward chain runs at the filter priority too, and the batch reads it with nft -j.
 */
const NFT_ECHO_TABLE = `table ip6 nl6 {
  chain forward6 {
    type filter hook forward priority 0; policy accept;
    ip6 saddr ${NETS.a.v6} icmpv6 type echo-request drop
  }
}
`;
function nftTable(): NonNullable<Case['around']> {
  const nft = (argv: string[], input?: string) => {
    const [cmd, args] = inNs(HOST_NS, ['nft', ...argv]);
    const r = spawnSync(cmd, args, { encoding: 'utf8', timeout: 10_000, ...(input !== undefined ? { input } : {}) });
    return { ok: r.status === 0, out: `${r.stdout ?? ''}${r.stderr ?? ''}` };
  };
  return {
    setup: () => {
      nft(['delete', 'table', 'ip6', 'nl6']);
      const r = nft(['-f', '-'], NFT_ECHO_TABLE);
      if (!r.ok) throw new Error(`nft -f: ${r.out}`);
    },
    teardown: () => void nft(['delete', 'table', 'ip6', 'nl6']),
  };
}

const ECHO_FROM_NL6A = (type: string, comment: string) => ['-s', NETS.a.v6, '-p', 'ipv6-icmp', '-m', 'icmp6', '--icmpv6-type', type, '-m', 'comment', '--comment', comment, '-j', 'DROP'];

function cases(lab: () => Lab, engine: Engine): Case[] {
  const a1 = () => lab().ip('nl6-a1', NETS.a.name, 'ipv6');
  const b1 = () => lab().ip('nl6-b1', NETS.b.name, 'ipv6');
  const a2 = () => lab().ip('nl6-a2', NETS.a.name, 'ipv6');
  // 20.10 isolates networks in FORWARD; Engine 28 already drops in raw PREROUTING what comes for a
  // container by any interface but its own bridge, before the isolation chains
  const isolation = engine === '28' ? /^raw PREROUTING rule \d+: -A PREROUTING -d fd6e:6c36:0:11::2\/128 ! -i br-[0-9a-f]{12} -j DROP$/ : /^filter DOCKER-ISOLATION-STAGE-2 rule \d+: -A DOCKER-ISOLATION-STAGE-2 -o br-[0-9a-f]{12} -j DROP$/;
  return [
    { name: 'same IPv6 network, tcp', req: { from: 'nl6-a2', to: 'nl6-a1:80', proto: 'tcp', ...V6 }, probe: async () => fromContainer('nl6-a2', wget(url(a1())))(), expect: 'delivered' },
    { name: 'same IPv6 network, ICMPv6 echo', req: { from: 'nl6-a2', to: 'nl6-a1', proto: 'icmp', ...V6 }, probe: async () => fromContainer('nl6-a2', ping6(a1()))(), expect: 'delivered' },
    { name: 'across two IPv6 networks, tcp (isolation)', req: { from: 'nl6-a2', to: 'nl6-b1:80', proto: 'tcp', ...V6 }, probe: async () => fromContainer('nl6-a2', wget(url(b1())))(), expect: 'dropped', why: isolation },
    { name: 'across two IPv6 networks, ICMPv6 (isolation)', req: { from: 'nl6-a2', to: 'nl6-b1', proto: 'icmp', ...V6 }, probe: async () => fromContainer('nl6-a2', ping6(b1()))(), expect: 'dropped', why: isolation },
    {
      name: 'container to a server in the outside netns (ip6tables MASQUERADE)',
      req: { from: 'nl6-a2', to: `[${OUT6}]:80`, proto: 'tcp' },
      probe: fromContainer('nl6-a2', wget(url(OUT6)), OUT_PAGE),
      expect: 'delivered',
      hops: (r) => {
        assert.ok(r.hops.some((h) => h.rule?.raw.startsWith(`-A POSTROUTING -s ${NETS.a.v6} ! -o br-`) && h.rule.raw.endsWith('-j MASQUERADE')), 'masqueraded by the network rule');
        assert.equal(r.hops.at(-1)!.packet.src, HOST6, "leaves with nl6-host's global address, not fe80::");
      },
    },
    { name: 'container to the outside netns, ICMPv6 echo', req: { from: 'nl6-a2', to: OUT6, proto: 'icmp' }, probe: fromContainer('nl6-a2', ping6(OUT6)), expect: 'delivered' },
    {
      name: 'published port reached over IPv6 from the outside netns',
      req: { from: `netns:${OUT_NS}`, to: `[${HOST6}]:${PUBLISHED}`, proto: 'tcp' },
      probe: fromOut(wget(url(HOST6, PUBLISHED))),
      expect: 'delivered',
      hops: (r) => assert.ok(r.hops.some((h) => h.rule?.raw.includes('-j DNAT --to-destination [fd6e:6c36:0:10::')), 'DNAT of ip6tables'),
    },
    {
      name: 'IPv6 publish of an IPv4-only container (docker-proxy relays to IPv4)',
      req: { from: `netns:${OUT_NS}`, to: `[${HOST6}]:${PUBLISHED_V4ONLY}`, proto: 'tcp' },
      probe: fromOut(wget(url(HOST6, PUBLISHED_V4ONLY))),
      expect: 'delivered',
      why: /^docker-proxy \(userland\) relayed the publish/,
      hops: (r) => assert.ok(r.hops.some((h) => h.packet.dst === lab().ip('nl6-v1', NETS.v4.name, 'ipv4')), "the proxy's leg is IPv4"),
    },
    {
      name: 'container port nobody listens on (IPv6)',
      req: { from: 'nl6-a2', to: 'nl6-a1:81', proto: 'tcp', ...V6 },
      probe: async () => refused(() => dockerAttempt(['exec', 'nl6-a2', ...wget(url(a1(), 81))]), `[${a1()}]:81`)(),
      expect: 'dropped',
      why: /^no process listens on tcp\/81 in container nl6-a1/,
    },
    {
      name: 'host port nobody listens on, from the outside netns over IPv6',
      req: { from: `netns:${OUT_NS}`, to: `[${HOST6}]:47689`, proto: 'tcp' },
      probe: refused(() => {
        const [c, a] = inNs(OUT_NS, ['timeout', '3', 'busybox', 'wget', '-qO-', url(HOST6, 47689)]);
        return attempt(c, a, 15_000);
      }, `[${HOST6}]:47689`),
      expect: 'dropped',
      why: /^no process listens on tcp\/47689 in host/,
    },
    { name: 'container to its IPv6 gateway (the host), ICMPv6', req: { from: 'nl6-a2', to: 'host', proto: 'icmp', ...V6 }, probe: async () => fromContainer('nl6-a2', ping6('fd6e:6c36:0:10::1'))(), expect: 'delivered' },
    {
      name: "a published container's own IPv6 address, from outside",
      req: { from: `netns:${OUT_NS}`, to: 'nl6-a1:80', proto: 'tcp', ...V6 },
      probe: async () => fromOut(wget(url(a1())))(),
      // Engine 28 drops direct access in raw PREROUTING; 20.10's DOCKER chain accepts the published port
      expect: engine === '28' ? 'dropped' : 'delivered',
      ...(engine === '28' ? { why: /^raw PREROUTING rule \d+: -A PREROUTING -d fd6e:6c36:0:10::2\/128 ! -i br-[0-9a-f]{12} -j DROP$/ } : {}),
    },
    {
      name: "an unpublished container's own IPv6 address, from outside",
      req: { from: `netns:${OUT_NS}`, to: 'nl6-a2:80', proto: 'tcp', ...V6 },
      probe: async () => fromOut(wget(url(a2())))(),
      expect: 'dropped',
      why: engine === '28' ? /^raw PREROUTING rule \d+: -A PREROUTING -d fd6e:6c36:0:10::3\/128 / : /^filter FORWARD policy DROP$/,
    },
    {
      name: 'UDP between containers over IPv6',
      req: { from: 'nl6-a2', to: 'nl6-a1:5353', proto: 'udp', ...V6 },
      ...udpProbe(lab, 'nl6-a1', 5353, 'nl6-a2', a1),
      expect: 'delivered',
    },
    {
      name: 'an ip6tables rule on ICMPv6 echo-request (type 128) drops a container\'s ping',
      req: { from: 'nl6-a2', to: OUT6, proto: 'icmp' },
      probe: fromContainer('nl6-a2', ping6(OUT6)),
      expect: 'dropped',
      why: /^filter FORWARD rule 1: -A FORWARD -s fd6e:6c36:0:10::\/64 -p ipv6-icmp -m icmp6 --icmpv6-type 128 -m comment --comment "?nl6 echo-request"? -j DROP$/,
      around: forwardRule(ECHO_FROM_NL6A('echo-request', 'nl6 echo-request')),
    },
    {
      name: 'an ip6tables rule on echo-reply (type 129) from the containers leaves their pings alone',
      req: { from: 'nl6-a2', to: OUT6, proto: 'icmp' },
      probe: fromContainer('nl6-a2', ping6(OUT6)),
      expect: 'delivered',
      around: forwardRule(ECHO_FROM_NL6A('129', 'nl6 echo-reply')),
    },
    {
      name: 'a native nft table dropping ICMPv6 echo-request (nft icmpv6 type)',
      req: { from: 'nl6-a2', to: OUT6, proto: 'icmp' },
      probe: fromContainer('nl6-a2', ping6(OUT6)),
      expect: 'dropped',
      why: /^ip6 nl6 forward6 rule 1: ip6 saddr fd6e:6c36:0:10::\/64 icmpv6 type echo-request drop$/,
      around: nftTable(),
    },
    {
      name: 'the same nft table leaves a container\'s tcp to the outside alone',
      req: { from: 'nl6-a2', to: `[${OUT6}]:80`, proto: 'tcp' },
      probe: fromContainer('nl6-a2', wget(url(OUT6)), OUT_PAGE),
      expect: 'delivered',
      around: nftTable(),
    },
    {
      name: 'IPv6 forwarding off: container to the outside netns',
      req: { from: 'nl6-a2', to: `[${OUT6}]:80`, proto: 'tcp' },
      probe: fromContainer('nl6-a2', wget(url(OUT6)), OUT_PAGE),
      expect: 'dropped',
      why: /^sysctl net\.ipv6\.conf\.all\.forwarding=0/,
      around: { setup: () => setForwarding('0'), teardown: () => setForwarding('1') },
    },
  ];
}

const ENGINES: Engine[] = (process.env['NL6_ENGINES'] ?? '20,28').split(',').map((e) => e.trim()).filter((e): e is Engine => e === '20' || e === '28');

for (const engine of ENGINES) {
  describe(`IPv6 traces agree with the kernel (own dockerd in netns, Engine ${engine === '20' ? '20.10' : '28'})`, function () {
    this.timeout(180_000);
    let lab: Lab | null = null;
    const tally: { name: string; agree: boolean }[] = [];
    const current = (): Lab => {
      if (!lab) throw new Error('the lab is not up');
      return lab;
    };

    before(async function () {
      assert.equal(process.getuid?.(), 0, 'this suite needs root (netns, dockerd, ip6tables)');
      lab = await up(engine);
    });

    after(async function () {
      const version = lab?.version ?? `Engine ${engine} (did not start)`;
      await down();
      lab = null;
      console.log(`trace agrees with the kernel on ${version} (IPv6): ${tally.filter((t) => t.agree).length}/${tally.length}`);
    });

    for (const name of cases(current, engine).map((c) => c.name)) {
      it(name, async () => {
        const c = cases(current, engine).find((x) => x.name === name)!;
        let result: TraceResult;
        let topo: Topology;
        let kernel: boolean;
        c.around?.setup();
        try {
          await c.prepare?.();
          topo = await current().snapshot();
          result = tracePacket(topo, c.req);
          kernel = await c.probe();
        } finally {
          c.around?.teardown();
        }
        if (process.env['NL6_SHOW_TRACES']) console.log(formatTrace(result));
        const kernelVerdict: Verdict = kernel ? 'delivered' : 'dropped';
        const agree = result.verdict === kernelVerdict;
        tally.push({ name, agree });
        assert.ok(agree, `trace said ${result.verdict} (${result.decidedBy}), the kernel ${kernelVerdict}\n${formatTrace(result)}`);
        assert.equal(result.family, 'ipv6', 'an IPv6 trace');
        assert.equal(kernelVerdict, c.expect, `the probe itself gave an unexpected answer for ${name}`);
        if (c.why) assert.match(result.decidedBy, c.why, formatTrace(result));
        c.hops?.(result);
        // every rule quoted on the way is one of the packet's own family's ruleset (ip6tables for IPv6)
        for (const h of [...result.hops, ...(result.reply ?? [])]) {
          for (const rule of [h.rule, ...(h.matchedRules ?? []).map((m) => m.rule)]) {
            if (!rule) continue;
            const rs = h.packet.dst.includes(':') ? topo.host!.firewall.ipv6 : topo.host!.firewall.ipv4;
            assert.equal(rs?.tables[rule.table]?.chains[rule.chain]?.rules[rule.index - 1]?.raw, rule.raw, `hop ${h.step} quotes ${rule.table} ${rule.chain} #${rule.index} of the ${h.packet.dst.includes(':') ? 'IPv6' : 'IPv4'} ruleset`);
          }
        }
      });
    }
  });
}
