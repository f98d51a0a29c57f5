/** Issue 16 on prod (test/cluster/suite.ts). */
import { clusterSuite } from './suite';

clusterSuite('prod');
