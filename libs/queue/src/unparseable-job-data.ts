import { Worker, type Job, type JobJson } from 'bullmq';
import { boundedRetention } from './consumer-retention.ts';

/** How much of unparseable data a failed reason quotes. */
const QUOTED_CHARS = 80;

/**
 * The data of a job that is not valid JSON, as it was stored: a producer outside Node wrote the
 * job hash with an encoder that emits `NaN`, or wrote it by hand. The processor refuses it.
 */
export class UnparseableJobData {
  constructor(
    /** The stored text. */
    readonly raw: string,
    /** What JSON.parse said. */
    readonly parseError: string,
  ) {}

  /** `data is not valid JSON (<parser message>): <the first 80 characters>…` */
  describe(): string {
    const quoted =
      this.raw.length > QUOTED_CHARS ? `${this.raw.slice(0, QUOTED_CHARS)}…` : this.raw;
    return `data is not valid JSON (${this.parseError}): ${JSON.stringify(quoted)}`;
  }
}

/**
 * A BullMQ Worker that bounds the retention of the jobs it finishes by its own `removeOnComplete`
 * / `removeOnFail` (see {@link boundedRetention}), and hands a job whose stored data is not valid
 * JSON to its processor as
 * {@link UnparseableJobData}, so that the processor can fail it with `UnrecoverableError`.
 *
 * A plain Worker parses the data inside its fetch loop (`Job.fromJSON`), where the error only
 * reaches the `error` event: the job stays active without a processor, its lock runs out, the
 * stalled check puts it back, and it is fetched and dropped again, up to `maxStalledCount`
 * times. On a queue with global concurrency 1 that blocks every job behind it.
 */
export class UnparseableDataTolerantWorker<
  DataType = unknown,
  ResultType = unknown,
  NameType extends string = string,
> extends Worker<DataType, ResultType, NameType> {
  protected override createJob(json: JobJson, jobId: string): Job<DataType, ResultType, NameType> {
    let job: Job<DataType, ResultType, NameType>;
    try {
      job = super.createJob(json, jobId);
    } catch (error) {
      if (!(error instanceof SyntaxError)) throw error;
      job = super.createJob({ ...json, data: 'null' }, jobId);
      job.data = new UnparseableJobData(json.data, error.message) as DataType;
    }
    // The consumer bounds how long a finished job (and the content it carries) stays, whatever
    // the producer asked: BullMQ lets a job's own option win over the worker's, so the worker's
    // `removeOnComplete` / `removeOnFail` are applied to the job as it is taken.
    job.opts.removeOnComplete = boundedRetention(
      job.opts.removeOnComplete,
      this.opts.removeOnComplete,
    );
    job.opts.removeOnFail = boundedRetention(job.opts.removeOnFail, this.opts.removeOnFail);
    return job;
  }
}
