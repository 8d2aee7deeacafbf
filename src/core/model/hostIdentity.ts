/**
 * Did the host shell reach the engine's own host? Before any host fact is joined to the engine's,
 * what the engine says of its host (`/info` Name and KernelVersion, the bridges and gateways of the
 * networks it made, the veths of its containers) is compared with what the shell sees. A shell on
 * another machine — the user's laptop beside Docker Desktop's VM, a second engine in a namespace of
 * its own — must not lend its interfaces and firewall to that engine's model.
 *
 * Contradictions, in order: another kernel release or host name; containers whose veth peers are
 * none of this host's interfaces; the engine's bridges (with their gateway addresses) absent here.
 */
import type { EngineFacts } from '../docker/types';
import type { HostFacts } from '../host/types';
import { bridgeNameOf } from './build';

export type HostMatch = { readonly same: true } | { readonly same: false; readonly reason: string };

const VM_HINT = 'the engine may run in a VM (Docker Desktop, Colima, …) or in another network namespace';

export function matchEngineHost(engine: EngineFacts, host: HostFacts): HostMatch {
  if (host.shellError) return { same: true }; // nothing was read: nothing to join, the shell's own error says why
  const info = engine.info;
  const shellName = host.hostname.known ? host.hostname.value : null;
  const here = `this shell (${host.target}${shellName ? `, host "${shellName}"` : ''})`;
  if (host.kernelRelease?.known && info.kernelVersion && host.kernelRelease.value !== info.kernelVersion) {
    return { same: false, reason: `the engine runs on kernel ${info.kernelVersion} (host "${info.name}"), ${here} on kernel ${host.kernelRelease.value}: ${VM_HINT}` };
  }
  if (shellName && info.name && shellName !== info.name) {
    return { same: false, reason: `the engine's host is "${info.name}", ${here} is on "${shellName}": ${VM_HINT}` };
  }
  if (!host.interfaces.known) return { same: true };
  const ifaces = host.interfaces.value;
  const byIndex = new Map(ifaces.map((i) => [i.index, i]));

  // the strongest evidence: a container's veth and its peer on this host point at each other
  if (host.containerNetns.known) {
    let total = 0;
    let joined = 0;
    // the engine's own containers, as the shell found their processes
    for (const c of engine.containers) {
      const ns = host.containerNetns.value[c.id];
      if (!ns?.interfaces.known) continue;
      for (const i of ns.interfaces.value) {
        if (i.kind !== 'veth' || i.linkIndex === null) continue;
        total++;
        const peer = byIndex.get(i.linkIndex);
        if (peer && peer.kind === 'veth' && peer.linkIndex === i.index) joined++;
      }
    }
    if (total > 0 && joined > 0) return { same: true };
    if (total > 0) return { same: false, reason: `none of the ${total} container veth(s) has its peer among ${here}'s interfaces: ${VM_HINT}` };
  }

  // without containers: the engine's bridges, each holding the gateway the engine gave its network
  const byName = new Map(ifaces.map((i) => [i.name, i]));
  for (const n of engine.networks) {
    const bridge = bridgeNameOf(n);
    if (!bridge) continue;
    const iface = byName.get(bridge);
    // netavark makes a network's bridge when its first container starts and removes it after the last
    if (!iface && engine.info.product === 'podman') continue;
    if (!iface) return { same: false, reason: `the engine's network ${n.name} has bridge ${bridge}, which ${here} does not have: ${VM_HINT}` };
    // the default bridge always holds its gateway; a user network may not (gateway mode isolated, inhibit_ipv4)
    if (bridge !== 'docker0') continue;
    const gateways = n.ipam.config.map((c) => c.gateway).filter((g): g is string => !!g && !g.includes(':'));
    const missing = gateways.find((g) => !iface.addresses.some((a) => a.address === g));
    if (missing) return { same: false, reason: `${bridge} on ${here} does not hold ${missing}, the gateway the engine gave network ${n.name}: ${VM_HINT}` };
  }
  return { same: true };
}
