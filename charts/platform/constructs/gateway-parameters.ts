import { Construct } from 'constructs';
import {
  AgentgatewayParameters,
  AgentgatewayParametersSpecLoggingFormat as LogFormat,
  AgentgatewayParametersSpecResourcesLimits as Quantity,
} from '../../../imports/agentgateway-parameters-agentgateway.dev';
import { MAX_UNAVAILABLE } from './disruption-budget';
import type { PlatformSettings } from '../../config/platform-settings';
import { CENTRAL_GATEWAY, PLATFORM_NAMESPACES, PLATFORM_SERVICES, PORTS, type NodeGroup } from '../../lib/constants';
import { platformLabels } from '../../lib/labels';
import { nodeSelectorFor, tolerationsFor } from '../../lib/placement';

type Image = PlatformSettings['images']['agentgatewayProxy'];

/** OTLP gRPC endpoint of the platform's collector (agentgateway tracing, BYO agents). */
export function collectorOtlpGrpc(): string {
  return `http://${PLATFORM_SERVICES.otelCollector}.${PLATFORM_NAMESPACES.otelCollector}.svc.cluster.local:${PORTS.otlpGrpc}`;
}

/**
 * agentgateway tracing: every request is a span sent to the collector, with the GenAI semantic
 * attributes Langfuse reads (model, prompt, completion, token counts).
 */
export function tracingConfig(): Record<string, unknown> {
  return {
    config: {
      tracing: {
        otlpEndpoint: collectorOtlpGrpc(),
        otlpProtocol: 'grpc',
        randomSampling: true,
        fields: {
          add: {
            'gen_ai.system': 'llm.provider',
            'gen_ai.request.model': 'llm.requestModel',
            'gen_ai.response.model': 'llm.responseModel',
            'gen_ai.usage.input_tokens': 'llm.inputTokens',
            'gen_ai.usage.output_tokens': 'llm.outputTokens',
            'gen_ai.prompt': 'flattenRecursive(llm.prompt)',
            'gen_ai.completion': 'flattenRecursive(llm.completion)',
          },
        },
      },
    },
  };
}

/** Quantities in the form of the AgentgatewayParameters import (int-or-string). */
function quantities(q: Readonly<Record<string, string>>): Record<string, Quantity> {
  return Object.fromEntries(Object.entries(q).map(([k, v]) => [k, Quantity.fromString(v)]));
}

/** Container resources of a proxy. */
export interface ProxyResources {
  readonly requests: { readonly cpu: string; readonly memory: string };
  readonly limits: { readonly cpu: string; readonly memory: string };
}

export interface GatewayParametersProps {
  /** Object name. */
  readonly name: string;
  /** Proxy image. */
  readonly image: Image;
  /** Node group the proxies run on. */
  readonly nodeGroup: NodeGroup;
  /** Proxy replicas. */
  readonly replicas?: number;
  readonly resources: ProxyResources;
  /**
   * Istio trust domain: the proxy gets a mesh certificate from istiod, speaks HBONE to meshed
   * backends (through their waypoint where the Service or namespace says
   * istio.io/ingress-use-waypoint) and can terminate HBONE. agentgateway then keeps its pods out
   * of ztunnel's capture itself (istio.io/dataplane-mode: none, agentgateway v1.4.1
   * controller/pkg/helm/agentgateway/templates/_helpers.tpl).
   */
  readonly trustDomain: string;
  /**
   * Type of the proxy's Service. agentgateway creates every Gateway's Service as LoadBalancer
   * unless the parameters say otherwise (v1.4.1 controller/pkg/helm/agentgateway/templates/
   * service.yaml); `spec.service` is a strategic-merge overlay of it.
   * @default 'LoadBalancer'
   */
  readonly serviceType?: 'LoadBalancer' | 'ClusterIP';
}

/** AgentgatewayParameters: image, placement, mesh settings, tracing and resources of agentgateway proxies. */
export class GatewayParameters extends Construct {
  public readonly resource: AgentgatewayParameters;

  constructor(scope: Construct, id: string, props: GatewayParametersProps) {
    super(scope, id);
    this.resource = new AgentgatewayParameters(this, 'Resource', {
      metadata: { name: props.name, namespace: CENTRAL_GATEWAY.namespace, labels: platformLabels('agentgateway') },
      spec: {
        image: {
          registry: props.image.registry,
          repository: props.image.repository,
          tag: props.image.tag,
          pullPolicy: 'IfNotPresent',
        },
        logging: { format: LogFormat.JSON, level: 'info' },
        rawConfig: tracingConfig(),
        resources: { requests: quantities(props.resources.requests), limits: quantities(props.resources.limits) },
        istio: {
          enabled: true,
          caAddress: `https://istiod.${PLATFORM_NAMESPACES.istio}.svc:${PORTS.istiodXds}`,
          trustDomain: props.trustDomain,
        },
        deployment: {
          spec: {
            ...(props.replicas ? { replicas: props.replicas } : {}),
            template: {
              spec: { nodeSelector: nodeSelectorFor(props.nodeGroup), tolerations: tolerationsFor(props.nodeGroup) },
            },
          },
        },
        ...(props.serviceType && props.serviceType !== 'LoadBalancer'
          ? { service: { spec: { type: props.serviceType } } }
          : {}),
        // AgentgatewayParameters (agentgateway v1.4.1 CRD): "If present, a PDB is created with its
        // selector automatically configured to target the selected generated workload."
        ...(props.replicas && props.replicas > 1
          ? { podDisruptionBudget: { spec: { maxUnavailable: MAX_UNAVAILABLE } } }
          : {}),
      },
    });
  }
}
