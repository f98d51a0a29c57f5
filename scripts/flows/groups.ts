/**
 * Callers grouped by what a set of policies can tell apart. A policy sees a caller only through a
 * few strings (its SPIFFE principal, namespace, service account, trust domain, a token's tenant
 * claim) compared with the patterns and literals the policy names: Istio's exact, prefix and
 * suffix matches (pilot/pkg/security/authz/matcher/string.go), and CEL's `==`, `in` and
 * `startsWith` over literals (the subset cel.ts evaluates). Two callers that hit the same patterns
 * get the same verdict, so one of each group is evaluated. The callers that hit no pattern form
 * one group, found without visiting them one by one, which keeps a thousand tenants' matrix
 * linear.
 */

/** A caller the policies may tell apart: its label and the strings they compare. */
export interface GroupMember {
  readonly label: string;
  /** Every string a policy could compare: principal, namespace, service account, tenant claim. */
  readonly values: readonly string[];
}

/** A pattern: equal to, starting with, or ending with a string. */
export interface Pattern {
  readonly kind: 'exact' | 'prefix' | 'suffix';
  readonly value: string;
}

/** Istio's string pattern syntax: `*`, `prefix*`, `*suffix`, or an exact value (spiffe:// dropped). */
export function istioPattern(text: string): Pattern {
  const p = text.replace(/^spiffe:\/\//, '');
  if (p === '*') return { kind: 'prefix', value: '' };
  if (p.endsWith('*')) return { kind: 'prefix', value: p.slice(0, -1) };
  if (p.startsWith('*')) return { kind: 'suffix', value: p.slice(1) };
  return { kind: 'exact', value: p };
}

export class MemberIndex<M extends GroupMember> {
  private readonly byValue = new Map<string, M[]>();
  private readonly scanned = new Map<string, ReadonlySet<M>>();

  constructor(readonly members: readonly M[]) {
    for (const m of members) {
      for (const v of new Set(m.values)) {
        const list = this.byValue.get(v);
        if (list) list.push(m);
        else this.byValue.set(v, [m]);
      }
    }
  }

  /** The members one pattern hits: exact values by lookup, other patterns by one scan each (remembered). */
  hits(p: Pattern): ReadonlySet<M> {
    if (p.kind === 'exact') return new Set(this.byValue.get(p.value) ?? []);
    // `<td>/ns/<namespace>/sa/*`: only members whose namespace is that one can hit it.
    const ns = p.kind === 'prefix' ? /^[^/]+\/ns\/([^/*]+)\/sa\/$/.exec(p.value) : null;
    if (ns) return new Set((this.byValue.get(ns[1]) ?? []).filter((m) => m.values.some((v) => v.startsWith(p.value))));
    const key = `${p.kind}\u0000${p.value}`;
    let set = this.scanned.get(key);
    if (!set) {
      set = new Set(
        this.members.filter((m) =>
          m.values.some((v) => (p.kind === 'prefix' ? v.startsWith(p.value) : v.endsWith(p.value))),
        ),
      );
      this.scanned.set(key, set);
    }
    return set;
  }

  /**
   * The members grouped by the patterns they hit, those in `excluded` left out. The group of
   * members that hit nothing comes last, with its size and up to `sample` of its members. The cost
   * is the size of the hit sets and of `excluded`, not the number of members.
   */
  groups(patterns: readonly Pattern[], excluded: ReadonlySet<M>, sample = 3): { members: M[]; size: number }[] {
    const signature = new Map<M, string>();
    patterns.forEach((p, i) => {
      for (const m of this.hits(p)) signature.set(m, `${signature.get(m) ?? ''},${i}`);
    });
    const bySignature = new Map<string, M[]>();
    for (const [m, sig] of signature) {
      if (excluded.has(m)) continue;
      const list = bySignature.get(sig);
      if (list) list.push(m);
      else bySignature.set(sig, [m]);
    }
    const out = [...bySignature.values()].map((members) => ({ members, size: members.length }));
    let excludedOutside = 0;
    for (const m of excluded) if (!signature.has(m)) excludedOutside++;
    const size = this.members.length - signature.size - excludedOutside;
    if (size > 0) {
      const rest: M[] = [];
      for (const m of this.members) {
        if (signature.has(m) || excluded.has(m)) continue;
        rest.push(m);
        if (rest.length === sample) break;
      }
      out.push({ members: rest, size });
    }
    return out;
  }
}
