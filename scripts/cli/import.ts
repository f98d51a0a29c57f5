/**
 * npm run import: regenerates imports/ offline (scripts/toolchain/imports.ts).
 */
import { type CommandSpec, mainCommand } from '../lib/cli';
import { runImportCommand } from '../toolchain/imports';

export { runImportCommand };

export const IMPORT_COMMAND: CommandSpec = {
  name: 'import',
  usage: 'npm run import [-- [--crds <dir>] [--out <dir>]]',
  summary:
    'Regenerates the typed API classes in imports/ offline: every entry of the imports: list of cdk8s.yaml from the file of the same name under the CRD directory, and k8s@<version> from the OpenAPI document of the k8s.io/kubernetes Go module (through the Go module proxy). Prints a line per import.',
  flags: {
    crds: { value: true, help: 'directory of the upstream CRD copies (default ../shared/crds, or $CRDS_DIR)' },
    out: { value: true, help: 'output directory (default imports/)' },
  },
};

if (require.main === module) mainCommand(IMPORT_COMMAND, runImportCommand);
