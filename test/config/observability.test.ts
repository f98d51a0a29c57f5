/**
 * tenants.yaml `observability:`: what a tenant says (its alert receiver, extra viewers), read and
 * checked with every error at its position.
 */
import { describe, expect, it } from 'vitest';
import { loadTenants } from '../../charts/config/load-tenants';
import { tenantErrors } from '../helpers';

const errorsOf = tenantErrors;

describe('tenants.yaml observability', () => {
  it('resolves a Slack receiver and lower-cased, sorted viewers; defaults to none', () => {
    const [a, b] = loadTenants(`tenants:
  - name: alpha
    observability:
      alerts:
        slack: {webhookSecret: alerts/slack, channel: "#alpha"}
      viewers: [Zed@example.com, ann@example.com]
  - name: beta
    observability:
      alerts:
        webhook: {urlSecret: pager}
`);
    expect(a.observability).toEqual({
      alerts: { kind: 'slack', secret: 'alerts/slack', channel: '#alpha' },
      viewers: ['ann@example.com', 'zed@example.com'],
    });
    expect(b.observability).toEqual({ alerts: { kind: 'webhook', secret: 'pager' }, viewers: [] });
    expect(loadTenants('tenants:\n  - name: gamma\n')[0].observability).toEqual({ viewers: [] });
  });

  it('names every problem at its position: no receiver or two, a URL instead of an entry name, bad or repeated viewers, unknown keys', () => {
    expect(
      errorsOf(`tenants:
  - name: alpha
    observability:
      alerts: {}
      viewers: [jane, jane@example.com, JANE@example.com]
  - name: beta
    observability:
      alerts:
        slack: {webhookSecret: "https://hooks.slack.com/services/T000/B000/XXXXXXXXXXXXXXXXXXXXXXXX"}
        webhook: {urlSecret: pager}
      viewer: [x@example.com]
`),
    ).toEqual([
      'tenants.yaml:4:15: tenants[0].observability.alerts: alerts names no receiver. Fix: keep exactly one of slack or webhook',
      'tenants.yaml:5:17: tenants[0].observability.viewers[0]: "jane" is not an e-mail address. Fix: name the Keycloak user by e-mail, such as jane@example.com',
      'tenants.yaml:5:41: tenants[0].observability.viewers[2]: "JANE@example.com" is listed twice (first at viewers[1]). Fix: remove the duplicate',
      'tenants.yaml:9:9: tenants[1].observability.alerts: alerts names slack and webhook; the alerts go to one receiver. Fix: keep exactly one of slack or webhook',
      'tenants.yaml:9:32: tenants[1].observability.alerts.slack.webhookSecret: webhookSecret holds the webhook URL itself; tenants.yaml is in git and must hold no secret value. Fix: store the URL in AWS Secrets Manager under agentic-platform/<env>/tenants/<tenant>/, name the entry here, and replace the exposed webhook',
      'tenants.yaml:11:7: tenants[1].observability.viewer: unknown key "viewer" (did you mean "viewers"?). Fix: rename it to viewers',
    ]);
  });

  it("counts the alert receiver's Secret against the secrets quota", () => {
    expect(
      errorsOf(`tenants:
  - name: alpha
    quota: {secrets: 1}
    observability:
      alerts:
        webhook: {urlSecret: pager}
`),
    ).toEqual([
      "tenants.yaml:3:22: tenants[0].quota.secrets: the declared workloads need 2 Secrets (one per LLM backend key, the alert receiver's URL, and the placeholder key), more than the quota secrets 1. Fix: raise quota.secrets to at least 2, leaving room for the tenant's own",
    ]);
  });
});
