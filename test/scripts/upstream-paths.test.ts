/**
 * Where the upstream copies are looked for, and what a command says when they are missing: the
 * folder it looked in and the one way to get them.
 */
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { missingUpstream, requireUpstream, shownPath } from '../../scripts/toolchain/paths';

const ROOT = path.resolve(__dirname, '..', '..');
const TSX = path.join(ROOT, 'node_modules', '.bin', 'tsx');

describe('upstream copies', () => {
  it('names a folder relative to the working directory when it is close, else in full', () => {
    expect(shownPath('/work/shared/crds', '/work/repo')).toBe('../shared/crds');
    expect(shownPath('/work/repo/.upstream/crds', '/work/repo')).toBe('.upstream/crds');
    expect(shownPath('/tmp/x/crds', '/work/repo')).toBe('/tmp/x/crds');
    expect(shownPath('/work/repo', '/work/repo')).toBe('.');
  });

  it('a missing copy names the folder, npm run fetch-upstream, and the variable that points elsewhere', () => {
    expect(missingUpstream('CRD', '/tmp/none/crds')).toBe(
      'the upstream CRD copies are not in /tmp/none/crds; run npm run fetch-upstream (downloads every pinned file and checks its digest), or set CRDS_DIR to the folder that holds them',
    );
    expect(() => requireUpstream('chart', '/tmp/none/charts')).toThrow(
      'the upstream chart copies are not in /tmp/none/charts; run npm run fetch-upstream (downloads every pinned file and checks its digest), or set CHARTS_DIR to the folder that holds them',
    );
    expect(requireUpstream('CRD', ROOT)).toBe(ROOT);
  });

  it('commands that need the CRDs say so in one line, naming $CRDS_DIR as set', () => {
    const env = { ...process.env, CRDS_DIR: '/tmp/no-such-crds' };
    const r = spawnSync(TSX, ['scripts/cli/control-plane.ts'], { cwd: ROOT, encoding: 'utf8', env });
    expect(r.status).toBe(1);
    expect(r.stderr.trim()).toBe(`control-plane: ${missingUpstream('CRD', '/tmp/no-such-crds')}`);
  });
});
