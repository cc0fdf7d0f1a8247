// Builds the renderer (app/renderer) into dist/renderer: relative asset URLs (served below the
// web host's token and from Electron's app:// protocol), no inline script, no module-preload
// polyfill (it would need a connect-src the CSP does not give).
import react from '@vitejs/plugin-react';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

export default defineConfig({
  root: fileURLToPath(new URL('./app/renderer', import.meta.url)),
  base: './',
  plugins: [react()],
  build: {
    outDir: fileURLToPath(new URL('./dist/renderer', import.meta.url)),
    emptyOutDir: true,
    modulePreload: { polyfill: false },
    assetsInlineLimit: 0,
    target: 'chrome120',
  },
});
