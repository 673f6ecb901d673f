export {DataParallel, Distribution, distribution, initialize, listDevices, setDistribution} from './distribution_lib.js';
export type {Communicator} from './communicator.js';
