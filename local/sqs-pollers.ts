/**
 * The loops local mode runs against its SQS stand-in (./sqs.ts) where AWS would invoke a function
 * itself: Lambda's SQS event source feeding the outbox drain, and EventBridge's schedule of the
 * redrive (docs/design.md#outbox, docs/local-mode.md).
 */
import { DeleteMessageCommand, ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import type { Context, SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { LOCAL_OUTBOX_QUEUE } from './sqs.js';

/** An SQS-event Lambda handler with partial batch responses. */
export type SqsHandler = (event: SQSEvent, context: Context) => Promise<SQSBatchResponse>;

/** A running drain loop. */
export interface OutboxDrain {
  /** Stops polling, after the batch in hand. */
  stop(): Promise<void>;
}

/**
 * Plays Lambda's SQS event source for the drain function: receives batches of up to 10, invokes
 * `handler` with an SQS event, and deletes the messages it did not report as failures (those
 * come back after their visibility timeout). Loops until stopped, one poll per `intervalMs`.
 */
export function startOutboxDrain({
  endpoint,
  queueUrl,
  handler,
  context,
  intervalMs = 200,
}: {
  endpoint: string;
  queueUrl: string;
  handler: SqsHandler;
  context: () => Context;
  intervalMs?: number;
}): OutboxDrain {
  const client = new SQSClient({
    endpoint,
    region: 'local',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    maxAttempts: 1,
  });
  async function poll(): Promise<void> {
    const output = await client.send(
      new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, MessageSystemAttributeNames: ['All'] }),
    );
    const messages = output.Messages ?? [];
    if (messages.length === 0) return;
    const event: SQSEvent = {
      Records: messages.map((message) => ({
        messageId: message.MessageId ?? '',
        receiptHandle: message.ReceiptHandle ?? '',
        body: message.Body ?? '',
        attributes: {
          ApproximateReceiveCount: message.Attributes?.ApproximateReceiveCount ?? '1',
          SentTimestamp: message.Attributes?.SentTimestamp ?? '0',
          SenderId: 'local',
          ApproximateFirstReceiveTimestamp: message.Attributes?.ApproximateFirstReceiveTimestamp ?? '0',
        },
        messageAttributes: {},
        md5OfBody: message.MD5OfBody ?? '',
        eventSource: 'aws:sqs',
        eventSourceARN: `arn:aws:sqs:local:000000000000:${LOCAL_OUTBOX_QUEUE}`,
        awsRegion: 'local',
      })),
    };
    let failed: Set<string>;
    try {
      const result = await handler(event, context());
      failed = new Set(result.batchItemFailures.map((failure) => failure.itemIdentifier));
    } catch {
      // The whole batch failed (as Lambda sees a thrown error): every message comes back.
      return;
    }
    for (const message of messages) {
      if (failed.has(message.MessageId ?? '')) continue;
      await client.send(new DeleteMessageCommand({ QueueUrl: queueUrl, ReceiptHandle: message.ReceiptHandle }));
    }
  }

  // SQS itself failing (a fault hook): the next poll tries again.
  const loop = repeat(intervalMs, poll);
  return {
    async stop() {
      await loop.stop();
      client.destroy();
    },
  };
}

/** A running schedule. */
export interface Schedule {
  /** Stops it, after the run in hand. */
  stop(): Promise<void>;
}

/**
 * Plays an EventBridge schedule: invokes `handler` every `intervalMs` (one run at a time; a run
 * that throws is logged by the handler itself and the next one comes all the same).
 */
export function startSchedule({
  handler,
  context,
  intervalMs,
}: {
  handler: (event: unknown, context: Context) => Promise<unknown>;
  context: () => Context;
  intervalMs: number;
}): Schedule {
  // A failed invocation is Lambda's to record (the handler logs it); the schedule goes on.
  return repeat(intervalMs, () => handler({ source: 'aws.scheduler', 'detail-type': 'Scheduled Event' }, context()));
}

/**
 * Runs `run` every `intervalMs` after the previous run ended (one run at a time), until stopped;
 * a run that fails does not stop the next one.
 */
function repeat(intervalMs: number, run: () => Promise<unknown>): Schedule {
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<unknown> = Promise.resolve();
  const next = () => {
    if (stopped) return;
    timer = setTimeout(() => {
      running = run()
        .catch(() => undefined)
        .finally(next);
    }, intervalMs);
  };
  next();
  return {
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await running;
    },
  };
}
