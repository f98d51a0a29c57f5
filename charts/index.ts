/**
 * What code outside the compiler (cluster/) may use of charts/: environments, infra outputs, the
 * names and placement of node groups, the upstream pins and the canonical YAML text.
 */
export { loadEnvironments, type Environment } from './config/environment';
export { infraOutputsFile, loadInfraOutputs, parseInfraOutputs } from './config/infra-outputs';
export { ConfigError } from './config/source-errors';
export {
  AWS_TAGS,
  CLUSTER_AUTOSCALER,
  clusterAutoscalerRoleName,
  DIRS,
  MANAGED_BY,
  NODE_GROUPS,
  type NodeGroup,
  PLATFORM_UIS,
} from './lib/constants';
export { nodeGroupLabels, nodeGroupTaint, nodeSelectorFor, tolerationsFor } from './lib/placement';
export { canonical } from './lib/serialize';
export { pinned, type HelmChart } from './lib/upstream';
