/**
 * Drift that Argo CD does not show: a field that dist/ sets and the live object holds with
 * another value. With a server-side diff Argo CD compares the live object with the dry-run of
 * what it applies, admission webhooks included, and keeps a mutated value of a field its manager
 * owns (gitops-engine pkg/diff/diff.go removeWebhookMutation at argo-cd v3.5.3): a policy that
 * rewrites a field we set leaves the Application Synced while the cluster runs something else than
 * git says. This check compares the live state with our files, field by field.
 *
 * What is not drift: fields the API server or a controller adds (only the fields dist/ sets are
 * compared), list items added after ours, and the API server's canonical form of a quantity
 * ("1000m" is stored as "1").
 */
import { parseQuantity } from '../../charts/lib/quantity';
import { idOf, type K8sObject, LiveIndex } from './live-state';

function quantityValue(v: unknown): number | undefined {
  return typeof v === 'number' || typeof v === 'string' ? parseQuantity(v) : undefined;
}

/** Whether a resource quantity field (under resources, or a ResourceQuota's hard) holds the same amount. */
function sameQuantity(path: string, want: unknown, got: unknown): boolean {
  if (!/(^|\.)(requests|limits|hard|capacity|storage|default|defaultRequest|max|min)(\.|$)/.test(path)) return false;
  const a = quantityValue(want);
  const b = quantityValue(got);
  return a !== undefined && b !== undefined && Math.abs(a - b) <= Math.abs(a) * 1e-12;
}

function compare(path: string, want: unknown, got: unknown, out: string[]): void {
  if (want === null || want === undefined) return;
  if (Array.isArray(want)) {
    if (!Array.isArray(got)) {
      out.push(`${path}: live ${JSON.stringify(got)}, dist/ sets a list`);
      return;
    }
    want.forEach((w, i) => compare(`${path}[${i}]`, w, got[i], out));
    return;
  }
  if (typeof want === 'object') {
    if (!got || typeof got !== 'object' || Array.isArray(got)) {
      out.push(`${path}: live ${JSON.stringify(got)}, dist/ sets an object`);
      return;
    }
    for (const [k, v] of Object.entries(want as Record<string, unknown>))
      compare(path ? `${path}.${k}` : k, v, (got as Record<string, unknown>)[k], out);
    return;
  }
  if (want === got || String(want) === String(got) || sameQuantity(path, want, got)) return;
  out.push(`${path}: live ${JSON.stringify(got)}, dist/ ${JSON.stringify(want)}`);
}

export interface DriftResult {
  /** One line per field: the object, the field, the live and the desired value. */
  readonly problems: string[];
  /** How many of the desired objects were found live and compared. */
  readonly compared: number;
}

/**
 * The fields of `desired` (our objects, as dist/ holds them) whose live value differs, for every
 * desired object of a kind the live state lists that exists live. A Secret's values are not
 * compared (the live state drops them), nor an Argo CD hook (it is deleted after it ran).
 */
export function driftProblems(desired: readonly K8sObject[], live: readonly K8sObject[]): DriftResult {
  const index = new LiveIndex(live);
  const problems: string[] = [];
  let compared = 0;
  for (const want of desired) {
    if (want.metadata?.annotations?.['argocd.argoproj.io/hook']) continue;
    const got = index.get(want.kind, want.metadata?.namespace, want.metadata?.name);
    if (!got) continue;
    compared++;
    const { apiVersion: _a, kind: _k, status: _s, ...fields } = want;
    if (want.kind === 'Secret') {
      delete fields.data;
      delete fields.stringData;
    }
    const found: string[] = [];
    compare('', fields, got, found);
    problems.push(...found.map((f) => `${idOf(want)} ${f}`));
  }
  return { problems, compared };
}
