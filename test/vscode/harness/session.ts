/**
 * One test session: a fresh code-server, Debian's Chromium opening it with the extension under
 * development and a compiled mocha entry (the extensionDevelopmentPath / extensionTestsPath payload),
 * then the exit code from window.codeAutomationExit and the counts the suite wrote to results.json.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { type Page, chromium } from 'playwright-core';
import { startCodeServer } from './codeServer';

export interface SessionOptions {
  name: string;
  /** the extension under test (or a stub when testing an installed .vsix) */
  extensionDevelopmentPath: string;
  /** compiled mocha entry (exports run()); writes results.json next to itself */
  testsEntry: string;
  /** user settings.json content */
  settings?: Record<string, unknown>;
  /** workspace-folder .vscode/settings.json content */
  workspaceSettings?: Record<string, unknown>;
  trustEnabled: boolean;
  /** pre-populated extensions folder (installed .vsix) */
  extensionsDir?: string;
  timeoutMs?: number;
}

export interface SessionResult {
  name: string;
  passed: number;
  failed: number;
  pending: number;
  exitCode: number;
  seconds: number;
  failures: string[];
}

export const CHROMIUM = process.env.DLENS_CHROMIUM ?? '/usr/bin/chromium';

export async function runSession(o: SessionOptions): Promise<SessionResult> {
  const t0 = Date.now();
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), `dlens-${o.name}-`));
  const dirs = { workspace: path.join(tmp, 'workspace'), userDataDir: path.join(tmp, 'user-data'), extensionsDir: o.extensionsDir ?? path.join(tmp, 'extensions'), home: path.join(tmp, 'home') };
  for (const d of Object.values(dirs)) fs.mkdirSync(d, { recursive: true });
  fs.mkdirSync(path.join(dirs.userDataDir, 'User'), { recursive: true });
  fs.writeFileSync(path.join(dirs.userDataDir, 'User', 'settings.json'), JSON.stringify({ 'workbench.startupEditor': 'none', 'telemetry.telemetryLevel': 'off', 'extensions.autoUpdate': false, 'extensions.autoCheckUpdates': false, 'extensions.ignoreRecommendations': true, 'workbench.welcomePage.walkthroughs.openOnInstall': false, ...o.settings }, null, 2));
  if (o.workspaceSettings) {
    fs.mkdirSync(path.join(dirs.workspace, '.vscode'), { recursive: true });
    fs.writeFileSync(path.join(dirs.workspace, '.vscode', 'settings.json'), JSON.stringify(o.workspaceSettings, null, 2));
  }
  const resultsFile = path.join(path.dirname(o.testsEntry), 'results.json');
  fs.rmSync(resultsFile, { force: true });
  const log = (line: string) => process.stdout.write(`[${o.name}] ${line}\n`);
  // The workbench's own console (and mocha's spec output) is noisy; it is printed only when the session fails.
  const hostLog: string[] = [];
  const verbose = !!process.env.DLENS_TEST_VERBOSE;
  const server = await startCodeServer({ root: process.cwd(), ...dirs, trustEnabled: o.trustEnabled, log: (l) => (verbose ? log(l) : undefined) });
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    env: { ...process.env, HOME: dirs.home },
  });
  let exitCode = 1;
  try {
    const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    const exited = new Promise<number>((resolve) => {
      void page.exposeFunction('codeAutomationExit', (code: number) => resolve(code));
    });
    // Errors inside the webview iframes (a page that never started) reach neither the workbench's log nor the suite.
    page.on('console', (m) => {
      if ((m.type() === 'error' || m.type() === 'warning') && !m.location().url.includes('workbench')) hostLog.push(`frame ${m.type()}: ${m.location().url.slice(0, 100)}: ${m.text().slice(0, 300)}`);
    });
    page.on('pageerror', (err) => hostLog.push(`page error: ${err.message.slice(0, 300)}`));
    let panelActions = Promise.resolve();
    await page.exposeFunction('codeAutomationLog', (type: string, args: unknown[]) => {
      const line = `${type}: ${args.map(String).join(' ')}`;
      // A test asked for a picture of the workbench (helpers.screenshot): only the driver can take it.
      const shot = /DLENS_SCREENSHOT ([\w-]+)/.exec(line);
      if (shot) void page.screenshot({ path: path.join(path.dirname(o.testsEntry), `${shot[1]}.png`) }).catch(() => undefined);
      // A test asked for a click or typing inside a panel (helpers.inPanel): a user's input, as only the driver can give it.
      const input = /DLENS_PANEL (\{.+\})$/.exec(line);
      // One after another, in the order asked: typing must land before the click that sends it.
      if (input) panelActions = panelActions.then(() => actInWebview(page, JSON.parse(input[1]))).then((how) => void hostLog.push(`driver: ${input[1]}: ${how}`));
      if (verbose) log(line);
      else hostLog.push(line);
    });
    const remote = (p: string) => `vscode-remote://127.0.0.1:${server.port}${p}`;
    const payload = JSON.stringify([['extensionDevelopmentPath', remote(o.extensionDevelopmentPath)], ['extensionTestsPath', remote(o.testsEntry)]]);
    await page.goto(`${server.origin}/?folder=${encodeURIComponent(dirs.workspace)}&payload=${encodeURIComponent(payload)}`);
    const timeoutMs = o.timeoutMs ?? 8 * 60_000;
    exitCode = await Promise.race([exited, new Promise<number>((resolve) => setTimeout(() => {
      log(`timed out after ${timeoutMs / 1000} s`);
      resolve(124);
    }, timeoutMs))]);
    if (exitCode !== 0) for (const line of hostLog.slice(-200)) log(line);
    // After the suite the extension host is shut down (views empty); the workbench still shows what failed.
    if (exitCode !== 0) {
      const shot = path.join(path.dirname(o.testsEntry), 'failure.png');
      await page.screenshot({ path: shot }).then(() => log(`screenshot: ${shot}`)).catch(() => undefined);
    }
  } finally {
    await browser.close().catch(() => undefined);
    await server.stop();
  }
  const counts = readResults(resultsFile);
  if (!counts) log(`no ${resultsFile}: the suite never ran to the end (exit code ${exitCode})`);
  const failed = counts ? counts.failed : 0;
  const result = { name: o.name, passed: counts?.passed ?? 0, failed: counts ? failed : 1, pending: counts?.pending ?? 0, exitCode, seconds: (Date.now() - t0) / 1000, failures: counts?.failures ?? [`${o.name}: the suite did not finish (exit ${exitCode})`] };
  if (exitCode === 0 && result.failed === 0 && !process.env.DLENS_KEEP_SESSION) fs.rmSync(tmp, { recursive: true, force: true });
  else log(`kept ${tmp} for inspection`);
  return result;
}

/**
 * Clicks (or fills) the first visible element matching `selector` in any frame: panels live in nested
 * webview iframes, which may still be loading (slowly on a busy machine), so it tries for 30 s, then says
 * what each frame held.
 */
async function actInWebview(page: Page, a: { action: 'click' | 'fill'; selector: string; value?: string }): Promise<string> {
  for (const deadline = Date.now() + 30_000; Date.now() < deadline; await new Promise((r) => setTimeout(r, 250))) {
    for (const frame of page.frames()) {
      const el = await frame.$(a.selector).catch(() => null);
      if (el && (await el.isVisible().catch(() => false))) {
        const done = a.action === 'fill' ? el.fill(a.value ?? '', { timeout: 5000 }) : el.click({ timeout: 5000 });
        return done.then(() => 'done', (err: Error) => `failed: ${err.message}`);
      }
    }
  }
  const seen = await Promise.all(page.frames().map(async (f) => `${f.url().slice(0, 80)}: ${await f.$$eval(a.selector, (els) => els.length).catch((e: Error) => e.message.slice(0, 80))}`));
  return `no visible element matches; frames: ${seen.join(' | ')}`;
}

function readResults(file: string): { passed: number; failed: number; pending: number; failures: string[] } | undefined {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch {
    return undefined;
  }
}
