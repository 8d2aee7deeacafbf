/**
 * The Swarm routing mesh on one node in words (model/mesh.ts), said once here for the CLI's text
 * and the network's sheet.
 */
import type { IngressMesh, MeshPort } from '../../core/model/mesh';

function markText(m: number | null): string {
  return m === null ? '?' : `0x${m.toString(16)}`;
}

/** One published port of the mesh, said once for every view: `tcp/8080 → DNAT 172.18.0.2:8080 → ingress_sbox mark 0x100 → IPVS FWM 256 rr → 10.0.0.5 (task web.1 here)`. */
export function meshPortText(p: MeshPort): string {
  const dnat = p.dnat ? `DNAT ${p.dnatTo ?? '?'}` : 'no DOCKER-INGRESS DNAT on this host';
  const mark = p.mark ? `mark ${markText(p.fwmark)}` : 'no mark rule';
  const ipvs = p.ipvs ? `IPVS FWM ${p.ipvs.fwmark} ${p.ipvs.scheduler}` : 'no IPVS service';
  const backends = p.backends.map((b) => `${b.address} (${b.containerName ? `task ${b.containerName} here` : b.remoteUnderlay ? `node ${b.remoteUnderlay}` : 'node not known'})`);
  return `${p.proto}/${p.published} → ${dnat} → ingress_sbox ${mark} → ${ipvs}${p.ipvs ? ` → ${backends.join(', ') || 'no real server'}` : ''}`;
}

/** The mesh's state on this node in one line, before its ports. */
export function meshStateText(m: IngressMesh): string {
  if (m.sandboxPresent === false) return `routing mesh: no ${m.sandbox} on this node`;
  const ipvs = !m.ipvs.known ? `IPVS not known (${m.ipvs.reason})` : m.ipvs.value.present ? `IPVS: ${m.ipvs.value.services.length} service(s)` : 'IPVS: none (this kernel shows no /proc/net/ip_vs: Docker writes no ingress DNAT and the published ports are refused)';
  const addrs = [m.gatewayAddress && `${m.gatewayAddress} on docker_gwbridge`, m.ingressAddress && `${m.ingressAddress} on ingress`].filter(Boolean).join(', ');
  return `routing mesh: ${m.sandbox}${addrs ? ` (${addrs})` : ''}; ${ipvs}${m.snat ? `; SNAT to ${m.snat.raw.match(/--to-source (\S+)/)?.[1] ?? '?'} for IPVS' packets` : ''}`;
}
