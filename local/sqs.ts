/**
 * Local stand-in for Amazon SQS, and the drain loop that plays Lambda's SQS event source
 * (docs/design.md#outbox, docs/local-mode.md). The stand-in speaks the SDK's current SQS
 * protocol (AWS JSON 1.0, `X-Amz-Target: AmazonSQS.<Operation>`) for `SendMessage`,
 * `ReceiveMessage`, `DeleteMessage`, `ChangeMessageVisibility`, `GetQueueAttributes` and
 * `StartMessageMoveTask` (the redrive), with MD5 digests the SDK checks, visibility timeouts, and a
 * dead-letter queue after {@link MAX_RECEIVE_COUNT} receives, as the stack's queue has. Messages are kept in
 * `.data/outbox.json` (0600) or memory, so a restart loses no queued grant.
 */
import { createHash, randomUUID } from 'node:crypto';
import { createServer, type Server, type ServerResponse } from 'node:http';
import { DeleteMessageCommand, ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import type { Context, SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { close, listen, parseJsonObject, readBody, sendAwsJson, sendAwsJsonError } from './http-util.js';
import { openJsonFile } from './json-file.js';

/** Receives after which a message goes to the dead-letter queue (the stack's redrive policy). */
export const MAX_RECEIVE_COUNT = 5;
/** The outbox queue's name locally. */
export const LOCAL_OUTBOX_QUEUE = 'humanapi-outbox';
/** Its dead-letter queue's name locally. */
export const LOCAL_OUTBOX_DEAD_LETTER_QUEUE = 'humanapi-outbox-dead-letters';
/** The queue the drain sets messages it can never apply aside in, locally (`REJECTED_GRANTS_QUEUE_URL`). */
export const LOCAL_REJECTED_GRANTS_QUEUE = 'humanapi-outbox-rejected';

interface StoredMessage {
  id: string;
  body: string;
  sentAt: number;
  receiveCount: number;
  firstReceivedAt?: number;
  visibleAt: number;
  receiptHandle?: string;
}

type Queues = Record<string, StoredMessage[]>;

/** A running local SQS. */
export interface LocalSqs {
  /** Endpoint URL for `AWS_ENDPOINT_URL_SQS`. */
  readonly endpoint: string;
  /** URL of the outbox queue (`OUTBOX_QUEUE_URL`). */
  readonly outboxQueueUrl: string;
  /** URL of the rejected-grants queue (`REJECTED_GRANTS_QUEUE_URL`). */
  readonly rejectedGrantsQueueUrl: string;
  /** The outbox's dead-letter queue (`DEAD_LETTERS_QUEUE_URL` and `DEAD_LETTERS_QUEUE_ARN`). */
  readonly deadLetters: { readonly url: string; readonly arn: string };
  /** Makes the next `count` requests of `operation` (all operations when omitted) fail with a 500. */
  injectFaults(count: number, operation?: string): void;
  /** Clears injected faults. */
  resetFaults(): void;
  /** Messages in the outbox, in its dead-letter queue, and set aside by the drain. */
  depths(): { readonly outbox: number; readonly deadLetters: number; readonly rejected: number };
  close(): Promise<void>;
}

const md5 = (text: string) => createHash('md5').update(text, 'utf8').digest('hex');

/** Starts the stand-in; `path` undefined keeps messages in memory. */
export async function startLocalSqs({
  path,
  visibilityTimeoutSeconds = 2,
}: {
  path: string | undefined;
  /** Default visibility timeout: short locally, so a failed drain is retried soon. @default 2 */
  visibilityTimeoutSeconds?: number;
}): Promise<LocalSqs> {
  const file = openJsonFile<Queues>(path);
  const queues: Queues = file.read() ?? {};
  queues[LOCAL_OUTBOX_QUEUE] ??= [];
  queues[LOCAL_OUTBOX_DEAD_LETTER_QUEUE] ??= [];
  queues[LOCAL_REJECTED_GRANTS_QUEUE] ??= [];
  const faults: { operation: string | undefined; count: number }[] = [];
  const save = () => file.write(queues);

  const awsError = (response: ServerResponse, status: number, code: string, message: string) =>
    sendAwsJsonError(response, '1.0', status, {
      type: `com.amazonaws.sqs#${code}`,
      message,
      headers: { 'x-amzn-query-error': `${code};${status < 500 ? 'Sender' : 'Receiver'}` },
    });
  const answer = (response: ServerResponse, body: object) => sendAwsJson(response, '1.0', body);

  const deadLettersArn = `arn:aws:sqs:local:000000000000:${LOCAL_OUTBOX_DEAD_LETTER_QUEUE}`;
  /**
   * SQS's message move task from the dead-letter queue back to the queue its messages came from:
   * at once here, where SQS moves them over seconds. Moved messages start afresh, receive count 0.
   */
  const moveDeadLettersBack = (now: number) => {
    const moved = queues[LOCAL_OUTBOX_DEAD_LETTER_QUEUE]?.splice(0) ?? [];
    for (const message of moved) {
      const { firstReceivedAt: _, receiptHandle: __, ...kept } = message;
      queues[LOCAL_OUTBOX_QUEUE]?.push({ ...kept, id: randomUUID(), receiveCount: 0, visibleAt: now });
    }
    save();
  };

  const queueOf = (url: unknown): StoredMessage[] | undefined => {
    if (typeof url !== 'string' || !URL.canParse(url)) return undefined;
    return queues[new URL(url).pathname.split('/').pop() ?? ''];
  };

  const server: Server = createServer(async (request, response) => {
    const operation = String(request.headers['x-amz-target'] ?? '').replace(/^AmazonSQS\./, '');
    const body = parseJsonObject(await readBody(request, 512 * 1024));
    const fault = faults.find((candidate) => candidate.operation === undefined || candidate.operation === operation);
    if (fault !== undefined) {
      fault.count -= 1;
      if (fault.count <= 0) faults.splice(faults.indexOf(fault), 1);
      awsError(response, 500, 'InternalError', 'Injected fault');
      return;
    }
    if (operation === 'StartMessageMoveTask') {
      if (body?.SourceArn !== deadLettersArn) {
        awsError(
          response,
          400,
          'ResourceNotFoundException',
          "The resource that you specified for the SourceArn parameter doesn't exist.",
        );
        return;
      }
      moveDeadLettersBack(Date.now());
      answer(response, { TaskHandle: randomUUID() });
      return;
    }
    const queue = queueOf(body?.QueueUrl);
    if (body === undefined || queue === undefined) {
      awsError(response, 400, 'QueueDoesNotExist', 'The specified queue does not exist.');
      return;
    }
    const now = Date.now();
    if (operation === 'SendMessage' && typeof body.MessageBody === 'string' && body.MessageBody !== '') {
      const message: StoredMessage = {
        id: randomUUID(),
        body: body.MessageBody,
        sentAt: now,
        receiveCount: 0,
        visibleAt: now,
      };
      queue.push(message);
      save();
      answer(response, { MessageId: message.id, MD5OfMessageBody: md5(message.body) });
      return;
    }
    if (operation === 'ReceiveMessage') {
      const max =
        typeof body.MaxNumberOfMessages === 'number' ? Math.min(10, Math.max(1, body.MaxNumberOfMessages)) : 1;
      const timeout = typeof body.VisibilityTimeout === 'number' ? body.VisibilityTimeout : visibilityTimeoutSeconds;
      const received: StoredMessage[] = [];
      for (const message of [...queue]) {
        if (received.length >= max) break;
        if (message.visibleAt > now) continue;
        if (queue === queues[LOCAL_OUTBOX_QUEUE] && message.receiveCount >= MAX_RECEIVE_COUNT) {
          // The redrive policy: past its receives, the message moves to the dead-letter queue.
          queue.splice(queue.indexOf(message), 1);
          queues[LOCAL_OUTBOX_DEAD_LETTER_QUEUE]?.push({ ...message, visibleAt: now });
          continue;
        }
        message.receiveCount += 1;
        message.firstReceivedAt ??= now;
        message.visibleAt = now + timeout * 1000;
        message.receiptHandle = randomUUID();
        received.push(message);
      }
      save();
      answer(response, {
        Messages: received.map((message) => ({
          MessageId: message.id,
          ReceiptHandle: message.receiptHandle,
          MD5OfBody: md5(message.body),
          Body: message.body,
          Attributes: {
            ApproximateReceiveCount: String(message.receiveCount),
            SentTimestamp: String(message.sentAt),
            ApproximateFirstReceiveTimestamp: String(message.firstReceivedAt ?? now),
          },
        })),
      });
      return;
    }
    const byHandle = queue.find(
      (message) => message.receiptHandle !== undefined && message.receiptHandle === body.ReceiptHandle,
    );
    if (operation === 'DeleteMessage' || operation === 'ChangeMessageVisibility') {
      if (byHandle === undefined) {
        awsError(response, 400, 'ReceiptHandleIsInvalid', 'The receipt handle is not valid.');
        return;
      }
      if (operation === 'DeleteMessage') queue.splice(queue.indexOf(byHandle), 1);
      else byHandle.visibleAt = now + (typeof body.VisibilityTimeout === 'number' ? body.VisibilityTimeout : 0) * 1000;
      save();
      answer(response, {});
      return;
    }
    if (operation === 'GetQueueAttributes') {
      answer(response, {
        Attributes: {
          ApproximateNumberOfMessages: String(queue.filter((message) => message.visibleAt <= now).length),
          ApproximateNumberOfMessagesNotVisible: String(queue.filter((message) => message.visibleAt > now).length),
        },
      });
      return;
    }
    awsError(response, 400, 'InvalidAction', `Unsupported operation ${operation}`);
  });
  const port = await listen(server, 0);
  const endpoint = `http://127.0.0.1:${port}`;

  return {
    endpoint,
    outboxQueueUrl: `${endpoint}/000000000000/${LOCAL_OUTBOX_QUEUE}`,
    rejectedGrantsQueueUrl: `${endpoint}/000000000000/${LOCAL_REJECTED_GRANTS_QUEUE}`,
    deadLetters: { url: `${endpoint}/000000000000/${LOCAL_OUTBOX_DEAD_LETTER_QUEUE}`, arn: deadLettersArn },
    injectFaults(count, operation) {
      faults.push({ operation, count });
    },
    resetFaults() {
      faults.splice(0);
    },
    depths: () => ({
      outbox: queues[LOCAL_OUTBOX_QUEUE]?.length ?? 0,
      deadLetters: queues[LOCAL_OUTBOX_DEAD_LETTER_QUEUE]?.length ?? 0,
      rejected: queues[LOCAL_REJECTED_GRANTS_QUEUE]?.length ?? 0,
    }),
    close: () => close(server),
  };
}

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
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> = Promise.resolve();

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

  const schedule = () => {
    if (stopped) return;
    timer = setTimeout(() => {
      running = poll()
        .catch(() => {
          // SQS itself failing (a fault hook): the next poll tries again.
        })
        .finally(schedule);
    }, intervalMs);
  };
  schedule();

  return {
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await running;
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
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<unknown> = Promise.resolve();
  const schedule = () => {
    if (stopped) return;
    timer = setTimeout(() => {
      running = handler({ source: 'aws.scheduler', 'detail-type': 'Scheduled Event' }, context())
        .catch(() => {
          // Lambda would record the failed invocation; the schedule goes on.
        })
        .finally(schedule);
    }, intervalMs);
  };
  schedule();
  return {
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await running;
    },
  };
}
