/**
 * netlens against Podman whose netavark writes nftables: Podman 5's netavark (Debian sid's 1.17) and
 * Podman 6's (Debian experimental's 2.0), each fetched by scripts/lab/netavark-unstable.sh and run
 * through its own glibc (podmanLab.ts's `netavark` option). Podman 4.3's API service and the netavark binary are real, so is every rule in
 * `table inet netavark`: the model is checked against the live table, each trace against a real
 * probe — from the host, between the lab's containers, and from a namespace of the test's own
 * joined to the host by a veth ("outside"). Where Docker's iptables FORWARD policy also sees the
 * packet, the expected verdict follows that live policy, and the trace must say it was Docker's.
 */
import { strict as assert } from 'node:assert';
import { createSession, type Session } from '../../../src/core/session';
import type { Topology } from '../../../src/core/model/types';
import { formatKernelCheck, formatTrace, tracePacket, type TraceRequest } from '../../../src/core/trace';
import { IMAGE, freePort, run } from '../../support/lab';
import { attempt, pageProbes, wget, labNetavarkVersion, removePodmanLab, startPodmanLab, type NewerNetavark, type PodmanLab } from '../../support/podmanLab';

const NET = 'nlnft-net';
const PAGE = 'netlens podman nft page';
const HTTPD = ['sh', '-c', `mkdir -p /www && echo '${PAGE}' > /www/index.html && exec httpd -f -p 80 -h /www`];
/** "outside": a namespace of this suite's own, joined to the host by a veth */
const OUT_NS = 'nlnft-out';
const OUT_HOST_DEV = 'nlnft-o0';
const HOST_SIDE = '10.231.77.1';
const OUT_SIDE = '10.231.77.2';

/** The comment on the DOCKER-USER rules this suite adds, by which they (and a crashed run's) are found. */
const OURS = 'netlens-nlnft-test';

function removeOurDockerUserRules(): void {
  const listed = attempt('iptables', ['-S', 'DOCKER-USER']);
  if (!listed.ok) return;
  for (const line of listed.out.split('\n')) {
    if (!line.startsWith('-A DOCKER-USER ') || !line.includes(OURS)) continue;
    const words = [...line.slice('-A DOCKER-USER '.length).matchAll(/"[^"]*"|\S+/g)].map((w) => w[0].replace(/^"(.*)"$/, '$1'));
    attempt('iptables', ['-D', 'DOCKER-USER', ...words]);
  }
}

/**
 * Lets the outside namespace's traffic to and from Podman's bridge through Docker's FORWARD chain
 * where Docker wants users to say so (DOCKER-USER, which Docker jumps to first and never rewrites):
 * two rules naming only this suite's veth. Returns false when there is no DOCKER-USER chain.
 */
function letOutsideThroughDocker(bridge: string): boolean {
  if (!attempt('iptables', ['-S', 'DOCKER-USER']).ok) return false;
  run('iptables', ['-I', 'DOCKER-USER', '-i', OUT_HOST_DEV, '-o', bridge, '-m', 'comment', '--comment', OURS, '-j', 'ACCEPT']);
  run('iptables', ['-I', 'DOCKER-USER', '-i', bridge, '-o', OUT_HOST_DEV, '-m', 'comment', '--comment', OURS, '-j', 'ACCEPT']);
  return true;
}

function removeOutside(): void {
  removeOurDockerUserRules();
  attempt('ip', ['link', 'del', OUT_HOST_DEV]);
  attempt('ip', ['netns', 'del', OUT_NS]);
}

function makeOutside(): void {
  removeOutside();
  run('ip', ['netns', 'add', OUT_NS]);
  run('ip', ['link', 'add', OUT_HOST_DEV, 'type', 'veth', 'peer', 'name', 'nlnft-o1', 'netns', OUT_NS]);
  run('ip', ['addr', 'add', `${HOST_SIDE}/30`, 'dev', OUT_HOST_DEV]);
  run('ip', ['link', 'set', OUT_HOST_DEV, 'up']);
  const inNs = (...args: string[]) => run('nsenter', [`--net=/run/netns/${OUT_NS}`, ...args]);
  inNs('ip', 'addr', 'add', `${OUT_SIDE}/30`, 'dev', 'nlnft-o1');
  inNs('ip', 'link', 'set', 'nlnft-o1', 'up');
  inNs('ip', 'link', 'set', 'lo', 'up');
  inNs('ip', 'route', 'add', 'default', 'via', HOST_SIDE);
}

/** Does the live iptables FORWARD chain drop what it does not accept (Docker sets DROP when it turns on forwarding)? */
function forwardPolicyDrops(): boolean {
  return /^-P FORWARD DROP$/m.test(run('iptables', ['-S', 'FORWARD']));
}

const SUITES: readonly { readonly suite: NewerNetavark; readonly podman: string; readonly floor: RegExp }[] = [
  { suite: 'sid', podman: 'Podman 5', floor: /^netavark (1\.(1[7-9]|[2-9]\d)|[2-9])\./ },
  { suite: 'experimental', podman: 'Podman 6', floor: /^netavark ([2-9])\./ },
];

for (const { suite, podman, floor } of SUITES) {
  const DIR = `/tmp/nlpod-nftit-${suite}`;
  describe(`Podman with netavark's nftables driver (${podman}'s netavark, Debian ${suite}, real)`, function () {
    this.timeout(300_000);
    let lab: PodmanLab | undefined;
    let session: Session | undefined;
    let topo: Topology;
    let loopPort: number;
    let allPort: number;
    let versions = 'unknown';
    let netavark = 'unknown';
    const ips: Record<string, string> = {};
  let bridge = 'unknown';
    const tally: boolean[] = [];

    before(async function () {
      assert.equal(process.getuid?.(), 0, 'this suite needs root (podman, netns, nft)');
      lab = await startPodmanLab(DIR, { netavark: suite });
      netavark = labNetavarkVersion(DIR);
      versions = `Podman ${lab.podman('version', '--format', '{{.Server.Version}}')} with ${netavark}`;
      loopPort = await freePort();
      allPort = await freePort();
      lab.podman('network', 'create', '--disable-dns', NET);
      lab.podman('run', '-d', '--name', 'nlnft-a', '--network', NET, IMAGE, ...HTTPD);
      lab.podman('run', '-d', '--name', 'nlnft-b', '--network', NET, '-p', `127.0.0.1:${loopPort}:80`, '-p', `${allPort}:80`, IMAGE, ...HTTPD);
      for (const c of ['nlnft-a', 'nlnft-b']) ips[c] = lab.podman('inspect', '-f', `{{(index .NetworkSettings.Networks "${NET}").IPAddress}}`, c);
      bridge = lab.podman('network', 'inspect', '-f', '{{.NetworkInterface}}', NET);
      makeOutside();
      session = createSession({ dockerHost: lab.socketUrl, hostShell: 'local', env: {} });
      topo = await session.snapshot();
    });

    after(async function () {
      await session?.dispose();
      removeOutside();
      if (lab) lab.stop();
      else removePodmanLab(DIR);
      console.log(`trace agrees with the kernel on ${versions} (nftables): ${tally.filter(Boolean).length}/${tally.length}`);
    });

    it(`runs ${podman}'s netavark with its nftables driver: table inet netavark, no NETAVARK iptables chains`, () => {
      assert.match(netavark, floor, netavark);
      assert.equal(attempt('nft', ['list', 'table', 'inet', 'netavark']).ok, true, 'the kernel holds table inet netavark');
      assert.doesNotMatch(run('iptables-save', ['-t', 'nat']), /NETAVARK/, 'netavark wrote no iptables chain');
      assert.deepEqual(topo.gaps.filter((g) => g.subject.startsWith('host')), [], 'the host facts are all read');
    });

    it("joins each publish to netavark's DNAT rule, as the live table holds it", () => {
      const live = run('nft', ['list', 'table', 'inet', 'netavark']).split('\n').map((l) => l.trim());
      for (const [hostIp, port] of [['127.0.0.1', loopPort], ['0.0.0.0', allPort]] as const) {
        const pub = topo.publishes.find((p) => p.hostPort === port);
        assert.ok(pub, `publish ${hostIp}:${port} in the model`);
        assert.equal(pub.hostIp, hostIp);
        assert.equal(pub.containerIp, ips['nlnft-b']);
        assert.ok(pub.dnatRule, `publish ${port} joined to a DNAT rule`);
        assert.equal(pub.dnatRule.table, 'inet netavark');
        assert.match(pub.dnatRule.chain, /^nv_[0-9a-f]+_.*_dnat$/);
        // the same rule as nft prints it (nft says `dnat ip to`)
        const expected = `${hostIp === '127.0.0.1' ? 'ip daddr 127.0.0.1 ' : ''}tcp dport ${port} dnat ip to ${ips['nlnft-b']}:80`;
        assert.ok(live.includes(expected), `the live table holds "${expected}"`);
        assert.equal(pub.dnatRule.raw, expected.replace(' dnat ip to ', ' dnat to '));
      }
      const net = topo.networks.find((n) => n.name === NET)!;
      assert.deepEqual(net.natRules.map((r) => `${r.table} ${r.raw}`), ['inet netavark ip daddr != 224.0.0.0/4 masquerade']);
      assert.ok(live.includes(`ip saddr ${net.subnets[0]} jump ${net.natRules[0]!.chain}`), `POSTROUTING jumps to ${net.natRules[0]!.chain}`);
    });

    const { fromContainer, fromHost } = pageProbes(() => lab!, PAGE);
    const fromOutside = (url: string) => () => {
      const r = attempt('nsenter', [`--net=/run/netns/${OUT_NS}`, ...wget(url)]);
      return r.ok && r.out.includes(PAGE);
    };
    interface Case {
      readonly name: string;
      readonly req: TraceRequest;
      readonly probe: () => boolean;
      readonly expect: 'delivered' | 'dropped';
      /** the rules or policy the trace must name, each: agreeing for the wrong reason is not agreeing */
      readonly why: readonly RegExp[];
      /** changes the host for this case only, before the snapshot; the returned function undoes it */
      readonly setup?: () => () => void;
    }
    const cases = (): Case[] => {
      const dockerDrops = forwardPolicyDrops();
      const bridged = run('sysctl', ['-n', 'net.bridge.bridge-nf-call-iptables']).trim() === '1';
      const nvDnat = /^inet netavark nv_[0-9a-f]+_\S+_dnat rule \d+: /;
      const hasDockerUser = attempt('iptables', ['-S', 'DOCKER-USER']).ok;
      return [
        { name: 'host loopback to the loopback publish (nat OUTPUT DNAT, hostport mark, masquerade)', req: { from: 'host', to: `127.0.0.1:${loopPort}`, proto: 'tcp' }, probe: fromHost(`http://127.0.0.1:${loopPort}/`), expect: 'delivered', why: [nvDnat] },
        { name: "the host to the every-address publish on its own veth address", req: { from: 'host', to: `${HOST_SIDE}:${allPort}`, proto: 'tcp' }, probe: fromHost(`http://${HOST_SIDE}:${allPort}/`), expect: 'delivered', why: [nvDnat] },
        {
          name: 'outside (a namespace of our own) to the every-address publish (PREROUTING DNAT, then FORWARD)',
          req: { from: `netns:${OUT_NS}`, to: `${HOST_SIDE}:${allPort}`, proto: 'tcp' },
          probe: fromOutside(`http://${HOST_SIDE}:${allPort}/`),
          expect: dockerDrops ? 'dropped' : 'delivered',
          // netavark's PREROUTING DNAT rewrites it either way; whether it is forwarded is the FORWARD chains' say
          why: dockerDrops ? [nvDnat, /^filter FORWARD policy DROP$/] : [nvDnat],
        },
        {
          name: "outside to the every-address publish, let through Docker's DOCKER-USER (as Docker documents for other forwarding)",
          req: { from: `netns:${OUT_NS}`, to: `${HOST_SIDE}:${allPort}`, proto: 'tcp' },
          probe: fromOutside(`http://${HOST_SIDE}:${allPort}/`),
          setup: () => {
            letOutsideThroughDocker(bridge);
            return removeOurDockerUserRules;
          },
          // with a DOCKER-USER chain the accept decides in iptables' FORWARD, and netavark's FORWARD has its say
          expect: !dockerDrops || hasDockerUser ? 'delivered' : 'dropped',
          why: hasDockerUser ? [nvDnat, new RegExp(`^filter DOCKER-USER rule \\d+: -A DOCKER-USER -i ${OUT_HOST_DEV} -o ${bridge} .*-j ACCEPT$`)] : [nvDnat],
        },
        {
          name: 'container to container on the Podman network (bridged)',
          req: { from: 'nlnft-a', to: 'nlnft-b:80', proto: 'tcp' },
          probe: fromContainer('nlnft-a', `http://${ips['nlnft-b']}/`),
          expect: dockerDrops && bridged ? 'dropped' : 'delivered',
          why: dockerDrops && bridged ? [/^filter FORWARD policy DROP$/] : [],
        },
      ];
    };
    for (const name of cases().map((c) => c.name)) {
      it(`trace agrees with the kernel: ${name}`, async () => {
        const c = cases().find((x) => x.name === name)!;
        const undo = c.setup?.();
        let kernel: 'delivered' | 'dropped';
        let result: ReturnType<typeof tracePacket>;
        try {
          const snapshot = await session!.snapshot();
          result = tracePacket(snapshot, c.req);
          const routes = await session!.verifyTrace(snapshot, result);
          assert.notEqual(routes.agrees, false, `${name}: ${routes.observed}\n${formatKernelCheck(routes).join('\n')}`);
          kernel = c.probe() ? 'delivered' : 'dropped';
        } finally {
          undo?.();
        }
        tally.push(result.verdict === kernel);
        assert.equal(result.verdict, kernel, `trace said ${result.verdict} (${result.decidedBy}), the kernel ${kernel}\n${formatTrace(result)}`);
        assert.equal(kernel, c.expect, `the probe itself gave an unexpected answer for ${name}`);
        const deciders = [result.decidedBy, ...result.hops.flatMap((h) => (h.rule ? [`${h.rule.table} ${h.rule.chain} rule ${h.rule.index}: ${h.rule.raw}`] : []))];
        for (const why of c.why) assert.ok(deciders.some((d) => why.test(d)), `${why} named in the trace\n${formatTrace(result)}`);
        assert.deepEqual(result.missing, [], 'no fact the trace needed was missing');
      });
    }
  });
}
