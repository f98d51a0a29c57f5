import { ApiObject } from 'cdk8s';
import { Construct } from 'constructs';
import { AgentgatewayParameters } from '../../../imports/agentgateway-parameters-agentgateway.dev';
import type { PlatformSettings } from '../../config/platform-settings';
import { CENTRAL_GATEWAY, LABELS, PLATFORM_NAMESPACES, PLATFORM_SERVICES, PORTS, type NodeGroup } from '../../lib/constants';
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

export interface GatewayParametersProps {
  /** Object name. */
  readonly name: string;
  /** Proxy image. */
  readonly image: Image;
  /** Node group the proxies run on. */
  readonly nodeGroup: NodeGroup;
  /** Proxy replicas. */
  readonly replicas?: number;
  /**
   * Settings for waypoints: the Istio CA and trust domain, and pods kept out of ztunnel's
   * capture (a captured waypoint would lose port 15008 to ztunnel).
   * @default - an ingress proxy, no Istio settings
   */
  readonly waypoint?: { readonly trustDomain: string };
  /**
   * Annotations of the proxy's Service (load balancer settings).
   * @default - none
   */
  readonly serviceAnnotations?: Readonly<Record<string, string>>;
}

/** AgentgatewayParameters: image, placement, tracing and resources of agentgateway proxies. */
export class GatewayParameters extends Construct {
  public readonly resource: ApiObject;

  constructor(scope: Construct, id: string, props: GatewayParametersProps) {
    super(scope, id);
    const podLabels = props.waypoint ? { [LABELS.dataplaneMode]: 'none' } : undefined;
    this.resource = new ApiObject(this, 'Resource', {
      ...AgentgatewayParameters.GVK,
      metadata: { name: props.name, namespace: CENTRAL_GATEWAY.namespace, labels: platformLabels('agentgateway') },
      spec: {
        image: { registry: props.image.registry, repository: props.image.repository, tag: props.image.tag, pullPolicy: 'IfNotPresent' },
        logging: { format: 'json', level: 'info' },
        rawConfig: tracingConfig(),
        resources: props.waypoint
          ? { requests: { cpu: '100m', memory: '128Mi' }, limits: { cpu: '500m', memory: '256Mi' } }
          : { requests: { cpu: '200m', memory: '256Mi' }, limits: { cpu: '1', memory: '512Mi' } },
        ...(props.waypoint
          ? {
              istio: {
                enabled: true,
                caAddress: `https://istiod.${PLATFORM_NAMESPACES.istio}.svc:${PORTS.istiodXds}`,
                trustDomain: props.waypoint.trustDomain,
              },
            }
          : {}),
        deployment: {
          spec: {
            ...(props.replicas ? { replicas: props.replicas } : {}),
            template: {
              ...(podLabels ? { metadata: { labels: podLabels } } : {}),
              spec: { nodeSelector: nodeSelectorFor(props.nodeGroup), tolerations: tolerationsFor(props.nodeGroup) },
            },
          },
        },
        ...(props.serviceAnnotations ? { service: { metadata: { annotations: { ...props.serviceAnnotations } } } } : {}),
      },
    });
  }
}
