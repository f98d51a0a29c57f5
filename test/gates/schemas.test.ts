/**
 * kubeconform and kubectl-validate over dist/ and argocd/, and over temporary copies with a fault
 * planted: each run calls the real tool.
 */
import * as fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { distinctFiles, kubeconformGate, kubectlValidateGate } from '../../scripts/gates/schemas';
import { argumentChunks } from '../../scripts/toolchain/run-tool';
import { shownPath } from '../../scripts/toolchain/paths';
import {
  builtinSchemas,
  chartCrdFiles,
  crdDirectories,
  CRDS_DIR,
  ensureSchemas,
  kubernetesRelease,
  strictCrdSchema,
} from '../../scripts/toolchain/schemas';
import { copiesPerTest, objectCount, type OutputCopy, renameField, repoOutput } from './fixture';

const NETPOL = 'dist/dev/tenants/alpha/networkpolicy-default-deny.yaml';
const AUTHZ = 'dist/prod/tenants/beta/authorizationpolicy-tenant-isolation.yaml';
const WAYPOINT = 'dist/dev/tenants/alpha/gateway-agentgateway-waypoint.yaml';

const freshCopy = copiesPerTest();

/** Misspells a NetworkPolicy field (podSelector → podSelectr). */
const misspellNetworkPolicy = (c: OutputCopy) => renameField(c, NETPOL, ['spec'], 'podSelector', 'podSelectr');
/** Misspells a custom resource's field (AuthorizationPolicy rules → rulez). */
const misspellCustomResource = (c: OutputCopy) => renameField(c, AUTHZ, ['spec'], 'rules', 'rulez');

describe('kubeconform gate', () => {
  it('validates every object of dist/ and argocd/ strictly and finds nothing', async () => {
    const output = repoOutput();
    const r = await kubeconformGate(output);
    expect(r.errors).toEqual([]);
    expect(r.checked).toBe(objectCount(output));
    expect(r.checked).toBeGreaterThan(0);
  });

  it('rejects a misspelled field of a built-in kind, naming file, field and kind', async () => {
    const copy = freshCopy();
    misspellNetworkPolicy(copy);
    const r = await kubeconformGate(copy.output());
    expect(r.errors).toHaveLength(1);
    expect(r.errors[0]).toMatch(
      /^dist\/dev\/tenants\/alpha\/networkpolicy-default-deny\.yaml: NetworkPolicy default-deny \(networking\.k8s\.io\/v1\): invalid: .*additional properties 'podSelectr' not allowed/,
    );
  });

  it('rejects a misspelled field of a custom resource', async () => {
    const copy = freshCopy();
    misspellCustomResource(copy);
    const r = await kubeconformGate(copy.output());
    expect(r.errors).toHaveLength(1);
    expect(r.errors[0]).toMatch(
      /^dist\/prod\/tenants\/beta\/authorizationpolicy-tenant-isolation\.yaml: AuthorizationPolicy tenant-isolation \(security\.istio\.io\/v1\): invalid: .*additional properties 'rulez' not allowed/,
    );
  });

  it('fails a kind without a schema instead of skipping it', async () => {
    const copy = freshCopy();
    copy.write('dist/dev/platform/widget.yaml', {
      apiVersion: 'example.com/v1',
      kind: 'Widget',
      metadata: { name: 'w' },
    });
    const r = await kubeconformGate(copy.output());
    expect(r.errors).toHaveLength(1);
    expect(r.errors[0]).toMatch(
      /^dist\/dev\/platform\/widget\.yaml: Widget w \(example\.com\/v1\): error: could not find schema for Widget/,
    );
  });
});

describe('validating each distinct file once', () => {
  it('keeps the first file of each content with all its copies', () => {
    const digests = new Map([
      ['/r/dist/dev/a.yaml', 'x'],
      ['/r/dist/dev/b.yaml', 'y'],
      ['/r/dist/prod/a.yaml', 'x'],
    ]);
    expect([
      ...distinctFiles(
        ['/r/dist/dev/a.yaml', '/r/dist/dev/b.yaml', '/r/dist/prod/a.yaml', '/r/dist/prod/c.yaml'],
        digests,
      ),
    ]).toEqual([
      ['/r/dist/dev/a.yaml', ['/r/dist/dev/a.yaml', '/r/dist/prod/a.yaml']],
      ['/r/dist/dev/b.yaml', ['/r/dist/dev/b.yaml']],
      ['/r/dist/prod/c.yaml', ['/r/dist/prod/c.yaml']],
    ]);
  });

  it('splits file arguments into runs that fit a command line, keeping their order', () => {
    const files = Array.from({ length: 10 }, (_, i) => `/root/dist/file-${i}.yaml`);
    const chunks = argumentChunks(files, 60);
    expect(chunks.flat()).toEqual(files);
    expect(chunks.every((c) => c.join(' ').length <= 60)).toBe(true);
    expect(chunks).toHaveLength(5);
    expect(argumentChunks([])).toEqual([]);
  });

  it('reports a fault in a file that another environment holds byte for byte, for both copies', async () => {
    const copy = freshCopy();
    const prodTwin = AUTHZ.replace('/beta/', '/alpha/');
    const devTwin = prodTwin.replace('dist/prod/', 'dist/dev/');
    expect(fs.readFileSync(`${copy.root}/${devTwin}`, 'utf8')).toBe(
      fs.readFileSync(`${copy.root}/${prodTwin}`, 'utf8'),
    );
    for (const f of [devTwin, prodTwin]) renameField(copy, f, ['spec'], 'rules', 'rulez');
    const output = copy.output();
    for (const gate of [kubeconformGate, kubectlValidateGate]) {
      const r = await gate(output);
      expect(r.errors.map((e) => e.split(':')[0])).toEqual([devTwin, prodTwin]);
      expect(r.checked).toBe(objectCount(output));
      expect(r.notes?.[0]).toMatch(
        /; \d+ distinct files of \d+ in the others \(\d+ in all\), \d+ of them found clean before \(same bytes, tool and schemas\)$/,
      );
    }
  });
});

describe('kubectl-validate gate', () => {
  it('validates every object of dist/ and argocd/ against Kubernetes 1.35 and the CRDs', async () => {
    const output = repoOutput();
    const r = await kubectlValidateGate(output);
    expect(r.errors).toEqual([]);
    expect(r.checked).toBe(objectCount(output));
    expect(r.notes?.[0]).toContain('Kubernetes 1.35 (1.35.4: dev, prod)');
    // The CRD folder the schemas were made from, as set ($CRDS_DIR) or defaulted.
    expect(r.notes?.[0]).toContain(
      `+ every CRD under ${shownPath(CRDS_DIR)} and the AlertmanagerConfig CRD of kube-prometheus-stack;`,
    );
  });

  it('rejects misspelled fields of built-in and custom kinds', async () => {
    const copy = freshCopy();
    misspellNetworkPolicy(copy);
    misspellCustomResource(copy);
    const r = await kubectlValidateGate(copy.output());
    expect(r.errors).toEqual([
      'dist/dev/tenants/alpha/networkpolicy-default-deny.yaml:  "" is invalid: spec.podSelectr: Invalid value: value provided for unknown field',
      'dist/prod/tenants/beta/authorizationpolicy-tenant-isolation.yaml:  "" is invalid: spec.rulez: Invalid value: value provided for unknown field',
    ]);
  });

  it("runs the CRDs' CEL rules, which kubeconform cannot", async () => {
    const copy = freshCopy();
    const gw = copy.read(WAYPOINT);
    // Gateway API: "hostname must not be specified for protocols ['TCP', 'UDP']" is a CEL rule.
    gw.spec.listeners.push({ name: 'tcp', port: 9000, protocol: 'TCP', hostname: 'agents.example.com' });
    copy.write(WAYPOINT, gw);
    const cel = await kubectlValidateGate(copy.output());
    expect(cel.errors).toHaveLength(1);
    expect(cel.errors[0]).toMatch(
      /^dist\/dev\/tenants\/alpha\/gateway-agentgateway-waypoint\.yaml: .*hostname must not be specified for protocols \['TCP', 'UDP'\]/,
    );
    expect((await kubeconformGate(copy.output())).errors).toEqual([]);
  });
});

describe("the tenants' AlertmanagerConfig, validated with the CRD of the chart that installs it", () => {
  const CONFIG = 'dist/dev/tenants/research/alertmanagerconfig-tenant-alerts.yaml';

  it('takes the CRD from kube-prometheus-stack 88.5.3 (../shared/crds has none) and refuses a misspelled field in both gates', async () => {
    expect(ensureSchemas('1.35').crds.filter((c) => c.kind === 'AlertmanagerConfig')).toEqual([
      {
        group: 'monitoring.coreos.com',
        plural: 'alertmanagerconfigs',
        kind: 'AlertmanagerConfig',
        scope: 'Namespaced',
      },
    ]);
    expect(chartCrdFiles().map((f) => f.split('/').slice(-5).join('/'))).toEqual([
      'kube-prometheus-stack-88.5.3/charts/crds/crds/crd-alertmanagerconfigs.yaml',
    ]);
    const copy = freshCopy();
    const config = copy.read(CONFIG);
    config.spec.receivers[0].slackConfigs[0].apiUrl = config.spec.receivers[0].slackConfigs[0].apiURL;
    copy.write(CONFIG, config);
    expect((await kubeconformGate(copy.output())).errors.join('\n')).toContain(CONFIG);
    expect((await kubectlValidateGate(copy.output())).errors.join('\n')).toMatch(
      /alertmanagerconfig-tenant-alerts\.yaml: .*apiUrl/,
    );
  });
});

describe('schema generation', () => {
  it('maps each environment version to one k8s.io/kubernetes release and names the fix for others', () => {
    expect(kubernetesRelease('1.35')).toBe('1.35.4');
    expect(() => kubernetesRelease('1.40')).toThrow(
      'kubernetesVersion "1.40" has no k8s.io/kubernetes release to take schemas from; add one to KUBERNETES_RELEASES in scripts/toolchain/schemas.ts (known: 1.35)',
    );
  });

  it('has a schema for every served version of every CRD', () => {
    const s = ensureSchemas('1.35');
    expect(s.crdKinds).toBeGreaterThanOrEqual(s.crds.length);
    for (const c of s.crds) {
      const dir = s.kubeconformLocation.split('{{')[0];
      const versions = fs.readdirSync(`${dir}${c.group}`);
      expect(
        versions.some((v) => fs.existsSync(`${dir}${c.group}/${v}/${c.kind.toLowerCase()}.json`)),
        `${c.group} ${c.kind}`,
      ).toBe(true);
    }
    expect(crdDirectories(CRDS_DIR).length).toBeGreaterThan(5);
  });

  it('makes CRD schemas strict, except where unknown fields are preserved', () => {
    const s: any = strictCrdSchema({
      type: 'object',
      properties: {
        spec: {
          type: 'object',
          properties: { port: { 'x-kubernetes-int-or-string': true }, note: { type: 'string', nullable: true } },
        },
        extra: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true, properties: { a: { type: 'string' } } },
      },
    });
    expect(s.additionalProperties).toBe(false);
    expect(s.properties.spec.additionalProperties).toBe(false);
    expect(s.properties.spec.properties.port).toEqual({
      'x-kubernetes-int-or-string': true,
      anyOf: [{ type: 'integer' }, { type: 'string' }],
    });
    expect(s.properties.spec.properties.note).toEqual({ type: ['string', 'null'] });
    expect(s.properties.extra.additionalProperties).toBeUndefined();
    expect(s.properties.metadata).toEqual({ $ref: '#/definitions/io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta' });
  });

  it('writes one standalone schema per built-in kind, int-or-string accepting both spellings', () => {
    const files = builtinSchemas({
      definitions: {
        'io.k8s.api.example.v1.Thing': {
          type: 'object',
          properties: {
            apiVersion: { type: 'string' },
            spec: { $ref: '#/definitions/io.k8s.api.example.v1.ThingSpec' },
          },
          'x-kubernetes-group-version-kind': [{ group: 'example.io', version: 'v1', kind: 'Thing' }],
        },
        'io.k8s.api.example.v1.ThingSpec': {
          type: 'object',
          properties: { port: { $ref: '#/definitions/io.k8s.apimachinery.pkg.util.intstr.IntOrString' } },
        },
        'io.k8s.apimachinery.pkg.util.intstr.IntOrString': { type: 'string', format: 'int-or-string' },
        'io.k8s.apimachinery.pkg.apis.meta.v1.DeleteOptions': {
          type: 'object',
          'x-kubernetes-group-version-kind': [{ group: '', version: 'v1', kind: 'DeleteOptions' }],
        },
        'io.k8s.api.core.v1.Pod': {
          type: 'object',
          'x-kubernetes-group-version-kind': [{ group: '', version: 'v1', kind: 'Pod' }],
        },
      },
    });
    expect([...files.keys()].sort()).toEqual(['example.io/v1/thing.json', 'v1/v1/pod.json']);
    const thing = JSON.parse(files.get('example.io/v1/thing.json')!);
    expect(thing.$ref).toBe('#/definitions/io.k8s.api.example.v1.Thing');
    expect(Object.keys(thing.definitions).sort()).toEqual([
      'io.k8s.api.example.v1.Thing',
      'io.k8s.api.example.v1.ThingSpec',
      'io.k8s.apimachinery.pkg.util.intstr.IntOrString',
    ]);
    expect(thing.definitions['io.k8s.api.example.v1.Thing'].additionalProperties).toBe(false);
    expect(thing.definitions['io.k8s.apimachinery.pkg.util.intstr.IntOrString'].anyOf).toEqual([
      { type: 'string' },
      { type: 'integer' },
    ]);
  });
});
