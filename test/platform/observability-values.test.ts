/**
 * The values and objects around tenant observability as shipped in dist/ and argocd/: Grafana's
 * sign-on and where new users land, Alertmanager's tenant configs, the tenant series rules.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { TENANT_SERIES } from '../../charts/platform/observability/tenant-metrics';

const ROOT = path.resolve(__dirname, '..', '..');
const read = (f: string) => parse(fs.readFileSync(path.join(ROOT, f), 'utf8'));

describe.each(['dev', 'prod'])('observability values of %s', (env) => {
  const values = read(`argocd/${env}/platform/application-platform-kube-prometheus-stack.yaml`).spec.sources[0].helm
    .valuesObject;

  it('signs people in to Grafana with Keycloak, into no role until the access sync gives them one', () => {
    const ini = values.grafana['grafana.ini'];
    // The login form is the admin's (break-glass, and the access sync's API user); OAuth users have no password.
    expect(ini.auth).toBeUndefined();
    expect(ini['auth.generic_oauth']).toMatchObject({
      enabled: true,
      client_id: 'grafana',
      use_pkce: true,
      skip_org_role_sync: true,
      login_attribute_path: 'email',
    });
    expect(ini['auth.generic_oauth'].auth_url).toMatch(
      /^https:\/\/keycloak\.[^/]+\/realms\/agents\/protocol\/openid-connect\/auth$/,
    );
    expect(ini.users).toEqual({ auto_assign_org: true, auto_assign_org_id: 1, auto_assign_org_role: 'None' });
    expect(values.grafana.envValueFrom).toEqual({
      GF_AUTH_GENERIC_OAUTH_CLIENT_SECRET: { secretKeyRef: { name: 'grafana-sso', key: 'clientSecret' } },
    });
    expect(JSON.stringify(values)).not.toMatch(/client_secret/);
  });

  // prometheus-operator v0.93.0 pkg/alertmanager/amcfg.go getEnforcer: every strategy but None
  // (and OnNamespaceExceptForAlertmanagerNamespace for the Alertmanager's own namespace) adds a
  // namespace="<the AlertmanagerConfig's namespace>" matcher to its routes.
  it('takes tenant AlertmanagerConfigs from tenant namespaces only, each for alerts of its own namespace', () => {
    expect(values.alertmanager.alertmanagerSpec).toMatchObject({
      alertmanagerConfigSelector: { matchLabels: { 'app.kubernetes.io/managed-by': 'agentic-platform' } },
      alertmanagerConfigNamespaceSelector: { matchLabels: { 'platform.agentic.io/tenant': 'true' } },
      alertmanagerConfigMatcherStrategy: { type: 'OnNamespace' },
    });
  });

  it("records every tenant series the tenant dashboards read, each labelled with the tenant's namespace", () => {
    const rule = read(`dist/${env}/platform/observability/prometheusrule-tenant-gateway-series.yaml`);
    const records = rule.spec.groups[0].rules;
    expect(records.map((r: { record: string }) => r.record).sort()).toEqual(Object.values(TENANT_SERIES).sort());
    for (const r of records)
      expect(r.expr, r.record).toMatch(
        /^label_replace\(sum by \([^)]*\) \(rate\(agentgateway_\w+\{namespace="agentgateway-system", \w+=~"tenant-[^"]+"\}\[5m\]\)\), "namespace", "\$1", "\w+", "[^"]+"\)$/,
      );
    const alert = rule.spec.groups[1].rules[0];
    expect(alert.expr).toContain('otelcol_processor_filter_spans_filtered_total{filter="filter/unattributed"}');
  });
});
