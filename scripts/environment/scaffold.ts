/**
 * The files of a new environment, made from an existing one: its environment file (the source's
 * settings with the new name, branch, cluster and the values given, placeholders for the rest),
 * its Terraform sizes (the source's tfvars) and stand-in outputs that synth accepts. Pure: texts
 * in, texts out; the command writes them.
 */
import { isMap, isScalar, parseDocument } from 'yaml';
import { type Environment, parseEnvironment } from '../../charts/config/environment';
import { infraOutputsFile, parseInfraOutputs } from '../../charts/config/infra-outputs';
import { PLACEHOLDER_SETTINGS, placeholderOutputs } from '../../charts/config/placeholders';
import { DIRS } from '../../charts/lib/constants';

/** What the operator knows already; everything else comes from the source environment or is a placeholder. */
export interface ScaffoldOptions {
  /** DNS domain of the environment's hosts. @default a placeholder under .invalid */
  readonly domain?: string;
  /** Route 53 hosted zone of the domain. @default a placeholder */
  readonly hostedZoneId?: string;
  /** @default the source environment's region */
  readonly region?: string;
  /** @default the source environment's account, when it names one */
  readonly accountId?: string;
  /** @default the source's cluster name with the source's name replaced, else agentic-platform-<name> */
  readonly clusterName?: string;
  /** Git branch Argo CD follows (argocd.targetRevision). @default the environment's name */
  readonly branch?: string;
}

/** The three files of a new environment, by path relative to the repository root. */
export interface ScaffoldFiles {
  readonly environment: { readonly path: string; readonly text: string };
  readonly tfvars: { readonly path: string; readonly text: string };
  readonly outputs: { readonly path: string; readonly text: string };
  /** The environment as synth will read it. */
  readonly parsed: Environment;
}

/** Path of an environment's Terraform variables, relative to the repository root. */
export function tfvarsFile(env: string): string {
  return `${DIRS.terraform}/env/${env}.tfvars`;
}

/**
 * The new environment `name` made from `source` (its environment file's text and tfvars). Throws
 * the loader's ConfigError when a given value is invalid.
 */
export function scaffoldEnvironment(
  name: string,
  source: { readonly name: string; readonly text: string; readonly tfvars: string },
  options: ScaffoldOptions = {},
): ScaffoldFiles {
  const doc = parseDocument(source.text);
  const from = parseEnvironment(source.text, `${DIRS.environments}/${source.name}.yaml`);
  const derivedCluster = from.aws.clusterName.includes(source.name)
    ? from.aws.clusterName.split(source.name).join(name)
    : `agentic-platform-${name}`;
  // The source's header describes the source: the new file gets its own.
  const header = [
    ` Environment ${name}: made from ${source.name} by npm run environment -- add. Placeholders (npm run validate`,
    ` lists them) and the checklist: docs/operator-runbook.md, "Add an environment".`,
  ].join('\n');
  doc.commentBefore = null;
  if (isMap(doc.contents)) {
    doc.contents.commentBefore = header;
    const first = doc.contents.items[0];
    if (first && isScalar(first.key)) first.key.commentBefore = undefined;
  } else doc.commentBefore = header;
  doc.setIn(['name'], name);
  doc.setIn(['argocd', 'targetRevision'], options.branch ?? name);
  doc.setIn(['platform', 'domain'], options.domain ?? PLACEHOLDER_SETTINGS.domain(name));
  const region = options.region ?? from.aws.region;
  doc.setIn(['aws', 'region'], region);
  // The source's zones, moved to the new region by their letter (us-east-1a becomes eu-west-1a).
  if (region !== from.aws.region && doc.hasIn(['aws', 'availabilityZones'])) {
    const zones = from.aws.availabilityZones.map((z) => `${region}${z.slice(from.aws.region.length)}`);
    const node = doc.createNode(zones, { flow: true });
    doc.setIn(['aws', 'availabilityZones'], node);
  }
  doc.setIn(['aws', 'clusterName'], options.clusterName ?? derivedCluster);
  doc.setIn(['aws', 'hostedZoneId'], options.hostedZoneId ?? PLACEHOLDER_SETTINGS.hostedZoneId);
  if (options.accountId !== undefined) doc.setIn(['aws', 'accountId'], options.accountId);
  const envPath = `${DIRS.environments}/${name}.yaml`;
  const text = doc.toString({ lineWidth: 0, flowCollectionPadding: false });
  const parsed = parseEnvironment(text, envPath);
  const outputsPath = infraOutputsFile(name);
  const outputs = `${JSON.stringify(placeholderOutputs(parsed), null, 2)}\n`;
  parseInfraOutputs(outputs, outputsPath, { name, aws: parsed.aws });
  const tfvars = `# ${name}: copied from env/${source.name}.tfvars by npm run environment -- add; review the sizes and deletion protection.\n${source.tfvars}`;
  return {
    environment: { path: envPath, text },
    tfvars: { path: tfvarsFile(name), text: tfvars },
    outputs: { path: outputsPath, text: outputs },
    parsed,
  };
}
