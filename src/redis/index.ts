/**
 * skein/redis — skein's executor and shared objects past one machine, on BullMQ and Redis.
 *
 * This entry is the only one that loads the optional peer dependencies `bullmq` and `ioredis`.
 *
 * @module
 */
export { MissingDependencyError } from './deps.js';
