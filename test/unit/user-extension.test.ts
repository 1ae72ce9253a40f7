/** The extension's rules for the implementation setting (no vscode import: pure functions). */
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { resolveImplementationPath } from '../../extension/paths';
import { implementationRestriction, restrictionReason } from '../../extension/trust';

describe('the implementation setting', () => {
  it('resolves a relative path from the workspace folder, keeps an absolute one, and is unset when empty', () => {
    assert.equal(resolveImplementationPath('src/my-ddpm.ts', '/work/ws'), path.resolve('/work/ws/src/my-ddpm.ts'));
    assert.equal(resolveImplementationPath('/abs/impl.js', '/work/ws'), path.normalize('/abs/impl.js'));
    assert.equal(resolveImplementationPath('   ', '/work/ws'), undefined);
  });

  it('in Restricted Mode the file is not run (and the reason says so); the select command is disabled', () => {
    assert.equal(implementationRestriction(true, '/w/impl.ts'), undefined);
    assert.equal(implementationRestriction(false, undefined), undefined);
    assert.match(implementationRestriction(false, '/w/impl.ts') ?? '', /Restricted Mode, so the implementation file \/w\/impl\.ts .* is not run; the reference/);
    assert.match(restrictionReason('diffusionLens.selectImplementation', false) ?? '', /Restricted Mode/);
    assert.equal(restrictionReason('diffusionLens.selectImplementation', true), undefined);
  });
});
