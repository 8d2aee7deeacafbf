/**
 * The kernel's order, judged by the kernel: one host built in namespaces of this suite's own (the
 * Docker 29 iptables `usernet-portmap` document's host, see moby29Lab.ts), then one rule at a time
 * placed where only the kernel's order decides whether it bites — raw and mangle before conntrack's
 * NAT un-does a reply, filter after it, nat only for a first packet, mangle POSTROUTING before the
 * source of a DNATed reply is restored, nftables base chains of the user's own at priorities between
 * the tables'. Each case traces, probes and requires the same verdict (see NAT_PRIORITY and
 * CONNTRACK_PRIORITY in src/core/netfilter/evaluate.ts for the order and where it comes from).
 */
import { strict as assert } from 'node:assert';
import { formatTrace, tracePacket, type TraceRequest } from '../../../src/core/trace';
import { HOST_NS, HOST_UPLINK, OUT_IP, OUT_NS, PAGE, attempt, down, inNs, nsOf, up, type RunningLab } from './moby29Lab';
import type { Verdict } from '../../support/kernelProbe';

const HOST_IP = HOST_UPLINK.ip;
const C1 = '192.0.2.2';

/** c1 → a server outside: the request is masqueraded, the reply comes back to the host's address */
const OUTBOUND: { req: TraceRequest; from: string; url: string } = { req: { from: 'c1', to: `${OUT_IP}:80`, proto: 'tcp' }, from: nsOf('c1'), url: `http://${OUT_IP}/` };
/** outside → the publish: the request is DNATed to c1, the reply leaves with c1's source until NAT restores it */
const INBOUND: { req: TraceRequest; from: string; url: string } = { req: { from: `netns:${OUT_NS}`, to: `${HOST_IP}:8080`, proto: 'tcp' }, from: OUT_NS, url: `http://${HOST_IP}:8080/` };

interface Case {
  readonly name: string;
  readonly flow: typeof OUTBOUND;
  /** added inside the lab host for this case, removed after it */
  readonly add: readonly string[];
  readonly del: readonly string[];
  readonly expect: Verdict;
}

const ipt = (table: string, chain: string, rule: string): Pick<Case, 'add' | 'del'> => ({
  add: ['iptables', '-t', table, '-I', chain, ...rule.split(' ')],
  del: ['iptables', '-t', table, '-D', chain, ...rule.split(' ')],
});
const nftTable = (family: string, priority: number, rule: string): Pick<Case, 'add' | 'del'> => ({
  add: ['nft', `add table ${family} nl-user; add chain ${family} nl-user pre { type filter hook prerouting priority ${priority}; }; add rule ${family} nl-user pre ${rule}`],
  del: ['nft', `delete table ${family} nl-user`],
});

const REPLY_IN = '-i eth0 -p tcp --sport 80';
const CASES: Case[] = [
  { name: 'raw PREROUTING (-300) sees the reply still addressed to the masquerading address', flow: OUTBOUND, ...ipt('raw', 'PREROUTING', `${REPLY_IN} -d ${C1} -j DROP`), expect: 'delivered' },
  { name: 'mangle PREROUTING (-150) sees it too: NAT restores the destination only at -100', flow: OUTBOUND, ...ipt('mangle', 'PREROUTING', `${REPLY_IN} -d ${C1} -j DROP`), expect: 'delivered' },
  { name: 'mangle PREROUTING matches the masquerading address', flow: OUTBOUND, ...ipt('mangle', 'PREROUTING', `${REPLY_IN} -d ${HOST_IP} -j DROP`), expect: 'dropped' },
  { name: 'filter FORWARD (0) sees the restored destination', flow: OUTBOUND, ...ipt('filter', 'FORWARD', `${REPLY_IN} -d ${C1} -j DROP`), expect: 'dropped' },
  { name: 'raw PREROUTING runs before conntrack: no connection there, ctstate ESTABLISHED never matches', flow: OUTBOUND, ...ipt('raw', 'PREROUTING', `${REPLY_IN} -m conntrack --ctstate ESTABLISHED -j DROP`), expect: 'delivered' },
  { name: 'raw PREROUTING runs before conntrack: ctstate INVALID matches every packet there', flow: OUTBOUND, ...ipt('raw', 'PREROUTING', `${REPLY_IN} -m conntrack --ctstate INVALID -j DROP`), expect: 'dropped' },
  { name: 'mangle PREROUTING runs after conntrack (-200): the reply is ESTABLISHED there', flow: OUTBOUND, ...ipt('mangle', 'PREROUTING', `${REPLY_IN} -m conntrack --ctstate ESTABLISHED -j DROP`), expect: 'dropped' },
  { name: 'nat PREROUTING is not consulted for a reply (only a first packet)', flow: OUTBOUND, ...ipt('nat', 'PREROUTING', `${REPLY_IN} -j DNAT --to-destination 192.0.2.99`), expect: 'delivered' },
  { name: "mangle POSTROUTING (-150) sees a DNATed reply's source before NAT restores it at 100", flow: INBOUND, ...ipt('mangle', 'POSTROUTING', `-o eth0 -p tcp --sport 80 -s ${C1} -j DROP`), expect: 'dropped' },
  { name: 'mangle POSTROUTING does not see the published address yet', flow: INBOUND, ...ipt('mangle', 'POSTROUTING', `-o eth0 -p tcp --sport 8080 -s ${HOST_IP} -j DROP`), expect: 'delivered' },
  { name: "a user's nftables chain at priority -250 (between raw and conntrack) sees the masquerading address", flow: OUTBOUND, ...nftTable('ip', -250, `iifname "eth0" ip daddr ${C1} tcp sport 80 drop`), expect: 'delivered' },
  { name: "a user's nftables chain at priority -50 (after NAT) sees the container's address", flow: OUTBOUND, ...nftTable('ip', -50, `iifname "eth0" ip daddr ${C1} tcp sport 80 drop`), expect: 'dropped' },
  { name: "an inet-family table's chain at priority -50 applies to IPv4 too", flow: OUTBOUND, ...nftTable('inet', -50, `iifname "eth0" ip daddr ${C1} tcp sport 80 drop`), expect: 'dropped' },
];

function inHost(argv: readonly string[]): { code: number | null; out: string } {
  const [cmd, args] = inNs(HOST_NS, argv);
  return attempt(cmd, args);
}

function probe(from: string, url: string): Verdict {
  const [cmd, args] = inNs(from, ['timeout', '3', 'busybox', 'wget', '-qO-', url]);
  const r = attempt(cmd, args, 15_000);
  return r.code === 0 && r.out.includes(PAGE) ? 'delivered' : 'dropped';
}

describe("trace agrees with the kernel on the order of netfilter's hooks (raw, conntrack, mangle, nat, filter; nft priorities)", function () {
  this.timeout(300_000);
  let lab: RunningLab | null = null;
  const tally: boolean[] = [];

  before(async function () {
    assert.equal(process.getuid?.(), 0, 'this suite needs root (network namespaces, iptables, nft)');
    lab = await up({ layout: 'moby-v29.7.2-iptables', doc: 'usernet-portmap', nets: [{ name: 'bridge1', bridge: 'bridge1', subnet: '192.0.2.0/24', gateway: '192.0.2.1', containers: [{ name: 'c1', ip: C1 }] }], publishes: [{ container: 'c1', hostIp: '0.0.0.0', hostPort: 8080, containerPort: 80 }], userlandProxy: true });
    // both flows work before any rule is added: each case's answer is the rule's doing
    for (const f of [OUTBOUND, INBOUND]) assert.equal(probe(f.from, f.url), 'delivered', `the lab answers ${f.url} from ${f.from}`);
  });

  after(function () {
    lab?.stop();
    down();
    console.log(`trace agrees with the kernel on the hook order: ${tally.filter(Boolean).length}/${tally.length}`);
  });

  for (const c of CASES) {
    it(c.name, async function () {
      const added = inHost(c.add);
      assert.equal(added.code, 0, `adding the rule: ${added.out}`);
      try {
        const { topology } = await lab!.snapshot();
        const result = tracePacket(topology, c.flow.req);
        const kernel = probe(c.flow.from, c.flow.url);
        tally.push(result.verdict === kernel);
        assert.equal(kernel, c.expect, 'the kernel itself answered otherwise than this case was built for');
        assert.equal(result.verdict, kernel, `trace said ${result.verdict} (${result.decidedBy}), the kernel ${kernel}\n${formatTrace(result)}`);
      } finally {
        inHost(c.del);
      }
    });
  }
});
