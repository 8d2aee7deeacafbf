/**
 * Compose projects, derived from the labels Compose writes on what it creates (docker-compose 1.29
 * and Compose v2 alike): `com.docker.compose.project` and `.service` on containers,
 * `com.docker.compose.project` and `.network` on networks. Derived from the model's containers and
 * networks each time it is asked for, never stored beside them: an event patch that removes a
 * container removes it from its project too.
 *
 * `depends_on` is on containers only where the tool wrote it: Compose v2 writes
 * `com.docker.compose.depends_on` (`db:service_started:false,cache:service_healthy:true`),
 * docker-compose 1.x writes nothing (recorded in test/fixtures/model/compose-project.json). Without
 * the label a service's dependencies are unknown, not none.
 */
import { known, unknown } from '../known';
import type { ComposeProject, ComposeProjectNetwork, ComposeService, ContainerNode, NetworkNode } from './types';

export const COMPOSE_LABELS = {
  project: 'com.docker.compose.project',
  service: 'com.docker.compose.service',
  network: 'com.docker.compose.network',
  dependsOn: 'com.docker.compose.depends_on',
  workingDir: 'com.docker.compose.project.working_dir',
} as const;

const NO_DEPENDS_ON_LABEL =
  'no container of this service carries the com.docker.compose.depends_on label (Compose v2 writes it; docker-compose 1.x does not)';

/** The project a container or network belongs to, null when Compose did not make it. */
export function composeProjectOf(x: { readonly labels: Readonly<Record<string, string>> }): string | null {
  const p = x.labels[COMPOSE_LABELS.project];
  return p ? p : null;
}

/** The service name of a project's container, null outside any project. */
export function composeServiceOf(c: ContainerNode): string | null {
  if (!composeProjectOf(c)) return null;
  const s = c.labels[COMPOSE_LABELS.service];
  return s ? s : null;
}

/** `db:service_started:false,cache` → [db, cache]: the service name is what stands before the first colon. */
export function parseDependsOn(label: string): string[] {
  return [...new Set(label.split(',').map((entry) => entry.split(':')[0]!.trim()).filter(Boolean))];
}

/** Networks a container is on only by its network mode: Compose's `network_mode: host|none`, not a network it uses. */
const isModeOnly = (n: NetworkNode): boolean => n.driver === 'host' || n.driver === 'null';

/**
 * Every Compose project in the model, by name. A network is the project's own when labelled with
 * it; a network its containers are on that is not labelled with it (Compose's `external: true`, or
 * another project's) is listed as external. Containers and networks outside any project are in
 * none, and stay where the views put them without projects.
 */
export function composeProjects(t: { readonly containers: readonly ContainerNode[]; readonly networks: readonly NetworkNode[] }): ComposeProject[] {
  // one pass over containers and networks, then per project only what is its own
  const containersOf = new Map<string, ContainerNode[]>();
  const networksOf = new Map<string, NetworkNode[]>();
  for (const c of t.containers) {
    const p = composeProjectOf(c);
    if (p) containersOf.set(p, [...(containersOf.get(p) ?? []), c]);
  }
  for (const n of t.networks) {
    const p = composeProjectOf(n);
    if (p) networksOf.set(p, [...(networksOf.get(p) ?? []), n]);
  }
  const projectOfContainer = new Map<string, string>();
  for (const [p, cs] of containersOf) for (const c of cs) projectOfContainer.set(c.id, p);
  /** per project, the networks its containers are on that are not its own */
  const usedElsewhere = new Map<string, Set<NetworkNode>>();
  for (const n of t.networks) {
    if (isModeOnly(n)) continue;
    for (const e of n.endpoints) {
      const p = projectOfContainer.get(e.containerId);
      if (p && composeProjectOf(n) !== p) usedElsewhere.set(p, (usedElsewhere.get(p) ?? new Set()).add(n));
    }
  }
  const names = new Set([...containersOf.keys(), ...networksOf.keys()]);
  return [...names].sort((a, b) => a.localeCompare(b)).map((name) => {
    const members = containersOf.get(name) ?? [];
    const memberIds = new Set(members.map((c) => c.id));
    const byService = new Map<string, ContainerNode[]>();
    for (const c of members) {
      // A container with the project label but no service label is still the project's: under its own name.
      const service = composeServiceOf(c) ?? c.name;
      byService.set(service, [...(byService.get(service) ?? []), c]);
    }
    const services: ComposeService[] = [...byService.entries()]
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([service, cs]) => {
        const labelled = cs.map((c) => c.labels[COMPOSE_LABELS.dependsOn]).filter((l): l is string => l !== undefined);
        return {
          name: service,
          containerIds: cs.map((c) => c.id),
          dependsOn: labelled.length ? known([...new Set(labelled.flatMap(parseDependsOn))].sort()) : unknown(NO_DEPENDS_ON_LABEL),
        };
      });
    const networks: ComposeProjectNetwork[] = [];
    for (const n of [...(networksOf.get(name) ?? []), ...(usedElsewhere.get(name) ?? [])]) {
      const own = composeProjectOf(n) === name;
      networks.push({
        id: n.id,
        name: n.name,
        key: own ? n.labels[COMPOSE_LABELS.network] ?? null : null,
        external: !own,
        internal: n.internal,
        containerIds: n.endpoints.filter((e) => memberIds.has(e.containerId)).map((e) => e.containerId),
      });
    }
    networks.sort((a, b) => Number(a.external) - Number(b.external) || a.name.localeCompare(b.name));
    const workingDir = members.map((c) => c.labels[COMPOSE_LABELS.workingDir]).find((d) => !!d) ?? null;
    return { name, workingDir, services, networks };
  });
}

/** The project and service of a container, null outside any project. */
export function composeMembership(projects: readonly ComposeProject[], containerId: string): { readonly project: ComposeProject; readonly service: ComposeService } | null {
  for (const project of projects) {
    const service = project.services.find((s) => s.containerIds.includes(containerId));
    if (service) return { project, service };
  }
  return null;
}
