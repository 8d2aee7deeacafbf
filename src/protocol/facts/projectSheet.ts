/**
 * The sheet of a Compose project: its services (each with its containers and, where the labels say,
 * what it depends on) and its networks (its own, and the external ones it uses). The project is the
 * one src/core/model/projects.ts derives; the containers' names come from the model.
 */
import type { ComposeProject, TopologyWithoutRules } from '../../core/model/types';
import { subjects } from '../subject';
import { list, row, section, text, unknownValue, type FactRow, type FactSheet } from './sheet';

export function projectSheet(t: Pick<TopologyWithoutRules, 'containers'>, p: ComposeProject): FactSheet {
  const nameOf = (id: string): string => t.containers.find((c) => c.id === id)?.name ?? id.slice(0, 12);
  const services: FactRow[] = p.services.flatMap((s) => [
    ...s.containerIds.flatMap((id) => row(s.name, nameOf(id), subjects.container(id))),
    ...row(`${s.name} depends on`, s.dependsOn.known ? (s.dependsOn.value.length ? list(s.dependsOn.value.map(text)) : text('nothing')) : unknownValue(s.dependsOn.reason)),
  ]);
  const networks: FactRow[] = p.networks.flatMap((n) =>
    row(n.name, text([n.external ? 'external' : `own (${n.key ?? n.name})`, n.internal ? 'internal' : null].filter(Boolean).join(', ')), subjects.network(n.id)),
  );
  return {
    subject: subjects.project(p.name),
    kind: 'Compose project',
    title: p.name,
    ...(p.workingDir ? { subtitle: p.workingDir } : {}),
    badges: ['compose', ...(p.networks.some((n) => n.external) ? ['external network'] : [])],
    sections: [section('Services', services), section('Networks', networks)],
  };
}
