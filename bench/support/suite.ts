import { Contender, Workload } from './model';
import { Goal } from './report';

/** A set of contenders and the workloads they all run, with the goals the run is checked against. */
export interface Suite {
  name: string;
  contenders: Contender[];
  workloads: Workload[];
  goals: Goal[];
  tearDown(): Promise<void>;
}
