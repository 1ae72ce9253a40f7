/**
 * Diffusion: Check My Implementation… — runs the doctor (engine/doctor) on the user's own module in a
 * runner process and shows the findings in a panel, and in the Problems view at the export each one blames.
 * It executes workspace code, so Restricted Mode disables it (package.json enablement, register.ts).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { DoctorReport } from '../../engine/doctor/types';
import { type DoctorJob, parseJob } from '../../engine/protocol';
import { IMPLEMENTATION_EXTENSIONS } from '../../engine/user/bundle';
import { stamp } from '../paths';
import { pick } from '../prompts';
import type { Services } from '../services';
import { CommandArgError, isArgObject, parseArgs } from './args';
import { exportLines } from './exportLines';
import type { CommandResult } from './result';

const NAME = 'Diffusion: Check My Implementation';

const SCHEMA = {
  file: { type: 'path' },
  steps: { type: 'int', min: 2, max: 100_000 },
  T: { type: 'int', min: 2, max: 100_000 },
  seed: { type: 'int', min: 0 },
  hangTimeoutMs: { type: 'int', min: 1000 },
} as const;

let diagnostics: vscode.DiagnosticCollection | undefined;

export async function checkImplementationCommand(s: Services, arg: unknown): Promise<CommandResult> {
  const a = isArgObject(arg) ? parseArgs(NAME, arg, SCHEMA) : undefined;
  const folder = vscode.workspace.workspaceFolders?.[0]?.uri.fsPath;
  const chosen = a?.file ?? (await chooseFile(s));
  if (!chosen) return { status: 'dismissed' };
  const file = path.resolve(folder ?? process.cwd(), chosen);
  if (!fs.existsSync(file) || !fs.statSync(file).isFile()) throw new CommandArgError(NAME, `${file} is not a file.`, 'choose the .ts or .js file that exports your betas, addNoise, timesteps, step or createModel.');
  const settings = s.settings();
  const T = a?.T ?? 1000;
  if ((a?.steps ?? 50) > T) throw new CommandArgError(NAME, `steps ${a?.steps} exceeds T = ${T}.`, `use steps from 2 to ${T}.`);
  // Beside the forward-process strips: a dot-folder, so the Runs view does not list it as a run.
  const outDir = path.join(settings.runsFolder, '.doctor', stamp());
  const job = parseJob({ kind: 'doctor', backend: settings.backend, outDir, file, T, steps: a?.steps ?? 50, seed: a?.seed ?? 0 }) as DoctorJob;
  const panel = s.panels.create(`Check ${path.basename(file)}`, settings.runsFolder);
  panel.setHeader(`Check My Implementation: ${path.basename(file)}`, [file, `T = ${T}, ${job.steps} sampling steps, seed ${job.seed}; checks: schedule, forward, timesteps, sampler (exact Gaussian-mixture oracle), model`]);
  const r = await s.jobs.run(job, { title: `checking ${path.basename(file)}`, panel, hangTimeoutMs: a?.hangTimeoutMs }).done;
  const report = r.doctorReport;
  if (report) {
    showDiagnostics(s, file, report);
    const errors = report.findings.filter((f) => f.severity === 'error').length;
    const text = `${path.basename(file)}: ${errors} error${errors === 1 ? '' : 's'}, ${report.findings.length - errors} warning${report.findings.length - errors === 1 ? '' : 's'}, ${report.passed.length} checks passed.`;
    panel.setStatus('completed', text);
    s.log.info(text);
    return { status: r.status, outDir, files: r.files, text, findings: report.findings.map((f) => ({ check: f.check, severity: f.severity })) };
  }
  return { status: r.status, error: r.error, outDir, files: r.files };
}

/** The diffusionLens.implementation setting, the active editor's module, or a file dialog. */
async function chooseFile(s: Services): Promise<string | undefined> {
  const configured = s.settings().implementation;
  const active = vscode.window.activeTextEditor?.document;
  const editorFile = active && active.uri.scheme === 'file' && (IMPLEMENTATION_EXTENSIONS as readonly string[]).includes(path.extname(active.fileName)) ? active.fileName : undefined;
  const choices = [
    ...(configured ? [{ label: path.basename(configured), description: 'diffusionLens.implementation', value: configured }] : []),
    ...(editorFile && editorFile !== configured ? [{ label: path.basename(editorFile), description: 'active editor', value: editorFile }] : []),
  ];
  const other = await (choices.length ? pick(`${NAME}: which file?`, [...choices, { label: 'Choose a file…', value: '' }], choices[0].value) : Promise.resolve(''));
  if (other === undefined) return undefined;
  if (other) return other;
  const picked = await vscode.window.showOpenDialog({
    title: NAME, canSelectMany: false, canSelectFolders: false, defaultUri: vscode.workspace.workspaceFolders?.[0]?.uri, openLabel: 'Check This File',
    filters: { 'TypeScript or JavaScript module': IMPLEMENTATION_EXTENSIONS.map((e) => e.slice(1)) },
  });
  return picked?.[0]?.fsPath;
}

/** One diagnostic per finding, on the line that exports the function it blames (the file's first line otherwise). */
function showDiagnostics(s: Services, file: string, report: DoctorReport): void {
  if (!diagnostics) {
    diagnostics = vscode.languages.createDiagnosticCollection('diffusionLens.doctor');
    s.context.subscriptions.push(diagnostics);
  }
  const lines = exportLines(fs.readFileSync(file, 'utf8'));
  diagnostics.set(vscode.Uri.file(file), report.findings.map((f) => {
    const at = (f.export && lines[f.export]) ?? { line: 0, start: 0, end: 0 };
    const d = new vscode.Diagnostic(new vscode.Range(at.line, at.start, at.line, at.end), `${f.message}\nExpected: ${f.expected}\nMeasured: ${f.measured}\nFix: ${f.fix}`, f.severity === 'error' ? vscode.DiagnosticSeverity.Error : vscode.DiagnosticSeverity.Warning);
    d.source = 'Diffusion Lens';
    d.code = f.check;
    return d;
  }));
}
