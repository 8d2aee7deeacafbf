import { strict as assert } from 'node:assert';
import { StreamFrames } from '../../../src/core/host/helper/streamFrames';
import { busyboxTags } from '../../../src/core/host/helper/helperImage';
import { checkImageRef, helperCreateBody, HELPER_CAPABILITIES, HELPER_SCRIPT } from '../../../src/core/host/helper/helperSpec';
import { GUARD_BOOTSTRAP } from '../../../src/core/host/runGuard';
import { chooseHostShell } from '../../../src/core/session';
import { engineSpecs } from '../../../src/extension/engines/engineSpecs';
import { helperProposal } from '../../../src/extension/engines/helperProposalReason';
import { vmEngineName } from '../../../src/core/docker/vmEngine';
import type { EngineEndpoint } from '../../../src/core/docker/types';
import type { Topology } from '../../../src/core/model/types';

function frame(stream: number, text: string): Buffer {
  const payload = Buffer.from(text);
  const header = Buffer.alloc(8);
  header[0] = stream;
  header.writeUInt32BE(payload.length, 4);
  return Buffer.concat([header, payload]);
}

describe('helper container: stream frames, image choice, the create request', () => {
  it('demultiplexes stdout and stderr frames cut anywhere, also inside a header', () => {
    const wire = Buffer.concat([frame(1, 'out one\n'), frame(2, 'err\n'), frame(1, ''), frame(1, 'out two')]);
    for (let cut = 0; cut <= wire.length; cut++) {
      const got: string[] = [];
      const frames = new StreamFrames((s, p) => got.push(`${s}:${p.toString()}`));
      frames.push(wire.subarray(0, cut));
      frames.push(wire.subarray(cut));
      assert.deepEqual(got, ['1:out one\n', '2:err\n', '1:', '1:out two'], `cut at ${cut}`);
      assert.equal(frames.leftover, 0);
    }
    const half = new StreamFrames(() => undefined);
    half.push(frame(1, 'abcdef').subarray(0, 10));
    assert.equal(half.leftover, 10);
  });

  it('finds busybox images by name, the official name first; nothing else', () => {
    assert.deepEqual(
      busyboxTags([{ RepoTags: ['alpine:3'] }, { RepoTags: ['netlens-busybox:1'] }, { RepoTags: ['registry.local:5000/tools/busybox:1.36', 'busybox:stable'] }, { RepoTags: null }, { RepoTags: ['<none>:<none>'] }]),
      ['busybox:stable', 'registry.local:5000/tools/busybox:1.36', 'netlens-busybox:1'],
    );
    assert.deepEqual(busyboxTags([{ RepoTags: ['nginx:latest'] }]), []);
  });

  it('refuses an image name that is not a reference before anything is sent', () => {
    for (const bad of ['x; rm -rf /', 'Busybox', '', '-v', 'a b', 'busybox:$(id)']) assert.throws(() => checkImageRef(bad), /not an image reference/, bad);
    for (const good of ['busybox', 'busybox:stable', 'ghcr.io/me/tools:1.0', 'busybox@sha256:' + 'a'.repeat(64)]) assert.equal(checkImageRef(good), good);
  });

  it('the create request: host PID/network/UTS, a fixed capability set instead of Privileged, AutoRemove, labels, argv only', () => {
    const body = helperCreateBody({ image: 'busybox:stable', runId: 'abc', marker: 'NLENDx', deadlineS: 35, expires: 1000 }) as {
      Cmd: string[];
      Labels: Record<string, string>;
      HostConfig: Record<string, unknown>;
      OpenStdin: boolean;
      StdinOnce: boolean;
      Tty: boolean;
    };
    assert.deepEqual(body.Cmd, ['/bin/sh', '-c', HELPER_SCRIPT, 'nl-helper', 'NLENDx', '35', GUARD_BOOTSTRAP]);
    assert.deepEqual(body.Labels, { 'netlens.helper': '1', 'netlens.helper.run': 'abc', 'netlens.helper.expires': '1000' });
    assert.equal(body.HostConfig.PidMode, 'host');
    assert.equal(body.HostConfig.NetworkMode, 'host');
    assert.equal(body.HostConfig.AutoRemove, true);
    assert.equal(body.HostConfig.Privileged, undefined);
    assert.deepEqual(body.HostConfig.CapDrop, ['ALL']);
    assert.deepEqual(body.HostConfig.CapAdd, [...HELPER_CAPABILITIES]);
    assert.deepEqual([body.OpenStdin, body.StdinOnce, body.Tty], [true, true, false]);
  });

  it('the helper enters the host\'s /bin/sh, never a bare sh (busybox would run its own applets)', () => {
    assert.match(HELPER_SCRIPT, /nsenter -t "\$p" -m \/bin\/sh -c/);
    assert.match(HELPER_SCRIPT, /chroot "\/proc\/\$p\/root" \/bin\/sh -c/);
    assert.doesNotMatch(HELPER_SCRIPT, /-m sh |root" sh /);
  });

  it('`container` is chosen only when asked for: auto never picks it, and the settings carry the image', () => {
    const tcp = { kind: 'tcp', url: 'tcp://10.0.0.5:2376', source: 'option', host: '10.0.0.5', port: 2376 } as const;
    assert.equal(chooseHostShell(tcp, { hostShell: 'container' }).kind, 'container');
    assert.notEqual(chooseHostShell(tcp, { hostShell: 'auto' }).kind, 'container');
    const { specs, problems } = engineSpecs({ host: 'tcp://10.0.0.5:2376' }, [], { hostShell: 'container', ssh: {}, helperImage: 'busybox:1.36' });
    assert.deepEqual(problems, []);
    assert.equal(specs[0]?.options.hostShell, 'container');
    assert.deepEqual(specs[0]?.options.helper, { configured: 'busybox:1.36' });
    assert.equal(engineSpecs({ host: 'tcp://10.0.0.5:2376' }, [], { hostShell: 'bogus' as never, ssh: {} }).problems.length, 1);
  });
});

describe('helper container: when the editor proposes it', () => {
  const endpoint = (e: Partial<EngineEndpoint> & Pick<EngineEndpoint, 'kind' | 'url'>): EngineEndpoint => ({ source: 'option', ...e });
  const topo = (ep: EngineEndpoint, info: { os: string; name: string }, extra: Partial<Topology> = {}): Topology =>
    ({ engine: { endpoint: ep, ...info }, gaps: [], host: { target: 'local' }, ...extra }) as unknown as Topology;

  it('names the VM engines by their own marks, and nothing else', () => {
    const local = endpoint({ kind: 'unix', url: 'unix:///var/run/docker.sock', socketPath: '/var/run/docker.sock' });
    assert.equal(vmEngineName(local, { os: 'Docker Desktop', name: 'docker-desktop' }), 'Docker Desktop');
    assert.equal(vmEngineName(endpoint({ kind: 'unix', url: 'x', socketPath: '/Users/me/.colima/default/docker.sock' }), { os: 'Ubuntu 24.04', name: 'colima' }), 'Colima');
    assert.equal(vmEngineName(endpoint({ kind: 'unix', url: 'x', contextName: 'orbstack', socketPath: '/Users/me/.orbstack/run/docker.sock' }), { os: 'OrbStack', name: 'orbstack' }), 'OrbStack');
    assert.equal(vmEngineName(endpoint({ kind: 'unix', url: 'x', contextName: 'rancher-desktop', socketPath: '/Users/me/.rd/docker.sock' }), { os: 'Rancher Desktop WSL Distribution', name: 'lima-rancher-desktop' }), 'Rancher Desktop');
    assert.equal(vmEngineName(endpoint({ kind: 'unix', url: 'x', socketPath: '/var/folders/x/podman/podman-machine-default-api.sock' }), { os: 'fedora', name: 'localhost.localdomain' }), 'Podman machine');
    assert.equal(vmEngineName(local, { os: 'Debian GNU/Linux 12 (bookworm)', name: 'vm' }), null);
  });

  it('proposes on HOST_MISMATCH, for VM and remote tcp:// engines under auto; never when the user chose none or container', () => {
    const local = endpoint({ kind: 'unix', url: 'unix:///var/run/docker.sock', socketPath: '/var/run/docker.sock' });
    const debian = { os: 'Debian GNU/Linux 12 (bookworm)', name: 'vm' };
    const mismatch = topo(local, debian, { gaps: [{ subject: 'host', reason: 'hostname differs', code: 'HOST_MISMATCH' }] });
    assert.match(helperProposal({ hostShell: 'local' }, mismatch) ?? '', /not on the engine's host/);
    assert.equal(helperProposal({ hostShell: 'container' }, mismatch), null);
    assert.equal(helperProposal({ hostShell: 'none' }, mismatch), null);
    assert.match(helperProposal({ hostShell: 'auto' }, topo(local, { os: 'Docker Desktop', name: 'docker-desktop' })) ?? '', /VM \(Docker Desktop\)/);
    const remote = endpoint({ kind: 'tcp', url: 'tcp://10.0.0.5:2376', host: '10.0.0.5', port: 2376 });
    assert.match(helperProposal({ hostShell: 'auto' }, topo(remote, debian, { host: null })) ?? '', /no host shell/);
    assert.equal(helperProposal({ hostShell: 'auto' }, topo(local, debian)), null);
  });
});
