/** The presentation sheets of src/protocol/facts, for one engine's items in the editor. */
import type { ContainerStorage } from '../../core/docker/types';
import type { NamedNetns } from '../../core/host/types';
import type { ComposeProject, ContainerNode, Endpoint, HostInterfaceNode, NetworkNode, Publish, Topology } from '../../core/model/types';
import * as present from '../../protocol/facts/containerSheet';
import * as net from '../../protocol/facts/networkSheet';
import * as host from '../../protocol/facts/hostSheets';
import * as project from '../../protocol/facts/projectSheet';
import { editorSheet, type FactSheet } from './factSheet';

export const containerSheet = (engine: string, t: Topology, c: ContainerNode, storage?: ContainerStorage): FactSheet => editorSheet(engine, present.containerSheet(t, c, storage));
export const networkSheet = (engine: string, t: Topology, n: NetworkNode): FactSheet => editorSheet(engine, net.networkSheet(t, n));
export const endpointSheet = (engine: string, t: Topology, n: NetworkNode, ep: Endpoint): FactSheet => editorSheet(engine, net.endpointSheet(t, n, ep));
export const hostInterfaceSheet = (engine: string, t: Topology, i: HostInterfaceNode): FactSheet => editorSheet(engine, host.hostInterfaceSheet(t, i));
export const netnsSheet = (engine: string, t: Topology, ns: NamedNetns): FactSheet => editorSheet(engine, host.netnsSheet(t, ns));
export const publishSheet = (engine: string, t: Topology, p: Publish): FactSheet => editorSheet(engine, host.publishSheet(t, p));
export const hostSheet = (engine: string, t: Topology): FactSheet => editorSheet(engine, host.hostSheet(t));
export const projectSheet = (engine: string, t: Topology, p: ComposeProject): FactSheet => editorSheet(engine, project.projectSheet(t, p));
