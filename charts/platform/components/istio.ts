import { z } from 'zod';
import { CHART_WEBHOOK_OBJECTS, RELEASES } from '../../lib/chart-names';
import { PLATFORM_NAMESPACES, TENANT_OBJECTS } from '../../lib/constants';
import { nodeSelectorFor, tolerationsFor } from '../../lib/placement';
import { WAYPOINT_RESOURCES } from '../../lib/waypoint';
import type { PlatformComponent } from '../component';
import { placementFields, resources, toleration } from '../values';

const ns = PLATFORM_NAMESPACES.istio;

/**
 * istiod's webhook controller sets failurePolicy Fail on its validating webhooks once it serves
 * them; the charts render Ignore on install unless told (base.validationFailurePolicy), so Argo CD
 * would set it back on every sync. Rendering Fail leaves only the CA bundle to ignore. Until
 * istiod is ready, Istio resources are refused and Argo CD retries them.
 */
const VALIDATION = { validationFailurePolicy: 'Fail' as const };
const validation = z.strictObject({ validationFailurePolicy: z.literal('Fail') });

/** The CA bundle istiod writes into each webhook (pkg/webhooks/validation/controller, pkg/webhooks/webhookpatch.go). */
const caBundles = (kind: 'ValidatingWebhookConfiguration' | 'MutatingWebhookConfiguration', name: string) => ({
  group: 'admissionregistration.k8s.io',
  kind,
  name,
  jqPathExpressions: ['.webhooks[]?.clientConfig.caBundle'],
});

const baseValues = z.strictObject({ defaultRevision: z.string(), base: validation });
export const istioBase: PlatformComponent = {
  name: 'istio-base',
  component: 'istio',
  namespace: ns,
  description: 'Istio base: the Istio CRDs and cluster roles.',
  dependsOn: ['namespaces', 'gateway-api-crds'],
  crdsOnly: true,
  upstream: {
    name: 'istio-base',
    valuesSchema: baseValues,
    values: () => ({ defaultRevision: 'default', base: VALIDATION }),
    runtimeFields: [caBundles('ValidatingWebhookConfiguration', CHART_WEBHOOK_OBJECTS.istioDefaultValidator)],
  },
};

const istiodValues = z.strictObject({
  profile: z.literal('ambient'),
  base: validation,
  meshConfig: z.strictObject({ trustDomain: z.string(), accessLogFile: z.string() }),
  // istiod autoscales; autoscaleMin is its replica floor (replicaCount is ignored while autoscaling).
  pilot: z.strictObject({ autoscaleMin: z.int(), resources, ...placementFields }),
  // Envoy waypoints istiod deploys (files/waypoint.yaml): kagent's on the platform group.
  global: z.strictObject({ waypoint: z.strictObject({ resources, ...placementFields }) }),
  gateways: z.strictObject({ seccompProfile: z.strictObject({ type: z.literal('RuntimeDefault') }) }),
  // Per-class overlay of the waypoint Deployment (templates/gateway-class-configmap.yaml): the
  // tenant waypoints of class agentgateway-waypoint run on the agents group.
  gatewayClasses: z.record(
    z.string(),
    z.strictObject({
      deployment: z.strictObject({
        spec: z.strictObject({ template: z.strictObject({ spec: z.strictObject(placementFields) }) }),
      }),
    }),
  ),
});
export const istiod: PlatformComponent = {
  name: RELEASES.istiod,
  component: 'istio',
  namespace: ns,
  description:
    "istiod in the ambient profile: certificates and configuration for ztunnel, and the Envoy waypoints (kagent's and, with platform.waypoint istio, the tenants').",
  dependsOn: ['istio-base'],
  upstream: {
    name: 'istiod',
    valuesSchema: istiodValues,
    values: (ctx) => ({
      profile: 'ambient',
      base: VALIDATION,
      meshConfig: { trustDomain: ctx.env.cluster.trustDomain, accessLogFile: '/dev/stdout' },
      pilot: {
        autoscaleMin: 2,
        resources: { requests: { cpu: '100m', memory: '256Mi' }, limits: { cpu: '500m', memory: '1Gi' } },
      },
      global: {
        waypoint: {
          resources: { requests: { ...WAYPOINT_RESOURCES.requests }, limits: { ...WAYPOINT_RESOURCES.limits } },
        },
      },
      // The waypoint pods then meet Pod Security restricted (the template sets no seccomp profile otherwise).
      gateways: { seccompProfile: { type: 'RuntimeDefault' } },
      gatewayClasses:
        ctx.env.platform.waypoint === 'istio'
          ? {
              [TENANT_OBJECTS.waypointClass]: {
                deployment: {
                  spec: {
                    template: {
                      spec: { nodeSelector: nodeSelectorFor('agents'), tolerations: tolerationsFor('agents') },
                    },
                  },
                },
              },
            }
          : {},
    }),
    placements: [
      { path: 'pilot', placement: 'platform' },
      { path: 'global.waypoint', placement: 'platform' },
    ],
    runtimeFields: [
      caBundles('ValidatingWebhookConfiguration', CHART_WEBHOOK_OBJECTS.istiodValidator(ns)),
      caBundles('MutatingWebhookConfiguration', CHART_WEBHOOK_OBJECTS.istioSidecarInjector),
    ],
  },
};

const cniValues = z.strictObject({
  profile: z.literal('ambient'),
  cni: z.strictObject({ tolerations: z.array(toleration).optional() }),
});
export const istioCni: PlatformComponent = {
  name: 'istio-cni',
  component: 'istio',
  namespace: ns,
  description: 'istio-cni node agent (ambient): redirects pod traffic to ztunnel on every node.',
  dependsOn: ['istiod'],
  upstream: {
    name: 'istio-cni',
    valuesSchema: cniValues,
    values: () => ({ profile: 'ambient', cni: {} }),
    placements: [{ path: 'cni', placement: 'every' }],
  },
};

const ztunnelValues = z.strictObject({ profile: z.literal('ambient'), resources, ...placementFields });
export const ztunnel: PlatformComponent = {
  name: 'ztunnel',
  component: 'istio',
  namespace: ns,
  description: 'ztunnel node proxy: mTLS (HBONE) between ambient pods on every node.',
  dependsOn: ['istio-cni'],
  upstream: {
    name: 'ztunnel',
    valuesSchema: ztunnelValues,
    values: () => ({
      profile: 'ambient',
      resources: { requests: { cpu: '100m', memory: '128Mi' }, limits: { memory: '512Mi' } },
    }),
    placements: [{ path: '', placement: 'every' }],
  },
};

export const gatewayApiCrds: PlatformComponent = {
  name: 'gateway-api-crds',
  component: 'gateway-api',
  namespace: 'default',
  description: 'Gateway API CRDs, standard channel.',
  dependsOn: [],
  crdsOnly: true,
  upstream: { name: 'gateway-api-crds' },
};
