import { describe, expect, it } from 'vitest';
import { KAGENT_AGENT_API, KagentIsolation } from '../../../charts/platform/constructs/kagent-isolation';
import { ofKind, only, synth } from '../../helpers';

const objects = synth((c) => new KagentIsolation(c, 'k', { trustDomain: 'mesh.example' }));
const policy = (name: string) => ofKind(objects, 'AuthorizationPolicy').find((p) => p.metadata.name === name)!;

/** Istio 1.30 pilot/pkg/security/authz/matcher/string.go: `prefix*` is a prefix match, else exact. */
const istioPath = (pattern: string, p: string) =>
  pattern.endsWith('*') ? p.startsWith(pattern.slice(0, -1)) : p === pattern;
const admitted = (p: string, method: string) =>
  KAGENT_AGENT_API.paths.some((x) => istioPath(x, p)) &&
  (KAGENT_AGENT_API.methods as readonly string[]).includes(method);

describe('KagentIsolation', () => {
  it("puts an Envoy waypoint of Istio's own class in kagent-system", () => {
    const gw = only(objects, 'Gateway');
    expect(gw.metadata).toMatchObject({ name: 'kagent-waypoint', namespace: 'kagent-system' });
    expect(gw.spec.gatewayClassName).toBe('istio-waypoint');
    expect(gw.spec.listeners).toEqual([
      { name: 'mesh', port: 15008, protocol: 'HBONE', allowedRoutes: { namespaces: { from: 'Same' } } },
    ]);
  });

  it("admits kagent-system's own workloads to every Service behind the waypoint", () => {
    const p = policy('kagent-waypoint');
    expect(p.spec.targetRefs).toEqual([
      { group: 'gateway.networking.k8s.io', kind: 'Gateway', name: 'kagent-waypoint' },
    ]);
    expect(p.spec.rules).toEqual([{ from: [{ source: { namespaces: ['kagent-system'] } }] }]);
  });

  // The calls kagent 0.9.12's agent runtimes make to KAGENT_URL
  // (python/packages/kagent-adk/src/kagent/adk/_session_service.py, kagent-core a2a/_task_store.py,
  // _memory_service.py) and what they must not reach (go/core/internal/httpserver/server.go routes).
  it("admits tenant workloads to the controller's session, task and memory API only", () => {
    const p = policy('kagent-controller-tenant-agents');
    expect(p.spec.targetRefs).toEqual([{ group: '', kind: 'Service', name: 'kagent-controller' }]);
    expect(p.spec.rules).toHaveLength(1);
    expect(p.spec.rules[0].from).toEqual([{ source: { namespaces: ['tenant-*'] } }]);
    expect(p.spec.rules[0].to).toEqual([
      { operation: { paths: [...KAGENT_AGENT_API.paths], methods: [...KAGENT_AGENT_API.methods] } },
    ]);
    for (const [p2, m] of [
      ['/api/sessions', 'POST'],
      ['/api/sessions/abc', 'GET'],
      ['/api/sessions/abc/events', 'POST'],
      ['/api/sessions/abc', 'DELETE'],
      ['/api/tasks', 'POST'],
      ['/api/tasks/t1', 'GET'],
      ['/api/memories/search', 'POST'],
    ] as const)
      expect(admitted(p2, m), `${m} ${p2}`).toBe(true);
    for (const [p2, m] of [
      ['/api/a2a/tenant-beta/planner/', 'POST'],
      ['/mcp', 'POST'],
      ['/api/agents', 'POST'],
      ['/api/modelconfigs', 'POST'],
      ['/api/toolservers', 'POST'],
      ['/api/a2a-sandboxes/tenant-beta/x', 'POST'],
      ['/api/sessions', 'PUT'],
    ] as const)
      expect(admitted(p2, m), `${m} ${p2}`).toBe(false);
  });

  it('admits only kagent-system and Prometheus at ztunnel, so a pod addressed directly is refused', () => {
    const p = policy('kagent-system-l4');
    expect(p.spec.selector).toBeUndefined();
    expect(p.spec.targetRefs).toBeUndefined();
    expect(p.spec.rules).toEqual([
      { from: [{ source: { principals: ['mesh.example/ns/kagent-system/sa/*', 'mesh.example/ns/monitoring/sa/*'] } }] },
    ]);
  });

  it('lets tenant namespaces reach the waypoint on 15008 and nothing else of kagent-system', () => {
    const nps = ofKind(objects, 'NetworkPolicy');
    const all = nps.find((n) => n.metadata.name === 'kagent-system-ingress')!;
    expect(all.spec.podSelector).toEqual({});
    expect(JSON.stringify(all.spec.ingress)).not.toContain('platform.agentic.io/tenant');
    const tenants = nps.find((n) => n.metadata.name === 'kagent-waypoint-tenant-agents')!;
    expect(tenants.spec.podSelector).toEqual({
      matchLabels: { 'gateway.networking.k8s.io/gateway-name': 'kagent-waypoint' },
    });
    expect(tenants.spec.ingress).toEqual([
      {
        from: [{ namespaceSelector: { matchLabels: { 'platform.agentic.io/tenant': 'true' } } }],
        ports: [{ protocol: 'TCP', port: 15008 }],
      },
    ]);
  });
});
