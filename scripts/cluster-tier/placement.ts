/**
 * Where the pods went: every Pod Running on a node of the group its nodeSelector names, none
 * Pending (each Pending pod named with the scheduler's reason), and every DaemonSet covering
 * every node it tolerates. Read from the live state, not from our files.
 */
import { groupOfNode } from './nodes';
import { nodeGroupLabels, NODE_GROUPS } from '../../charts';

interface LivePod {
  metadata: { name: string; namespace: string; ownerReferences?: { kind: string }[] };
  spec: { nodeName?: string; nodeSelector?: Record<string, string> };
  status: { phase?: string; conditions?: { type: string; status: string; reason?: string; message?: string }[] };
}

interface LiveNode {
  metadata: { name: string; labels?: Record<string, string> };
}

interface LiveDaemonSet {
  metadata: { name: string; namespace: string };
  status: { desiredNumberScheduled?: number; numberReady?: number; currentNumberScheduled?: number };
}

/** The problems of pod placement: Pending pods, pods off their group, DaemonSets short of their nodes. */
export function placementProblems(podsJson: string, nodesJson: string, daemonSetsJson: string): string[] {
  const pods = (JSON.parse(podsJson) as { items: LivePod[] }).items;
  const nodes = new Map(
    (JSON.parse(nodesJson) as { items: LiveNode[] }).items.map((n) => [
      n.metadata.name,
      groupOfNode(n.metadata.labels),
    ]),
  );
  const out: string[] = [];
  for (const p of pods) {
    const id = `Pod ${p.metadata.namespace}/${p.metadata.name}`;
    if (p.status.phase === 'Succeeded') continue;
    if (p.status.phase !== 'Running') {
      const why = p.status.conditions?.find((c) => c.type === 'PodScheduled' && c.status === 'False');
      out.push(`${id} is ${p.status.phase ?? 'without a phase'}${why ? `: ${why.reason}: ${why.message}` : ''}`);
      continue;
    }
    const wanted = NODE_GROUPS.find((g) =>
      Object.entries(nodeGroupLabels(g)).every(([k, v]) => p.spec.nodeSelector?.[k] === v),
    );
    const onGroup = p.spec.nodeName ? nodes.get(p.spec.nodeName) : undefined;
    if (wanted === undefined && p.metadata.ownerReferences?.[0]?.kind !== 'DaemonSet')
      out.push(
        `${id} runs on ${p.spec.nodeName} (group ${onGroup ?? 'none'}) without a nodeSelector naming its node group`,
      );
    else if (wanted !== undefined && onGroup !== wanted)
      out.push(`${id} wants group ${wanted} but runs on ${p.spec.nodeName} (group ${onGroup ?? 'none'})`);
  }
  for (const d of (JSON.parse(daemonSetsJson) as { items: LiveDaemonSet[] }).items) {
    const { desiredNumberScheduled: want = 0, numberReady: ready = 0 } = d.status;
    if (ready < want) out.push(`DaemonSet ${d.metadata.namespace}/${d.metadata.name}: ${ready} of ${want} pods ready`);
  }
  return out.sort();
}
