/**
 * `npm run test:vscode`: the extension in a real VS Code host (code-server 4.100.3 = VS Code 1.100.3,
 * driven by Debian's Chromium). Two sessions: a trusted workspace (commands, runner, panels, Runs view,
 * stop/kill/hang), then an untrusted one (Restricted Mode). Ends with `N passed, N failed`.
 */
import * as path from 'node:path';
import { buildSuite } from './harness/build';
import { runSession } from './harness/session';
import { report } from './summary';

async function main(): Promise<number> {
  const only = process.argv[2];
  const repo = process.cwd();
  const sessions = [
    { name: 'trusted', trustEnabled: false },
    {
      name: 'untrusted', trustEnabled: true,
      // Trust is on and never asked for: the workspace opens in Restricted Mode.
      settings: { 'security.workspace.trust.enabled': true, 'security.workspace.trust.startupPrompt': 'never', 'security.workspace.trust.emptyWindow': false },
      workspaceSettings: { 'diffusionLens.runsFolder': '/tmp/dlens-untrusted-elsewhere' },
    },
  ].filter((s) => !only || s.name === only);
  const results = [];
  const dirs = [];
  for (const s of sessions) {
    const entry = await buildSuite(s.name);
    dirs.push(path.dirname(entry));
    results.push(await runSession({ ...s, extensionDevelopmentPath: repo, testsEntry: entry }));
  }
  return report(results, dirs);
}

main().then((code) => process.exit(code), (err) => {
  process.stderr.write(`${(err as Error).stack ?? err}\n0 passed, 1 failed\n`);
  process.exit(1);
});
