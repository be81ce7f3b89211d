/**
 * @module
 */
import { SkeinError, type SkeinErrorOptions } from '../../core/errors.js';

/**
 * A job vanished from Redis before it reported a result: the server restarted without
 * persistence, evicted keys (a `maxmemory-policy` other than `noeviction`), or someone deleted
 * the queue. Checked whenever an executor reconnects. Not a Python class.
 */
export class JobLostError extends SkeinError {
  override readonly code: string = 'ERR_SKEIN_JOB_LOST';
  /** The BullMQ job id. */
  readonly jobId: string;
  constructor(message: string, jobId: string, options?: SkeinErrorOptions) {
    super(message, options);
    this.jobId = jobId;
  }
}
