/**
 * Benchmark (not a test): scrubbing a recorded 1000-step trajectory of 16 images at 32x32x3 (guided, so
 * five tensors per step) in the real panel in Debian's Chromium. Targets from issue 5: >= 30 redraws per
 * second while scrubbing, the panel's memory for the record under 300 MB. Prints each number and its ratio
 * to the target.
 *
 * The extension's side is stood in for by a local HTTP server answering each `seek` from the record with
 * FrameSource (the extension's own code); the page fetches the answer and posts it to the panel as a
 * structured-cloned message, as VS Code delivers it. That fetch needs `connect-src`, so this page runs with
 * CSP bypassed; the tests (npm run test:webview) check the real CSP.
 *
 * Worst case on purpose: every step of the scrub is a new step (no cache hit), and each waits for the
 * previous one to be drawn (no overlap of fetch and draw).
 *
 *   npm run bench:panel            (records the trajectory into out/bench/ once, ~1-2 min, then reuses it)
 */
import * as fs from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { chromium } from 'playwright-core';
import { panelHtml } from '../../../extension/panelHtml';
import { FrameSource } from '../../../engine/runner/frameSource';
import type { StepFrameMessage } from '../../../engine/protocol';
import { CHROMIUM, toPage } from '../harness';
import { CACHE_BYTES } from '../../../webview/trajectory/seeker';
import { recordOracleTrajectory } from '../trajectoryRecord';

const STEPS = 1000;
const FPS_TARGET = 30;
const MEMORY_TARGET_MB = 300;
const RECORD = path.resolve('out/bench/trajectory-1000');

/** [u32 header length][header JSON][pad to 4][float32 tensors]: the page makes Float32Array views, no parsing. */
function encode(f: StepFrameMessage): Buffer {
  const keys = (['x', 'eps', 'x0', 'epsCond', 'epsUncond'] as const).filter((k) => f[k]);
  let offset = 0;
  const tensors = keys.map((k) => {
    const t = f[k]!;
    const entry = { key: k, shape: t.shape, offset, length: t.data.length };
    offset += t.data.byteLength;
    return entry;
  });
  const header = Buffer.from(JSON.stringify({ step: f.step, steps: f.steps, t: f.t, tPrev: f.tPrev, request: f.request, tensors }));
  const start = 4 + Math.ceil(header.length / 4) * 4;
  const out = Buffer.alloc(start + offset);
  out.writeUInt32LE(header.length, 0);
  header.copy(out, 4);
  keys.forEach((k, i) => Buffer.from(f[k]!.data.buffer, f[k]!.data.byteOffset, f[k]!.data.byteLength).copy(out, start + tensors[i].offset));
  return out;
}

/** The extension's stand-in inside the page (a string: it runs in the page, not in Node). */
const STUB = `(() => {
  const revive = (v) => {
    if (v === null || typeof v !== 'object') return v;
    if (Array.isArray(v.$f32)) return Float32Array.from(v.$f32, (x) => (x === null ? NaN : x));
    if (Array.isArray(v.$f64)) return Float64Array.from(v.$f64, (x) => (x === null ? NaN : x));
    if (Array.isArray(v.$i32)) return Int32Array.from(v.$i32);
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, revive(x)]));
  };
  let state = null;
  window.acquireVsCodeApi = () => ({
    getState: () => state,
    setState: (s) => (state = s),
    postMessage: async (m) => {
      if (m.type === 'ready') {
        window.postMessage({ type: 'status', state: 'completed', text: 'benchmark record' }, '*');
        window.postMessage(revive(await (await fetch('/stats')).json()), '*');
      } else if (m.type === 'seek') {
        const buf = await (await fetch('/seek?step=' + m.step + '&request=' + m.request)).arrayBuffer();
        const n = new DataView(buf).getUint32(0, true);
        const h = JSON.parse(new TextDecoder().decode(new Uint8Array(buf, 4, n)));
        const start = 4 + Math.ceil(n / 4) * 4;
        const msg = { type: 'stepFrame', step: h.step, steps: h.steps, t: h.t, tPrev: h.tPrev, request: h.request };
        for (const t of h.tensors) msg[t.key] = { shape: t.shape, data: new Float32Array(buf, start + t.offset, t.length) };
        // Transferred, not copied: the panel gets one copy of the frame, as from VS Code's postMessage.
        window.postMessage(msg, '*', [buf]);
      }
    },
  });
})();`;

/**
 * Scrubs steps a..b (one slider input each), each waiting until its frame is drawn; resolves to the ms it
 * took. A string for the same reason as STUB (tsx would add helpers the page lacks).
 */
const SCRUB = `async (a, b) => {
  const section = document.getElementById('frame');
  const slider = document.getElementById('scrub');
  const drawn = (s) => new Promise((resolve) => {
    if (section.dataset.step === String(s)) return resolve();
    const o = new MutationObserver(() => {
      if (section.dataset.step === String(s)) {
        o.disconnect();
        resolve();
      }
    });
    o.observe(section, { attributes: true, attributeFilter: ['data-step'] });
  });
  const start = performance.now();
  for (let s = a; s <= b; s++) {
    slider.value = String(s);
    slider.dispatchEvent(new Event('input'));
    await drawn(s);
  }
  return performance.now() - start;
}`;

async function main(): Promise<void> {
  const t0 = Date.now();
  await recordOracleTrajectory(RECORD, { steps: STEPS, images: 16, size: 32, guidance: 3 });
  const recordSeconds = (Date.now() - t0) / 1000;
  const source = new FrameSource(RECORD);
  source.refresh();
  if (source.count !== STEPS) throw new Error(`${RECORD} holds ${source.count} steps, not ${STEPS}: delete it and run again.`);
  // Typed arrays as JSON stand-ins: the statistics go once, at 'ready'.
  const statsJson = JSON.stringify(toPage(source.stats(0)));
  const bundle = fs.readFileSync(path.resolve('dist/webview/panel.js'));
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    const origin = `http://${req.headers.host}`;
    if (url.pathname === '/') res.writeHead(200, { 'content-type': 'text/html' }).end(panelHtml({ title: 'bench', cspSource: origin, scriptUri: `${origin}/panel.js`, nonce: 'bench' }));
    else if (url.pathname === '/panel.js') res.writeHead(200, { 'content-type': 'text/javascript' }).end(bundle);
    else if (url.pathname === '/stats') res.writeHead(200, { 'content-type': 'application/json' }).end(statsJson);
    else if (url.pathname === '/seek') res.writeHead(200, { 'content-type': 'application/octet-stream' }).end(encode(source.frame(Number(url.searchParams.get('step')), Number(url.searchParams.get('request')))));
    else res.writeHead(204).end();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'dlens-bench-home-'));
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'], env: { ...process.env, HOME: home } });
  try {
    const context = await browser.newContext({ viewport: { width: 1200, height: 900 }, bypassCSP: true });
    const page = await context.newPage();
    await page.addInitScript({ content: STUB });
    const cdp = await context.newCDPSession(page);
    const browserCdp = await browser.newBrowserCDPSession();
    /** The page's JS heap plus ArrayBuffer backing stores (where the frames' Float32Arrays live), in MB. */
    const heapMb = async () => {
      const u = (await cdp.send('Runtime.getHeapUsage')) as { usedSize: number; backingStorageSize?: number };
      return (u.usedSize + (u.backingStorageSize ?? 0)) / 2 ** 20;
    };
    /**
     * Private resident memory (RssAnon + RssShmem: what the process allocated, not the shared libraries it
     * maps) of the largest renderer, which is the page's: Chromium also keeps one or two idle spare renderers.
     */
    const rendererMb = async () => {
      const info = (await browserCdp.send('SystemInfo.getProcessInfo')) as { processInfo: { type: string; id: number }[] };
      return Math.max(...info.processInfo.filter((p) => p.type === 'renderer').map((p) => {
        const status = fs.readFileSync(`/proc/${p.id}/status`, 'utf8');
        const kb = (field: string) => Number(new RegExp(`${field}:\\s+(\\d+) kB`).exec(status)?.[1] ?? 0);
        return (kb('RssAnon') + kb('RssShmem')) / 1024;
      }));
    };
    await page.goto(`http://127.0.0.1:${(server.address() as AddressInfo).port}/`);
    // The panel loaded, statistics and one frame (the last step) shown: Chromium's and the panel's own baseline.

    await page.waitForFunction((last) => document.getElementById('frame')?.dataset.step === String(last), STEPS - 1, { timeout: 30_000 });

    const scrub = (from: number, to: number) => page.evaluate(`(${SCRUB})(${from}, ${to})`) as Promise<number>;

    const loaded = await rendererMb();
    await scrub(0, 49); // warm-up: JIT, first canvases
    // Steps 30..49 (20 MB) are now in the panel's cache: scrubbing them again measures drawing alone.
    const cachedMs = (await scrub(30, 49)) + (await scrub(30, 49)) + (await scrub(30, 49)) + (await scrub(30, 49)) + (await scrub(30, 49));
    const before = { heap: await heapMb(), rss: await rendererMb() };
    const peak = { ...before };
    const sample = async () => {
      peak.heap = Math.max(peak.heap, await heapMb());
      peak.rss = Math.max(peak.rss, await rendererMb());
    };
    const poll = setInterval(() => void sample().catch(() => undefined), 100);
    const ms = await scrub(0, STEPS - 1);
    clearInterval(poll);
    await sample();
    await cdp.send('HeapProfiler.collectGarbage');
    const settled = await heapMb();
    const settledRss = await rendererMb();
    // Chromium hands freed allocator pages back to the system on a timer, not at once.
    await new Promise((r) => setTimeout(r, 10_000));
    const idleRss = await rendererMb();
    const fps = (STEPS * 1000) / ms;
    const bytesPerStep = fs.statSync(path.join(RECORD, 'frames.bin')).size / STEPS;

    console.log(`Trajectory player scrub benchmark, ${new Date().toISOString()}`);
    console.log(`machine: ${os.cpus()[0]?.model ?? 'unknown CPU'}, ${os.cpus().length} cores, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB, load average ${os.loadavg()[0].toFixed(1)}; Chromium ${browser.version()}; Node ${process.version}`);
    console.log(`record: ${STEPS} steps x 16 images x 32x32x3, guided (x_t, x0, eps, eps_cond, eps_uncond): ${(bytesPerStep / 2 ** 20).toFixed(2)} MB per step, ${((bytesPerStep * STEPS) / 2 ** 30).toFixed(2)} GB on disk${recordSeconds > 5 ? ` (recorded in ${recordSeconds.toFixed(0)} s)` : ' (reused)'}`);
    console.log(`scrub, every step fetched and drawn in turn: ${STEPS} steps in ${(ms / 1000).toFixed(2)} s = ${fps.toFixed(1)} redraws/s; target >= ${FPS_TARGET}: ratio ${(fps / FPS_TARGET).toFixed(2)} (${fps >= FPS_TARGET ? 'met' : 'NOT met'})`);
    console.log(`drawing alone (cached steps): ${(100_000 / cachedMs).toFixed(1)} redraws/s`);
    console.log(`panel memory, the page's renderer process, private resident (RssAnon + RssShmem): ${loaded.toFixed(0)} MB with the panel open on the last step, ${before.rss.toFixed(0)} MB after a warm-up scrub, peak ${peak.rss.toFixed(0)} MB during it, ${settledRss.toFixed(0)} MB after GC, ${idleRss.toFixed(0)} MB 10 s later; target < ${MEMORY_TARGET_MB} MB: ratio ${(peak.rss / MEMORY_TARGET_MB).toFixed(2)} (${peak.rss < MEMORY_TARGET_MB ? 'met' : 'NOT met'})`);
    console.log(`  of which JS heap + ArrayBuffers (CDP Runtime.getHeapUsage): peak ${peak.heap.toFixed(1)} MB, ${settled.toFixed(1)} MB after GC (the panel's frame cache is capped at ${CACHE_BYTES / 2 ** 20} MB)`);
  } finally {
    await browser.close();
    server.close();
    fs.rmSync(home, { recursive: true, force: true });
  }
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
