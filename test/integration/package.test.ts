/**
 * The package as a team installs it (docs/deploy.md#in-your-own-cdk-app): `npm pack`'s tarball,
 * installed into scratch projects outside the repository (test/support/scratch-install.ts), used
 * only through its `exports`: a CDK app that embeds the construct in a stack of its own with a
 * reader in another stack, synthesized with every cdk-nag pack; and a service that calls the IAM
 * routes of a running local mode with the client.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mintSession, post } from '../support/http.js';
import { type LocalModeProcess, startLocalModeProcess } from '../support/local-mode.js';
import { installTarball, packRepository } from '../support/scratch-install.js';

/** Node.js 24, as the project runs it. */
const NODE = process.execPath;

let workDir: string;
let tarball: string;

beforeAll(() => {
  workDir = mkdtempSync(join(tmpdir(), 'package-test-'));
  tarball = packRepository(workDir);
}, 300_000);

afterAll(() => rmSync(workDir, { recursive: true, force: true }));

/** A scratch project with the tarball and `alsoInstall`, holding `files`; answers its folder. */
function scratchProject(name: string, alsoInstall: string[], files: Record<string, string>): string {
  const project = join(workDir, name);
  mkdirSync(project, { recursive: true });
  writeFileSync(join(project, 'package.json'), JSON.stringify({ name, private: true, type: 'module' }));
  installTarball(tarball, project, alsoInstall);
  for (const [file, text] of Object.entries(files)) writeFileSync(join(project, file), text);
  return project;
}

describe('the tarball', () => {
  it('holds the licence, the notice, the built JavaScript with its types, and the prebuilt bundles, and no source or test', () => {
    const listing = execFileSync('tar', ['-tzf', tarball], { encoding: 'utf8' }).split('\n').filter(Boolean);

    expect(listing).toEqual(
      expect.arrayContaining([
        'package/LICENSE',
        'package/NOTICE',
        'package/package.json',
        'package/dist/infra/index.js',
        'package/dist/infra/index.d.ts',
        'package/dist/client/index.js',
        'package/dist/client/index.d.ts',
        'package/dist/bundles/finishSession/index.mjs',
        'package/dist/bundles/drainOutbox/index.mjs',
      ]),
    );
    expect(listing.filter((path) => /\.ts$/.test(path) && !path.endsWith('.d.ts'))).toEqual([]);
    expect(listing.filter((path) => /^package\/(test|local|bench|web|scripts)\//.test(path))).toEqual([]);
  });

  it('declares the CDK as an optional peer, so a service that uses only the client installs no CDK', () => {
    const manifest = JSON.parse(execFileSync('tar', ['-xzOf', tarball, 'package/package.json'], { encoding: 'utf8' }));

    expect(manifest.license).toBe('Apache-2.0');
    expect(manifest.peerDependencies).toEqual({ 'aws-cdk-lib': expect.any(String), constructs: expect.any(String) });
    expect(manifest.peerDependenciesMeta).toEqual({
      'aws-cdk-lib': { optional: true },
      constructs: { optional: true },
    });
    expect(Object.keys(manifest.dependencies)).not.toContain('aws-cdk-lib');
    expect(Object.keys(manifest.exports)).toEqual(['./cdk', './client', './package.json']);
  });
});

describe('a team\u2019s CDK app with the construct', () => {
  it('synthesizes with every cdk-nag pack, with a reader and an app back end in a stack of its own', () => {
    const project = scratchProject('team-cdk-app', ['aws-cdk-lib', 'constructs', 'cdk-nag'], {
      'app.mjs': `
import { App, Stack, Validations } from 'aws-cdk-lib';
import { Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { AwsSolutionsChecks, HIPAASecurityChecks, NIST80053R5Checks } from 'cdk-nag';
import { HumanConnectBackend } from 'humanapi-connect-backend/cdk';

const app = new App({ outdir: process.argv[2] });
const platform = new Stack(app, 'Platform');
const backend = new HumanConnectBackend(platform, 'HumanConnect', {
  clientId: 'c'.repeat(40),
  allowedOrigins: ['https://app.example.com'],
});
const services = new Stack(app, 'Services');
const lambda = new ServicePrincipal('lambda.amazonaws.com');
backend.grantAccessTokenRead(new Role(services, 'HealthSync', { assumedBy: lambda }));
const appBackend = new Role(services, 'AppBackend', { assumedBy: lambda });
backend.grantIamRoutes(appBackend);
// The team's own roles are the team's to judge.
for (const pack of ['HIPAA.Security', 'NIST.800.53.R5']) {
  Validations.of(services).acknowledge({ id: pack + '-IAMNoInlinePolicy', reason: 'The scratch app shows the grants; its own policies are not under test.' });
}
// The per-user routes (the data gateway, deleting a user) name every user with *: the ids are the ones cdk-nag prints.
Validations.of(appBackend).acknowledge({
  id: 'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:execute-api:<AWS::Region>:<AWS::AccountId>:Platform:ExportsOutputRefHumanConnectHttpApi2E2DCFD6DDAB535A/$default/GET/users/*/human/*]',
  reason: 'The app back end reads the health data of any of its users through the data gateway.',
});
Validations.of(appBackend).acknowledge({
  id: 'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:execute-api:<AWS::Region>:<AWS::AccountId>:Platform:ExportsOutputRefHumanConnectHttpApi2E2DCFD6DDAB535A/$default/DELETE/users/*]',
  reason: 'The app back end deletes any of its users who leave the app.',
});
Validations.of(app).addPlugins(new AwsSolutionsChecks(), new HIPAASecurityChecks(), new NIST80053R5Checks());
app.synth();
`,
    });
    const out = join(project, 'cdk.out');

    execFileSync(NODE, ['app.mjs', out], { cwd: project, stdio: 'pipe', timeout: 120_000 });

    const services = JSON.parse(readFileSync(join(out, 'Services.template.json'), 'utf8'));
    const roles = Object.values(services.Resources as Record<string, { Type: string; Properties: { Path?: string } }>)
      .filter((resource) => resource.Type === 'AWS::IAM::Role')
      .map((role) => role.Properties.Path);
    // The reader is under the backend's reader path; the app back end is not (sort() puts undefined last).
    expect(roles.sort()).toEqual([
      expect.stringMatching(/^\/humanapi-connect\/PlatformHumanConnect[0-9A-F]{8}\/access-token-readers\/$/),
      undefined,
    ]);
    const platform = JSON.parse(readFileSync(join(out, 'Platform.template.json'), 'utf8'));
    const runtimes = Object.values(
      platform.Resources as Record<string, { Type: string; Properties: { Runtime?: string } }>,
    )
      .filter((resource) => resource.Type === 'AWS::Lambda::Function')
      .map((fn) => fn.Properties.Runtime);
    expect(new Set(runtimes)).toEqual(new Set(['nodejs24.x']));
  });
});

describe('a team\u2019s service with the client, against local mode', () => {
  let local: LocalModeProcess;
  let dataDir: string;

  beforeAll(async () => {
    // Not in memory: local mode writes the service environment to .data/local-aws.env.
    dataDir = join(workDir, 'local-mode');
    mkdirSync(dataDir, { recursive: true });
    local = await startLocalModeProcess({ cwd: dataDir, inMemory: false });
  }, 120_000);

  afterAll(() => local?.stop());

  it('recovers a user\u2019s publicToken over SigV4 and reads the access token Human API issued, with only the printed environment', async () => {
    const session = await mintSession(local.apiUrl, 'service-user@example.com');
    const finished = await post(`${local.apiUrl}/sessions`, session);
    expect(finished.status).toBe(200);
    const project = scratchProject('team-service', [], {
      'service.mjs': `
import { createConnectBackendClient, readAccessToken } from 'humanapi-connect-backend/client';

const clientUserId = process.argv[2];
const client = createConnectBackendClient({
  apiUrl: process.env.HUMANCONNECT_API_URL,
  credentials: {
    accessKeyId: process.env.HUMANCONNECT_IAM_ACCESS_KEY_ID,
    secretAccessKey: process.env.HUMANCONNECT_IAM_SECRET_ACCESS_KEY,
  },
});
const recovered = await client.recoverPublicToken({ clientUserId });
const accessToken = await readAccessToken({ clientUserId });
// Human API's data API is the judge of the token: the sandbox accepts only tokens it issued.
const profile = await fetch(process.env.HUMANAPI_DATA_BASE_URL + '/v1/human/profile', {
  headers: { authorization: 'Bearer ' + accessToken },
});
console.log(JSON.stringify({ recovered, profileStatus: profile.status }));
`,
    });

    // As docs/local-mode.md tells a team: load the file, then run the service.
    const output = execFileSync(
      '/bin/sh',
      [
        '-c',
        `set -a; . '${join(dataDir, '.data', 'local-aws.env')}'; set +a; exec '${NODE}' service.mjs "$0"`,
        'service-user@example.com',
      ],
      { cwd: project, encoding: 'utf8', env: { PATH: process.env.PATH ?? '' }, timeout: 60_000 },
    );

    expect(JSON.parse(output)).toEqual({
      recovered: {
        humanId: session.humanId,
        clientUserId: 'service-user@example.com',
        publicToken: finished.json.publicToken,
      },
      profileStatus: 200,
    });
  });

  it('reads a user\u2019s activity pages through the data gateway with only the client and IAM credentials, and never sees a token', async () => {
    const clientUserId = 'gateway-user@example.com';
    const session = await mintSession(local.apiUrl, clientUserId);
    expect((await post(`${local.apiUrl}/sessions`, session)).status).toBe(200);
    const project = scratchProject('team-data-service', [], {
      'service.mjs': `
import { createConnectBackendClient } from 'humanapi-connect-backend/client';

const client = createConnectBackendClient({
  apiUrl: process.env.HUMANCONNECT_API_URL,
  credentials: {
    accessKeyId: process.env.HUMANCONNECT_IAM_ACCESS_KEY_ID,
    secretAccessKey: process.env.HUMANCONNECT_IAM_SECRET_ACCESS_KEY,
  },
});
const pages = [];
for await (const page of client.humanDataPages(process.argv[2], 'activities/summaries', { limit: 40 })) {
  pages.push(page);
}
// Everything the service received, whole: the test scans it for tokens.
console.log(JSON.stringify(pages));
`,
    });

    // Only the API's URL and the IAM principal: no AWS endpoint, table, key or Human API URL.
    const output = execFileSync(NODE, ['service.mjs', clientUserId], {
      cwd: project,
      encoding: 'utf8',
      env: {
        PATH: process.env.PATH ?? '',
        HUMANCONNECT_API_URL: local.apiUrl,
        HUMANCONNECT_IAM_ACCESS_KEY_ID: 'AKIALOCALDEVELOPMENT',
        HUMANCONNECT_IAM_SECRET_ACCESS_KEY: 'local-development-secret',
      },
      timeout: 60_000,
    });

    const pages = JSON.parse(output) as { data: { date: string; steps: number }[]; totalCount: number }[];
    // 90 days of one source, 40 a page.
    expect(pages.map((page) => [page.data.length, page.totalCount])).toEqual([
      [40, 90],
      [40, 90],
      [10, 90],
    ]);
    const dates = pages.flatMap((page) => page.data.map((day) => day.date));
    expect(new Set(dates).size).toBe(90);
    expect(pages[0]?.data[0]).toEqual(
      expect.objectContaining({ date: expect.stringMatching(/^\d{4}-\d{2}-\d{2}$/), steps: expect.any(Number) }),
    );
    // The sandbox's access tokens are 40 hex characters, its ids 24: nothing token-shaped reached the service.
    expect(output.match(/[0-9a-f]{32,}/gi)).toBeNull();
  });

  it('refuses, before sending, a request the API would refuse, and answers the API\u2019s refusals as errors with their problem', async () => {
    const script = (body: string) => `
import { createConnectBackendClient, ConnectBackendError } from 'humanapi-connect-backend/client';
const client = createConnectBackendClient({
  apiUrl: process.env.HUMANCONNECT_API_URL,
  credentials: { accessKeyId: process.env.HUMANCONNECT_IAM_ACCESS_KEY_ID, secretAccessKey: process.env.HUMANCONNECT_IAM_SECRET_ACCESS_KEY },
});
try { ${body}; console.log('no error'); } catch (error) {
  console.log(JSON.stringify({ error: error instanceof ConnectBackendError, status: error.status, type: error.problem?.type ?? null, message: error.message }));
}`;
    const project = scratchProject('team-service-refusals', [], {});
    writeFileSync(
      join(project, 'refused.mjs'),
      script(`await client.recoverPublicToken({ clientUserId: 'nobody-${Date.now()}' })`),
    );
    writeFileSync(join(project, 'invalid.mjs'), script(`await client.recoverPublicToken({ clientUserId: '' })`));
    const run = (file: string) =>
      JSON.parse(
        execFileSync(
          '/bin/sh',
          ['-c', `set -a; . '${join(dataDir, '.data', 'local-aws.env')}'; set +a; exec '${NODE}' ${file}`],
          {
            cwd: project,
            encoding: 'utf8',
            env: { PATH: process.env.PATH ?? '' },
            timeout: 60_000,
          },
        ),
      );

    expect(run('refused.mjs')).toEqual({
      error: true,
      status: 404,
      type: 'urn:humanconnect:problem:no-token-record',
      message: expect.stringMatching(/^Not found: /),
    });
    expect(run('invalid.mjs')).toEqual({
      error: true,
      status: 400,
      type: null,
      message: "The request fails the API's rules: clientUserId",
    });
  });
});
