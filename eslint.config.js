// Lint: eslint + typescript-eslint over every TypeScript source in the repository.
import js from '@eslint/js';
import globals from 'globals';
import reactHooks from 'eslint-plugin-react-hooks';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['node_modules/**', 'dist/**', 'build/**', 'test-artifacts/**', '.lab/**'] },
  js.configs.recommended,
  ...tseslint.configs.strict,
  {
    languageOptions: { globals: { ...globals.node } },
    rules: {
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_' },
      ],
      '@typescript-eslint/consistent-type-imports': 'error',
      'no-console': 'off',
      eqeqeq: ['error', 'always'],
      // noUncheckedIndexedAccess makes index reads optional; a `!` after a bounds check is fine
      '@typescript-eslint/no-non-null-assertion': 'off',
    },
  },
  {
    files: ['app/renderer/**'],
    languageOptions: { globals: { ...globals.browser } },
  },
  {
    // Hooks rules for every React component and hook, the tests' own included.
    files: ['app/renderer/**/*.{ts,tsx}', 'test/**/*.tsx'],
    ...reactHooks.configs.flat['recommended-latest'],
  },
  {
    files: ['app/renderer/**/*.{ts,tsx}', 'test/**/*.tsx'],
    // A missing effect dependency is a stale-state bug, not a style note.
    rules: { 'react-hooks/exhaustive-deps': 'error' },
  },
);
