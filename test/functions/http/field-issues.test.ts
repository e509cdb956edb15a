import { describe, expect, it } from 'vitest';
import * as z from 'zod/mini';
import { connectTokenRequestSchema, sessionTokenObjectSchema } from '../../../functions/contract/requests.js';
import { requestIssueMessage, toFieldIssues } from '../../../functions/http/field-issues.js';

const humanId = 'h'.repeat(24);

/** What the edge answers for `body`: each failing field with its plain-words message. */
function messagesOf(schema: z.ZodMiniType, body: unknown) {
  const parsed = schema.safeParse(body, { error: requestIssueMessage });
  return parsed.success ? [] : toFieldIssues(parsed.error.issues);
}

describe('requestIssueMessage', () => {
  it('names a missing field in plain words', () => {
    expect(messagesOf(sessionTokenObjectSchema, { humanId, clientId: 'c' })).toEqual([
      { path: 'sessionToken', message: 'sessionToken is required' },
    ]);
  });

  it('says how long a field may be', () => {
    expect(messagesOf(sessionTokenObjectSchema, { humanId, clientId: 'c', sessionToken: 's'.repeat(513) })).toEqual([
      { path: 'sessionToken', message: 'must be at most 512 characters' },
    ]);
  });

  it('says which type a field must have', () => {
    expect(messagesOf(sessionTokenObjectSchema, { humanId, clientId: 7, sessionToken: 's' })).toEqual([
      { path: 'clientId', message: 'must be a string' },
    ]);
    expect(messagesOf(sessionTokenObjectSchema, { humanId, clientId: 'c', sessionToken: '' })).toContainEqual({
      path: 'sessionToken',
      message: 'must not be empty',
    });
  });

  it('refuses a body that is not an object as a whole, and a missing body', () => {
    expect(messagesOf(sessionTokenObjectSchema, 'humanId=x')).toEqual([
      { path: '', message: 'the body must be a JSON object or form fields' },
    ]);
    expect(messagesOf(sessionTokenObjectSchema, undefined)).toEqual([{ path: '', message: 'a body is required' }]);
  });

  it('keeps the words a schema gives its own rule', () => {
    expect(messagesOf(sessionTokenObjectSchema, { humanId: 'has space', clientId: 'c', sessionToken: 's' })).toEqual([
      { path: 'humanId', message: 'must be printable ASCII without spaces' },
    ]);
  });

  it('names unknown fields of a strict body', () => {
    expect(messagesOf(connectTokenRequestSchema, { email: 'a@example.com', sessionToken: 'x' })).toEqual([
      { path: '', message: 'unknown field "sessionToken"' },
    ]);
    expect(messagesOf(connectTokenRequestSchema, { humanId, sessionToken: 'x' })).toEqual([
      { path: '', message: 'unknown fields "humanId", "sessionToken"' },
    ]);
  });

  it('says which values are allowed, and the bounds of a number', () => {
    const schema = z.object({ mode: z.enum(['create', 'edit']), count: z.int().check(z.minimum(1), z.maximum(10)) });

    expect(messagesOf(schema, { mode: 'delete', count: 0 })).toEqual([
      { path: 'mode', message: 'must be one of "create", "edit"' },
      { path: 'count', message: 'must be at least 1' },
    ]);
    expect(messagesOf(schema, { mode: 'edit', count: 11 })).toEqual([{ path: 'count', message: 'must be at most 10' }]);
    expect(messagesOf(schema, { mode: 'edit', count: 1.5 })).toEqual([
      { path: 'count', message: 'must be a whole number' },
    ]);
  });
});

describe('toFieldIssues', () => {
  it('joins nested paths with dots, the body itself as ""', () => {
    const schema = z.object({ user: z.object({ ids: z.array(z.string()) }) });
    const parsed = schema.safeParse({ user: { ids: ['a', 7] } });

    expect(parsed.success ? [] : toFieldIssues(parsed.error.issues)).toEqual([
      { path: 'user.ids.1', message: expect.any(String) },
    ]);
  });
});
