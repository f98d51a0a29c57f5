/** Issue 16 on dev (test/cluster/suite.ts). */
import { clusterSuite } from './suite';

clusterSuite('dev');
