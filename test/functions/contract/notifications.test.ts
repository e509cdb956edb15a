import { describe, expect, it } from 'vitest';
import { notificationPayloadSchema } from '../../../functions/contract/notifications.js';
import { requestIssueMessage, toFieldIssues } from '../../../functions/http/field-issues.js';

const HUMAN_ID = '5f0c2a9e8b7d6c5a4b3c2d1e';
const parse = (body: unknown) => notificationPayloadSchema.safeParse(body, { error: requestIssueMessage });
const issues = (body: unknown) => {
  const parsed = parse(body);
  return parsed.success ? [] : toFieldIssues(parsed.error.issues);
};

describe('notificationPayloadSchema (Human API\u2019s notification, read loosely)', () => {
  it('reads Human API\u2019s documented array, unknown fields allowed', () => {
    const order = {
      humanId: HUMAN_ID,
      clientId: 'f000a44e935045a2fb2248c2d8693a079b5d383f',
      userId: '6260aafef7fd1c6db5dd9e38',
      clientUserId: 'Policy_001',
      updatedAt: '2022-04-21T03:10:13.103Z',
      action: 'status',
      endpoint: 'https://admin.humanapi.co/api/v1/users',
      property: 'orderState',
      topic: 'order',
      value: 'In Progress',
      clientData: {},
    };

    expect(parse([order])).toEqual({ success: true, data: [order] });
  });

  it('reads a single notification as a list of one', () => {
    expect(parse({ humanId: HUMAN_ID })).toEqual({ success: true, data: [{ humanId: HUMAN_ID }] });
  });

  it('drops a known field that is no string or out of bounds, instead of refusing the notification', () => {
    const parsed = parse([
      {
        humanId: HUMAN_ID,
        value: 61,
        type: '',
        updatedAt: 'x'.repeat(65),
        clientUserId: 'a\u0000b',
        action: 'updated',
      },
    ]);

    expect(parsed).toEqual({ success: true, data: [{ humanId: HUMAN_ID, action: 'updated' }] });
  });

  it.each([
    [[{ type: 'activities' }], [{ path: '0.humanId', message: 'humanId is required' }]],
    [[{ humanId: 42 }], [{ path: '0.humanId', message: 'must be a string' }]],
    [[{ humanId: 'with space' }], [{ path: '0.humanId', message: 'must be printable ASCII without spaces' }]],
    [[{ humanId: 'h'.repeat(129) }], [{ path: '0.humanId', message: 'must be at most 128 characters' }]],
    [{}, [{ path: '0.humanId', message: 'humanId is required' }]],
  ])('refuses %j naming the field', (body, expected) => {
    expect(issues(body)).toEqual(expected);
  });

  it('refuses an empty list, more than 100 notifications, and a list of non-objects', () => {
    expect(parse([]).success).toBe(false);
    expect(parse(Array.from({ length: 101 }, () => ({ humanId: HUMAN_ID }))).success).toBe(false);
    expect(parse(Array.from({ length: 100 }, () => ({ humanId: HUMAN_ID }))).success).toBe(true);
    expect(parse(['a']).success).toBe(false);
    expect(parse(null).success).toBe(false);
  });
});
