/**
 * Applications that settle: every webhook configuration and every CRD with a conversion webhook
 * that a pinned chart renders is matched with the controller that patches it at run time (read at
 * the pinned version, cited below), and the Application ignores exactly the fields that controller
 * writes with a value other than the rendered one, with RespectIgnoreDifferences=true.
 */
import { describe, expect, it } from 'vitest';
import { RESPECT_IGNORE_DIFFERENCES } from '../../charts/argocd/platform-applications';
import {
  type K8sObject,
  loadEnvironment,
  type PlatformApplication,
  readPlatformApplication,
  renderApplication,
  renderComponent,
  type Rendered,
  upstreamComponents,
} from '../../scripts/upstream/render';
import { describeObject, ENVIRONMENTS, podTemplate, renderable } from './chart-checks';

/**
 * A field a controller writes: its jq path, what it reads in the render, and the value it writes (unknown: generated).
 */
interface Field {
  readonly jq: string;
  readonly rendered: (o: K8sObject) => unknown[];
  readonly written?: unknown;
}

interface Patcher {
  /** The controller and the source (at its pinned version) that patches the object. */
  readonly by: string;
  /** The fields it writes into this object of this render, or undefined when it does not patch it. */
  readonly fields: (o: K8sObject, r: Rendered) => Field[] | undefined;
}

const WEBHOOK_KINDS = ['ValidatingWebhookConfiguration', 'MutatingWebhookConfiguration'];
const GROUPS: Record<string, string> = {
  ValidatingWebhookConfiguration: 'admissionregistration.k8s.io',
  MutatingWebhookConfiguration: 'admissionregistration.k8s.io',
  CustomResourceDefinition: 'apiextensions.k8s.io',
};

const webhooks = (o: K8sObject): any[] => o.webhooks ?? [];
const caBundle: Field = {
  jq: '.webhooks[]?.clientConfig.caBundle',
  rendered: (o) => webhooks(o).map((w) => w.clientConfig?.caBundle),
};

/** The value of --<flag>= in the args of a workload of the render (whose args include `marker`, when given). */
function argOf(r: Rendered, flag: string, marker?: string): string | undefined {
  for (const { object } of r.objects) {
    for (const c of podTemplate(object)?.spec?.containers ?? []) {
      const args: string[] = c.args ?? [];
      if (marker !== undefined && !args.includes(marker)) continue;
      const hit = args.find((a) => a.startsWith(`--${flag}=`));
      if (hit !== undefined) return hit.slice(flag.length + 3);
    }
  }
  return undefined;
}

/**
 * True when every webhook of the object is named *<suffix> (otherwise a narrower ignore than .webhooks[]? is needed).
 */
function allNamed(o: K8sObject, suffix: string): boolean {
  return webhooks(o).every((w) => String(w.name).endsWith(suffix));
}

const PATCHERS: readonly Patcher[] = [
  {
    // istio 1.30.3 pkg/webhooks/validation/controller/controller.go: watches ValidatingWebhookConfigurations
    // labelled istio.io/rev=<revision> (l.129-131; default revision "default") and sets every webhook's
    // caBundle and, once it serves, failurePolicy Fail (updateValidatingWebhookConfiguration, l.272-278).
    by: "istiod's validation webhook controller",
    fields: (o) =>
      o.kind === 'ValidatingWebhookConfiguration' && o.metadata.labels?.['istio.io/rev'] === 'default'
        ? [
            caBundle,
            {
              jq: '.webhooks[]?.failurePolicy',
              rendered: (x) => webhooks(x).map((w) => w.failurePolicy),
              written: 'Fail',
            },
          ]
        : undefined,
  },
  {
    // istio 1.30.3 pkg/webhooks/webhookpatch.go (l.120-168): MutatingWebhookConfigurations labelled
    // istio.io/rev=<revision>, caBundle of each webhook whose name ends with sidecar-injector.istio.io.
    by: "istiod's injection webhook patcher",
    fields: (o) =>
      o.kind === 'MutatingWebhookConfiguration' &&
      o.metadata.labels?.['istio.io/rev'] === 'default' &&
      allNamed(o, 'sidecar-injector.istio.io')
        ? [caBundle]
        : undefined,
  },
  {
    // external-secrets helm-chart-2.9.0 pkg/controllers/webhookconfig/webhookconfig.go: ValidatingWebhookConfigurations
    // labelled external-secrets.io/component=webhook (l.120; runtime/constants/constants.go), and in each webhook
    // named *external-secrets.io the service name and namespace (its --service-name/--service-namespace) and
    // the caBundle (inject, l.212-222).
    by: "external-secrets' cert controller",
    fields: (o, r) =>
      o.kind === 'ValidatingWebhookConfiguration' &&
      o.metadata.labels?.['external-secrets.io/component'] === 'webhook' &&
      allNamed(o, 'external-secrets.io')
        ? [
            caBundle,
            {
              jq: '.webhooks[]?.clientConfig.service.name',
              rendered: (x) => webhooks(x).map((w) => w.clientConfig?.service?.name),
              written: argOf(r, 'service-name', 'certcontroller'),
            },
            {
              jq: '.webhooks[]?.clientConfig.service.namespace',
              rendered: (x) => webhooks(x).map((w) => w.clientConfig?.service?.namespace),
              written: argOf(r, 'service-namespace', 'certcontroller'),
            },
          ]
        : undefined,
  },
  {
    // kube-prometheus-stack 88.5.3 templates/prometheus-operator/admission-webhooks/job-patch/job-patchWebhook.yaml
    // runs `kube-webhook-certgen patch --webhook-name=<fullname>-admission --patch-failure-policy=<value>`
    // (a helm post-install hook, an Argo CD PostSync hook). jkroepke/kube-webhook-certgen pkg/k8s/k8s.go
    // applyValidatingWebhook/applyMutatingWebhook write every webhook's caBundle, and failurePolicy only when the
    // flag is Fail (cmd/patch.go). Read at v1.7.3, the newest tag in the snapshot; the chart pins image 1.8.7.
    by: "kube-prometheus-stack's admission-patch Job (kube-webhook-certgen)",
    fields: (o, r) => {
      if (!WEBHOOK_KINDS.includes(o.kind) || argOf(r, 'webhook-name', 'patch') !== o.metadata.name) return undefined;
      const policy = argOf(r, 'patch-failure-policy', 'patch');
      return policy === 'Fail'
        ? [
            caBundle,
            {
              jq: '.webhooks[]?.failurePolicy',
              rendered: (x) => webhooks(x).map((w) => w.failurePolicy),
              written: 'Fail',
            },
          ]
        : [caBundle];
    },
  },
  {
    // kubernetes-sigs/agent-sandbox v0.5.6 cmd/agent-sandbox-controller/tls.go patchCRDs: for four named CRDs with
    // Webhook conversion, sets the service name and namespace (--webhook-service-name, --webhook-namespace),
    // path /convert and the caBundle of the conversion webhook (merge patch).
    by: "agent-sandbox's controller",
    fields: (o, r) => {
      const names = [
        'sandboxes.agents.x-k8s.io',
        'sandboxclaims.extensions.agents.x-k8s.io',
        'sandboxtemplates.extensions.agents.x-k8s.io',
        'sandboxwarmpools.extensions.agents.x-k8s.io',
      ];
      if (o.kind !== 'CustomResourceDefinition' || !names.includes(o.metadata.name)) return undefined;
      const cc = (x: K8sObject) => x.spec.conversion?.webhook?.clientConfig ?? {};
      return [
        { jq: '.spec.conversion.webhook.clientConfig.caBundle', rendered: (x) => [cc(x).caBundle] },
        {
          jq: '.spec.conversion.webhook.clientConfig.service.name',
          rendered: (x) => [cc(x).service?.name],
          written: argOf(r, 'webhook-service-name'),
        },
        {
          jq: '.spec.conversion.webhook.clientConfig.service.namespace',
          rendered: (x) => [cc(x).service?.namespace],
          written: argOf(r, 'webhook-namespace'),
        },
        {
          jq: '.spec.conversion.webhook.clientConfig.service.path',
          rendered: (x) => [cc(x).service?.path],
          written: '/convert',
        },
      ];
    },
  },
  // Kyverno 3.9.0 and kmcp 0.3.0 (in kagent) render no webhook configuration: their controllers create their
  // own at run time, which are no Application's objects. A render that has one fails below as unknown.
];

/** Objects of a render that a controller may patch: webhook configurations and CRDs converted by a webhook. */
function patchable(r: Rendered): K8sObject[] {
  return r.objects
    .map((x) => x.object)
    .filter(
      (o) =>
        WEBHOOK_KINDS.includes(o.kind) ||
        (o.kind === 'CustomResourceDefinition' && o.spec.conversion?.strategy === 'Webhook'),
    );
}

/** Problems of one Application: patched fields it does not ignore, ignores no controller needs, the sync option. */
function runtimeFieldProblems(r: Rendered, app: PlatformApplication): string[] {
  const problems: string[] = [];
  const ignores = app.ignoreDifferences ?? [];
  const used = new Set<number>();
  for (const o of patchable(r)) {
    const at = `platform-${app.component}: ${describeObject(r, o)}`;
    const matched = PATCHERS.map((p) => ({ p, fields: p.fields(o, r) })).filter((m) => m.fields !== undefined);
    if (matched.length !== 1) {
      problems.push(
        matched.length === 0
          ? `${at}: no known controller patches it; read the chart and its controller and add it to PATCHERS in test/upstream/runtime-fields.test.ts`
          : `${at}: patched by ${matched.map((m) => m.p.by).join(' and ')}`,
      );
      continue;
    }
    const { p, fields } = matched[0];
    const entries = ignores
      .map((ig, i) => ({ ig, i }))
      .filter(({ ig }) => ig.kind === o.kind && (ig.group ?? '') === GROUPS[o.kind] && ig.name === o.metadata.name);
    entries.forEach(({ i }) => used.add(i));
    const ignored = new Set(entries.flatMap(({ ig }) => ig.jqPathExpressions ?? []));
    for (const f of fields!) {
      const differs = f.written === undefined || f.rendered(o).some((v) => v !== f.written);
      if (differs && !ignored.has(f.jq))
        problems.push(
          `${at}: ${p.by} writes ${f.jq}${f.written === undefined ? '' : ` = ${JSON.stringify(f.written)}`} at run time; ignore it in the component's runtimeFields${f.written === undefined ? '' : ' or render that value'}`,
        );
      if (!differs && ignored.has(f.jq))
        problems.push(`${at}: ignores ${f.jq}, which is rendered as ${p.by} writes it; drop the ignore`);
      ignored.delete(f.jq);
    }
    for (const jq of ignored) problems.push(`${at}: ignores ${jq}, which ${p.by} does not write`);
  }
  ignores.forEach((ig, i) => {
    if (!used.has(i))
      problems.push(
        `platform-${app.component}: ignores ${ig.kind} ${ig.name}, which the chart does not render as a patched object`,
      );
  });
  const respect = (app.syncOptions ?? []).includes(RESPECT_IGNORE_DIFFERENCES);
  if (ignores.length > 0 && !respect)
    problems.push(`platform-${app.component}: ignores fields but lacks the sync option ${RESPECT_IGNORE_DIFFERENCES}`);
  if (ignores.length === 0 && respect)
    problems.push(`platform-${app.component}: has ${RESPECT_IGNORE_DIFFERENCES} but ignores nothing`);
  return problems;
}

describe.each(ENVIRONMENTS)('fields controllers write at run time (%s)', (env) => {
  it("every Application ignores exactly the fields controllers write into its chart's objects", () => {
    const e = loadEnvironment(env);
    const problems = renderable(env, upstreamComponents(e)).flatMap((c) =>
      runtimeFieldProblems(renderComponent(env, c), readPlatformApplication(e, c)),
    );
    expect(problems).toEqual([]);
  });

  it('finds the patched objects of istio, external-secrets, kube-prometheus-stack and agent-sandbox', () => {
    const e = loadEnvironment(env);
    const components = renderable(env, upstreamComponents(e));
    const found = components.flatMap((c) =>
      patchable(renderComponent(env, c)).map((o) => `${c} ${o.kind} ${o.metadata.name}`),
    );
    expect(found.sort()).toEqual(
      [
        'agent-sandbox CustomResourceDefinition sandboxclaims.extensions.agents.x-k8s.io',
        'agent-sandbox CustomResourceDefinition sandboxes.agents.x-k8s.io',
        'agent-sandbox CustomResourceDefinition sandboxtemplates.extensions.agents.x-k8s.io',
        'agent-sandbox CustomResourceDefinition sandboxwarmpools.extensions.agents.x-k8s.io',
        'external-secrets ValidatingWebhookConfiguration externalsecret-validate',
        'external-secrets ValidatingWebhookConfiguration secretstore-validate',
        'istio-base ValidatingWebhookConfiguration istiod-default-validator',
        'istiod MutatingWebhookConfiguration istio-sidecar-injector',
        'istiod ValidatingWebhookConfiguration istio-validator-istio-system',
        'kube-prometheus-stack MutatingWebhookConfiguration kube-prometheus-stack-admission',
        'kube-prometheus-stack ValidatingWebhookConfiguration kube-prometheus-stack-admission',
      ].filter((line) => components.includes(line.split(' ')[0])),
    );
  });
});

describe('runtime fields: planted faults', () => {
  const e = loadEnvironment('dev');

  it('a dropped ignore names the object, the chart and the controller', () => {
    const app = readPlatformApplication(e, 'istiod');
    const dropped = {
      ...app,
      ignoreDifferences: app.ignoreDifferences!.filter((ig) => ig.kind !== 'MutatingWebhookConfiguration'),
    };
    expect(runtimeFieldProblems(renderComponent('dev', 'istiod'), dropped)).toEqual([
      "platform-istiod: MutatingWebhookConfiguration istio-system/istio-sidecar-injector (istiod 1.30.3): istiod's injection webhook patcher writes .webhooks[]?.clientConfig.caBundle at run time; ignore it in the component's runtimeFields",
    ]);
  });

  it('without validationFailurePolicy Fail the Ignore that istiod flips to Fail is named', () => {
    const app = readPlatformApplication(e, 'istio-base');
    const values = { ...app.source.helm!.valuesObject! };
    delete values.base;
    const r = renderApplication(
      { ...app, source: { ...app.source, helm: { ...app.source.helm, valuesObject: values } } },
      e.kubernetesVersion,
    );
    expect(runtimeFieldProblems(r, app)).toEqual([
      `platform-istio-base: ValidatingWebhookConfiguration istio-system/istiod-default-validator (base 1.30.3): istiod's validation webhook controller writes .webhooks[]?.failurePolicy = "Fail" at run time; ignore it in the component's runtimeFields or render that value`,
    ]);
  });

  it('an ignore of a field nobody writes, of an object not rendered, and a missing sync option are named', () => {
    const app = readPlatformApplication(e, 'external-secrets');
    const extra = {
      ...app,
      syncOptions: app.syncOptions!.filter((o) => o !== RESPECT_IGNORE_DIFFERENCES),
      ignoreDifferences: [
        ...app.ignoreDifferences!,
        {
          group: 'admissionregistration.k8s.io',
          kind: 'ValidatingWebhookConfiguration',
          name: 'secretstore-validate',
          jqPathExpressions: ['.webhooks[]?.timeoutSeconds'],
        },
        {
          group: 'admissionregistration.k8s.io',
          kind: 'ValidatingWebhookConfiguration',
          name: 'gone',
          jqPathExpressions: ['.webhooks[]?.clientConfig.caBundle'],
        },
      ],
    };
    expect(runtimeFieldProblems(renderComponent('dev', 'external-secrets'), extra)).toEqual([
      "platform-external-secrets: ValidatingWebhookConfiguration external-secrets/secretstore-validate (external-secrets 2.9.0): ignores .webhooks[]?.timeoutSeconds, which external-secrets' cert controller does not write",
      'platform-external-secrets: ignores ValidatingWebhookConfiguration gone, which the chart does not render as a patched object',
      'platform-external-secrets: ignores fields but lacks the sync option RespectIgnoreDifferences=true',
    ]);
  });

  it('a webhook configuration no known controller patches is named', () => {
    const r = renderComponent('dev', 'kyverno');
    const stray = {
      ...r,
      objects: [
        ...r.objects,
        {
          template: 'kyverno/templates/x.yaml',
          object: {
            apiVersion: 'admissionregistration.k8s.io/v1',
            kind: 'ValidatingWebhookConfiguration',
            metadata: { name: 'kyverno-stray' },
            webhooks: [],
          },
        },
      ],
    };
    expect(runtimeFieldProblems(stray, readPlatformApplication(e, 'kyverno'))).toEqual([
      'platform-kyverno: ValidatingWebhookConfiguration kyverno/kyverno-stray (kyverno 3.9.0): no known controller patches it; read the chart and its controller and add it to PATCHERS in test/upstream/runtime-fields.test.ts',
    ]);
  });
});
