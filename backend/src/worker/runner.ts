import { run, parseCrontab, type Runner, type LogFunctionFactory, Logger as WorkerLogger } from 'graphile-worker';
import type { Deps } from '../deps.js';
import { buildTaskList, buildCrontab } from './taskList.js';

/** Starts the Graphile Worker runner in this process with every domain's tasks. */
export async function startWorker(deps: Deps, url: string): Promise<Runner> {
  const log = deps.log.child({ module: 'worker' });
  const logFactory: LogFunctionFactory = (scope) => (level, message, meta) => {
    const lvl = level === 'error' ? 'error' : level === 'warning' ? 'warn' : 'debug';
    log[lvl]({ scope: { label: scope.label, taskIdentifier: scope.taskIdentifier, jobId: scope.jobId }, meta }, message);
  };
  const taskList = buildTaskList(deps);
  const runner = await run({
    connectionString: url,
    concurrency: deps.env.WORKER_CONCURRENCY,
    noHandleSignals: true,
    pollInterval: 1000,
    taskList,
    parsedCronItems: parseCrontab(buildCrontab()),
    logger: new WorkerLogger(logFactory),
  });
  log.info({ tasks: Object.keys(taskList), concurrency: deps.env.WORKER_CONCURRENCY }, 'worker started');
  return runner;
}
