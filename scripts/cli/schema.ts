/**
 * Writes the JSON Schema of tenants.yaml (charts/schemas/tenants.schema.json) from the zod
 * schema. `npm test` fails when the committed file is stale.
 *
 *   npm run schema [-- --check]
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { tenantsJsonSchema } from '../../charts/config/tenants-schema';
import { DIRS } from '../../charts/lib/constants';
import { type CommandSpec, mainCommand, type ParsedArgs, UsageError, UserError } from '../lib/cli';

export function schemaText(): string {
  return `${JSON.stringify(tenantsJsonSchema(), null, 2)}\n`;
}

export const SCHEMA_COMMAND: CommandSpec = {
  name: 'schema',
  usage: 'npm run schema [-- --check]',
  summary: `Writes ${DIRS.tenantsSchema}, the JSON Schema editors use for tenants.yaml, from the zod schema of charts/config/tenants-schema.ts.`,
  flags: { check: { help: 'write nothing; exit 1 when the committed file differs' } },
};

/** The schema command; `root` is the repository root. */
export function runSchema(args: ParsedArgs, root = path.resolve(__dirname, '..', '..')): number {
  if (args.positional.length > 0) throw new UsageError(`unexpected argument ${args.positional[0]}`);
  const target = path.join(root, DIRS.tenantsSchema);
  const text = schemaText();
  if (args.flags.check) {
    const current = fs.existsSync(target) ? fs.readFileSync(target, 'utf8') : undefined;
    if (current !== text) throw new UserError(`${DIRS.tenantsSchema} is stale; run npm run schema and commit it`);
    console.log(`schema: ${DIRS.tenantsSchema} is up to date`);
    return 0;
  }
  fs.mkdirSync(path.dirname(target), { recursive: true });
  fs.writeFileSync(target, text);
  console.log(`schema: wrote ${DIRS.tenantsSchema}`);
  return 0;
}

if (require.main === module) mainCommand(SCHEMA_COMMAND, (args) => runSchema(args));
