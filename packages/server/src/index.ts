export { createServer, type TrawlServer } from './create-server.js';
export { runServer } from './run-server.js';
export { DEFAULTS as SERVER_DEFAULTS, type TrawlServerOptions } from './server-options.js';
export { STATUS_BY_CODE, type ApiErrorBody, type ApiErrorCode } from './http-errors.js';
export { IndexJobs, type IndexRun, type IndexRunStatus } from './index-jobs.js';
export { isLoopbackHost } from './auth.js';
