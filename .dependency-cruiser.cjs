/**
 * Import boundaries (DEVELOPERS.md "How we write code"):
 * - the engine (IKE) never imports Electron, UI, helper or data-plane internals;
 * - the renderer imports only app/shared/ui (the UI contract) of ours, and no Node built-ins;
 * - app/shared (bundled into the renderer) imports no Node built-ins either;
 * - the helper and the data plane never import IKE state (app/engine);
 * - app/shared is the only module set everyone may import, and it imports nothing of ours;
 * - only the Electron shell (app/main/electron) imports electron, and nothing imports the shell;
 * - outside the engine, code uses only its public surface (app/engine/index.ts, api.ts).
 */
module.exports = {
  forbidden: [
    {
      name: 'engine-no-electron-or-ui',
      severity: 'error',
      from: { path: '^app/engine' },
      to: {
        path: '(^|/)node_modules/(electron|react|react-dom)/|^app/(main|renderer|helper|cli)/',
      },
    },
    {
      name: 'engine-no-dataplane-internals',
      severity: 'error',
      from: { path: '^app/engine' },
      to: { path: '^app/dataplane/' },
    },
    {
      // the renderer sees the service only through the UI contract in app/shared/ui
      name: 'renderer-imports-only-ui-contract',
      severity: 'error',
      from: { path: '^app/renderer/' },
      to: { path: '^app/', pathNot: '^app/(renderer|shared/ui)/' },
    },
    {
      // app/shared is bundled into the renderer, so neither may use Node built-ins
      name: 'renderer-and-shared-no-node-builtins',
      severity: 'error',
      from: { path: '^app/(renderer|shared)/' },
      to: { dependencyTypes: ['core'] },
    },
    {
      name: 'helper-no-ike-state',
      severity: 'error',
      from: { path: '^app/(helper|dataplane)' },
      to: { path: '^app/(engine|main|renderer|cli)/' },
    },
    {
      name: 'shared-is-a-leaf',
      severity: 'error',
      from: { path: '^app/shared' },
      to: { path: '^app/(?!shared/)' },
    },
    {
      // the service in app/main also runs without Electron (`roadwarrior ui`)
      name: 'electron-only-in-shell',
      severity: 'error',
      from: { pathNot: '^app/main/electron/' },
      to: { path: '(^|/)node_modules/electron/' },
    },
    {
      // nothing reaches the shell's modules, so no path leads to electron from code that also
      // runs without it
      name: 'electron-shell-is-a-root',
      severity: 'error',
      from: { pathNot: '^app/main/electron/' },
      to: { path: '^app/main/electron/' },
    },
    {
      name: 'engine-public-surface-only',
      severity: 'error',
      from: { pathNot: '^app/engine/' },
      to: { path: '^app/engine/', pathNot: '^app/engine/(index|api)[.]ts$' },
    },
    {
      name: 'no-circular',
      severity: 'error',
      from: {},
      to: { circular: true },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default'],
      extensions: ['.ts', '.tsx', '.js', '.mjs'],
    },
  },
};
