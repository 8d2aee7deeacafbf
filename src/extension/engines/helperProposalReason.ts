/** When to propose the helper container (helperProposal.ts shows it): the reason, or null. No vscode here. */
import { vmEngineName } from '../../core/docker/vmEngine';
import type { Topology } from '../../core/model/types';
import type { EngineSpec } from './engineSpecs';

export function helperProposal(spec: Pick<EngineSpec, 'hostShell'>, topology: Topology): string | null {
  if (spec.hostShell === 'container' || spec.hostShell === 'none') return null;
  const endpoint = topology.engine.endpoint;
  const mismatch = topology.gaps.find((g) => g.code === 'HOST_MISMATCH');
  if (mismatch) return `the host shell is not on the engine's host (${mismatch.reason}); a helper container on the engine reads its own host`;
  if (spec.hostShell !== 'auto') return null;
  const vm = vmEngineName(endpoint, topology.engine);
  if (vm) return `${endpoint.url} runs in a VM (${vm}); a helper container on the engine reads the VM's network, which this machine's shell cannot see`;
  if (endpoint.kind === 'tcp' && !topology.host) return `${endpoint.url} has no host shell; a helper container on the engine reads its host's network`;
  return null;
}
