/**
 * `npm run test:vsix`: package the extension with vsce, install the .vsix into a fresh code-server
 * extensions folder the way a user does (`--install-extension`), start that host with only a stub
 * extension under development, and check the installed copy activates and runs a job. Prints the size.
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { buildSuite } from './harness/build';
import { ENTRY } from './harness/codeServer';
import { runSession } from './harness/session';
import { report } from './summary';

async function main(): Promise<number> {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'dlens-vsix-'));
  const vsix = path.resolve('dist-vsix', 'diffusion-lens.vsix');
  fs.rmSync(vsix, { force: true });
  const t0 = Date.now();
  execFileSync('npm', ['run', '--silent', 'package:vsix'], { stdio: 'inherit' });
  const bytes = fs.statSync(vsix).size;
  process.stdout.write(`packaged ${vsix}: ${(bytes / 1024 / 1024).toFixed(2)} MB (${bytes} bytes) in ${((Date.now() - t0) / 1000).toFixed(1)} s\n`);
  const extensionsDir = path.join(tmp, 'extensions');
  execFileSync(process.execPath, [ENTRY, '--extensions-dir', extensionsDir, '--user-data-dir', path.join(tmp, 'user-data'), '--install-extension', vsix, '--force'], { stdio: 'inherit', env: { ...process.env, HOME: tmp } });
  // The host needs some extension under development to run tests from; this stub contributes nothing.
  const stub = path.join(tmp, 'stub');
  fs.mkdirSync(stub);
  fs.writeFileSync(path.join(stub, 'package.json'), JSON.stringify({ name: 'dlens-vsix-probe', publisher: 'test', version: '0.0.0', engines: { vscode: '^1.100.0' } }));
  const entry = await buildSuite('installed');
  const result = await runSession({ name: 'installed-vsix', extensionDevelopmentPath: stub, testsEntry: entry, extensionsDir, trustEnabled: false });
  const code = report([result], [path.dirname(entry)]);
  if (code === 0) fs.rmSync(tmp, { recursive: true, force: true });
  return code;
}

main().then((code) => process.exit(code), (err) => {
  process.stderr.write(`${(err as Error).stack ?? err}\n0 passed, 1 failed\n`);
  process.exit(1);
});
