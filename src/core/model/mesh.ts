/**
 * The Swarm's ingress routing mesh on one node, joined from what its kernel holds. A port published
 * through ingress becomes, on every node:
 *   1. a DNAT in the host's nat chain DOCKER-INGRESS: the published port → the ingress sandbox's
 *      address on docker_gwbridge, same port;
 *   2. in the sandbox (`ingress_sbox`), a mangle PREROUTING rule that marks packets to that port;
 *   3. an IPVS service for that mark, whose real servers are the service's tasks' addresses on the
 *      ingress overlay (NAT, "Masq"), wherever the tasks run: a task on another node is reached
 *      through the ingress overlay's VXLAN tunnel;
 *   4. a SNAT in the sandbox's nat POSTROUTING for IPVS' packets, to its own ingress address, so
 *      the task answers through this node.
 * Each part is read, never inferred from another: a node whose kernel has no IPVS shows the DNAT
 * missing too (Docker writes none there) and says so.
 */
import type { DockerNetns, IpvsTable } from '../host/types';
import type { IpvsService } from '../host/commands/ipvs';
import type { Known } from '../known';
import { unknown } from '../known';
import { errorMessage } from '../errors';
import { parseIptablesSave } from '../netfilter/iptablesSave';
import type { Rule, Ruleset } from '../netfilter/types';
import { ruleRef } from './firewallJoins';
import type { Endpoint, NetworkNode, RuleRef } from './types';

export const INGRESS_SANDBOX = 'ingress_sbox';

/** One published port of the mesh on this node. */
export interface MeshPort {
  readonly proto: 'tcp' | 'udp';
  readonly published: number;
  /** the host's DNAT rule in DOCKER-INGRESS, null where the host's nat table has none for the port */
  readonly dnat: RuleRef | null;
  /** where that rule sends it: the sandbox's docker_gwbridge address and port */
  readonly dnatTo: string | null;
  /** the sandbox's mangle rule that marks the port's packets, and the mark */
  readonly mark: RuleRef | null;
  readonly fwmark: number | null;
  /** the IPVS service for that mark, null where the table has none (or is unknown) */
  readonly ipvs: IpvsService | null;
  /** its real servers, each with the task behind it where this node knows it */
  readonly backends: readonly MeshBackend[];
}

export interface MeshBackend {
  readonly address: string;
  readonly weight: number;
  readonly forward: string;
  /** the local container with that ingress address (a task on this node), else null */
  readonly containerId: string | null;
  readonly containerName: string | null;
  /** the node it lives on when remote: the underlay address vxlan0's forwarding entry gives its MAC */
  readonly remoteUnderlay: string | null;
}

export interface IngressMesh {
  readonly sandbox: string;
  /** whether the sandbox namespace exists on this node; null when Docker's namespaces are unknown */
  readonly sandboxPresent: boolean | null;
  /** its addresses on docker_gwbridge and on the ingress overlay */
  readonly gatewayAddress: string | null;
  readonly ingressAddress: string | null;
  /** its IPVS table; unknown with the reason where it was not read */
  readonly ipvs: Known<IpvsTable>;
  /** why the sandbox's iptables rules (marks and SNAT) are not known, null where they were read (HostNode.dockerNetns has them) */
  readonly rulesUnknown: string | null;
  /** the SNAT rule for IPVS' packets in the sandbox's nat POSTROUTING, null where there is none */
  readonly snat: RuleRef | null;
  readonly ports: readonly MeshPort[];
}

function dportOf(r: Rule): number | null {
  for (const m of r.matches) {
    const d = m.options['dport'] ?? m.options['destination-port'];
    if (d && !d.negated && /^\d+$/.test(d.value)) return Number(d.value);
  }
  return null;
}

function protoOf(r: Rule): 'tcp' | 'udp' | null {
  const p = r.protocol?.value;
  return p === 'tcp' || p === 'udp' ? p : null;
}

function chainRules(rs: Ruleset | null, table: string, chain: string): readonly Rule[] {
  return rs?.tables[table]?.chains[chain]?.rules ?? [];
}

/** `--set-xmark 0x100/0xffffffff` or `--set-mark 256` */
function markValue(r: Rule): number | null {
  const v = r.targetOptions['set-xmark'] ?? r.targetOptions['set-mark'];
  if (!v) return null;
  const n = Number(v.split('/')[0]);
  return Number.isFinite(n) ? n : null;
}

/** The sandbox's own address on the interface whose subnet holds `near` (or the first IPv4 one). */
function sandboxAddress(ns: DockerNetns, pick: (a: string) => boolean): string | null {
  if (!ns.interfaces.known) return null;
  for (const i of ns.interfaces.value) for (const a of i.addresses) if (a.family === 'inet' && pick(a.address)) return a.address;
  return null;
}

export interface MeshInput {
  readonly network: NetworkNode;
  /** this node's host IPv4 rules, null where unknown */
  readonly hostRules: Ruleset | null;
  /** Docker's namespaces, null when unknown (with the reason) */
  readonly dockerNetns: readonly DockerNetns[] | null;
  readonly dockerNetnsReason: string | null;
  /** the subnets of docker_gwbridge, to tell the sandbox's two addresses apart */
  readonly gwbridgeSubnets: readonly string[];
  readonly inSubnet: (ip: string, cidr: string) => boolean;
}

/** The sandbox's rules parsed, or why not (the trace evaluates them, the model joins them). */
export function sandboxRules(ns: DockerNetns | undefined, why: string): Known<Ruleset> {
  if (!ns) return unknown(why);
  if (!ns.iptablesSave) return unknown('these host facts were read without the sandbox’s iptables rules');
  if (!ns.iptablesSave.known) return ns.iptablesSave;
  try {
    return { known: true, value: parseIptablesSave(ns.iptablesSave.value, 'ipv4', `iptables-save in ${ns.name}`) };
  } catch (e) {
    return unknown(errorMessage(e));
  }
}

/** The mesh of the ingress network on this node, or undefined on any other network. */
export function buildIngressMesh(input: MeshInput): IngressMesh | undefined {
  const n = input.network;
  if (!n.ingress || n.driver !== 'overlay') return undefined;
  const ns = input.dockerNetns?.find((x) => x.name === INGRESS_SANDBOX);
  const why = input.dockerNetns === null ? `Docker's namespaces are unknown: ${input.dockerNetnsReason ?? 'not read'}` : `no namespace ${INGRESS_SANDBOX} on this node`;
  const ipvs: Known<IpvsTable> = ns?.ipvs ?? unknown(ns ? 'these host facts were read without the sandbox’s IPVS table' : why);
  const rules = sandboxRules(ns, why);
  const sbRules = rules.known ? rules.value : null;

  const inGw = (a: string): boolean => input.gwbridgeSubnets.some((s) => input.inSubnet(a, s));
  const inIngress = (a: string): boolean => n.subnets.some((s) => input.inSubnet(a, s));
  const gatewayAddress = ns ? sandboxAddress(ns, inGw) : null;
  const ingressAddress = ns ? sandboxAddress(ns, inIngress) : null;
  const snatRule = chainRules(sbRules, 'nat', 'POSTROUTING').find((r) => r.target === 'SNAT' && r.matches.some((m) => m.module === 'ipvs'));

  // the ports: the host's DNATs, and the sandbox's marks (a node without IPVS may have marks but no DNAT)
  const keys = new Map<string, { proto: 'tcp' | 'udp'; port: number }>();
  const dnats = chainRules(input.hostRules, 'nat', 'DOCKER-INGRESS').filter((r) => r.target === 'DNAT');
  const marks = chainRules(sbRules, 'mangle', 'PREROUTING').filter((r) => r.target === 'MARK');
  for (const r of [...dnats, ...marks]) {
    const proto = protoOf(r);
    const port = dportOf(r);
    if (proto && port !== null) keys.set(`${proto}/${port}`, { proto, port });
  }
  const localByAddress = new Map<string, Endpoint>();
  for (const e of n.endpoints) if (e.ipv4) localByAddress.set(e.ipv4, e);
  const remotes = n.overlay?.remotes?.known ? n.overlay.remotes.value : [];
  const ports: MeshPort[] = [...keys.values()]
    .sort((a, b) => a.port - b.port || a.proto.localeCompare(b.proto))
    .map(({ proto, port }) => {
      const dnat = dnats.find((r) => protoOf(r) === proto && dportOf(r) === port) ?? null;
      const mark = marks.find((r) => protoOf(r) === proto && dportOf(r) === port) ?? null;
      const fwmark = mark ? markValue(mark) : null;
      const service = ipvs.known && fwmark !== null ? (ipvs.value.services.find((s) => s.kind === 'fwmark' && s.fwmark === fwmark) ?? null) : null;
      const backends: MeshBackend[] = (service?.realServers ?? []).map((rs) => {
        const local = localByAddress.get(rs.address);
        const remote = local ? undefined : remotes.find((x) => x.addresses.includes(rs.address));
        return {
          address: rs.address,
          weight: rs.weight,
          forward: rs.forward,
          containerId: local?.containerId ?? null,
          containerName: local?.containerName ?? null,
          remoteUnderlay: remote?.underlay ?? null,
        };
      });
      return { proto, published: port, dnat: dnat ? ruleRef(dnat) : null, dnatTo: dnat?.targetOptions['to-destination'] ?? null, mark: mark ? ruleRef(mark) : null, fwmark, ipvs: service, backends };
    });
  return {
    sandbox: INGRESS_SANDBOX,
    sandboxPresent: input.dockerNetns === null ? null : !!ns,
    gatewayAddress,
    ingressAddress,
    ipvs,
    rulesUnknown: rules.known ? null : rules.reason,
    snat: snatRule ? ruleRef(snatRule) : null,
    ports,
  };
}

