/**
 * Opens the real panel page (extension/panelHtml.ts, so the real CSP) with the real bundle
 * (dist/webview/panel.js) in Debian's Chromium, served by a tiny local HTTP server, with
 * acquireVsCodeApi stubbed the way VS Code provides it: postMessage is recorded, getState/setState
 * persist across reloads (VS Code keeps a webview's state while it is hidden or rebuilt).
 */
import * as fs from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { type Browser, type Page, chromium } from 'playwright-core';
import { panelHtml } from '../../extension/panelHtml';

export const CHROMIUM = process.env.DLENS_CHROMIUM ?? '/usr/bin/chromium';
const BUNDLE = path.resolve('dist/webview/panel.js');

/**
 * Theme variables as VS Code sets them on the webview's root (a dark theme). The chart colours differ
 * from the panel's built-in fallbacks on purpose, so a test reading them back proves they came from here.
 */
export const THEME_VARS: Record<string, string> = {
  '--vscode-foreground': 'rgb(204, 204, 204)',
  '--vscode-font-family': 'system-ui, sans-serif',
  '--vscode-font-size': '13px',
  '--vscode-editor-background': 'rgb(30, 30, 30)',
  '--vscode-charts-blue': 'rgb(20, 120, 250)',
  '--vscode-charts-orange': 'rgb(240, 130, 10)',
  '--vscode-charts-green': 'rgb(110, 200, 100)',
  '--vscode-charts-purple': 'rgb(170, 110, 220)',
};

/** Screenshots for people to look at (not compared): out/webview-tests/. */
export const SCREENSHOTS = path.resolve('out/webview-tests');

export interface PanelHarness {
  page: Page;
  /** Rebuilds the webview as VS Code does when a hidden panel is shown again: the page reloads, its getState survives. */
  reload(): Promise<void>;
  /** messages the panel posted to the extension, in order (since the last load) */
  posted(): Promise<Array<{ type: string; [k: string]: unknown }>>;
  /** CSP violations the page reported */
  cspViolations(): Promise<string[]>;
  close(): Promise<void>;
}

function serve(): Promise<http.Server> {
  const server = http.createServer((req, res) => {
    const origin = `http://${req.headers.host}`;
    if (req.url === '/panel.js') {
      res.writeHead(200, { 'content-type': 'text/javascript' });
      res.end(fs.readFileSync(BUNDLE));
    } else if (req.url === '/') {
      res.writeHead(200, { 'content-type': 'text/html' });
      res.end(panelHtml({ title: 'test panel', cspSource: origin, scriptUri: `${origin}/panel.js`, nonce: 'n0nce' + Math.random().toString(36).slice(2) }));
    } else {
      // favicon.ico and anything else: nothing, and no 404 noise in the page's console.
      res.writeHead(204).end();
    }
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

/**
 * Runs in the page before the panel script: the VS Code API stub, the theme, a CSP violation log, and
 * __post (typed arrays rebuilt from JSON stand-ins). A string, not a function: tsx's transform adds helper
 * calls to functions that do not exist in the page.
 */
const STUB = `(vars) => {
  window.__posted = [];
  window.__csp = [];
  document.addEventListener('securitypolicyviolation', (e) => window.__csp.push(e.violatedDirective + ' ' + e.blockedURI));
  window.acquireVsCodeApi = () => ({
    postMessage: (m) => {
      window.__posted.push(m);
      // A test standing in for the extension answers seeks (serveSeeks).
      if (m && m.type === 'seek' && window.__onSeek) window.__onSeek(m);
    },
    getState: () => JSON.parse(sessionStorage.getItem('vscodeState') ?? 'null'),
    setState: (s) => sessionStorage.setItem('vscodeState', JSON.stringify(s)),
  });
  const revive = (v) => {
    if (Array.isArray(v)) return v.map(revive);
    if (v === null || typeof v !== 'object') return v;
    if (Array.isArray(v.$f32)) return Float32Array.from(v.$f32.map((x) => (x === null ? NaN : x)));
    if (Array.isArray(v.$f64)) return Float64Array.from(v.$f64.map((x) => (x === null ? NaN : x)));
    if (Array.isArray(v.$i32)) return Int32Array.from(v.$i32);
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, revive(x)]));
  };
  window.__post = (m) => window.postMessage(revive(m), '*');
  document.addEventListener('DOMContentLoaded', () => {
    for (const [k, v] of Object.entries(vars)) document.documentElement.style.setProperty(k, v);
  });
}`;

let browser: Browser | undefined;
let server: http.Server | undefined;
let home: string | undefined;

export async function openPanel(): Promise<PanelHarness> {
  if (!fs.existsSync(BUNDLE)) throw new Error(`${BUNDLE} is missing: run \`node build.mjs\` first (npm run test:webview does).`);
  fs.mkdirSync(SCREENSHOTS, { recursive: true });
  server ??= await serve();
  if (!browser) {
    home = fs.mkdtempSync(path.join(os.tmpdir(), 'dlens-webview-home-'));
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
      env: { ...process.env, HOME: home },
    });
  }
  const context = await browser.newContext({ viewport: { width: 1200, height: 900 } });
  const page = await context.newPage();
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  if (process.env.DLENS_TEST_VERBOSE) page.on('console', (m) => process.stdout.write(`[page] ${m.text()}\n`));
  await page.addInitScript({ content: `(${STUB})(${JSON.stringify(THEME_VARS)});` });
  const ready = () =>
    page.waitForFunction(() => ((window as unknown as { __posted: Array<{ type: string }> }).__posted ?? []).some((m) => m.type === 'ready'), undefined, { timeout: 5000 }).catch((err: Error) => {
      throw new Error(`the panel never posted 'ready' (page errors: ${errors.join('; ') || 'none'}): ${err.message}`);
    });
  await page.goto(`http://127.0.0.1:${(server.address() as AddressInfo).port}/`);
  await ready();
  return {
    page,
    reload: async () => {
      await page.reload();
      await ready();
    },
    posted: () => page.evaluate(() => (window as unknown as { __posted: Array<{ type: string }> }).__posted),
    cspViolations: async () => [...errors.map((e) => `page error: ${e}`), ...(await page.evaluate(() => (window as unknown as { __csp: string[] }).__csp))],
    close: () => context.close(),
  };
}

export async function shutdown(): Promise<void> {
  await browser?.close();
  server?.close();
  if (home) fs.rmSync(home, { recursive: true, force: true });
  browser = undefined;
  server = undefined;
}

/** JSON stand-ins for typed arrays, since page.evaluate's arguments cross as JSON. */
export const f32 = (values: number[]) => ({ $f32: values });
export const f64 = (values: number[]) => ({ $f64: values });

/** Posts a message into the panel as the extension does (a window 'message' event), typed arrays rebuilt in the page. */
export async function post(page: Page, msg: unknown): Promise<void> {
  await page.evaluate((m) => (window as unknown as { __post(m: unknown): void }).__post(m), msg);
}

/**
 * A message with typed arrays as the page can receive it through page.evaluate (JSON): each typed array
 * becomes its stand-in; NaN and ±Infinity (JSON null) come back as NaN, which every test here plants as NaN.
 */
export function toPage(msg: unknown): unknown {
  if (msg instanceof Float32Array) return { $f32: Array.from(msg, (x) => (Number.isFinite(x) ? x : null)) };
  if (msg instanceof Float64Array) return { $f64: Array.from(msg, (x) => (Number.isFinite(x) ? x : null)) };
  if (msg instanceof Int32Array) return { $i32: Array.from(msg) };
  if (Array.isArray(msg)) return msg.map(toPage);
  if (msg === null || typeof msg !== 'object') return msg;
  return Object.fromEntries(Object.entries(msg).filter(([, v]) => v !== undefined).map(([k, v]) => [k, toPage(v)]));
}

/** Answers the panel's seeks as the extension does, with `answer(step, request)` (e.g. FrameSource.frame). */
export async function serveSeeks(page: Page, answer: (step: number, request: number) => unknown): Promise<void> {
  await page.exposeFunction('__onSeek', (m: { step: number; request: number }) => {
    let reply: unknown;
    try {
      reply = answer(m.step, m.request);
    } catch (err) {
      reply = { type: 'seekError', request: m.request, step: m.step, message: (err as Error).message };
    }
    // Posted after the seek returns, as an answer crossing from the extension would be.
    setTimeout(() => void post(page, toPage(reply)).catch(() => undefined), 0);
  });
}

/**
 * What the panel must draw for image values in [-1, 1] (HWC, 1 or 3 channels): round((v + 1) * 127.5)
 * per channel, clipped to 0..255, greyscale spread to RGB, opaque: the RGBA bytes a canvas reads back.
 */
export function expectedPixels(values: ArrayLike<number>, channels: number): number[] {
  const px: number[] = [];
  for (let p = 0; p < values.length / channels; p++) {
    for (let k = 0; k < 3; k++) px.push(Math.min(255, Math.max(0, Math.round((values[p * channels + (channels === 3 ? k : 0)] + 1) * 127.5))));
    px.push(255);
  }
  return px;
}

/** The RGBA bytes of the canvas `selector` finds. */
export function canvasPixels(page: Page, selector: string): Promise<number[]> {
  return page.$eval(selector, (el) => {
    const c = el as HTMLCanvasElement;
    return Array.from(c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data);
  });
}
