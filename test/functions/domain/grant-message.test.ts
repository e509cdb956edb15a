import { describe, expect, it } from 'vitest';
import { grantMessageOf, isoTime, readGrantMessage } from '../../../functions/domain/grant-message.js';

const grant = {
  clientUserId: 'alice@example.com',
  humanId: 'h'.repeat(24),
  clientId: 'c'.repeat(40),
  accessTokenCiphertext: 'AQIDBA==',
  accessTokenIssuedAt: '2026-12-04T11:00:00.000Z',
  publicToken: 'p'.repeat(32),
  publicTokenIssuedAt: '2026-12-04T11:00:01.000Z',
};

describe('grantMessageOf', () => {
  it('writes the seven fields of a grant, in order, and nothing else the object carries', () => {
    const message = grantMessageOf({ ...grant, accessToken: 'a'.repeat(40) } as typeof grant);

    expect(message).toBe(
      `{"clientUserId":"alice@example.com","humanId":"${'h'.repeat(24)}","clientId":"${'c'.repeat(40)}",` +
        '"accessTokenCiphertext":"AQIDBA==","accessTokenIssuedAt":"2026-12-04T11:00:00.000Z",' +
        `"publicToken":"${'p'.repeat(32)}","publicTokenIssuedAt":"2026-12-04T11:00:01.000Z"}`,
    );
  });

  it('writes what the drain reads back as the same grant', () => {
    expect(readGrantMessage(grantMessageOf(grant), 'c'.repeat(40), new Date('2026-12-04T12:00:00.000Z'))).toEqual({
      grant,
    });
  });
});

describe('isoTime: an instant as this API writes them', () => {
  it.each([
    ['UTC with milliseconds', '2026-12-04T15:04:31.000Z', true],
    ['UTC without milliseconds', '2026-12-04T15:04:31Z', true],
    ['an offset', '2026-12-04T15:04:31+01:00', false],
    ['a date only', '2026-12-04', false],
    ['words', 'yesterday', false],
  ])('%s: %s', (_, value, ok) => {
    expect(isoTime.safeParse(value).success).toBe(ok);
  });
});
