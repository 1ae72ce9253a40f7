/**
 * Starts code-server (VS Code 1.100.3 server, npm code-server@4.100.3) for one test session, following
 * shared/notes/environment.md: auth off, private user-data, extensions and HOME folders, no telemetry
 * or update checks. Its own process group, so stopping it also ends its extension host and our runners.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';

export interface CodeServer {
  port: number;
  origin: string;
  process: ChildProcess;
  stop(): Promise<void>;
}

export interface CodeServerOptions {
  root: string;
  workspace: string;
  userDataDir: string;
  extensionsDir: string;
  home: string;
  trustEnabled: boolean;
  log: (line: string) => void;
}

export const ENTRY = path.join(process.cwd(), 'test', 'vscode', 'host', 'node_modules', 'code-server', 'out', 'node', 'entry.js');

export async function startCodeServer(o: CodeServerOptions): Promise<CodeServer> {
  if (!fs.existsSync(ENTRY)) throw new Error(`code-server is not installed (${ENTRY} missing). Fix: bash test/vscode/setup-host.sh (it needs: sudo apt-get install -y chromium libkrb5-dev pkg-config ripgrep).`);
  const port = await freePort();
  const config = path.join(o.home, 'code-server.yaml');
  fs.writeFileSync(config, '');
  const args = [ENTRY, '--auth', 'none', '--bind-addr', `127.0.0.1:${port}`, '--config', config, '--user-data-dir', o.userDataDir, '--extensions-dir', o.extensionsDir, '--disable-telemetry', '--disable-update-check', '--disable-getting-started-override', ...(o.trustEnabled ? [] : ['--disable-workspace-trust']), o.workspace];
  const child = spawn(process.execPath, args, { cwd: o.root, detached: true, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, HOME: o.home, XDG_CONFIG_HOME: path.join(o.home, '.config'), XDG_DATA_HOME: path.join(o.home, '.local', 'share') } });
  child.stdout!.setEncoding('utf8').on('data', (s: string) => s.split('\n').filter(Boolean).forEach((l) => o.log(`code-server: ${l}`)));
  child.stderr!.setEncoding('utf8').on('data', (s: string) => s.split('\n').filter(Boolean).forEach((l) => o.log(`code-server: ${l}`)));
  const origin = `http://127.0.0.1:${port}`;
  await waitForHttp(`${origin}/healthz`, 60_000, child);
  return {
    port, origin, process: child,
    stop: async () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise((r) => child.once('exit', r));
      try {
        process.kill(-child.pid!, 'SIGTERM');
      } catch {
        // already gone
      }
      const timer = setTimeout(() => {
        try {
          process.kill(-child.pid!, 'SIGKILL');
        } catch {
          // already gone
        }
      }, 5000);
      await exited;
      clearTimeout(timer);
    },
  };
}

async function waitForHttp(url: string, timeoutMs: number, child: ChildProcess): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`code-server exited with code ${child.exitCode} before listening (see the log above).`);
    try {
      const res = await fetch(url);
      if (res.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`code-server did not answer ${url} within ${timeoutMs / 1000} s.`);
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
    srv.on('error', reject);
  });
}
