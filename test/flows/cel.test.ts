import { describe, expect, it } from 'vitest';
import { celMatches, evalCel, meshSource, parseCel } from '../../scripts/flows/cel';
import { callersExpression, meshCallersExpression, meshIdentityExpression } from '../../charts/config/routes';
import { TENANT_CLAIM_EXPRESSION } from '../../charts/platform/constructs/gateway-jwt-policy';

describe("the CEL subset of the platform's policies", () => {
  it("decides the callers of a mesh route by the identity's trust domain and namespace", () => {
    const e = meshCallersExpression('td', ['alpha', 'research']);
    expect(celMatches(e, { source: meshSource('td', 'tenant-research') })).toBe(true);
    expect(celMatches(e, { source: meshSource('td', 'tenant-beta') })).toBe(false);
    expect(celMatches(e, { source: meshSource('other', 'tenant-alpha') })).toBe(false);
    const any = meshCallersExpression('td', ['*']);
    expect(celMatches(any, { source: meshSource('td', 'tenant-zeta') })).toBe(true);
    expect(celMatches(any, { source: meshSource('td', 'kagent-system') })).toBe(true);
    expect(celMatches(any, { source: meshSource('td', 'monitoring') })).toBe(false);
  });

  // A request without a verified identity has no source.identity: reading it is an error, and a
  // rule whose expression errs does not match (agentgateway v1.4.1 http/authorization.rs).
  it('treats a missing identity or token as an error, which matches nothing', () => {
    expect(evalCel(meshIdentityExpression('td'), { source: {} })).toEqual({ ok: false, error: 'no such key identity' });
    expect(celMatches(meshIdentityExpression('td'), { source: {} })).toBe(false);
    expect(celMatches(callersExpression('tenant', ['alpha']), {})).toBe(false);
  });

  it('decides the tenant claim of a token', () => {
    expect(celMatches(callersExpression('tenant', ['alpha', 'research']), { jwt: { tenant: ['research'] } })).toBe(
      true,
    );
    expect(celMatches(callersExpression('tenant', ['alpha']), { jwt: { tenant: ['beta', 'gamma'] } })).toBe(false);
    expect(celMatches(TENANT_CLAIM_EXPRESSION, { jwt: { tenant: ['beta'] } })).toBe(true);
    expect(celMatches(TENANT_CLAIM_EXPRESSION, { jwt: { tenant: [] } })).toBe(false);
    expect(celMatches(TENANT_CLAIM_EXPRESSION, { jwt: { sub: 'x' } })).toBe(false);
  });

  it('absorbs an error in && and || when the other side decides, as CEL does', () => {
    expect(evalCel('source.identity.x == "a" || true', { source: {} })).toEqual({ ok: true, value: true });
    expect(evalCel('source.identity.x == "a" && false', { source: {} })).toEqual({ ok: true, value: false });
    expect(evalCel('source.identity.x == "a" && true', { source: {} }).ok).toBe(false);
  });

  it('refuses an expression outside the subset instead of guessing', () => {
    expect(() => parseCel('source.identity.namespace.matches("tenant-.*")')).not.toThrow();
    expect(evalCel('source.identity.namespace.matches("x")', { source: meshSource('td', 'a') })).toEqual({
      ok: false,
      error: 'unsupported function matches',
    });
    expect(() => parseCel('a ? b : c')).toThrow('CEL: cannot read');
    expect(() => parseCel('a == ')).toThrow('CEL: unexpected end');
  });
});
