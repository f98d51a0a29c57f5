/**
 * Langfuse 1.5.19 (Langfuse v3.150.0) rendered with our values: the environment of its web and
 * worker pods as the access sync and the sign-on need it (langfuse chart templates/_helpers.tpl
 * langfuse.commonEnv and langfuse.nextauthEnv; variable names from langfuse web/src/env.mjs).
 */
import { describe, expect, it } from 'vitest';
import { OBSERVABILITY } from '../../charts/lib/constants';
import { LANGFUSE_WEB_POD_LABELS } from '../../charts/lib/chart-names';
import { renderComponent } from '../../scripts/upstream/render';
import { ENVIRONMENTS } from './chart-checks';

describe.each(ENVIRONMENTS)('langfuse rendered for %s', (env) => {
  const rendered = renderComponent(env, 'langfuse');
  const web = rendered.objects
    .map((x) => x.object)
    .find((o) => o.kind === 'Deployment' && o.metadata.name === 'langfuse-web')!;
  const vars = new Map<string, any>(
    (web.spec.template.spec.containers[0].env as any[]).map((e) => [e.name, e.value ?? e.valueFrom]),
  );

  it('runs with the Enterprise licence and the admin API key, both from Secrets', () => {
    // The admin API and project roles are not in the oss plan
    // (web/src/features/entitlements/constants/entitlements.ts).
    expect(vars.get('LANGFUSE_EE_LICENSE_KEY')).toEqual({
      secretKeyRef: { name: 'langfuse-license', key: 'licenseKey' },
    });
    expect(vars.get('ADMIN_API_KEY')).toEqual({ secretKeyRef: { name: 'langfuse-admin', key: 'adminApiKey' } });
  });

  it('lets people in through Keycloak, and only those the access sync created (no sign-up); a password for the initial admin only', () => {
    expect(vars.get('AUTH_DISABLE_SIGNUP')).toBe('true');
    expect(vars.get('AUTH_DISABLE_USERNAME_PASSWORD')).toBe('false');
    expect(vars.get('AUTH_KEYCLOAK_CLIENT_ID')).toBe(OBSERVABILITY.langfuseClient);
    expect(vars.get('AUTH_KEYCLOAK_ISSUER')).toMatch(/^https:\/\/keycloak\.[^/]+\/realms\/agents$/);
    expect(vars.get('AUTH_KEYCLOAK_CLIENT_SECRET')).toEqual({
      secretKeyRef: { name: 'langfuse-sso', key: 'clientSecret' },
    });
    // The access sync creates users by e-mail; their first Keycloak sign-in links to them.
    expect(vars.get('AUTH_KEYCLOAK_ALLOW_ACCOUNT_LINKING')).toBe('true');
    expect(vars.get('NEXTAUTH_URL')).toMatch(/^https:\/\/langfuse\./);
  });

  it('creates the platform organisation and project the tenant projects join', () => {
    expect(vars.get('LANGFUSE_INIT_ORG_ID')).toBe(OBSERVABILITY.langfuseOrg);
    expect(vars.get('LANGFUSE_INIT_PROJECT_ID')).toBe(OBSERVABILITY.platformProject);
  });

  it("labels its web pods as the access sync's NetworkPolicy selects them", () => {
    expect(web.spec.template.metadata.labels).toMatchObject(LANGFUSE_WEB_POD_LABELS);
  });
});
