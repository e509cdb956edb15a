/**
 * The architecture's import rules (docs/design.md#layout), checked by test/architecture/imports.test.ts
 * and by hand with `npx depcruise functions infra client local scripts bench web`.
 * Paths are relative to the repository root.
 */
const FUNCTION_ROOMS = 'functions/(adapters|commons|contract|domain|http|reader)/';
/** A Lambda entry: a file directly in functions/ (wiring only). */
const ENTRY = '^functions/[^/]+\\.ts$';

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'no-cycles',
      comment: 'No module reaches itself again through its imports, type imports included.',
      severity: 'error',
      from: {},
      to: { circular: true },
    },
    {
      name: 'production-apart-from-tooling',
      comment:
        'What deploys (functions/, infra/, client/) never imports local mode, the benchmark, the tests or the example page.',
      severity: 'error',
      from: { path: '^(functions|infra|client)/' },
      to: { path: '^(local|bench|test|web)/' },
    },
    {
      name: 'production-apart-from-scripts',
      comment: 'Only the repository\u2019s own CDK app (infra/app.ts) builds the bundles first through scripts/.',
      severity: 'error',
      from: { path: '^(functions|infra|client)/', pathNot: '^infra/app\\.ts$' },
      to: { path: '^scripts/' },
    },
    {
      name: 'local-apart-from-tests',
      comment: 'Local mode, the scripts and the example page never import the tests or the benchmark.',
      severity: 'error',
      from: { path: '^(local|scripts|web)/' },
      to: { path: '^(bench|test)/' },
    },
    {
      name: 'functions-apart-from-infra',
      comment: 'The Lambda code knows nothing of CDK or of the service client.',
      severity: 'error',
      from: { path: '^functions/' },
      to: { path: '^(infra|client)/' },
    },
    {
      name: 'entries-are-leaves',
      comment: 'An entry wires; nothing in functions/ imports one.',
      severity: 'error',
      from: { path: '^functions/' },
      to: { path: ENTRY },
    },
    {
      name: 'contract-stands-alone',
      comment: 'The API\u2019s schemas and route table import no other room of functions/.',
      severity: 'error',
      from: { path: '^functions/contract/' },
      to: { path: FUNCTION_ROOMS, pathNot: '^functions/contract/' },
    },
    {
      name: 'commons-below-the-work',
      comment: 'Configuration, telemetry and limits know nothing of the domain, the adapters or the edge.',
      severity: 'error',
      from: { path: '^functions/commons/' },
      to: { path: '^functions/(adapters|domain|http|reader)/' },
    },
    {
      name: 'domain-owns-its-ports',
      comment: 'The domain names the interfaces it needs (domain/ports.ts); it imports no adapter, edge or SDK.',
      severity: 'error',
      from: { path: '^functions/domain/' },
      to: { path: ['^functions/(adapters|http|reader)/', '^node_modules/@aws-sdk/', '^node_modules/@middy/'] },
    },
    {
      name: 'adapters-below-the-edge',
      comment: 'Adapters translate AWS and Human API into the domain\u2019s terms; they know nothing of HTTP answers.',
      severity: 'error',
      from: { path: '^functions/adapters/' },
      to: { path: '^functions/(http|reader)/' },
    },
    {
      name: 'edge-without-adapters',
      comment: 'The HTTP edge maps requests and errors; the entries hand it the adapters.',
      severity: 'error',
      from: { path: '^functions/http/' },
      to: { path: '^functions/(adapters|reader)/' },
    },
    {
      name: 'infra-takes-constants-only',
      comment:
        'The construct reads the functions\u2019 constants and rules (route table, table layout, attribute lists, limits), never Lambda runtime code.',
      severity: 'error',
      from: { path: '^infra/' },
      to: {
        path: '^functions/',
        pathNot: [
          '^functions/contract/',
          '^functions/commons/(config|cors-rules|limits|tables|telemetry|time-budget)\\.ts$',
          '^functions/adapters/token-table/attributes\\.ts$',
        ],
      },
    },
    {
      name: 'client-takes-contract-and-reader',
      comment: 'The service client is typed from the API\u2019s schemas and re-exports the reader; nothing else of functions/.',
      severity: 'error',
      from: { path: '^client/' },
      to: { path: '^functions/', pathNot: ['^functions/contract/', '^functions/reader/'] },
    },
  ],
  options: {
    // TypeScript 7 has no JavaScript API dependency-cruiser can use; swc parses the sources.
    parser: 'swc',
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '(^|/)(dist|cdk\\.out[^/]*|node_modules)/' },
  },
};
