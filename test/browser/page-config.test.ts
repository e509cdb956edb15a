/** The page's `/config.json` rules for the generation it opens (`web/src/config.ts`). */
import { describe, expect, it } from 'vitest';
import { PageConfigError, parsePageConfig } from '../../web/src/config.js';

const BASE = {
  apiUrl: 'http://127.0.0.1:3000',
  clientId: 'client',
  connectJsUrl: 'http://127.0.0.1:3000/sandbox/connect.js',
};

describe('parsePageConfig', () => {
  it('opens v1 unless connectGeneration says otherwise', () => {
    expect(parsePageConfig(BASE)).toMatchObject({ connectGeneration: 'v1', connectClientUrl: undefined });
  });

  it('reads the current generation with the client URL', () => {
    const config = parsePageConfig({
      ...BASE,
      connectGeneration: 'current',
      connectClientUrl: 'http://127.0.0.1:3000/sandbox/connect-client.js',
    });

    expect(config).toMatchObject({
      connectGeneration: 'current',
      connectClientUrl: 'http://127.0.0.1:3000/sandbox/connect-client.js',
    });
  });

  it('names connectClientUrl when the current generation has none', () => {
    expect(() => parsePageConfig({ ...BASE, connectGeneration: 'current' })).toThrow(
      new PageConfigError('config.json: "connectClientUrl" is required'),
    );
  });

  it('refuses a generation it does not know', () => {
    expect(() => parsePageConfig({ ...BASE, connectGeneration: 'v2' })).toThrow(/"connectGeneration" must be/);
  });
});
