/**
 * The layer rules of .dependency-cruiser.cjs (npm run layers): the tree follows them, and each
 * kind of fault planted in a scratch tree fails under the rule that names it.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { layerViolations, loadRules, violationLine } from '../../scripts/cli/layers';

/** A scratch tree: each file and what it holds. */
const PLANTED: Record<string, string> = {
  // Clean: config imports the model below it.
  'charts/lib/names.ts': "export const NAME = 'n';\n",
  'charts/config/load.ts': "import { NAME } from '../lib/names';\nexport const loaded = NAME;\n",
  // The model imports the config above it.
  'charts/lib/upward.ts': "import { loaded } from '../config/load';\nexport const up = loaded;\n",
  // A gate imports a command entry file.
  'scripts/cli/validate.ts': 'export const run = 1;\n',
  'scripts/gates/gate.ts': "import { run } from '../cli/validate';\nexport const gate = run;\n",
  // A production command's library imports the integration harness.
  'scripts/integration/harness.ts': 'export const harness = 1;\n',
  'scripts/apply/prune.ts': "import { harness } from '../integration/harness';\nexport const prune = harness;\n",
  // Two gates import each other.
  'scripts/gates/one.ts': "import { two } from './two';\nexport const one = (): number => two() + 1;\n",
  'scripts/gates/two.ts': "import { one } from './one';\nexport const two = (): number => one() - 1;\n",
  // cluster/ reaches past the public surface of charts/.
  'charts/index.ts': "export { NAME } from './lib/names';\n",
  'cluster/cli.ts':
    "import { NAME } from '../charts';\nimport { loaded } from '../charts/config/load';\nexport const c = NAME + loaded;\n",
  // A folder no layer holds.
  'charts/stray/file.ts': "import { NAME } from '../lib/names';\nexport const stray = NAME;\n",
};

let scratch: string;
beforeAll(() => {
  scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'layers-'));
  for (const [file, text] of Object.entries(PLANTED)) {
    fs.mkdirSync(path.dirname(path.join(scratch, file)), { recursive: true });
    fs.writeFileSync(path.join(scratch, file), text);
  }
});
afterAll(() => fs.rmSync(scratch, { recursive: true, force: true }));

describe('layer rules', () => {
  it('the tree follows them: no upward import, no cycle', async () => {
    const { modules, violations } = await layerViolations();
    expect(violations.map(violationLine)).toEqual([]);
    expect(modules).toBeGreaterThan(200);
  });

  it('every planted fault fails under the rule that names it, and only those', async () => {
    const { violations } = await layerViolations(scratch);
    expect(violations.map(violationLine).sort()).toEqual(
      [
        'layer-charts-lib: charts/lib/upward.ts → charts/config/load.ts',
        'layer-scripts-gates: scripts/gates/gate.ts → scripts/cli/validate.ts',
        'layer-scripts-apply: scripts/apply/prune.ts → scripts/integration/harness.ts',
        'harness-only-from-tests: scripts/apply/prune.ts → scripts/integration/harness.ts',
        'no-circular: scripts/gates/one.ts → scripts/gates/two.ts → scripts/gates/one.ts',
        'layer-cluster: cluster/cli.ts → charts/config/load.ts',
        'layer-unassigned: charts/stray/file.ts → charts/lib/names.ts',
      ].sort(),
    );
  });

  it('each layer has a rule of its own', async () => {
    const names = (await loadRules()).LAYERS.map((l) => l.name);
    expect(new Set(names).size).toBe(names.length);
  });
});
