/**
 * The platform: the only environment-specific code (../shared/DESIGN.md). This re-exports the Node
 * side; package.json's `browser` field maps `platform/node/index` to `platform/browser/index`, so a
 * bundler building for a page (esbuild, webpack, Vite) takes the browser side instead.
 */
export * from './node/index.js';
