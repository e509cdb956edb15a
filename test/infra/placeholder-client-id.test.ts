import { describe, expect, it } from 'vitest';
import { PLACEHOLDER_CLIENT_ID } from '../../infra/placeholder-client-id.js';
import { cdkJsonContext, synthesizeFromContext } from './stack-fixture.js';

describe('the placeholder clientId of cdk.json', () => {
  it('is the value cdk.json ships', () => {
    expect(cdkJsonContext().clientId).toBe('replace-with-your-human-api-client-id');
    expect(PLACEHOLDER_CLIENT_ID).toBe('replace-with-your-human-api-client-id');
  });

  it('synthesizes, with a CloudFormation rule that refuses to deploy it, naming clientId', () => {
    const { template } = synthesizeFromContext();
    const json = template.toJSON();

    expect(json.Parameters.ClientId).toMatchObject({ Type: 'String', Default: PLACEHOLDER_CLIENT_ID });
    expect(json.Rules.ClientIdIsNotThePlaceholder).toEqual({
      Assertions: [
        {
          Assert: { 'Fn::Not': [{ 'Fn::Equals': [{ Ref: 'ClientId' }, PLACEHOLDER_CLIENT_ID] }] },
          AssertDescription: expect.stringMatching(/^clientId is still the placeholder/),
        },
      ],
    });
  });

  it('hands the functions the parameter, so --parameters ClientId=... deploys a working stack', () => {
    const { template } = synthesizeFromContext();
    const functions = Object.values(template.findResources('AWS::Lambda::Function'));
    // The notifications receiver names no Human API app: it checks its secrets and queues.
    const receiver = (fn: (typeof functions)[number]) =>
      String(fn.Metadata['aws:cdk:path']).includes('/ReceiveNotification/');

    expect(functions.filter(receiver)).toHaveLength(1);
    for (const fn of functions.filter((candidate) => !receiver(candidate))) {
      expect(fn.Properties.Environment.Variables).toMatchObject({ HUMANAPI_CLIENT_ID: { Ref: 'ClientId' } });
    }
    expect(functions.find(receiver)?.Properties.Environment.Variables.HUMANAPI_CLIENT_ID).toBeUndefined();
  });

  it('adds neither rule nor parameter for a real client ID', () => {
    const json = synthesizeFromContext({ clientId: 'c'.repeat(40) }).template.toJSON();

    expect(json.Parameters?.ClientId).toBeUndefined();
    expect(json.Rules?.ClientIdIsNotThePlaceholder).toBeUndefined();
  });
});
