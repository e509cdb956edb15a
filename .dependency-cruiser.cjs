/**
 * The architecture's import rules (docs/design.md#layout), checked by test/architecture/imports.test.ts
 * and by hand with `npx depcruise functions infra client local scripts bench web`.
 * Paths are relative to the repository root.
 */
const FUNCTION_ROOMS = 'functions/(adapters|commons|contract|domain|http|reader)/';
/** A Lambda entry: a file directly in functions/ (wiring only). */
const ENTRY = '^functions/[^/]+\\.ts$';

/**
 * A forbidden import: from files matching `from` (but not `fromNot`) to files matching `to` (but
 * not `toNot`).
 */
const forbid = (name, comment, { from, fromNot, to, toNot }) => ({
  name,
  comment,
  severity: 'error',
  from: { path: from, ...(fromNot === undefined ? {} : { pathNot: fromNot }) },
  to: { path: to, ...(toNot === undefined ? {} : { pathNot: toNot }) },
});

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
    forbid(
      'production-apart-from-tooling',
      'What deploys (functions/, infra/, client/) never imports local mode, the benchmark, the tests or the example page.',
      { from: '^(functions|infra|client)/', to: '^(local|bench|test|web)/' },
    ),
    forbid(
      'production-apart-from-scripts',
      'Only the repository\u2019s own CDK app (infra/app.ts) builds the bundles first through scripts/.',
      { from: '^(functions|infra|client)/', fromNot: '^infra/app\\.ts$', to: '^scripts/' },
    ),
    forbid(
      'local-apart-from-tests',
      'Local mode, the scripts and the example page never import the tests or the benchmark.',
      {
        from: '^(local|scripts|web)/',
        to: '^(bench|test)/',
      },
    ),
    forbid('functions-apart-from-infra', 'The Lambda code knows nothing of CDK or of the service client.', {
      from: '^functions/',
      to: '^(infra|client)/',
    }),
    forbid('entries-are-leaves', 'An entry wires; nothing in functions/ imports one.', {
      from: '^functions/',
      to: ENTRY,
    }),
    forbid('contract-stands-alone', 'The API\u2019s schemas and route table import no other room of functions/.', {
      from: '^functions/contract/',
      to: FUNCTION_ROOMS,
      toNot: '^functions/contract/',
    }),
    forbid(
      'commons-below-the-work',
      'Configuration, telemetry and limits know nothing of the domain, the adapters or the edge.',
      { from: '^functions/commons/', to: '^functions/(adapters|domain|http|reader)/' },
    ),
    forbid(
      'domain-owns-its-ports',
      'The domain names the interfaces it needs (domain/ports.ts); it imports no adapter, edge or SDK.',
      {
        from: '^functions/domain/',
        to: ['^functions/(adapters|http|reader)/', '^node_modules/@aws-sdk/', '^node_modules/@middy/'],
      },
    ),
    forbid(
      'adapters-below-the-edge',
      'Adapters translate AWS and Human API into the domain\u2019s terms; they know nothing of HTTP answers.',
      { from: '^functions/adapters/', to: '^functions/(http|reader)/' },
    ),
    forbid('edge-without-adapters', 'The HTTP edge maps requests and errors; the entries hand it the adapters.', {
      from: '^functions/http/',
      to: '^functions/(adapters|reader)/',
    }),
    forbid(
      'infra-takes-constants-only',
      'The construct reads the functions\u2019 constants and rules (route table, table layout, attribute lists, limits), never Lambda runtime code.',
      {
        from: '^infra/',
        to: '^functions/',
        toNot: [
          '^functions/contract/',
          '^functions/commons/(config|cors-rules|limits|tables|telemetry|time-budget)\\.ts$',
          '^functions/adapters/token-table/attributes\\.ts$',
        ],
      },
    ),
    forbid(
      'client-takes-contract-and-reader',
      'The service client is typed from the API\u2019s schemas and re-exports the reader; nothing else of functions/.',
      { from: '^client/', to: '^functions/', toNot: ['^functions/contract/', '^functions/reader/'] },
    ),
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
