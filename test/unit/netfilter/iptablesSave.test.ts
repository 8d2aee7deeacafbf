import { strict as assert } from 'node:assert';
import { parseIptablesSave } from '../../../src/core/netfilter/iptablesSave';
import { isNetlensError } from '../../../src/core/errors';
import { fixtureNames, fixtureText, loadRuleset } from '../../support/netfilterFixtures';

describe('parseIptablesSave', () => {
  it('reads the real 20.10 dump of this machine: tables, policies, rule numbers, raw text', () => {
    const rs = loadRuleset('engine-20.10', 'iptables-save');
    assert.deepEqual(Object.keys(rs.tables).sort(), ['filter', 'nat']);
    const filter = rs.tables['filter']!;
    assert.equal(filter.chains['FORWARD']!.policy, 'DROP');
    assert.equal(filter.chains['DOCKER']!.policy, null);
    const fwd = filter.chains['FORWARD']!.rules;
    assert.equal(fwd[0]!.index, 1);
    assert.equal(fwd[0]!.target, 'DOCKER-USER');
    const ct = fwd.find((r) => r.matches.some((m) => m.module === 'conntrack'))!;
    assert.equal(ct.matches[0]!.options['ctstate']!.value, 'RELATED,ESTABLISHED');
    assert.equal(ct.outInterface!.negated, false);
    const egress = fwd.find((r) => r.inInterface && r.outInterface?.negated)!;
    assert.match(egress.raw, /^-A FORWARD -i \S+ ! -o \S+ -j ACCEPT$/);
  });

  it('keeps quoted comments with spaces, DNAT targets and negated addresses', () => {
    const rs = loadRuleset('engine-20.10', 'iptables-save');
    const user = rs.tables['filter']!.chains['DOCKER-USER']!.rules[0]!;
    assert.equal(user.comment, 'nlt fixture: block outside');
    assert.equal(user.source!.value, '10.213.99.0/30');
    assert.equal(user.matches.find((m) => m.module === 'tcp')!.options['dport']!.value, '81');
    assert.equal(user.target, 'DROP');
    const dnat = rs.tables['nat']!.chains['DOCKER']!.rules.find((r) => r.target === 'DNAT' && r.raw.includes('47082'))!;
    assert.equal(dnat.targetOptions['to-destination'], '10.213.10.2:80');
    assert.equal(dnat.inInterface!.negated, true);
    const internal = rs.tables['filter']!.chains['DOCKER-ISOLATION-STAGE-1']!.rules.find((r) => r.source?.negated)!;
    assert.equal(internal.source!.value, '10.213.12.0/24');
    const out = rs.tables['nat']!.chains['OUTPUT']!.rules[0]!;
    assert.deepEqual(out.destination, { negated: true, value: '127.0.0.0/8' });
    assert.equal(out.matches[0]!.options['dst-type']!.value, 'LOCAL');
  });

  for (const layout of ['moby-v28.5.2-iptables', 'moby-v29.7.2-iptables'] as const) {
    for (const f of fixtureNames(layout, '.rules')) {
      it(`parses Docker's own ${layout} dump ${f} with every rule understood`, () => {
        const rs = loadRuleset(layout, f.replace(/\.rules$/, ''));
        const rules = Object.values(rs.tables).flatMap((t) => Object.values(t.chains).flatMap((c) => c.rules));
        assert.ok(rules.length > 0);
        const lines = fixtureText(layout, f).split('\n').filter((l) => l.startsWith('-A '));
        assert.equal(rules.length, lines.length);
        assert.deepEqual(rules.filter((r) => r.unparsed.length > 0).map((r) => r.raw), []);
      });
    }
  }

  it('parses the 28.x layout chains: DOCKER-FORWARD, DOCKER-CT, DOCKER-BRIDGE and raw PREROUTING drops', () => {
    const rs = loadRuleset('moby-v28.5.2-iptables', 'usernet-portmap');
    for (const c of ['DOCKER-FORWARD', 'DOCKER-CT', 'DOCKER-BRIDGE', 'DOCKER-ISOLATION-STAGE-1']) assert.ok(rs.tables['filter']!.chains[c], c);
    const raw = rs.tables['raw']!.chains['PREROUTING']!.rules[0]!;
    assert.equal(raw.raw, '-A PREROUTING -d 192.0.2.2/32 ! -i bridge1 -j DROP');
    assert.equal(raw.target, 'DROP');
  });

  it('parses the 29 iptables layout with DOCKER-INTERNAL and no isolation chains', () => {
    const rs = loadRuleset('moby-v29.7.2-iptables', 'usernet-internal');
    assert.ok(rs.tables['filter']!.chains['DOCKER-INTERNAL']);
    assert.equal(rs.tables['filter']!.chains['DOCKER-ISOLATION-STAGE-1'], undefined);
  });

  it('keeps an unknown match module with its options and flags it', () => {
    const rs = parseIptablesSave('*filter\n:INPUT ACCEPT [0:0]\n-A INPUT -p tcp -m string --string "GET /x" --algo bm -m multiport ! --dports 80,443:445 -j DROP\nCOMMIT\n', 'ipv4', 't');
    const r = rs.tables['filter']!.chains['INPUT']!.rules[0]!;
    const str = r.matches.find((m) => m.module === 'string')!;
    assert.equal(str.options['string']!.value, 'GET /x');
    assert.equal(str.options['algo']!.value, 'bm');
    assert.deepEqual(r.unparsed, ['-m string']);
    assert.deepEqual(r.matches.find((m) => m.module === 'multiport')!.options['dports'], { negated: true, value: '80,443:445' });
  });

  it('parses goto, counters prefixes, and target options of SNAT/MASQUERADE/REJECT', () => {
    const text = [
      '*nat', ':POSTROUTING ACCEPT [0:0]', ':X - [0:0]',
      '[5:300] -A POSTROUTING -o eth0 -g X',
      '-A X -s 10.0.0.0/255.0.0.0 -j SNAT --to-source 192.0.2.9',
      '-A X -j MASQUERADE --to-ports 1024-2000 --random',
      'COMMIT', '*filter', ':INPUT ACCEPT [0:0]', '-A INPUT -p icmp -m icmp --icmp-type 8 -j REJECT --reject-with icmp-port-unreachable', 'COMMIT',
    ].join('\n');
    const rs = parseIptablesSave(text, 'ipv4', 't');
    const g = rs.tables['nat']!.chains['POSTROUTING']!.rules[0]!;
    assert.equal(g.goto, true);
    assert.equal(g.target, 'X');
    assert.equal(rs.tables['nat']!.chains['X']!.rules[0]!.targetOptions['to-source'], '192.0.2.9');
    assert.deepEqual(rs.tables['nat']!.chains['X']!.rules[1]!.targetOptions, { 'to-ports': '1024-2000', random: '' });
    assert.equal(rs.tables['filter']!.chains['INPUT']!.rules[0]!.targetOptions['reject-with'], 'icmp-port-unreachable');
  });

  it('rejects structural errors with the line number and the line', () => {
    const cases: [string, RegExp][] = [
      ['-A INPUT -j ACCEPT\n', /line 1: line outside a table/],
      ['*filter\n:INPUT ACCEPT [0:0]\n-A NOPE -j ACCEPT\nCOMMIT\n', /line 3: rule for chain NOPE.*-A NOPE -j ACCEPT/],
      ['*filter\n:INPUT ACCEPT [0:0]\n-A INPUT -s\nCOMMIT\n', /line 3: -s needs a value/],
      ['*filter\n:INPUT ACCEPT [0:0]\n', /without COMMIT/],
      ['*filter\n:INPUT ACCEPT [0:0]\n-A INPUT -m comment --comment "open\nCOMMIT\n', /line 3: unterminated quote/],
    ];
    for (const [text, re] of cases) {
      assert.throws(() => parseIptablesSave(text, 'ipv4', 'bad'), (e: unknown) => isNetlensError(e) && e.code === 'PARSE' && re.test(e.message));
    }
  });
});

describe('iptables-save: quoted values that look like options (recorded, iptables 1.8.9)', () => {
  const text = fixtureText('quoting', 'comments-and-log-prefix.rules');
  const rules = parseIptablesSave(text, 'ipv4', 'quoting').tables['filter']!.chains['INPUT']!.rules;

  it('keeps each quoted value whole, as the value of its option', () => {
    assert.equal(rules[0]!.comment, '-- allow lab');
    assert.equal(rules[0]!.target, 'ACCEPT');
    assert.deepEqual(rules[0]!.unparsed, []);
    assert.equal(rules[1]!.comment, 'a "quoted" word');
    assert.equal(rules[1]!.target, 'LOG');
    assert.deepEqual(rules[1]!.targetOptions, { 'log-prefix': '-- dropped: ' });
    assert.equal(rules[2]!.comment, '!');
    assert.equal(rules[2]!.source?.negated, false, 'a quoted "!" negates nothing');
    assert.equal(rules[2]!.target, 'DROP');
    assert.equal(rules[3]!.comment, '-s 1.2.3.4 -j ACCEPT');
    assert.equal(rules[3]!.source, null, 'a comment that reads like a rule adds no match');
    assert.equal(rules[3]!.target, 'RETURN');
    for (const r of rules) assert.deepEqual(r.unparsed, [], r.raw);
  });
});

