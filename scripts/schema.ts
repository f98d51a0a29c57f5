/**
 * Writes the JSON Schema of tenants.yaml (charts/schemas/tenants.schema.json) from the zod
 * schema. `npm test` fails when the committed file is stale.
 *
 *   npm run schema
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { tenantsJsonSchema } from '../charts/config/tenants-schema';
import { DIRS } from '../charts/lib/constants';

export function schemaText(): string {
  return `${JSON.stringify(tenantsJsonSchema(), null, 2)}\n`;
}

if (require.main === module) {
  const target = path.resolve(__dirname, '..', DIRS.tenantsSchema);
  fs.mkdirSync(path.dirname(target), { recursive: true });
  fs.writeFileSync(target, schemaText());
  console.log(`schema: wrote ${path.relative(process.cwd(), target)}`);
}
