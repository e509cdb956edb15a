import { OutputFormat, SourceMapMode } from 'aws-cdk-lib/aws-lambda-nodejs';
import { describe, expect, it } from 'vitest';
import { ESM_REQUIRE_BANNER, FUNCTION_ESBUILD_OPTIONS } from '../../infra/function-bundling.js';
import { toNodejsBundling, UnsupportedBundlingOptionError } from '../../infra/function-defaults.js';

describe('toNodejsBundling', () => {
  it('expresses the shared esbuild options as local NodejsFunction bundling that bundles the AWS SDK', () => {
    const bundling = toNodejsBundling();

    expect(bundling).toEqual({
      forceDockerBundling: false,
      bundleAwsSDK: true,
      format: OutputFormat.ESM,
      target: 'node24',
      minify: true,
      sourceMap: true,
      sourceMapMode: SourceMapMode.DEFAULT,
      mainFields: ['module', 'main'],
      banner: ESM_REQUIRE_BANNER,
      externalModules: [...FUNCTION_ESBUILD_OPTIONS.external],
      inject: ['./functions/bundle-shims/lazy-source-map.ts'],
      esbuildArgs: {
        '--legal-comments': 'none',
        '--sources-content': 'false',
        '--alias': [
          'node:http=./functions/bundle-shims/http.ts',
          'http=./functions/bundle-shims/http.ts',
          'node:https=./functions/bundle-shims/https.ts',
          'https=./functions/bundle-shims/https.ts',
          'node:http2=./functions/bundle-shims/http2.ts',
          'http2=./functions/bundle-shims/http2.ts',
          'semver=./functions/bundle-shims/semver.ts',
        ],
      },
    });
  });

  it('follows the shared options when they change', () => {
    const bundling = toNodejsBundling({ ...FUNCTION_ESBUILD_OPTIONS, minify: false, sourcemap: 'inline' });

    expect(bundling).toMatchObject({ minify: false, sourceMap: true, sourceMapMode: SourceMapMode.INLINE });
  });

  it.each([
    ['an option it does not know', { ...FUNCTION_ESBUILD_OPTIONS, treeShaking: false }],
    ['a browser build', { ...FUNCTION_ESBUILD_OPTIONS, platform: 'browser' }],
    ['an unbundled build', { ...FUNCTION_ESBUILD_OPTIONS, bundle: false }],
    ['an IIFE bundle', { ...FUNCTION_ESBUILD_OPTIONS, format: 'iife' }],
    ['a CSS banner', { ...FUNCTION_ESBUILD_OPTIONS, banner: { css: '/* x */' } }],
  ])('refuses %s rather than bundle differently from the benchmark', (_case, options) => {
    expect(() => toNodejsBundling(options)).toThrow(UnsupportedBundlingOptionError);
  });
});
