// Benchmark of the topology webview: 500 containers over 50 bridge networks in Debian's headless
// Chromium. Prints first-paint time (snapshot posted → drawing painted) and frame times while
// panning; asserts nothing. The 500/50 topology is SYNTHESISED by scaling the recorded real one in
// test/fixtures/topology/lab-20.10.json: its docker0 network, nlw-w1 container, veth and publish
// records are copied with new ids, names, subnets and veth names (shapes stay those the core made).
// Usage: node scripts/bench-webview.mjs [containers=500] [networks=50]
import { build } from 'esbuild';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { chromium } from 'playwright-core';

const root = resolve(import.meta.dirname, '..');
const containers = Number(process.argv[2] ?? 500);
const networks = Number(process.argv[3] ?? 50);
const recorded = JSON.parse(readFileSync(resolve(root, 'test/fixtures/topology/lab-20.10.json'), 'utf8'));

const hex = (seed) => createHash('sha256').update(seed).digest('hex');
function synthesise() {
  const tmplNet = recorded.networks.find((n) => n.name === 'bridge');
  const tmplCtr = recorded.containers.find((c) => c.name === 'nlw-w1');
  const tmplEp = tmplNet.endpoints.find((e) => e.containerId === tmplCtr.id);
  const tmplBridgeIf = recorded.host.interfaces.find((i) => i.name === 'docker0');
  const tmplVethIf = recorded.host.interfaces.find((i) => i.name === tmplEp.hostVeth);
  const tmplPub = recorded.publishes.find((p) => p.containerId === tmplCtr.id && p.hostIp === '0.0.0.0');
  const out = { ...recorded, networks: [], containers: [], publishes: [], host: { ...recorded.host, interfaces: recorded.host.interfaces.filter((i) => i.kind === 'physical' || i.kind === 'loopback') } };
  let ifindex = 1000;
  for (let n = 0; n < networks; n++) {
    const id = hex(`net${n}`);
    const bridge = `br-${id.slice(0, 12)}`;
    const subnet = `10.${100 + Math.floor(n / 200)}.${n % 200}.0/24`;
    const gw = subnet.replace('.0/24', '.1');
    const endpoints = [];
    const perNet = Math.floor(containers / networks) + (n < containers % networks ? 1 : 0);
    for (let c = 0; c < perNet; c++) {
      const cid = hex(`ctr${n}-${c}`);
      const name = `bench-${n}-${c}`;
      const ip = subnet.replace('.0/24', `.${c + 2}`);
      const veth = `veth${hex(`veth${n}-${c}`).slice(0, 7)}`;
      const idx = ifindex++;
      endpoints.push({ ...tmplEp, containerId: cid, containerName: name, networkId: id, networkName: `bench-net-${n}`, ipv4: ip, ipv4PrefixLen: 24, gateway: gw, hostVeth: veth, hostVethIndex: idx });
      out.host.interfaces.push({ ...tmplVethIf, name: veth, index: idx, master: bridge, peer: `container ${name} eth0`, peerContainerId: cid });
      out.containers.push({ ...tmplCtr, id: cid, name, networks: [`bench-net-${n}`], networkMode: `bench-net-${n}`, ports: c % 10 === 0 ? tmplCtr.ports : [],
        interfaces: tmplCtr.interfaces.map((i) => ({ ...i, hostPeer: veth, hostPeerIndex: idx, bridge, addresses: i.addresses.map((a) => ({ ...a, address: ip, prefixLen: 24 })) })) });
      if (c % 10 === 0) out.publishes.push({ ...tmplPub, containerId: cid, containerName: name, containerIp: ip, hostPort: 30000 + n * 100 + c });
    }
    out.networks.push({ ...tmplNet, id, name: `bench-net-${n}`, bridge, subnets: [subnet], gateways: [gw], natRules: tmplNet.natRules, endpoints });
    out.host.interfaces.push({ ...tmplBridgeIf, name: bridge, index: ifindex++, dockerNetworkId: id, addresses: [gw], addressDetails: [{ ...tmplBridgeIf.addressDetails[0], address: gw, prefixLen: 24 }] });
  }
  return out;
}

const work = mkdtempSync(join(tmpdir(), 'nlw-bench-'));
const server = createServer();
let context;
try {
  const t = synthesise();
  await build({ entryPoints: [resolve(root, 'webview/main.ts')], outfile: join(work, 'webview.js'), bundle: true, platform: 'browser', format: 'iife', target: 'es2022', minify: true, logLevel: 'silent' });
  const bundle = readFileSync(join(work, 'webview.js'));
  const css = readFileSync(resolve(root, 'media/topology.css'));
  const nonce = randomBytes(16).toString('base64');
  server.on('request', (req, res) => {
    const origin = `http://${req.headers.host}`;
    const csp = `default-src 'none'; script-src 'nonce-${nonce}'; style-src ${origin} 'nonce-${nonce}'; img-src ${origin} data:; font-src ${origin}`;
    const bodies = {
      '/': ['text/html', `<!DOCTYPE html><html><head><meta charset="UTF-8"><meta http-equiv="Content-Security-Policy" content="${csp}"><link rel="stylesheet" href="/media/topology.css" nonce="${nonce}"></head><body><div id="app"></div><script nonce="${nonce}" src="/dist/webview.js"></script></body></html>`],
      '/dist/webview.js': ['text/javascript', bundle],
      '/media/topology.css': ['text/css', css],
    };
    const b = bodies[(req.url ?? '/').split('?')[0]];
    if (!b) { res.writeHead(404); res.end(); return; }
    res.writeHead(200, { 'content-type': b[0] });
    res.end(b[1]);
  });
  await new Promise((ok) => server.listen(0, '127.0.0.1', ok));
  const port = server.address().port;
  context = await chromium.launchPersistentContext(join(work, 'profile'), {
    executablePath: '/usr/bin/chromium', headless: true, viewport: { width: 1600, height: 1000 },
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage'],
  });
  const page = context.pages()[0] ?? (await context.newPage());
  await page.addInitScript(`window.__posted = []; window.acquireVsCodeApi = () => ({ postMessage: (m) => window.__posted.push(m), getState: () => undefined, setState: (s) => { window.__state = JSON.parse(JSON.stringify(s)); } });`);
  const runs = [];
  for (let run = 0; run < 5; run++) {
  await page.goto(`http://127.0.0.1:${port}/`);
  await page.waitForFunction(() => window.__posted.some((m) => m.type === 'ready'));
  runs.push(await page.evaluate(async (topology) => {
    const expected = topology.containers.length;
    const t0 = performance.now();
    // the shape src/extension/topology/topologyPanel.ts posts (protocol 2: a TopologyView, here the
    // recorded topology without its rulesets)
    const { ipv4: _v4, ipv6: _v6, ...firewall } = topology.host?.firewall ?? {};
    const view = topology.host ? { ...topology, host: { ...topology.host, firewall } } : topology;
    window.postMessage({ type: 'snapshot', protocolVersion: 2, view, reason: 'bench' }, '*');
    let built = 0;
    await new Promise((ok) => {
      const check = () => {
        if (document.querySelectorAll('g.node.role-container').length < expected) return void setTimeout(check, 0);
        built = performance.now() - t0;
        requestAnimationFrame(() => requestAnimationFrame(ok));
      };
      check();
    });
    const firstPaint = performance.now() - t0;
    const counts = { nodes: document.querySelectorAll('g.node').length, edges: document.querySelectorAll('g.edge').length, labels: document.querySelectorAll('text.edge-label').length };
    // pan: a drag on the drawing, one mouse move per frame, as d3-zoom sees a user's
    const surface = document.querySelector('.pan-surface');
    const r = surface.getBoundingClientRect();
    const pan = async () => {
      let x = r.left + r.width / 2;
      const y = r.top + r.height / 2;
      surface.dispatchEvent(new MouseEvent('mousedown', { bubbles: true, clientX: x, clientY: y, button: 0, view: window }));
      const frames = [];
      const work = [];
      let last = performance.now();
      for (let i = 0; i < 180; i++) {
        await new Promise((ok) => requestAnimationFrame(ok));
        const now = performance.now();
        frames.push(now - last);
        last = now;
        x += i < 90 ? 6 : -6;
        const w0 = performance.now();
        window.dispatchEvent(new MouseEvent('mousemove', { bubbles: true, clientX: x, clientY: y + (i % 20), buttons: 1, view: window }));
        work.push(performance.now() - w0);
      }
      window.dispatchEvent(new MouseEvent('mouseup', { bubbles: true, clientX: x, clientY: y, view: window }));
      return { frames: frames.slice(1), work };
    };
    const fitPan = await pan();
    // then at 1:1, where every label is drawn: one wheel step from the fitted scale to k = 1
    const k0 = Number(/scale\(([0-9.e-]+)\)/.exec(document.querySelector('.pan-layer').style.transform)?.[1] ?? 1);
    const anchor = document.querySelectorAll('g.node.role-container')[5].getBoundingClientRect();
    surface.dispatchEvent(new WheelEvent('wheel', { bubbles: true, cancelable: true, clientX: anchor.left, clientY: anchor.top, deltaY: -Math.log2(1 / k0) / 0.002, view: window }));
    await new Promise((ok) => setTimeout(ok, 400));
    const inView = [...document.querySelectorAll('g.node')].filter((n) => {
      const b = n.getBoundingClientRect();
      return b.right > r.left && b.left < r.right && b.bottom > r.top && b.top < r.bottom;
    }).length;
    const fullPan = await pan();
    return { firstPaint, built, counts, frames: fitPan.frames, work: fitPan.work, fullFrames: fullPan.frames, inView };
  }, t));
  }
  const result = runs[0];
  const stats = (xs) => {
    const s = [...xs].sort((a, b) => a - b);
    return { mean: s.reduce((a, b) => a + b, 0) / s.length, p95: s[Math.floor(s.length * 0.95)], max: s[s.length - 1] };
  };
  const f = stats(runs.flatMap((r) => r.frames));
  const w = stats(runs.flatMap((r) => r.work));
  const paints = runs.map((r) => r.firstPaint).sort((a, b) => a - b);
  const builts = runs.map((r) => r.built).sort((a, b) => a - b);
  console.log(`load average while measuring: ${readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ')} (2 cores; other work inflates the figures)`);
  console.log(`topology webview bench: ${t.containers.length} containers over ${t.networks.length} networks (synthesised from the recorded lab topology)`);
  console.log(`  drawn: ${result.counts.nodes} nodes, ${result.counts.edges} edges, ${result.counts.labels} edge labels; bundle ${bundle.length} bytes (minified)`);
  console.log(`  first paint (snapshot posted → painted), 5 page loads: median ${paints[2].toFixed(0)} ms, min ${paints[0].toFixed(0)} ms, max ${paints[4].toFixed(0)} ms (message + layout + DOM: median ${builts[2].toFixed(0)} ms)`);
  const full = stats(runs.flatMap((r) => r.fullFrames));
  console.log(`  panning at 1:1 (all text drawn, ${runs[0].inView} nodes in view), 5 × 180 frames: frame interval mean ${full.mean.toFixed(1)} ms, p95 ${full.p95.toFixed(1)} ms, max ${full.max.toFixed(1)} ms`);
  console.log(`  panning fitted (whole drawing in view), 5 × 180 frames: frame interval mean ${f.mean.toFixed(1)} ms, p95 ${f.p95.toFixed(1)} ms, max ${f.max.toFixed(1)} ms; zoom handler per move mean ${w.mean.toFixed(2)} ms, max ${w.max.toFixed(2)} ms`);
} finally {
  await context?.close();
  server.close();
  rmSync(work, { recursive: true, force: true });
}
