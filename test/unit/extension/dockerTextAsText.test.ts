/**
 * Docker-supplied strings (here: the lab's label full of markup, quotes, backticks and a command
 * link, recorded from the real engine) must show as text in tooltips and in the inspect pane.
 */
import { strict as assert } from 'node:assert';
import { engineRoot, flattenNodes } from '../../../src/extension/trees/engineRoots';
import { inspectHtml } from '../../../src/extension/inspect/inspectHtml';
import { inspectSheetView } from '../../../src/extension/inspect/inspectView';
import { markdownText } from '../../../src/extension/text/markdownText';
import { sheetMarkdown } from '../../../src/extension/facts/sheetMarkdown';
import { htmlText } from '../../../src/extension/text/htmlText';
import { labTopology, MARKUP_LABEL } from './sidebarFixture';

/** What CommonMark makes of backslash escapes: the literal character. */
const unescapeMarkdown = (md: string): string => md.replace(/\\([!-/:-@[-`{-~])/g, '$1');
/** A `<` that no backslash escapes, opening a tag. */
const RAW_TAG = /(?<!\\)<[a-z]/i;
/** Every ASCII punctuation character of the text is escaped, so none can start markdown syntax. */
const allPunctuationEscaped = (md: string): boolean => /^(?:\\[!-/:-@[-`{-~]|[^!-/:-@[-`{-~])*$/.test(md);

describe('Docker text shows as text', () => {
  const topology = labTopology();
  const view = { key: 'local', label: 'local', status: { kind: 'connected' as const, since: topology.collectedAt }, topology };

  it('the recorded label really carries the markup (the engine stored it verbatim)', () => {
    assert.equal(topology.containers.find((c) => c.name === 'nle-web')?.labels['nle.note'], MARKUP_LABEL);
    assert.equal(topology.networks.find((n) => n.name === 'nle-net')?.labels['nle.note'], MARKUP_LABEL);
  });

  it('markdownText escapes every punctuation character and reads back as the original', () => {
    const md = markdownText(MARKUP_LABEL);
    assert.ok(allPunctuationEscaped(md), md);
    assert.equal(unescapeMarkdown(md), MARKUP_LABEL);
    assert.equal(markdownText('a\nb\r\nc'), 'a b c', 'a line break cannot start a new block');
  });

  it('no tooltip in any view carries the label unescaped, and none has a link or HTML of Docker origin', () => {
    let tooltips = 0;
    for (const v of ['networks', 'host', 'containers'] as const) {
      for (const { node } of flattenNodes([engineRoot(v, view)])) {
        const tip = node.tooltip ?? '';
        assert.ok(!RAW_TAG.test(tip), `${v} ${node.id}: an unescaped tag in the tooltip`);
        assert.ok(!tip.includes('](command:'), `${v} ${node.id}: a live command link in tooltip`);
        if (tip) tooltips++;
      }
    }
    assert.ok(tooltips > 100, `only ${tooltips} tooltips were checked`);
  });

  it('tooltip markdown of a sheet holding the label shows it escaped, reading back as the label', () => {
    const web = engineRoot('containers', view).children.find((c) => c.label === 'nle-web')!;
    const md = sheetMarkdown(web.sheet!(), { sections: 99, rowsPerSection: 99 });
    assert.ok(md.includes(`- nle\\.note: ${markdownText(MARKUP_LABEL)}`), md);
    assert.ok(!RAW_TAG.test(md) && !md.includes('](command:'), 'no unescaped tag or link');
  });

  it('the inspect pane of the container and of the network shows the label as escaped text only', () => {
    const containers = engineRoot('containers', view);
    const networks = engineRoot('networks', view);
    const web = containers.children.find((c) => c.label === 'nle-web')!;
    const net = networks.children.find((c) => c.label === 'nle-net')!;
    for (const node of [web, net]) {
      const sheet = node.sheet!();
      const labels = sheet.sections.find((s) => s.heading === 'Labels');
      assert.deepEqual(labels?.rows.find((r) => r.label === 'nle.note')?.value, { kind: 'text', text: MARKUP_LABEL }, 'the pane lists the label');
      // the pane gets it as a text value by message (the app sets it as textContent, see
      // test/unit/webview/inspectApp.test.ts); the page itself holds no Docker string at all
      const posted = inspectSheetView(sheet, { canShowTopology: true }).sections.find((s) => s.heading === 'Labels')?.rows.find((r) => r.label === 'nle.note');
      assert.deepEqual(posted?.value, { kind: 'text', text: MARKUP_LABEL });
      const html = inspectHtml({ nonce: 'n0nce', scriptUri: 'https://x.vscode-cdn.net/dist/inspect.js' });
      assert.ok(!html.includes('nle.note') && !html.includes('<img') && !html.includes('alert('), 'no Docker text in the page');
      const scripts = html.match(/<script\b[^>]*>/g) ?? [];
      assert.deepEqual(scripts, ['<script nonce="n0nce" src="https://x.vscode-cdn.net/dist/inspect.js">'], 'the only script is ours, with the nonce');
      assert.match(html, /Content-Security-Policy" content="default-src &#39;none&#39;; style-src &#39;nonce-n0nce&#39;; script-src &#39;nonce-n0nce&#39;;/);
    }
  });

  it('htmlText leaves nothing that can open a tag or close an attribute', () => {
    const out = htmlText(`"><svg onload=alert(1)>'\``);
    assert.ok(!/[<>"'`]/.test(out), out);
  });
});
