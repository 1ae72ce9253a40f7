/**
 * Where a module exports each contract function, for diagnostics: `export function step`, `export const
 * step =`, or a name in an `export { … }` list (re-exports included). Text search, no vscode import, so
 * it is unit-tested in Node; a name exported twice points at the first.
 */
import { IMPLEMENTATION_EXPORTS, type ImplementationExport } from '../../engine/user/types';

export interface ExportLocation {
  /** 0-based line */
  line: number;
  start: number;
  end: number;
}

export function exportLines(source: string): Partial<Record<ImplementationExport, ExportLocation>> {
  const out: Partial<Record<ImplementationExport, ExportLocation>> = {};
  source.split(/\r?\n/).forEach((text, line) => {
    for (const name of IMPLEMENTATION_EXPORTS) {
      if (out[name]) continue;
      const declared = new RegExp(`^\\s*export\\s+(?:async\\s+)?(?:function\\s*\\*?|const|let|var)\\s*(${name})\\b`).exec(text);
      const listed = /^\s*export\s*\{/.test(text) ? new RegExp(`[{,]\\s*(?:\\w+\\s+as\\s+)?(${name})\\s*[,}]`).exec(text) : null;
      const m = declared ?? listed;
      if (m) {
        const start = m.index + m[0].lastIndexOf(name);
        out[name] = { line, start, end: start + name.length };
      }
    }
  });
  return out;
}
