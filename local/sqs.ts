/**
 * Local stand-in for Amazon SQS (docs/design.md#outbox, docs/local-mode.md); the loops that poll it
 * as Lambda's event source and EventBridge's schedule would are in ./sqs-pollers.ts. The stand-in speaks the SDK's current SQS
 * protocol (AWS JSON 1.0, `X-Amz-Target: AmazonSQS.<Operation>`) for `SendMessage`,
 * `SendMessageBatch`, `ReceiveMessage`, `DeleteMessage`, `DeleteMessageBatch`, `ChangeMessageVisibility`,
 * `GetQueueAttributes` and `StartMessageMoveTask` (the redrive), with MD5 digests the SDK checks,
 * visibility timeouts, and a dead-letter queue after {@link MAX_RECEIVE_COUNT} receives, as the
 * stack's queues have. It holds the outbox's queues and the notifications' FIFO queues
 * (./sqs-fifo.ts: groups, deduplication). Messages are kept in `.data/outbox.json` (0600) or
 * memory, so a restart loses no queued grant.
 */
import { createHash, randomUUID } from 'node:crypto';
import { createServer, type Server, type ServerResponse } from 'node:http';
import { close, listen, parseJsonObject, readBody, sendAwsJson, sendAwsJsonError } from './http-util.js';
import { openJsonFile } from './json-file.js';
import {
  type FifoAttributes,
  FifoDeduplication,
  fifoSendProblem,
  isFifoQueueName,
  receivableInOrder,
} from './sqs-fifo.js';

/** Receives after which a message goes to the dead-letter queue (the stack's redrive policy). */
export const MAX_RECEIVE_COUNT = 5;
/** The outbox queue's name locally. */
export const LOCAL_OUTBOX_QUEUE = 'humanapi-outbox';
/** Its dead-letter queue's name locally. */
export const LOCAL_OUTBOX_DEAD_LETTER_QUEUE = 'humanapi-outbox-dead-letters';
/** The queue the drain sets messages it can never apply aside in, locally (`REJECTED_GRANTS_QUEUE_URL`). */
export const LOCAL_REJECTED_GRANTS_QUEUE = 'humanapi-outbox-rejected';
/** The notifications queue's name locally (`NOTIFICATIONS_QUEUE_URL`, docs/notifications.md). */
export const LOCAL_NOTIFICATIONS_QUEUE = 'humanapi-notifications.fifo';
/** Its dead-letter queue's name locally. */
export const LOCAL_NOTIFICATIONS_DEAD_LETTER_QUEUE = 'humanapi-notifications-dead-letters.fifo';

/** Each queue with a redrive policy, and its dead-letter queue. */
const DEAD_LETTER_QUEUE_OF: Readonly<Record<string, string>> = {
  [LOCAL_OUTBOX_QUEUE]: LOCAL_OUTBOX_DEAD_LETTER_QUEUE,
  [LOCAL_NOTIFICATIONS_QUEUE]: LOCAL_NOTIFICATIONS_DEAD_LETTER_QUEUE,
};

interface StoredMessage {
  id: string;
  body: string;
  sentAt: number;
  receiveCount: number;
  firstReceivedAt?: number;
  visibleAt: number;
  receiptHandle?: string;
  /** A FIFO queue's message: its group, deduplication ID and sequence number. */
  fifo?: FifoAttributes;
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
  /** URL of the notifications queue (`NOTIFICATIONS_QUEUE_URL`). */
  readonly notificationsQueueUrl: string;
  /**
   * The notifications queue: messages in it and in its dead-letter queue, sends accepted as new
   * and sends answered as duplicates (deduplicated).
   */
  notificationStats(): {
    readonly queued: number;
    readonly deadLetters: number;
    readonly accepted: number;
    readonly deduplicated: number;
  };
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
  queues[LOCAL_NOTIFICATIONS_QUEUE] ??= [];
  queues[LOCAL_NOTIFICATIONS_DEAD_LETTER_QUEUE] ??= [];
  const deduplication = new FifoDeduplication();
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

  const queueNameOf = (url: unknown): string | undefined => {
    if (typeof url !== 'string' || !URL.canParse(url)) return undefined;
    const name = new URL(url).pathname.split('/').pop() ?? '';
    return Object.hasOwn(queues, name) ? name : undefined;
  };

  /**
   * Queues one message of a send (or of a batch's entry): its ID and sequence number, or the
   * error SQS answers. A FIFO send whose deduplication ID the window holds is answered, not queued.
   */
  const enqueue = (
    name: string,
    entry: Record<string, unknown>,
    now: number,
  ): { messageId: string; md5: string; sequenceNumber?: string } | { error: string } => {
    const body = entry.MessageBody;
    if (typeof body !== 'string' || body === '')
      return { error: 'The request must contain the parameter MessageBody.' };
    const message: StoredMessage = { id: randomUUID(), body, sentAt: now, receiveCount: 0, visibleAt: now };
    if (isFifoQueueName(name)) {
      const problem = fifoSendProblem(entry);
      if (problem !== undefined) return { error: problem };
      const attributes = {
        groupId: String(entry.MessageGroupId),
        deduplicationId: String(entry.MessageDeduplicationId),
      };
      const admitted = deduplication.admit(name, attributes, message.id, now);
      if ('duplicateOf' in admitted) return { ...admitted.duplicateOf, md5: md5(body) };
      message.fifo = { ...attributes, sequenceNumber: admitted.sequenceNumber };
    }
    queues[name]?.push(message);
    return {
      messageId: message.id,
      md5: md5(body),
      ...(message.fifo === undefined ? {} : { sequenceNumber: message.fifo.sequenceNumber }),
    };
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
    const queueName = queueNameOf(body?.QueueUrl);
    const queue = queueName === undefined ? undefined : queues[queueName];
    if (body === undefined || queueName === undefined || queue === undefined) {
      awsError(response, 400, 'QueueDoesNotExist', 'The specified queue does not exist.');
      return;
    }
    const now = Date.now();
    if (operation === 'SendMessage') {
      const sent = enqueue(queueName, body, now);
      if ('error' in sent) {
        awsError(response, 400, 'InvalidParameterValue', sent.error);
        return;
      }
      save();
      answer(response, {
        MessageId: sent.messageId,
        MD5OfMessageBody: sent.md5,
        ...(sent.sequenceNumber === undefined ? {} : { SequenceNumber: sent.sequenceNumber }),
      });
      return;
    }
    if (operation === 'SendMessageBatch') {
      const entries = Array.isArray(body.Entries) ? (body.Entries as unknown[]) : [];
      if (entries.length === 0 || entries.length > 10) {
        awsError(response, 400, 'TooManyEntriesInBatchRequest', 'A batch holds 1 to 10 entries.');
        return;
      }
      const successful: Record<string, unknown>[] = [];
      const failed: Record<string, unknown>[] = [];
      for (const entry of entries) {
        const fields = typeof entry === 'object' && entry !== null ? (entry as Record<string, unknown>) : {};
        const sent = enqueue(queueName, fields, now);
        if ('error' in sent) {
          failed.push({ Id: fields.Id, SenderFault: true, Code: 'InvalidParameterValue', Message: sent.error });
        } else {
          successful.push({
            Id: fields.Id,
            MessageId: sent.messageId,
            MD5OfMessageBody: sent.md5,
            ...(sent.sequenceNumber === undefined ? {} : { SequenceNumber: sent.sequenceNumber }),
          });
        }
      }
      save();
      answer(response, { Successful: successful, Failed: failed });
      return;
    }
    if (operation === 'ReceiveMessage') {
      const max =
        typeof body.MaxNumberOfMessages === 'number' ? Math.min(10, Math.max(1, body.MaxNumberOfMessages)) : 1;
      const timeout = typeof body.VisibilityTimeout === 'number' ? body.VisibilityTimeout : visibilityTimeoutSeconds;
      const received: StoredMessage[] = [];
      const deadLetterQueue = DEAD_LETTER_QUEUE_OF[queueName];
      const candidates = isFifoQueueName(queueName)
        ? receivableInOrder(queue, now)
        : queue.filter((message) => message.visibleAt <= now);
      for (const message of candidates) {
        if (received.length >= max) break;
        if (deadLetterQueue !== undefined && message.receiveCount >= MAX_RECEIVE_COUNT) {
          // The redrive policy: past its receives, the message moves to the dead-letter queue.
          queue.splice(queue.indexOf(message), 1);
          queues[deadLetterQueue]?.push({ ...message, visibleAt: now });
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
            ...(message.fifo === undefined
              ? {}
              : {
                  MessageGroupId: message.fifo.groupId,
                  MessageDeduplicationId: message.fifo.deduplicationId,
                  SequenceNumber: message.fifo.sequenceNumber,
                }),
          },
        })),
      });
      return;
    }
    const byHandle = queue.find(
      (message) => message.receiptHandle !== undefined && message.receiptHandle === body.ReceiptHandle,
    );
    if (operation === 'DeleteMessageBatch') {
      const entries = Array.isArray(body.Entries) ? (body.Entries as unknown[]) : [];
      if (entries.length === 0 || entries.length > 10) {
        awsError(response, 400, 'TooManyEntriesInBatchRequest', 'A batch holds 1 to 10 entries.');
        return;
      }
      const successful: { Id: unknown }[] = [];
      const failed: Record<string, unknown>[] = [];
      for (const entry of entries) {
        const { Id, ReceiptHandle } =
          typeof entry === 'object' && entry !== null ? (entry as Record<string, unknown>) : {};
        const index = queue.findIndex(
          (message) => message.receiptHandle !== undefined && message.receiptHandle === ReceiptHandle,
        );
        if (index === -1) {
          failed.push({
            Id,
            SenderFault: true,
            Code: 'ReceiptHandleIsInvalid',
            Message: 'The receipt handle is not valid.',
          });
        } else {
          queue.splice(index, 1);
          successful.push({ Id });
        }
      }
      save();
      answer(response, { Successful: successful, Failed: failed });
      return;
    }
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
    notificationsQueueUrl: `${endpoint}/000000000000/${LOCAL_NOTIFICATIONS_QUEUE}`,
    notificationStats: () => ({
      queued: queues[LOCAL_NOTIFICATIONS_QUEUE]?.length ?? 0,
      deadLetters: queues[LOCAL_NOTIFICATIONS_DEAD_LETTER_QUEUE]?.length ?? 0,
      accepted: deduplication.counts.get(LOCAL_NOTIFICATIONS_QUEUE)?.accepted ?? 0,
      deduplicated: deduplication.counts.get(LOCAL_NOTIFICATIONS_QUEUE)?.deduplicated ?? 0,
    }),
    close: () => close(server),
  };
}
