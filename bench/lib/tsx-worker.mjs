// Entry of the benchmarks' worker threads: tsx's loader hooks are per thread, so register them here, then load
// the TypeScript module named in workerData.entry.
import { workerData } from 'node:worker_threads';
import { register } from 'tsx/esm/api';

register();
await import(workerData.entry);
