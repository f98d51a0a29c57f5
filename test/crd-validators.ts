/**
 * Validators of custom resources from the openAPIV3Schema of their CRDs (the upstream copies in
 * ../shared/crds), strictly: a field the CRD does not define is an error, as with kubeconform
 * -strict. CEL rules (x-kubernetes-validations) are left to the API server.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import Ajv, { type ValidateFunction } from 'ajv';
import { parseAllDocuments } from 'yaml';

function jsRegExp(pattern: string): boolean {
  try {
    new RegExp(pattern, 'u');
    return true;
  } catch {
    return false;
  }
}

/** JSON Schema from a structural CRD schema: unknown fields rejected, int-or-string typed. */
function strict(schema: any): any {
  if (Array.isArray(schema)) return schema.map(strict);
  if (schema === null || typeof schema !== 'object') return schema;
  const out: any = {};
  for (const [k, v] of Object.entries(schema)) {
    if (k.startsWith('x-kubernetes-')) continue;
    if (k === 'pattern' && !jsRegExp(v as string)) continue; // Go-only syntax such as (?i): left to the API server
    out[k] = strict(v);
  }
  if (schema['x-kubernetes-int-or-string']) {
    delete out.type;
    out.anyOf = [{ type: 'integer' }, { type: 'string' }];
  }
  if (schema.properties && !schema['x-kubernetes-preserve-unknown-fields'] && out.additionalProperties === undefined)
    out.additionalProperties = false;
  return out;
}

/** Validators by apiVersion/kind, each schema compiled on first use (compiling all CRDs costs about a minute). */
export function loadValidators(dir: string): { get(key: string): ValidateFunction | undefined } {
  const ajv = new Ajv({ strict: false, allErrors: true, validateFormats: false });
  const schemas = new Map<string, object>();
  const compiled = new Map<string, ValidateFunction>();
  const files = (d: string): string[] =>
    fs
      .readdirSync(d, { withFileTypes: true })
      .flatMap((e) =>
        e.isDirectory() ? files(path.join(d, e.name)) : e.name.endsWith('.yaml') ? [path.join(d, e.name)] : [],
      );
  for (const f of files(dir)) {
    for (const doc of parseAllDocuments(fs.readFileSync(f, 'utf8'))) {
      const crd = doc.toJS();
      if (crd?.kind !== 'CustomResourceDefinition') continue;
      for (const v of crd.spec.versions) {
        const key = `${crd.spec.group}/${v.name}/${crd.spec.names.kind}`;
        const schema = strict(v.schema.openAPIV3Schema);
        // metadata is validated by the API server itself, not by the CRD schema.
        schema.properties = {
          ...schema.properties,
          apiVersion: { type: 'string' },
          kind: { type: 'string' },
          metadata: { type: 'object' },
        };
        schemas.set(key, schema);
      }
    }
  }
  return {
    get(key) {
      const schema = schemas.get(key);
      if (!schema) return undefined;
      let validate = compiled.get(key);
      if (!validate) compiled.set(key, (validate = ajv.compile(schema)));
      return validate;
    },
  };
}
