/**
 * The root of this checkout, for modules that find the repository's files (scripts/, .tools/)
 * from their own place. Run from source, a module's folder is two below the root; bundled by
 * scripts/launch.cjs, every module's __dirname is the bundle cache, so the launcher names the
 * root in AGENTIC_PLATFORM_ROOT.
 */
import * as path from 'node:path';

/** Set by scripts/launch.cjs to the checkout whose bundle it runs. */
export const ROOT_ENV = 'AGENTIC_PLATFORM_ROOT';

/** The checkout root, given the __dirname of a module two folders below it. */
export function checkoutRoot(dir: string): string {
  const bundled = !__filename.endsWith('.ts');
  const launched = process.env[ROOT_ENV];
  return bundled && launched ? launched : path.resolve(dir, '..', '..');
}
