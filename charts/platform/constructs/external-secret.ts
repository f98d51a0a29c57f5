import { Construct } from 'constructs';
import { ExternalSecret } from '../../../imports/external-secrets-external-secrets.io';
import { secretFromStore } from '../../constructs/external-secret-parts';
import { SECRET_STORE } from '../../lib/constants';
import { platformLabels } from '../../lib/labels';

export interface PlatformExternalSecretProps {
  /** Namespace of the Secret. */
  readonly namespace: string;
  /** Name of the ExternalSecret and of the Secret it writes. */
  readonly name: string;
  /** Component label value. */
  readonly component: string;
  /** Name of the entry in AWS Secrets Manager (from cluster/outputs/<env>.json). */
  readonly remoteKey: string;
  /** Properties of the entry's JSON object to read, by the variable name the template uses. */
  readonly properties: readonly string[];
  /**
   * Keys of the Secret, as external-secrets templates over the properties (Go templates, such
   * as `{{ .password }}`).
   * @default - one key per property, holding its value
   */
  readonly template?: Readonly<Record<string, string>>;
  /**
   * How often the Secret is refreshed from AWS.
   * @default '1h'
   */
  readonly refreshInterval?: string;
  /**
   * Labels besides the platform's.
   * @default - none
   */
  readonly labels?: Readonly<Record<string, string>>;
}

/**
 * A Secret filled from AWS Secrets Manager by external-secrets. Git holds only the name of the
 * entry and the names of its properties, never a value.
 */
export class PlatformExternalSecret extends Construct {
  public readonly resource: ExternalSecret;

  constructor(scope: Construct, id: string, props: PlatformExternalSecretProps) {
    super(scope, id);
    if (props.properties.length === 0) {
      throw new Error(
        `PlatformExternalSecret ${props.namespace}/${props.name}: properties is empty; name at least one property of ${props.remoteKey}`,
      );
    }
    this.resource = new ExternalSecret(this, 'Resource', {
      metadata: {
        name: props.name,
        namespace: props.namespace,
        labels: { ...platformLabels(props.component), ...props.labels },
      },
      spec: secretFromStore({
        name: props.name,
        store: { kind: 'ClusterSecretStore', name: SECRET_STORE },
        data: props.properties.map((property) => ({ secretKey: property, key: props.remoteKey, property })),
        template: props.template,
        refreshInterval: props.refreshInterval,
      }),
    });
  }
}
