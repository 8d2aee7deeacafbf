import { strict as assert } from 'node:assert';
import { composeBatch, parseBatch, sectionFailure } from '../../../src/core/host/batch';
import { splitIpHost } from '../../../src/core/host/commands/ipHost';
import { newDelimiter } from '../../../src/core/host/markers';
import { HOST_COMMANDS } from '../../../src/core/host/collect';
import { parseContainerNetns } from '../../../src/core/host/commands/containerNetns';
import { NetlensError } from '../../../src/core/errors';
import { hostFixture, hostLab } from '../../support/hostFixtures';

describe('host: batch script names', () => {
  it('refuses section and program names that would need quoting', () => {
    assert.throws(() => composeBatch([{ name: "a'; rm -rf /", requires: [], script: '' }], newDelimiter()), (e: unknown) => e instanceof NetlensError && e.code === 'BAD_INPUT');
    assert.throws(() => composeBatch([{ name: 'a', requires: ['ip;reboot'], script: '' }], newDelimiter()), (e: unknown) => e instanceof NetlensError && e.code === 'BAD_INPUT');
  });
});

describe('host: sections that run in the batch shell itself (inShell)', () => {
  const refused = (script: string, requires: string[] = []): void =>
    assert.throws(() => composeBatch([{ name: 'a', requires, script, inShell: true }], newDelimiter()), (e: unknown) => e instanceof NetlensError && e.code === 'BAD_INPUT', script);
  it('refuses what would leave the shell or change it for the sections after', () => {
    for (const s of ['exit 1', 'true; exit', 'exec ls', 'set -f', 'trap "" INT', 'cd /', 'eval x', '. /etc/profile', 'unset nl_x', 'export nl_x', 'readonly nl_x', 'shift', "IFS=' '", 'if true; then exit 3; fi']) refused(s);
  });
  it('refuses variables not named nl_…, assigned or read into, and required programs', () => {
    for (const s of ['v=1', 'nl_a=1; b=2', 'read -r v < /proc/x', 'read v < /proc/x', 'for f in /x/*; do :; done']) refused(s);
    refused('nl_v=1', ['ip']);
  });
  it('composes such a section without a subshell, and the host sections that are builtins do run so', () => {
    const script = composeBatch([{ name: 'a', requires: [], script: 'nl_v=1; printf x', inShell: true }], 'NLB0123456789abcdef');
    assert.ok(!script.includes('$( { (\nnl_v=1'), script);
    assert.ok(script.includes('{\nnl_v=1; printf x\n} 2>/dev/null 1>&3; NL_RC=$?'), script);
    const inShell = HOST_COMMANDS.filter((c) => c.inShell).map((c) => c.name);
    assert.deepEqual(inShell.sort(), ['hostname', 'sysctls']);
    // and every one of them passes the checks
    composeBatch(HOST_COMMANDS, newDelimiter());
  });
});

describe('host: a section that starts over', () => {
  it('is what it printed after its last retry part: stdout and parts before it are void', () => {
    const d = 'NLB0123456789abcdef0123';
    const out = [
      `${d}:begin:a`,
      'first attempt',
      `${d}:part:netns`,
      'partial',
      `${d}:part:retry`,
      'second attempt',
      `${d}:part:netns`,
      'whole',
      `${d}:end:a:0:`,
      '',
      `${d}:done:a`,
      '',
    ].join('\n');
    const s = parseBatch(out, d, ['a']).get('a')!;
    assert.equal(s.code, 0);
    assert.equal(s.stdout, 'second attempt');
    assert.deepEqual(s.parts, [{ name: 'netns', text: 'whole' }]);
  });
});

describe('host: one ip for neighbours, routes and interfaces (ip-host), split back', () => {
  it('a run cut short, or without ip, leaves each of the three unknown for that reason', () => {
    const cut = splitIpHost({ stdout: '', parts: [], code: -1, stderr: 'did not finish: the host batch was stopped after 30 s' });
    assert.deepEqual([...cut.keys()], ['ip-neigh', 'ip-route', 'ip-addr']);
    for (const [n, s] of cut) assert.match(sectionFailure(n, s) ?? '', /did not finish/);
    const missing = splitIpHost({ stdout: '', parts: [], code: 127, missing: ['ip'] });
    for (const [n, s] of missing) assert.match(sectionFailure(n, s) ?? '', /^ip not found on the host/);
  });
  it('a line too few is a failure of all three, not a guess', () => {
    const odd = splitIpHost({ stdout: '[]\n[]\n', parts: [], code: 0 });
    for (const [n, s] of odd) assert.match(sectionFailure(n, s) ?? '', /printed 2 lines, not 4/);
  });
  it('text where JSON was asked (an iproute2 before 4.15): the addresses from their JSON line, the others unknown, quoting ip', () => {
    // what such an ip prints: text for the neighbours and routes (this machine's ip's text, recorded), JSON for the addresses
    const text = hostFixture('ip-addr.txt').trim();
    const json = JSON.stringify(JSON.parse(hostFixture('ip-addr.json')));
    const split = splitIpHost({ stdout: `${text}\n${json}\n`, parts: [], code: 0 });
    assert.equal(split.get('ip-addr')?.code, 0);
    assert.equal(split.get('ip-addr')?.stdout, `${json}\n`);
    const quoted = JSON.stringify(text.split('\n')[0]!.slice(0, 120));
    for (const n of ['ip-neigh', 'ip-route']) {
      const why = sectionFailure(n, split.get(n)!) ?? '';
      assert.ok(why.includes('not a JSON array') && why.includes(quoted), why);
    }
    // and where even the last line is not JSON, nothing is taken
    const none = splitIpHost({ stdout: `${text}\n`, parts: [], code: 0 });
    for (const [n, s] of none) assert.match(sectionFailure(n, s) ?? '', /not a JSON array/);
  });
  it('a failed ip voids what it printed: the sections its fallback ran stand alone', () => {
    const d = newDelimiter();
    const out = `${d}:begin:ip-host\n[{"dst":"half"}]\n${d}:part:retry\n\n${d}:part:section:ip-neigh\n[]\n${d}:part:status:ip-neigh\n0\n\n${d}:end:ip-host:0:\n\n${d}:done:ip-host\n`;
    const split = splitIpHost(parseBatch(out, d, ['ip-host']).get('ip-host')!);
    assert.equal(split.get('ip-neigh')?.code, 0);
    assert.equal(split.get('ip-neigh')?.stdout.trim(), '[]');
    for (const n of ['ip-route', 'ip-addr']) assert.equal(split.get(n)?.code, -1);
  });
});

describe('host: a recorded run of the whole host script', () => {
  const delimiter = hostFixture('batch-delimiter.txt').trim();
  const names = HOST_COMMANDS.map((c) => c.name);
  const lab = hostLab();

  it('every section of the real run came back with exit 0', () => {
    const sections = parseBatch(hostFixture('batch-full.txt'), delimiter, names);
    for (const name of names) assert.equal(sections.get(name)?.code, 0, `${name}: ${sections.get(name)?.stderr}`);
  });

  for (const [file, via] of [['batch-full.txt', 'nsenter'], ['batch-no-nsenter.txt', '/proc']] as const) {
    it(`${file}: finds each lab container by its full id and shim child PID, eth0 on the host veth (${via})`, () => {
      const sections = parseBatch(hostFixture(file), delimiter, names);
      const netns = parseContainerNetns(sections.get('container-netns')?.parts ?? []);
      for (const c of Object.values(lab.containers)) {
        const n = netns[c.id];
        assert.ok(n, `container ${c.id} missing`);
        assert.equal(n.pid, c.pid);
        assert.ok(n.interfaces.known, !n.interfaces.known ? n.interfaces.reason : '');
        const eth0 = n.interfaces.value.find((i) => i.name === 'eth0');
        assert.equal(eth0?.addresses.find((a) => a.family === 'inet')?.address, c.ip);
        if (c !== lab.containers['nlh-mac']) assert.equal(eth0?.linkIndex, c.hostVethIfindex);
        assert.equal(eth0?.details.source === undefined, via === 'nsenter');
      }
    });
  }

  it('batch-no-nsenter.txt (recorded when bridge ports had a section of their own): they came from the brctl fallback part', () => {
    const sections = parseBatch(hostFixture('batch-no-nsenter.txt'), delimiter, [...names, 'bridge-link']);
    assert.ok(sections.get('bridge-link')?.parts.some((p) => p.name === 'text' && p.text.startsWith('bridge name')));
  });
});
