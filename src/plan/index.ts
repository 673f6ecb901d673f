export {PlanCache, setPlanDebugSink} from './cache.js';
export {Plan, type ArenaStats} from './plan.js';
export {compareTraces, traceStep, type Ref, type Trace, type TracedStep} from './trace.js';
