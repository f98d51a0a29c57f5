/**
 * tenants.yaml `sandboxRouter`: its defaults, the rules around it, and the error of an environment
 * that sets no router image (no environment does by default: agent-sandbox v0.5.6 publishes no
 * image of sandbox-router/; dev/tools/tag-promote-images IMAGES_TO_PROMOTE lists only the
 * controller and two sandbox runtimes).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadTenants, sandboxRouterImageErrors } from '../../charts/config/load-tenants';
import { loadEnvironments } from '../../charts/config/environment';
import { formatSourceError } from '../../charts/config/source-errors';
import { tenantErrors as errorsOf } from '../helpers';

const ROOT = path.resolve(__dirname, '..', '..');

const ROUTED = `tenants:
  - name: a
    agents:
      - {name: coder, systemMessage: Runs code.}
    sandboxes:
      - {name: python, kind: SandboxTemplate, image: "ex/python:1"}
    sandboxRouter: {expose: true}
`;

describe('tenants.yaml sandboxRouter', () => {
  it('is off unless asked for; expose defaults to false', () => {
    const [a] = loadTenants(ROUTED);
    expect(a.workloads.sandboxRouter).toEqual({ expose: true });
    const [b] = loadTenants(ROUTED.replace('{expose: true}', '{}'));
    expect(b.workloads.sandboxRouter).toEqual({ expose: false });
    const [c] = loadTenants(ROUTED.replace('    sandboxRouter: {expose: true}\n', ''));
    expect(c.workloads.sandboxRouter).toBeUndefined();
  });

  it('needs a SandboxTemplate, the Service name sandbox-router, and leaves SANDBOX_ROUTER_URL to the platform', () => {
    expect(
      errorsOf(`tenants:
  - name: a
    agents:
      - name: coder
        systemMessage: Runs code.
        env: [{name: SANDBOX_ROUTER_URL, value: "http://x"}]
    sandboxes:
      - {name: router, image: "ex/python:1"}
    sandboxRouter: {}
`),
    ).toEqual([
      'tenants.yaml:6:22: tenants[0].agents[0].env[0].name: SANDBOX_ROUTER_URL is set by the platform on the agents of a tenant with a sandboxRouter (the mesh gateway URL of its route). Fix: rename the variable; add sandboxRouter to the tenant to get the URL',
      'tenants.yaml:8:16: tenants[0].sandboxes[0].name: sandbox "router" needs the Service "sandbox-router", which the sandbox router (line 9) also needs. Fix: rename one of them: every agent, MCP server and sandbox gets a Service of its name (sandboxes also sandbox-<name>)',
      'tenants.yaml:9:20: tenants[0].sandboxRouter: the sandbox router reaches the claims of SandboxTemplates, and the tenant declares none. Fix: declare a sandbox with kind: SandboxTemplate, or remove sandboxRouter',
    ]);
  });

  it('is a strict object', () => {
    expect(errorsOf(ROUTED.replace('{expose: true}', '{expose: true, namespace: other}'))).toEqual([
      'tenants.yaml:7:35: tenants[0].sandboxRouter.namespace: unknown key "namespace". Fix: remove it or use one of: expose',
    ]);
  });

  it('counts the router in the quota: a pod per replica and one more Service', () => {
    const errs = errorsOf(ROUTED.replace('  - name: a\n', '  - name: a\n    quota: {pods: 2, services: 2}\n'));
    expect(errs).toEqual([
      'tenants.yaml:3:19: tenants[0].quota.pods: the declared workloads need 4 pods (with the waypoint and the sandbox router), more than the quota pods 2. Fix: raise quota.pods to at least 4',
      "tenants.yaml:3:32: tenants[0].quota.services: the declared workloads need 3 Services (one per agent and image MCP server, two per sandbox, the sandbox router and the waypoint), more than the quota services 2. Fix: raise quota.services to at least 3, leaving room for the tenant's own",
    ]);
  });

  it("is an error, at the tenant's sandboxRouter, in every environment file that sets no router image", () => {
    const envs = loadEnvironments(path.join(ROOT, 'charts', 'environments'));
    // The committed environments set the image; the error is for any that does not.
    expect(envs.map((e) => [e.name, e.platform.images.sandboxRouter !== undefined])).toEqual([
      ['dev', true],
      ['prod', true],
    ]);
    const tenants = loadTenants(ROUTED);
    const files = envs.map((e) => ({ file: `charts/environments/${e.name}.yaml`, set: false }));
    expect(sandboxRouterImageErrors(ROUTED, tenants, files).map(formatSourceError)).toEqual([
      'tenants.yaml:7:20: tenants[0].sandboxRouter: the sandbox router runs from platform.images.sandboxRouter, which charts/environments/dev.yaml and charts/environments/prod.yaml do not set. Fix: set platform.images.sandboxRouter in charts/environments/dev.yaml and charts/environments/prod.yaml to an image built from sandbox-router/ of agent-sandbox v0.5.6 (docs/operator-runbook.md, "Sandbox router image"), or remove sandboxRouter',
    ]);
    expect(
      sandboxRouterImageErrors(
        ROUTED,
        tenants,
        files.map((f) => ({ ...f, set: true })),
      ),
    ).toEqual([]);
  });

  it('the committed tenants.yaml asks for a router where the committed environments set its image', () => {
    const tenants = loadTenants(fs.readFileSync(path.join(ROOT, 'tenants.yaml'), 'utf8'));
    const routed = tenants.filter((t) => t.workloads.sandboxRouter).map((t) => t.name);
    expect(routed).toEqual(['research']);
    const envs = loadEnvironments(path.join(ROOT, 'charts', 'environments'));
    const text = fs.readFileSync(path.join(ROOT, 'tenants.yaml'), 'utf8');
    const files = envs.map((e) => ({ file: e.name, set: e.platform.images.sandboxRouter !== undefined }));
    expect(sandboxRouterImageErrors(text, tenants, files)).toEqual([]);
  });
});
