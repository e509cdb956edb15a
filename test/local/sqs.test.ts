import {
  DeleteMessageBatchCommand,
  DeleteMessageCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  SendMessageCommand,
  SQSClient,
  StartMessageMoveTaskCommand,
} from '@aws-sdk/client-sqs';
import type { SQSEvent } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLambdaContext } from '../../local/lambda-adapter.js';
import { type LocalSqs, MAX_RECEIVE_COUNT, startLocalSqs } from '../../local/sqs.js';
import { startOutboxDrain, startSchedule } from '../../local/sqs-pollers.js';

let sqs: LocalSqs;
let client: SQSClient;

beforeAll(async () => {
  sqs = await startLocalSqs({ path: undefined, visibilityTimeoutSeconds: 0 });
  client = new SQSClient({
    endpoint: sqs.endpoint,
    region: 'local',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    maxAttempts: 1,
  });
});

afterAll(async () => {
  client?.destroy();
  await sqs?.close();
});

async function until(condition: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((done) => setTimeout(done, 50));
  }
}

describe('the local SQS stand-in and drain loop', () => {
  it('delivers sent messages to the drain handler as an SQS event, deletes the ones it applied, and dead-letters one that keeps failing', async () => {
    // Prepare: the SDK's own MD5 checks run on send and receive.
    await client.send(new SendMessageCommand({ QueueUrl: sqs.outboxQueueUrl, MessageBody: '{"ok":true}' }));
    await client.send(new SendMessageCommand({ QueueUrl: sqs.outboxQueueUrl, MessageBody: '{"ok":false}' }));
    const seen: string[] = [];
    const handler = async (event: SQSEvent) => {
      seen.push(...event.Records.map((record) => record.body));
      return {
        batchItemFailures: event.Records.filter((record) => record.body.includes('false')).map((record) => ({
          itemIdentifier: record.messageId,
        })),
      };
    };

    // Act
    const drain = startOutboxDrain({
      endpoint: sqs.endpoint,
      queueUrl: sqs.outboxQueueUrl,
      handler,
      context: () => createLambdaContext('drainOutbox', 30_000),
      intervalMs: 20,
    });
    await until(() => sqs.depths().deadLetters === 1);
    await drain.stop();

    // Assess
    expect(seen.filter((body) => body === '{"ok":true}')).toHaveLength(1);
    expect(seen.filter((body) => body === '{"ok":false}')).toHaveLength(MAX_RECEIVE_COUNT);
    expect(sqs.depths()).toEqual({ outbox: 0, deadLetters: 1, rejected: 0 });
    const attributes = await client.send(new GetQueueAttributesCommand({ QueueUrl: sqs.outboxQueueUrl }));
    expect(attributes.Attributes?.ApproximateNumberOfMessages).toBe('0');
  });

  it('keeps what is sent to the rejected-grants queue apart from the outbox, with the SDK\u2019s checks passing', async () => {
    const before = sqs.depths();

    await client.send(
      new SendMessageCommand({
        QueueUrl: sqs.rejectedGrantsQueueUrl,
        MessageBody: 'not json',
        MessageAttributes: { problem: { DataType: 'String', StringValue: 'not JSON' } },
      }),
    );

    expect(sqs.rejectedGrantsQueueUrl).toBe(`${sqs.endpoint}/000000000000/humanapi-outbox-rejected`);
    expect(sqs.depths()).toEqual({ ...before, rejected: before.rejected + 1 });
  });

  it('fails a send with an injected fault, and refuses an unknown queue', async () => {
    sqs.injectFaults(1, 'SendMessage');

    await expect(
      client.send(new SendMessageCommand({ QueueUrl: sqs.outboxQueueUrl, MessageBody: 'x' })),
    ).rejects.toThrow();
    await expect(
      client.send(new SendMessageCommand({ QueueUrl: `${sqs.endpoint}/000000000000/other`, MessageBody: 'x' })),
    ).rejects.toThrow(/does not exist/);
  });

  it('moves the dead-letter queue back to the outbox with a message move task, each message received afresh', async () => {
    const drainedBefore = await client.send(
      new ReceiveMessageCommand({ QueueUrl: sqs.outboxQueueUrl, MaxNumberOfMessages: 10 }),
    );
    expect(drainedBefore.Messages ?? []).toEqual([]);
    await client.send(new SendMessageCommand({ QueueUrl: sqs.deadLetters.url, MessageBody: '{"grant":1}' }));
    const before = sqs.depths();

    const task = await client.send(new StartMessageMoveTaskCommand({ SourceArn: sqs.deadLetters.arn }));

    expect(task.TaskHandle).toEqual(expect.any(String));
    expect(sqs.depths()).toEqual({ ...before, outbox: before.outbox + before.deadLetters, deadLetters: 0 });
    const received = await client.send(
      new ReceiveMessageCommand({
        QueueUrl: sqs.outboxQueueUrl,
        MaxNumberOfMessages: 10,
        MessageSystemAttributeNames: ['ApproximateReceiveCount'],
      }),
    );
    expect(received.Messages?.map((message) => message.Body)).toContain('{"grant":1}');
    expect(new Set(received.Messages?.map((message) => message.Attributes?.ApproximateReceiveCount))).toEqual(
      new Set(['1']),
    );
    expect(sqs.deadLetters).toEqual({
      url: `${sqs.endpoint}/000000000000/humanapi-outbox-dead-letters`,
      arn: 'arn:aws:sqs:local:000000000000:humanapi-outbox-dead-letters',
    });
  });

  it('refuses a move task from a queue it does not have', async () => {
    await expect(
      client.send(new StartMessageMoveTaskCommand({ SourceArn: 'arn:aws:sqs:local:000000000000:other' })),
    ).rejects.toThrow(/SourceArn/);
  });
});

describe('the local SQS stand-in\u2019s FIFO notifications queue', () => {
  const fifo = (body: string, group: string, deduplication: string) => ({
    MessageBody: body,
    MessageGroupId: group,
    MessageDeduplicationId: deduplication,
  });
  const receiveAll = async () =>
    (
      await client.send(
        new ReceiveMessageCommand({
          QueueUrl: sqs.notificationsQueueUrl,
          MaxNumberOfMessages: 10,
          MessageSystemAttributeNames: ['All'],
          VisibilityTimeout: 30,
        }),
      )
    ).Messages ?? [];
  const deleteAll = async (messages: { ReceiptHandle?: string }[]) => {
    for (const message of messages) {
      await client.send(
        new DeleteMessageCommand({ QueueUrl: sqs.notificationsQueueUrl, ReceiptHandle: message.ReceiptHandle }),
      );
    }
  };

  it('is named as the stack\u2019s FIFO queue is, and counts what it accepted and deduplicated', () => {
    expect(sqs.notificationsQueueUrl).toBe(`${sqs.endpoint}/000000000000/humanapi-notifications.fifo`);
    expect(sqs.notificationStats()).toEqual({ queued: 0, deadLetters: 0, accepted: 0, deduplicated: 0 });
  });

  it('accepts a deduplication ID again within five minutes without queueing it, answering the first message\u2019s ID', async () => {
    // Act: the same notification three times, one of them in a batch, and another of the same user.
    const first = await client.send(
      new SendMessageCommand({ QueueUrl: sqs.notificationsQueueUrl, ...fifo('{"n":1}', 'human-a', 'dedup-1') }),
    );
    const again = await client.send(
      new SendMessageCommand({ QueueUrl: sqs.notificationsQueueUrl, ...fifo('{"n":1}', 'human-a', 'dedup-1') }),
    );
    const batch = await client.send(
      new SendMessageBatchCommand({
        QueueUrl: sqs.notificationsQueueUrl,
        Entries: [
          { Id: 'x', ...fifo('{"n":1}', 'human-a', 'dedup-1') },
          { Id: 'y', ...fifo('{"n":2}', 'human-a', 'dedup-2') },
        ],
      }),
    );

    // Assess
    expect(again.MessageId).toBe(first.MessageId);
    expect(batch.Successful?.map((entry) => entry.Id)).toEqual(['x', 'y']);
    expect(batch.Successful?.[0]?.MessageId).toBe(first.MessageId);
    expect(batch.Failed).toEqual([]);
    expect(sqs.notificationStats()).toEqual({ queued: 2, deadLetters: 0, accepted: 2, deduplicated: 2 });
    const messages = await receiveAll();
    expect(messages.map((message) => message.Body)).toEqual(['{"n":1}', '{"n":2}']);
    expect(messages[0]?.Attributes).toMatchObject({ MessageGroupId: 'human-a', MessageDeduplicationId: 'dedup-1' });
    await deleteAll(messages);
  });

  it('holds a group back while one of its messages is in flight, and lets other groups through', async () => {
    // Prepare
    await client.send(
      new SendMessageBatchCommand({
        QueueUrl: sqs.notificationsQueueUrl,
        Entries: [
          { Id: '1', ...fifo('b1', 'human-b', 'b-1') },
          { Id: '2', ...fifo('c1', 'human-c', 'c-1') },
        ],
      }),
    );
    const firstReceive = await receiveAll();
    await client.send(
      new SendMessageBatchCommand({
        QueueUrl: sqs.notificationsQueueUrl,
        Entries: [
          { Id: '3', ...fifo('b2', 'human-b', 'b-2') },
          { Id: '4', ...fifo('d1', 'human-d', 'd-1') },
        ],
      }),
    );

    // Act
    const whileInFlight = await receiveAll();
    await deleteAll(firstReceive);
    const afterDelete = await receiveAll();

    // Assess
    expect(firstReceive.map((message) => message.Body)).toEqual(['b1', 'c1']);
    expect(whileInFlight.map((message) => message.Body)).toEqual(['d1']);
    expect(afterDelete.map((message) => message.Body)).toEqual(['b2']);
    await deleteAll([...whileInFlight, ...afterDelete]);
  });

  it('deletes a batch of received messages, and names an entry whose receipt handle is not valid', async () => {
    await client.send(
      new SendMessageBatchCommand({
        QueueUrl: sqs.notificationsQueueUrl,
        Entries: [
          { Id: '1', ...fifo('f1', 'human-f', 'f-1') },
          { Id: '2', ...fifo('f2', 'human-f', 'f-2') },
        ],
      }),
    );
    const received = await receiveAll();

    const deleted = await client.send(
      new DeleteMessageBatchCommand({
        QueueUrl: sqs.notificationsQueueUrl,
        Entries: [
          ...received.map((message, index) => ({ Id: String(index), ReceiptHandle: message.ReceiptHandle })),
          { Id: 'stale', ReceiptHandle: 'not-a-handle' },
        ],
      }),
    );

    expect(received.map((message) => message.Body)).toEqual(['f1', 'f2']);
    expect(deleted.Successful?.map((entry) => entry.Id)).toEqual(['0', '1']);
    expect(deleted.Failed?.map((entry) => [entry.Id, entry.Code])).toEqual([['stale', 'ReceiptHandleIsInvalid']]);
    expect(sqs.notificationStats().queued).toBe(0);
  });

  it('refuses a FIFO send without a group or a deduplication ID, as SQS does', async () => {
    await expect(
      client.send(
        new SendMessageCommand({ QueueUrl: sqs.notificationsQueueUrl, MessageBody: 'x', MessageGroupId: 'g' }),
      ),
    ).rejects.toThrow(/MessageDeduplicationId/);
    const batch = await client.send(
      new SendMessageBatchCommand({
        QueueUrl: sqs.notificationsQueueUrl,
        Entries: [{ Id: 'no-group', MessageBody: 'x', MessageDeduplicationId: 'd' }],
      }),
    );
    expect(batch.Failed?.map((entry) => [entry.Id, entry.Code])).toEqual([['no-group', 'InvalidParameterValue']]);
  });

  it('dead-letters a notification no consumer deletes after five receives', async () => {
    await client.send(
      new SendMessageCommand({ QueueUrl: sqs.notificationsQueueUrl, ...fifo('poison', 'human-e', 'e-1') }),
    );
    const before = sqs.notificationStats().deadLetters;

    for (let receive = 0; receive <= MAX_RECEIVE_COUNT; receive += 1) {
      await client.send(
        new ReceiveMessageCommand({
          QueueUrl: sqs.notificationsQueueUrl,
          MaxNumberOfMessages: 10,
          VisibilityTimeout: 0,
        }),
      );
    }

    expect(sqs.notificationStats().deadLetters).toBe(before + 1);
  });
});

describe('the local schedule', () => {
  it('invokes the handler again and again, one run at a time, a failing run included, until stopped', async () => {
    const runs: unknown[] = [];
    let running = 0;
    let overlapped = false;
    const schedule = startSchedule({
      handler: async (event) => {
        running += 1;
        overlapped ||= running > 1;
        runs.push(event);
        await new Promise((done) => setTimeout(done, 15));
        running -= 1;
        if (runs.length === 1) throw new Error('the first run fails');
      },
      context: () => createLambdaContext('redriveOutbox', 30_000),
      intervalMs: 5,
    });

    await until(() => runs.length >= 3);
    await schedule.stop();
    const stoppedAt = runs.length;
    await new Promise((done) => setTimeout(done, 50));

    expect(runs.length).toBe(stoppedAt);
    expect(overlapped).toBe(false);
    expect(runs[0]).toEqual({ source: 'aws.scheduler', 'detail-type': 'Scheduled Event' });
  });
});
