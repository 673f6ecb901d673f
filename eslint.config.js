// ESLint (flat config) with typescript-eslint's recommended rules, set to what the code follows.
// No stylistic rules: formatting is not checked. Run: npm run lint
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  {linterOptions: {reportUnusedDisableDirectives: 'off'}},
  {
    // build outputs and generated files are not source
    ignores: ['dist/**', '**/build/**', 'node_modules/**', 'coverage/**', '**/*.generated.*', '**/generated/**', '**/*.min.js', 'native/**/*.js'],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: {ecmaVersion: 2022, sourceType: 'module'},
    rules: {
      // an unused parameter, binding or destructured key is named `_x` (or kept with `void x`)
      '@typescript-eslint/no-unused-vars': [
        'error',
        {argsIgnorePattern: '^_', varsIgnorePattern: '^_', destructuredArrayIgnorePattern: '^_', caughtErrors: 'none', ignoreRestSiblings: true},
      ],
      // `any` is written where a value really is untyped (a kernel table entry, a user's kwargs)
      '@typescript-eslint/no-explicit-any': 'off',
      // numeric constants are written with every digit their source gives (polynomial coefficients)
      'no-loss-of-precision': 'off',
      // a default assigned first and overwritten on some paths is the house's way
      'no-useless-assignment': 'off',
      // `let [a, b] = f()` where only `a` changes later is fine
      'prefer-const': ['error', {destructuring: 'all'}],
      // ANSI escapes in patterns that strip terminal colours
      'no-control-regex': 'off',
      // `interface XArgs extends YArgs {}` names a layer's options as Keras does
      '@typescript-eslint/no-empty-object-type': ['error', {allowInterfaces: 'with-single-extends', allowObjectTypes: 'always'}],
    },
  },
  {
    // the scripts run under Node
    files: ['**/*.mjs', '**/*.js', '**/*.cjs'],
    languageOptions: {
      globals: {process: 'readonly', console: 'readonly', URL: 'readonly', Buffer: 'readonly', setTimeout: 'readonly', clearTimeout: 'readonly', performance: 'readonly'},
    },
  },
  {
    // the browser demo runs in a page
    files: ['examples/browser/**/*.js'],
    languageOptions: {globals: {document: 'readonly', window: 'readonly', localStorage: 'readonly', fetch: 'readonly', requestAnimationFrame: 'readonly'}},
  },
  {
    // the CommonJS entry of the package
    files: ['**/*.cjs'],
    languageOptions: {sourceType: 'commonjs', globals: {module: 'writable', require: 'readonly', exports: 'writable', __dirname: 'readonly'}},
    rules: {'@typescript-eslint/no-require-imports': 'off'},
  },
);
