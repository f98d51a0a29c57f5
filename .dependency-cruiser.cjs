/**
 * The layers of charts/, scripts/ and cluster/, checked by `npm run layers` (part of `npm test`)
 * with dependency-cruiser: each folder imports only from the folders listed under it, which lie
 * below it; nothing imports in a circle. Type-only imports count. There are no exceptions.
 */
'use strict';

/** Each layer: the files it holds (a regular expression on the path) and the layers it may import. */
const LAYERS = [
  // charts/: the compiler, bottom to top.
  { name: 'charts-lib', path: '^charts/lib/', imports: ['imports'] },
  { name: 'charts-config', path: '^charts/config/', imports: ['charts-lib'] },
  { name: 'charts-routing', path: '^charts/routing/', imports: ['charts-lib', 'charts-config'] },
  {
    name: 'charts-constructs',
    path: '^charts/(constructs|platform/(constructs|observability|policies))/',
    imports: ['imports', 'charts-lib', 'charts-config', 'charts-routing'],
  },
  {
    name: 'charts-platform',
    path: '^charts/(platform/[^/]+[.]ts$|platform/components/|tenant-chart[.]ts$|tenant-workloads-chart[.]ts$)',
    imports: ['imports', 'charts-lib', 'charts-config', 'charts-routing', 'charts-constructs'],
  },
  {
    name: 'charts-argocd',
    path: '^charts/argocd/',
    imports: ['imports', 'charts-lib', 'charts-config', 'charts-routing', 'charts-constructs', 'charts-platform'],
  },
  {
    name: 'charts-synth',
    path: '^charts/synth/',
    imports: ['charts-lib', 'charts-config', 'charts-routing', 'charts-constructs', 'charts-platform', 'charts-argocd'],
  },
  // The synth command's entry and the public surface for cluster/.
  { name: 'charts-top', path: '^charts/(main|index)[.]ts$', imports: ['charts'] },

  // cluster/: the cluster and infrastructure commands; of charts/, only its public surface.
  { name: 'cluster', path: '^cluster/', imports: ['charts-public', 'scripts-lib'] },

  // scripts/: libraries, bottom to top, then the commands.
  { name: 'scripts-lib', path: '^scripts/lib/', imports: [] },
  { name: 'scripts-toolchain', path: '^scripts/toolchain/', imports: ['charts', 'scripts-lib'] },
  {
    name: 'scripts-upstream',
    path: '^scripts/upstream/',
    imports: ['imports', 'charts', 'scripts-lib', 'scripts-toolchain'],
  },
  { name: 'scripts-kube', path: '^scripts/kube/', imports: ['charts', 'scripts-lib', 'scripts-toolchain'] },
  {
    name: 'scripts-gates',
    path: '^scripts/gates/',
    imports: ['charts', 'scripts-lib', 'scripts-toolchain', 'scripts-kube'],
  },
  {
    name: 'scripts-flows',
    path: '^scripts/flows/',
    imports: ['charts', 'scripts-lib', 'scripts-toolchain', 'scripts-kube', 'scripts-gates'],
  },
  {
    name: 'scripts-diff',
    path: '^scripts/diff/',
    imports: ['charts', 'scripts-lib', 'scripts-toolchain', 'scripts-kube', 'scripts-flows'],
  },
  { name: 'scripts-explain', path: '^scripts/explain/', imports: ['charts', 'scripts-lib', 'scripts-flows'] },
  { name: 'scripts-tenant', path: '^scripts/tenant/', imports: ['charts', 'scripts-lib'] },
  { name: 'scripts-environment', path: '^scripts/environment/', imports: ['charts', 'scripts-lib'] },
  { name: 'scripts-bench', path: '^scripts/bench/', imports: ['charts', 'scripts-lib'] },
  {
    name: 'scripts-apply',
    path: '^scripts/apply/',
    imports: ['charts', 'scripts-lib', 'scripts-toolchain', 'scripts-kube'],
  },
  // The integration harness (test/integration runs it); see harness-only-from-tests.
  {
    name: 'scripts-integration',
    path: '^scripts/integration/',
    imports: ['charts', 'scripts-lib', 'scripts-toolchain', 'scripts-kube', 'scripts-gates'],
  },
  // The opt-in cluster tier's harness (test/cluster runs it), on top of the integration harness.
  {
    name: 'scripts-cluster-tier',
    path: '^scripts/cluster-tier/',
    imports: [
      'charts',
      'cluster',
      'scripts-lib',
      'scripts-toolchain',
      'scripts-kube',
      'scripts-gates',
      'scripts-upstream',
      'scripts-integration',
    ],
  },
  // One entry file per command: a command may import anything.
  { name: 'scripts-cli', path: '^scripts/cli/', imports: ['charts', 'scripts', 'imports'] },
  { name: 'scripts-launch', path: '^scripts/(launch|bench/rusage)[.]cjs$', imports: [] },
];

/** Paths of the folders a layer may name besides layers. */
const TARGETS = {
  imports: '^imports/',
  charts: '^charts/',
  'charts-public': '^charts/index[.]ts$',
  scripts: '^scripts/',
};

const pathOf = (name) => TARGETS[name] ?? LAYERS.find((l) => l.name === name).path;

const PROJECT = '^(charts|scripts|cluster|imports|test)/';

module.exports = {
  LAYERS,
  forbidden: [
    ...LAYERS.map((layer) => ({
      name: `layer-${layer.name}`,
      comment: `${layer.path} may import only its own layer and: ${layer.imports.join(', ') || 'nothing else'}`,
      severity: 'error',
      from: { path: layer.path },
      to: { path: PROJECT, pathNot: [layer.path, ...layer.imports.map(pathOf)] },
    })),
    {
      name: 'layer-unassigned',
      comment: 'every file of charts/, scripts/ and cluster/ belongs to a layer of .dependency-cruiser.cjs',
      severity: 'error',
      from: { path: '^(charts|scripts|cluster)/', pathNot: LAYERS.map((l) => l.path) },
      to: {},
    },
    {
      name: 'harness-only-from-tests',
      comment:
        'the integration harness is imported by tests, the cluster tier and the command that runs it, never by production code',
      severity: 'error',
      from: { pathNot: '^(test/|scripts/integration/|scripts/cluster-tier/|scripts/cli/control-plane[.]ts$)' },
      to: { path: '^scripts/integration/' },
    },
    {
      name: 'no-circular',
      comment: 'no import cycle in charts/, scripts/ or cluster/',
      severity: 'error',
      from: { path: '^(charts|scripts|cluster)/' },
      to: { circular: true },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '^node_modules' },
    // Type-only imports are dependencies too.
    tsPreCompilationDeps: true,
  },
};
